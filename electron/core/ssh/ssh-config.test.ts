import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/catalogue';
import { parseHop, patternListMatches, SshClientConfig } from './ssh-config';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vxs-sshcfg-'));
  await mkdir(path.join(home, '.ssh', 'conf.d'), { recursive: true });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function config(text: string): Promise<SshClientConfig> {
  const file = path.join(home, '.ssh', 'config');
  await writeFile(file, text);
  return SshClientConfig.load(file, { home });
}

describe('patternListMatches', () => {
  it('matches * and exactly one character for ?, and a negation vetoes', () => {
    expect(patternListMatches(['web?'], 'web1')).toBe(true);
    expect(patternListMatches(['web?'], 'web')).toBe(false);
    expect(patternListMatches(['*.lab', '!db.lab'], 'web.lab')).toBe(true);
    expect(patternListMatches(['*.lab', '!db.lab'], 'db.lab')).toBe(false);
    expect(patternListMatches(['!db.lab'], 'web.lab')).toBe(false);
  });
});

describe('SshClientConfig.resolve', () => {
  it('resolves an alias: HostName with %h, User, Port, IdentityFile tokens; first obtained value wins', async () => {
    const c = await config(`
Host web1
  HostName %h.example.net
  User admin
  IdentityFile ~/.ssh/id_%h_%r
Host web*
  User ignored
  Port 2222
  IdentityFile %d/.ssh/second
  IdentitiesOnly yes
Host *
  Port 22
`);
    const r = c.resolve('web1');
    expect(r).toMatchObject({
      host: 'web1.example.net',
      user: 'admin',
      port: 2222,
      identitiesOnly: true,
      identityFiles: [path.join(home, '.ssh', 'id_web1.example.net_admin'), path.join(home, '.ssh', 'second')],
      jumps: [],
    });
    expect(r.sources.find((s) => s.keyword === 'user')).toMatchObject({ value: 'admin', line: 4 });
  });

  it('lets explicit fields win over the config (command line > config)', async () => {
    const c = await config('Host db\n  HostName 10.0.0.5\n  User admin\n  Port 2200\n  ProxyJump bastion\n');
    expect(c.resolve('db', { user: 'ops', port: 22, jump: 'none' })).toMatchObject({
      host: '10.0.0.5',
      user: 'ops',
      port: 22,
      jumps: [],
    });
  });

  it('resolves each ProxyJump hop through the config too, in order', async () => {
    const c = await config(`
Host target
  HostName 10.9.9.9
  ProxyJump ops@b1:2201,b2,[fd00::3]:2203
Host b1
  HostName bastion1.example
Host b2
  HostName bastion2.example
  User jumper
`);
    const r = c.resolve('target', { user: 'root' });
    expect(r.jumps.map((j) => [j.host, j.user, j.port])).toEqual([
      ['bastion1.example', 'ops', 2201],
      ['bastion2.example', 'jumper', 22],
      ['fd00::3', 'root', 2203],
    ]);
  });

  it('a name the config does not know resolves to itself', async () => {
    const c = await config('Host other\n  User x\n');
    expect(c.resolve('10.1.2.3', { user: 'root' })).toMatchObject({ host: '10.1.2.3', port: 22, user: 'root', jumps: [] });
  });

  it('reads Include files (glob, relative to ~/.ssh), in the block they are included from', async () => {
    await writeFile(path.join(home, '.ssh', 'conf.d', 'a.conf'), 'Host app\n  HostName app.internal\n');
    await writeFile(path.join(home, '.ssh', 'conf.d', 'b.conf'), 'Host app\n  HostName shadowed\n  Port 2022\n');
    const c = await config('Include conf.d/*.conf\nHost *\n  User fallback\n');
    expect(c.resolve('app')).toMatchObject({ host: 'app.internal', port: 2022, user: 'fallback' });
    expect(c.files).toHaveLength(3);
  });

  it('never runs Match exec: the block is skipped', async () => {
    const c = await config('Match host app exec "touch /tmp/should-not-run"\n  User bad\nMatch originalhost app\n  User good\n');
    expect(c.resolve('app').user).toBe('good');
  });
});

describe('SshClientConfig.load errors', () => {
  it('a missing optional file is an empty config; a missing given file is an error naming it', async () => {
    const missing = path.join(home, 'nope');
    expect((await SshClientConfig.load(missing, { home, optional: true })).resolve('h').host).toBe('h');
    await expect(SshClientConfig.load(missing, { home })).rejects.toMatchObject({
      data: { code: 'SSH_CONFIG_INVALID', detail: { file: missing } },
    });
  });

  it('an unreadable file is SSH_CONFIG_INVALID naming the file', async () => {
    const file = path.join(home, '.ssh', 'config');
    // root reads any mode: a directory in the file's place is unreadable as a file for everyone.
    await mkdir(file);
    const err = await SshClientConfig.load(file, { home, optional: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toContain(file);
  });

  it('a bad line is SSH_CONFIG_INVALID naming file and line', async () => {
    const file = path.join(home, '.ssh', 'config');
    const err = await config('Host a\n  HostName x\n  User "unterminated\n').catch((e: unknown) => e);
    expect(err).toMatchObject({ data: { code: 'SSH_CONFIG_INVALID', detail: { file, line: 3 } } });
    expect((err as AppError).message).toContain(`${file}:3`);
    const bad = await config('Host a\n  Port many\n');
    expect(() => bad.resolve('a')).toThrow(`${file}:2: Port "many" is not 1-65535`);
  });
});

describe('parseHop', () => {
  it('reads [user@]host[:port] and ssh:// URIs', () => {
    expect(parseHop('admin@bastion:2222')).toEqual({ user: 'admin', host: 'bastion', port: 2222 });
    expect(parseHop('ssh://j@[fd00::1]:22')).toEqual({ user: 'j', host: 'fd00::1', port: 22 });
    expect(() => parseHop('a@b:99999')).toThrow(/\[user@\]host\[:port\]/);
  });
});
