import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { methods, type Result } from '../../../shared/api/contract';
import { AppError } from '../../../shared/errors/catalogue';
import { createBackend, type Dialogs } from './backend';
import { dispatch, type Handlers } from './dispatch';
import { MAX_READ_BYTES, resolveUserPath } from './files';

let tmp: string;
let work: string;
let backend: Handlers;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-backend-'));
  work = path.join(tmp, 'work');
  await fs.mkdir(work);
  backend = createBackend({ dataDir: path.join(tmp, 'data'), version: '9.9.9', transport: 'ws', workingDirectory: work });
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function call(method: unknown, request: unknown, handlers: Handlers = backend): Promise<Result<unknown>> {
  return dispatch(handlers, method, request);
}

function expectError(result: Result<unknown>, code: string): Record<string, unknown> {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value)}`);
  expect(result.error.code).toBe(code);
  return result.error as unknown as Record<string, unknown>;
}

describe('dispatch', () => {
  it('answers every contract method, so no method is left without a handler', () => {
    expect(Object.keys(backend).sort()).toEqual(Object.keys(methods).sort());
  });

  it('refuses an unknown method name with UNKNOWN_METHOD', async () => {
    const error = expectError(await call('file.delete', {}), 'UNKNOWN_METHOD');
    expect(error.message).toContain('file.delete');
  });

  it('refuses a non-string method name without throwing', async () => {
    expectError(await call({ toString: 1 }, {}), 'UNKNOWN_METHOD');
  });

  it('does not treat inherited object keys such as toString as methods', async () => {
    expectError(await call('toString', {}), 'UNKNOWN_METHOD');
  });

  it('names the offending field path when a request is malformed', async () => {
    const error = expectError(await call('file.write', { path: 'a.vxlan.json', text: 42 }), 'BAD_REQUEST');
    expect(error.detail).toMatchObject({ path: 'text', method: 'file.write' });
    expect(error.message).toContain('text');
  });

  it('refuses a request that is not an object', async () => {
    const error = expectError(await call('file.read', 'notes.txt'), 'BAD_REQUEST');
    expect(error.detail).toMatchObject({ path: '(request)' });
  });

  it('passes an AppError thrown by a handler through as its data', async () => {
    const failing: Handlers = { ...backend, 'recent.list': () => Promise.reject(new AppError('LOCKED', 'held by deploy 7')) };
    const error = expectError(await call('recent.list', {}, failing), 'LOCKED');
    expect(error.message).toBe('held by deploy 7');
  });

  it('turns any other exception into INTERNAL without its message or stack', async () => {
    const failing: Handlers = {
      ...backend,
      'recent.list': () => Promise.reject(new Error('password=hunter2 at /secret/place')),
    };
    const logged: unknown[] = [];
    const result = await dispatch(failing, 'recent.list', {}, { onInternalError: (_m, e) => logged.push(e) });
    const error = expectError(result, 'INTERNAL');
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(logged).toHaveLength(1);
  });

  it('turns a synchronous throw inside a handler into INTERNAL', async () => {
    const failing: Handlers = {
      ...backend,
      'recent.list': () => {
        throw new TypeError('boom');
      },
    };
    expectError(await call('recent.list', {}, failing), 'INTERNAL');
  });

  it('reports a handler answer that breaks the contract as INTERNAL', async () => {
    const failing = { ...backend, 'recent.list': () => Promise.resolve({ paths: 'nope' }) } as unknown as Handlers;
    expectError(await call('recent.list', {}, failing), 'INTERNAL');
  });
});

describe('app.info', () => {
  it('reports version, transport, working folder and that web mode has no native dialogs', async () => {
    const result = await call('app.info', {});
    expect(result).toEqual({
      ok: true,
      value: { version: '9.9.9', transport: 'ws', platform: process.platform, nativeDialogs: false, workingDirectory: work },
    });
  });
});

describe('file.read and file.write', () => {
  it('round-trips text exactly, resolving a relative path against the working folder', async () => {
    const text = '{\n  "format": 1,\n  "name": "Zürich ⇄ 東京"\n}\n';
    const written = await call('file.write', { path: 'lab.vxlan.json', text });
    expect(written).toEqual({ ok: true, value: { path: path.join(work, 'lab.vxlan.json'), bytes: Buffer.byteLength(text) } });
    expect(await fs.readFile(path.join(work, 'lab.vxlan.json'), 'utf8')).toBe(text);
    expect(await call('file.read', { path: 'lab.vxlan.json' })).toEqual({
      ok: true,
      value: { path: path.join(work, 'lab.vxlan.json'), text },
    });
  });

  it('replaces an existing file and leaves no temp file behind', async () => {
    const file = path.join(work, 'a.vxlan.json');
    await fs.writeFile(file, 'old');
    await fs.chmod(file, 0o600);
    await call('file.write', { path: file, text: 'new' });
    expect(await fs.readFile(file, 'utf8')).toBe('new');
    expect(await fs.readdir(work)).toEqual(['a.vxlan.json']);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('saves with the asked permission bits (umask applied), also over an existing file, and refuses setuid', async () => {
    // The umask this process applies, learnt from a probe file opened with every rwx bit.
    const probe = await fs.open(path.join(work, 'probe'), 'wx', 0o777);
    const allowed = (await probe.stat()).mode & 0o777;
    await probe.close();
    await call('file.write', { path: 'new.sh', text: '#!/bin/sh\n', mode: 0o755 });
    expect(((await fs.stat(path.join(work, 'new.sh'))).mode & 0o777).toString(8)).toBe((0o755 & allowed).toString(8));
    await fs.writeFile(path.join(work, 'old.sh'), 'old', { mode: 0o644 });
    await call('file.write', { path: 'old.sh', text: '#!/bin/sh\n', mode: 0o755 });
    expect(((await fs.stat(path.join(work, 'old.sh'))).mode & 0o777).toString(8)).toBe((0o755 & allowed).toString(8));
    const error = expectError(await call('file.write', { path: 'suid.sh', text: '', mode: 0o4755 }), 'BAD_REQUEST');
    expect(error.detail).toMatchObject({ path: 'mode', method: 'file.write' });
  });

  it('writes through a symlink to its target and keeps the link', async () => {
    const target = path.join(work, 'real.vxlan.json');
    const link = path.join(work, 'link.vxlan.json');
    await fs.writeFile(target, 'old');
    await fs.symlink(target, link);
    await call('file.write', { path: link, text: 'new' });
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(target, 'utf8')).toBe('new');
  });

  it('says FILE_NOT_FOUND and names the path for a missing file', async () => {
    const error = expectError(await call('file.read', { path: 'missing.vxlan.json' }), 'FILE_NOT_FOUND');
    expect(error.message).toContain(path.join(work, 'missing.vxlan.json'));
    expect(error.detail).toEqual({ path: path.join(work, 'missing.vxlan.json') });
  });

  it('says FILE_READ_FAILED for a folder', async () => {
    const error = expectError(await call('file.read', { path: work }), 'FILE_READ_FAILED');
    expect(error.message).toContain('folder');
  });

  it('refuses a file over the size limit before reading it', async () => {
    const big = path.join(work, 'big.vxlan.json');
    await fs.writeFile(big, '');
    await fs.truncate(big, MAX_READ_BYTES + 1);
    const error = expectError(await call('file.read', { path: big }), 'FILE_READ_FAILED');
    expect(error.message).toContain(String(MAX_READ_BYTES));
  });

  it('refuses a file that is not UTF-8 text', async () => {
    await fs.writeFile(path.join(work, 'bin.vxlan.json'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    const error = expectError(await call('file.read', { path: 'bin.vxlan.json' }), 'FILE_READ_FAILED');
    expect(error.message).toContain('UTF-8');
  });

  it('says FILE_WRITE_FAILED naming the missing folder', async () => {
    const error = expectError(await call('file.write', { path: 'no/such/dir/x.vxlan.json', text: '{}' }), 'FILE_WRITE_FAILED');
    expect(error.message).toContain(path.join(work, 'no/such/dir'));
  });

  it('refuses a path with a NUL byte as a bad request', async () => {
    expectError(await call('file.read', { path: 'a\0b' }), 'BAD_REQUEST');
  });
});

describe('resolveUserPath', () => {
  it('resolves relative paths against the working folder, ~/ against home, and keeps absolute ones', () => {
    expect(resolveUserPath('labs/a.vxlan.json', '/srv/work')).toBe('/srv/work/labs/a.vxlan.json');
    expect(resolveUserPath('../a.vxlan.json', '/srv/work')).toBe('/srv/a.vxlan.json');
    expect(resolveUserPath('~/a.vxlan.json', '/srv/work')).toBe(path.join(os.homedir(), 'a.vxlan.json'));
    expect(resolveUserPath('/etc/x.vxlan.json', '/srv/work')).toBe('/etc/x.vxlan.json');
  });
});

describe('recent files', () => {
  it('lists nothing at first', async () => {
    expect(await call('recent.list', {})).toEqual({ ok: true, value: { paths: [] } });
  });

  it('keeps the newest first, without duplicates, at most 10, and persists across restarts', async () => {
    for (let i = 0; i < 12; i++) await call('recent.add', { path: `f${i}.vxlan.json` });
    await call('recent.add', { path: 'f5.vxlan.json' });
    const again = createBackend({ dataDir: path.join(tmp, 'data'), version: '1', transport: 'ipc', workingDirectory: '/' });
    const result = await dispatch(again, 'recent.list', {});
    const expected = [5, 11, 10, 9, 8, 7, 6, 4, 3, 2].map((i) => path.join(work, `f${i}.vxlan.json`));
    expect(result).toEqual({ ok: true, value: { paths: expected } });
  });

  it('loses no entry when adds run concurrently', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => call('recent.add', { path: `${n}.vxlan.json` })));
    const result = await call('recent.list', {});
    expect(result.ok && (result.value as { paths: string[] }).paths).toHaveLength(4);
  });

  it('reads a damaged recent store as empty instead of failing', async () => {
    await fs.mkdir(path.join(tmp, 'data'));
    await fs.writeFile(path.join(tmp, 'data', 'recent.json'), '{not json');
    expect(await call('recent.list', {})).toEqual({ ok: true, value: { paths: [] } });
  });
});

describe('autosave', () => {
  it('reads null when nothing was autosaved', async () => {
    expect(await call('autosave.read', {})).toEqual({ ok: true, value: null });
  });

  it('writes, reads back with its time and original path, then clears', async () => {
    const written = await call('autosave.write', { text: '{"format":1}', path: 'draft.vxlan.json' });
    if (!written.ok) throw new Error(written.error.message);
    const { savedAt } = written.value as { savedAt: string };
    expect(Number.isNaN(Date.parse(savedAt))).toBe(false);
    expect(await call('autosave.read', {})).toEqual({
      ok: true,
      value: { text: '{"format":1}', path: path.join(work, 'draft.vxlan.json'), savedAt },
    });
    expect(await call('autosave.clear', {})).toEqual({ ok: true, value: {} });
    expect(await call('autosave.read', {})).toEqual({ ok: true, value: null });
  });

  it('keeps an untitled drawing with a null path', async () => {
    await call('autosave.write', { text: 'x', path: null });
    const result = await call('autosave.read', {});
    expect(result.ok && result.value).toMatchObject({ text: 'x', path: null });
  });

  it('reports a damaged autosave file instead of silently dropping it', async () => {
    await fs.mkdir(path.join(tmp, 'data'));
    await fs.writeFile(path.join(tmp, 'data', 'autosave.json'), '{"text": 1}');
    const error = expectError(await call('autosave.read', {}), 'FILE_READ_FAILED');
    expect(error.message).toContain('autosave.json');
  });
});

describe('native dialogs', () => {
  it('are UNSUPPORTED without injected dialogs (web mode)', async () => {
    expectError(await call('file.pickOpen', {}), 'UNSUPPORTED');
    expectError(await call('file.pickSave', { suggestedName: 'x.vxlan.json' }), 'UNSUPPORTED');
  });

  it('use the injected dialogs and report a cancel as null', async () => {
    const seen: string[] = [];
    const dialogs: Dialogs = {
      pickOpen: () => Promise.resolve('/home/me/a.vxlan.json'),
      pickSave: (name) => {
        seen.push(name);
        return Promise.resolve(null);
      },
    };
    const withDialogs = createBackend({ dataDir: tmp, version: '1', transport: 'ipc', workingDirectory: work, dialogs });
    expect(await dispatch(withDialogs, 'file.pickOpen', {})).toEqual({ ok: true, value: { path: '/home/me/a.vxlan.json' } });
    expect(await dispatch(withDialogs, 'file.pickSave', { suggestedName: 'lab.vxlan.json' })).toEqual({ ok: true, value: null });
    expect(seen).toEqual(['lab.vxlan.json']);
    const info = await dispatch(withDialogs, 'app.info', {});
    expect(info.ok && (info.value as { nativeDialogs: boolean }).nativeDialogs).toBe(true);
  });
});

describe('file confinement', () => {
  it('is off in the desktop app (no workspace): a file the user picked anywhere is read and written', async () => {
    const desktop = createBackend({ dataDir: path.join(tmp, 'data'), version: '1', transport: 'ipc', workingDirectory: work });
    const elsewhere = path.join(tmp, 'elsewhere.vxlan.json');
    expect(await dispatch(desktop, 'file.write', { path: elsewhere, text: 'x' })).toMatchObject({ ok: true });
    expect(await dispatch(desktop, 'file.read', { path: '../elsewhere.vxlan.json' })).toEqual({
      ok: true,
      value: { path: elsewhere, text: 'x' },
    });
    const info = await dispatch(desktop, 'app.info', {});
    expect(info).toMatchObject({ ok: true });
    expect(info.ok && (info.value as { workspace?: string }).workspace).toBeUndefined();
  });

  it('allows the files of a workspace that is itself reached through a symlink', async () => {
    await fs.symlink(work, path.join(tmp, 'work-link'));
    const web = createBackend({
      dataDir: path.join(tmp, 'data'),
      version: '1',
      transport: 'ws',
      workingDirectory: work,
      workspace: path.join(tmp, 'work-link'),
    });
    expect(await dispatch(web, 'file.write', { path: path.join(tmp, 'work-link', 'a.vxlan.json'), text: 'x' })).toMatchObject({
      ok: true,
    });
    expect(await dispatch(web, 'file.read', { path: path.join(work, 'a.vxlan.json') })).toMatchObject({
      ok: true,
      value: { text: 'x' },
    });
  });

  it('judges a new file in a folder that does not exist yet by the real folder it would land in', async () => {
    const web = createBackend({
      dataDir: path.join(tmp, 'data'),
      version: '1',
      transport: 'ws',
      workingDirectory: work,
      workspace: work,
    });
    await fs.symlink(tmp, path.join(work, 'up'));
    expectError(
      await dispatch(web, 'file.write', { path: 'up/new-folder/deeper/x.vxlan.json', text: 'x' }),
      'FILE_OUTSIDE_WORKSPACE',
    );
    expectError(await dispatch(web, 'file.write', { path: 'new-folder/x.vxlan.json', text: 'x' }), 'FILE_WRITE_FAILED');
  });
});

describe('hosts.resolveSsh', () => {
  it("shows what a host's SSH settings resolve to through the SSH config, and a bad file as SSH_CONFIG_INVALID with file and line", async () => {
    const file = path.join(tmp, 'ssh_config');
    await fs.writeFile(file, 'Host web\n  HostName 10.0.0.7\n  User ops\n  ProxyJump gw:2222\n');
    const withConfig = createBackend({
      dataDir: path.join(tmp, 'data'),
      version: '1',
      transport: 'ws',
      workingDirectory: work,
      deploy: { sshConfig: { file, optional: false } },
    });
    const ssh = { host: 'web', port: 22, user: 'root', auth: { type: 'agent' } };
    const r = await call('hosts.resolveSsh', { ssh }, withConfig);
    expect(r).toMatchObject({
      ok: true,
      value: {
        alias: 'web',
        host: '10.0.0.7',
        port: 22,
        user: 'ops',
        jumps: [{ host: 'gw', port: 2222, user: 'ops' }],
        files: [file],
      },
    });
    // The file is read again on each call: a broken line now is an error naming it.
    await fs.writeFile(file, 'Host web\n  User "open\n');
    const err = expectError(await call('hosts.resolveSsh', { ssh }, withConfig), 'SSH_CONFIG_INVALID');
    expect(err['message']).toContain(`${file}:2`);
    // Without a config (tests, the lab demo) a name resolves to itself.
    expect(await call('hosts.resolveSsh', { ssh })).toMatchObject({ ok: true, value: { host: 'web', user: 'root', files: [] } });
  });
});
