import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend } from '../backend/backend';
import { resolveStaticPath } from './static-files';
import { isLoopbackHost, startWebServer, type WebServer } from './web-server';

let tmp: string;
let web: string;
let work: string;
let data: string;
let server: WebServer;
/** The `Cookie` header of a browser that logged in once for the whole file. */
let cookie: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-web-'));
  web = path.join(tmp, 'renderer');
  work = path.join(tmp, 'work');
  await fs.mkdir(path.join(web, 'assets'), { recursive: true });
  await fs.mkdir(work);
  await fs.writeFile(path.join(web, 'index.html'), '<!doctype html><title>VXLAN Studio</title><div id="root"></div>');
  await fs.writeFile(path.join(web, 'assets', 'app.js'), 'console.log("hi");');
  await fs.writeFile(path.join(web, 'assets', 'app.css'), 'body{}');
  await fs.writeFile(path.join(web, '.env'), 'SECRET=1');
  await fs.writeFile(path.join(tmp, 'outside.txt'), 'must not be served');
  data = path.join(tmp, 'data');
  const backend = createBackend({ dataDir: data, version: '0.0.1', transport: 'ws', workingDirectory: work, workspace: work });
  server = await startWebServer({ staticDir: web, backend });
  cookie = await login(server.loginUrl());
});

