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
let server: WebServer;

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
  const backend = createBackend({ dataDir: path.join(tmp, 'data'), version: '0.0.1', transport: 'ws', workingDirectory: work });
  server = await startWebServer({ staticDir: web, backend });
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
function rawGet(target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: target, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves with it when open, rejects with the HTTP status when refused. */
function connect(query: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, origin === undefined ? {} : { origin });
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

describe('web mode WebSocket', () => {
  it('prints a loopback URL that carries a 64-hex-digit random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a connection without a token with HTTP 401', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401');
  });

  it('refuses a connection with a wrong token with HTTP 401', async () => {
    await expect(connect(`?token=${'0'.repeat(64)}`)).rejects.toThrow('HTTP 401');
  });

  it('refuses a page from another origin even with the right token', async () => {
    await expect(connect(`?token=${server.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403');
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
    const ws = await connect(`?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    try {
      const text = '{"format":1,"name":"lab"}\n';
      const written = await exchange(ws, JSON.stringify({ id: 1, method: 'file.write', request: { path: 'lab.vxlan.json', text } }));
      expect(written).toEqual({ id: 1, result: { ok: true, value: { path: path.join(work, 'lab.vxlan.json'), bytes: text.length } } });
      const read = await exchange(ws, JSON.stringify({ id: 'r2', method: 'file.read', request: { path: 'lab.vxlan.json' } }));
      expect(read).toEqual({ id: 'r2', result: { ok: true, value: { path: path.join(work, 'lab.vxlan.json'), text } } });
    } finally {
      ws.close();
    }
  });

  it('answers a malformed request with BAD_REQUEST naming the field', async () => {
    const ws = await connect(`?token=${server.token}`);
    try {
      const answer = await exchange(ws, JSON.stringify({ id: 7, method: 'file.read', request: { path: 12 } }));
      expect(answer).toMatchObject({ id: 7, result: { ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'path' } } } });
    } finally {
      ws.close();
    }
  });

  it('answers garbage with BAD_REQUEST and keeps serving the same socket', async () => {
    const ws = await connect(`?token=${server.token}`);
    try {
      expect(await exchange(ws, '{oops')).toMatchObject({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
      expect(await exchange(ws, '[1,2]')).toMatchObject({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
      expect(await exchange(ws, '{"method":"app.info","request":{}}')).toMatchObject({
        id: null,
        result: { ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'id' } } },
      });
      expect(await exchange(ws, '{"id":3,"method":"nope","request":{}}')).toMatchObject({ id: 3, result: { ok: false, error: { code: 'UNKNOWN_METHOD' } } });
      const info = await exchange(ws, '{"id":4,"method":"app.info","request":{}}');
      expect(info).toMatchObject({ id: 4, result: { ok: true, value: { transport: 'ws', nativeDialogs: false } } });
    } finally {
      ws.close();
    }
  });

  it('pushes events to connected pages', async () => {
    const ws = await connect(`?token=${server.token}`);
    try {
      const got = new Promise<unknown>((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')))));
      server.emit('menu.command', { command: 'view.fit' });
      expect(await got).toEqual({ event: 'menu.command', payload: { command: 'view.fit' } });
    } finally {
      ws.close();
    }
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

  it.each(['/../outside.txt', '/assets/../../outside.txt', '/..%2foutside.txt', '/%2e%2e/outside.txt', '/assets%5c..%5c..%5coutside.txt'])(
    'refuses the traversal attempt %s',
    async (target) => {
      const res = await rawGet(target);
      expect(res.status).toBe(400);
      expect(res.body).not.toContain('must not be served');
    },
  );

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