afterAll(async () => {
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends the request target exactly as given (no client-side normalisation of `..`). */
function rawGet(target: string, headers: Record<string, string> = {}, port = server.port): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a browser does with a login URL: GET it and keep the cookie it sets. */
async function login(url: string): Promise<string> {
  const u = new URL(url);
  const res = await rawGet(`${u.pathname}${u.search}`);
  const set = res.headers['set-cookie']?.[0];
  if (res.status !== 303 || set === undefined) throw new Error(`login failed: HTTP ${res.status}`);
  return set.split(';', 1)[0] ?? '';
}

/** Opens a socket; resolves with it when open, rejects with the HTTP status when refused. */
function connect(headers: Record<string, string>, origin?: string, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, {
      headers,
      ...(origin === undefined ? {} : { origin }),
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Sends one raw text message and resolves with the next answer. */
function exchange(ws: WebSocket, text: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    ws.send(text);
  });
}

/** Sends one request over a logged-in socket and resolves with its Result. */
async function callApi(
  method: string,
  request: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  const ws = await connect({ cookie });
  try {
    const answer = await exchange(ws, JSON.stringify({ id: 1, method, request }));
    return answer.result as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
  } finally {
    ws.close();
  }
}

describe('web mode login', () => {
  it('has an address without any secret, and mints a different one-time login URL each time', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const first = server.loginUrl();
    const second = server.loginUrl();
    expect(first).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?login=[0-9a-f]{64}$`));
    expect(second).not.toBe(first);
    expect(first).not.toContain(server.token);
  });

  it('swaps a login code for an HttpOnly SameSite=Strict cookie and redirects (303) to a URL without the code', async () => {
    const url = new URL(server.loginUrl());
    const res = await rawGet(`${url.pathname}${url.search}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    const set = res.headers['set-cookie'] ?? [];
    expect(set).toHaveLength(1);
    expect(set[0]).toMatch(new RegExp(`^vxlan-studio-session-${server.port}=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/$`));
    expect(set[0]).not.toContain(url.searchParams.get('login') ?? 'no code');
    expect(set[0]).not.toContain(server.token);
  });

  it('refuses a login code the second time (403), so a copied or leaked link is worthless once used', async () => {
    const url = new URL(server.loginUrl());
    expect((await rawGet(`${url.pathname}${url.search}`)).status).toBe(303);
    const again = await rawGet(`${url.pathname}${url.search}`);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('already used');
  });

  it('names the command that started it (the demo) in the page and where a login link is refused', async () => {
    const demo = await startWebServer({
      staticDir: web,
      backend: createBackend({ dataDir: data, version: '0', transport: 'ws', workingDirectory: work, workspace: work }),
      launchCommand: 'sudo npm run demo',
    });
    try {
      const get = (target: string): Promise<RawResponse> => rawGet(target, {}, demo.port);
      expect((await get('/')).body).toContain('<meta name="vxs-launch-command" content="sudo npm run demo" />');
      const url = new URL(demo.loginUrl());
      await get(`${url.pathname}${url.search}`);
      const spent = await get(`${url.pathname}${url.search}`);
      expect(spent.body).toContain('the terminal running `sudo npm run demo`');
      expect(spent.body).not.toContain('vxlan-studio serve');
    } finally {
      await demo.close();
    }
  });

  it('refuses a made-up login code (403) without setting a cookie', async () => {
    const res = await rawGet(`/?login=${'0'.repeat(64)}`);
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('sends an already logged-in browser that reopens its used link on to the app', async () => {
    const url = new URL(server.loginUrl());
    const own = await login(url.href);
    const again = await rawGet(`${url.pathname}${url.search}`, { Cookie: own });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/');
  });

  it('accepts a WebSocket carrying the session cookie from the same origin', async () => {
    const ws = await connect({ cookie }, `http://127.0.0.1:${server.port}`);
    try {
      expect(await exchange(ws, '{"id":1,"method":"app.info","request":{}}')).toMatchObject({ id: 1, result: { ok: true } });
    } finally {
      ws.close();
    }
  });

  it('refuses a WebSocket without a cookie, with a made-up session, or with the token in the URL (401)', async () => {
    await expect(connect({})).rejects.toThrow('HTTP 401');
    await expect(connect({ cookie: `vxlan-studio-session-${server.port}=${'0'.repeat(64)}` })).rejects.toThrow('HTTP 401');
    await expect(connect({}, undefined, `?token=${server.token}`)).rejects.toThrow('HTTP 401');
  });

  it('refuses the session of another port (cookies are per host, not per port)', async () => {
    const value = cookie.split('=', 2)[1] ?? '';
    await expect(connect({ cookie: `vxlan-studio-session-1=${value}` })).rejects.toThrow('HTTP 401');
  });

  it('accepts the token as a Bearer header from a script, and refuses a wrong one (401)', async () => {
    const ws = await connect({ authorization: `Bearer ${server.token}` });
    ws.close();
    await expect(connect({ authorization: `Bearer ${'0'.repeat(64)}` })).rejects.toThrow('HTTP 401');
  });
});

describe('web mode WebSocket', () => {
  it('refuses a page from another origin even when logged in', async () => {
    await expect(connect({ cookie }, 'http://evil.example')).rejects.toThrow('HTTP 403');
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
    const res = await rawGet('/', { Host: `rebind.example:${server.port}` });
    expect(res.status).toBe(421);
  });

  it('refuses a malformed Host header instead of echoing it into the CSP', async () => {
    const res = await rawGet('/', { Host: `127.0.0.1:${server.port}; script-src *` });
    expect(res.status).toBe(421);
  });

  it('writes then reads a file back over the socket with the right token and origin', async () => {
    const ws = await connect({ cookie }, `http://127.0.0.1:${server.port}`);
    try {
      const text = '{"format":1,"name":"lab"}\n';
      const written = await exchange(
        ws,
        JSON.stringify({ id: 1, method: 'file.write', request: { path: 'lab.vxlan.json', text } }),
      );
      expect(written).toEqual({
        id: 1,
        result: { ok: true, value: { path: path.join(work, 'lab.vxlan.json'), bytes: text.length } },
      });
      const read = await exchange(ws, JSON.stringify({ id: 'r2', method: 'file.read', request: { path: 'lab.vxlan.json' } }));
      expect(read).toEqual({ id: 'r2', result: { ok: true, value: { path: path.join(work, 'lab.vxlan.json'), text } } });
    } finally {
      ws.close();
    }
  });

  it('answers a malformed request with BAD_REQUEST naming the field', async () => {
    const ws = await connect({ cookie });
    try {
      const answer = await exchange(ws, JSON.stringify({ id: 7, method: 'file.read', request: { path: 12 } }));
      expect(answer).toMatchObject({ id: 7, result: { ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'path' } } } });
    } finally {
      ws.close();
    }
  });

  it('answers garbage with BAD_REQUEST and keeps serving the same socket', async () => {
    const ws = await connect({ cookie });
    try {
      expect(await exchange(ws, '{oops')).toMatchObject({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
      expect(await exchange(ws, '[1,2]')).toMatchObject({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
      expect(await exchange(ws, '{"method":"app.info","request":{}}')).toMatchObject({
        id: null,
        result: { ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'id' } } },
      });
      expect(await exchange(ws, '{"id":3,"method":"nope","request":{}}')).toMatchObject({
        id: 3,
        result: { ok: false, error: { code: 'UNKNOWN_METHOD' } },
      });
      const info = await exchange(ws, '{"id":4,"method":"app.info","request":{}}');
      expect(info).toMatchObject({ id: 4, result: { ok: true, value: { transport: 'ws', nativeDialogs: false } } });
    } finally {
      ws.close();
    }
  });

  it('pushes events to connected pages', async () => {
    const ws = await connect({ cookie });
    try {
      const got = new Promise<unknown>((resolve) =>
        ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')))),
      );
      server.emit('menu.command', { command: 'view.fit' });
      expect(await got).toEqual({ event: 'menu.command', payload: { command: 'view.fit' } });
    } finally {
      ws.close();
    }
  });
});

describe('web mode workspace', () => {
  const outside = (): string => path.join(tmp, 'outside.txt');

  function expectOutside(result: Awaited<ReturnType<typeof callApi>>): void {
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('FILE_OUTSIDE_WORKSPACE');
    expect(result.error?.message).toContain(`workspace ${work}`);
    expect(JSON.stringify(result)).not.toContain('must not be served');
  }

  it('reads and writes a file inside the workspace', async () => {
    expect(await callApi('file.write', { path: 'sub-ok.vxlan.json', text: 'inside' })).toMatchObject({ ok: true });
    expect(await callApi('file.read', { path: path.join(work, 'sub-ok.vxlan.json') })).toEqual({
      ok: true,
      value: { path: path.join(work, 'sub-ok.vxlan.json'), text: 'inside' },
    });
  });

  it('tells the page its workspace in app.info', async () => {
    expect(await callApi('app.info', {})).toMatchObject({ ok: true, value: { workspace: work, workingDirectory: work } });
  });

  it.each([
    ['an absolute path outside', () => outside()],
    ['a system file', () => '/etc/hostname'],
    ['a ".." path', () => '../outside.txt'],
    ['a home path', () => '~/.bashrc'],
  ])('refuses to read %s with FILE_OUTSIDE_WORKSPACE', async (_what, target) => {
    expectOutside(await callApi('file.read', { path: target() }));
  });

  it('refuses ".." even when the path would land back inside the workspace', async () => {
    await fs.writeFile(path.join(work, 'back.txt'), 'x');
    const result = await callApi('file.read', { path: '../work/back.txt' });
    expect(result.error?.code).toBe('FILE_OUTSIDE_WORKSPACE');
    expect(result.error?.message).toContain('".."');
  });

  it('refuses to read through a symlink in the workspace that points outside', async () => {
    await fs.symlink(outside(), path.join(work, 'escape-read.txt'));
    expectOutside(await callApi('file.read', { path: 'escape-read.txt' }));
  });

  it('refuses a NUL in the path', async () => {
    expect((await callApi('file.read', { path: 'lab\u0000.json' })).error?.code).toBe('BAD_REQUEST');
  });

  it('refuses the app data folder, where known_hosts decides which hosts are trusted, and writes nothing there', async () => {
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(path.join(data, 'known_hosts'), 'h1 ssh-ed25519 AAAA\n');
    expectOutside(await callApi('file.read', { path: path.join(data, 'known_hosts') }));
    expectOutside(await callApi('file.write', { path: path.join(data, 'known_hosts'), text: 'evil ssh-ed25519 AAAA\n' }));
    expectOutside(await callApi('file.write', { path: path.join(data, 'notes.vxlan.json'), text: 'in data' }));
    expect(await fs.readFile(path.join(data, 'known_hosts'), 'utf8')).toBe('h1 ssh-ed25519 AAAA\n');
    await expect(fs.access(path.join(data, 'notes.vxlan.json'))).rejects.toThrow();
  });

  it('refuses the folder of the app known_hosts also when it lies inside the workspace', async () => {
    const trusted = path.join(work, 'trust', 'known_hosts');
    const inner = createBackend({
      dataDir: data,
      version: '0',
      transport: 'ws',
      workingDirectory: work,
      workspace: work,
      deploy: { knownHostsFile: trusted },
    });
    await expect(inner['file.write']({ path: 'trust/known_hosts', text: 'evil ssh-ed25519 AAAA\n' })).rejects.toMatchObject({
      data: { code: 'FILE_OUTSIDE_WORKSPACE' },
    });
    await expect(fs.access(trusted)).rejects.toThrow();
    // Beside it, the workspace is open as usual.
    await expect(inner['file.write']({ path: 'trusty.vxlan.json', text: '{}' })).resolves.toBeDefined();
  });

  it('refuses the data folder also when it lies inside the workspace', async () => {
    const inner = createBackend({
      dataDir: path.join(work, '.vxs-data'),
      version: '0',
      transport: 'ws',
      workingDirectory: work,
      workspace: work,
    });
    await fs.mkdir(path.join(work, '.vxs-data'), { recursive: true });
    await expect(inner['file.write']({ path: '.vxs-data/known_hosts', text: 'evil ssh-ed25519 AAAA\n' })).rejects.toMatchObject({
      data: { code: 'FILE_OUTSIDE_WORKSPACE' },
    });
    await expect(fs.access(path.join(work, '.vxs-data', 'known_hosts'))).rejects.toThrow();
  });

  it('refuses to write outside the workspace and writes nothing there', async () => {
    const target = path.join(tmp, 'written-outside.vxlan.json');
    expectOutside(await callApi('file.write', { path: target, text: 'pwned' }));
    expectOutside(await callApi('file.write', { path: '../written-dotdot.vxlan.json', text: 'pwned' }));
    await expect(fs.access(target)).rejects.toThrow();
    await expect(fs.access(path.join(tmp, 'written-dotdot.vxlan.json'))).rejects.toThrow();
  });

  it('refuses to write through a symlinked file or folder that points outside, leaving the target as it was', async () => {
    await fs.symlink(outside(), path.join(work, 'escape-write.txt'));
    await fs.symlink(tmp, path.join(work, 'escape-dir'));
    expectOutside(await callApi('file.write', { path: 'escape-write.txt', text: 'pwned' }));
    expectOutside(await callApi('file.write', { path: 'escape-dir/new.vxlan.json', text: 'pwned' }));
    expect(await fs.readFile(outside(), 'utf8')).toBe('must not be served');
    await expect(fs.access(path.join(tmp, 'new.vxlan.json'))).rejects.toThrow();
  });

  it('refuses to add a file outside the workspace to the recent files, and lists only files inside it', async () => {
    expectOutside(await callApi('recent.add', { path: outside() }));
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(
      path.join(data, 'recent.json'),
      JSON.stringify({ paths: ['/etc/shadow', path.join(work, 'lab.vxlan.json')] }),
    );
    expect(await callApi('recent.list', {})).toEqual({ ok: true, value: { paths: [path.join(work, 'lab.vxlan.json')] } });
  });
});

describe('web mode static files', () => {
  it('serves index.html with a strict Content-Security-Policy and no referrer', async () => {
    const res = await rawGet('/?token=abc');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('VXLAN Studio');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves assets with their MIME types', async () => {
    expect((await rawGet('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await rawGet('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('falls back to index.html for an app route but 404s a missing asset', async () => {
    const route = await rawGet('/some/route');
    expect(route.status).toBe(200);
    expect(route.body).toContain('VXLAN Studio');
    expect((await rawGet('/assets/missing.js')).status).toBe(404);
  });

  it.each([
    '/../outside.txt',
    '/assets/../../outside.txt',
    '/..%2foutside.txt',
    '/%2e%2e/outside.txt',
    '/assets%5c..%5c..%5coutside.txt',
  ])('refuses the traversal attempt %s', async (target) => {
    const res = await rawGet(target);
    expect(res.status).toBe(400);
    expect(res.body).not.toContain('must not be served');
  });

  it('does not serve hidden files', async () => {
    const res = await rawGet('/.env');
    expect(res.status).toBe(400);
    expect(res.body).not.toContain('SECRET');
  });

  it('refuses methods other than GET and HEAD', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });
});

describe('startWebServer', () => {
  it('explains how to build the renderer when it is missing', async () => {
    const backend = createBackend({ dataDir: tmp, version: '0', transport: 'ws', workingDirectory: tmp });
    await expect(startWebServer({ staticDir: path.join(tmp, 'nothing'), backend })).rejects.toThrow('npm run build:renderer');
  });

  it('recognises loopback addresses', () => {
    expect(['127.0.0.1', '127.8.0.1', '::1', '[::1]', 'localhost'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.10', 'example.com', '::'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });

  it('maps the root to index.html and keeps files inside the web root', () => {
    expect(resolveStaticPath('/srv/web', '/')).toEqual({ kind: 'file', file: '/srv/web/index.html' });
    expect(resolveStaticPath('/srv/web', '/a/b.js?x=../..')).toEqual({ kind: 'file', file: '/srv/web/a/b.js' });
    expect(resolveStaticPath('/srv/web', '/a/%00.js').kind).toBe('refused');
  });
});
