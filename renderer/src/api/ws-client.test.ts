import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AppError } from '../../../shared/errors/catalogue';
import { createBackend } from '../../../electron/core/backend';
import { startWebServer, type WebServer } from '../../../electron/core/web';
import { connectApi } from './connect';
import { createWsClient, type WsClientOptions } from './ws-client';

/** Node 20 has no global WebSocket; the `ws` package speaks the same browser API. */
const options: WsClientOptions = { createSocket: (url) => new WebSocket(url) };

/** A script's client: the server's token as a Bearer header (a browser sends its cookie instead). */
function scripted(token: string): WsClientOptions {
  return { createSocket: (url) => new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) };
}

/** What a browser does: open the one-time login URL, keep the cookie, send it with the socket. */
async function loggedInBrowser(web: WebServer): Promise<WsClientOptions> {
  const cookie = await new Promise<string>((resolve, reject) => {
    http
      .get(web.loginUrl(), (res) => {
        res.resume();
        resolve((res.headers['set-cookie']?.[0] ?? '').split(';', 1)[0] ?? '');
      })
      .on('error', reject);
  });
  return { createSocket: (url) => new WebSocket(url, { headers: { cookie } }) };
}

let tmp: string;
let server: WebServer;

async function start(port = 0, token?: string): Promise<WebServer> {
  const backend = createBackend({ dataDir: path.join(tmp, 'data'), version: '1.2.3', transport: 'ws', workingDirectory: tmp });
  return startWebServer({ staticDir: path.join(tmp, 'web'), backend, port, ...(token === undefined ? {} : { token }) });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-wsclient-'));
  await fs.mkdir(path.join(tmp, 'web'));
  await fs.writeFile(path.join(tmp, 'web', 'index.html'), '<!doctype html>');
  server = await start();
});

afterAll(async () => {
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

function env(href: string): { bridge: undefined; href: string } {
  return { bridge: undefined, href };
}

describe('connectApi in web mode', () => {
  it('connects as a logged-in browser (the page URL holds no secret) and round-trips a file', async () => {
    const api = await connectApi(env(server.url), await loggedInBrowser(server));
    const written = await api.call('file.write', { path: 'a.vxlan.json', text: '{"format":1}\n' });
    expect(written).toEqual({ ok: true, value: { path: path.join(tmp, 'a.vxlan.json'), bytes: 13 } });
    expect(await api.call('file.read', { path: 'a.vxlan.json' })).toEqual({
      ok: true,
      value: { path: path.join(tmp, 'a.vxlan.json'), text: '{"format":1}\n' },
    });
  });

  it('fails with DISCONNECTED, saying how to log in, when the browser is not logged in', async () => {
    const error = await connectApi(env(`http://127.0.0.1:${server.port}/`), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).data.code).toBe('DISCONNECTED');
    expect((error as AppError).data.message).toContain('login URL');
  });

  it('does not try a socket from a page opened from disk (file://): it says where the app must be opened instead', async () => {
    let sockets = 0;
    const error = await connectApi(env('file:///opt/vxlan-studio/index.html'), {
      createSocket: () => {
        sockets++;
        throw new Error('no socket expected');
      },
    }).catch((e: unknown) => e);
    expect((error as AppError).data.code).toBe('DISCONNECTED');
    expect((error as AppError).data.message).toContain('opened as file:');
    expect(sockets).toBe(0);
  });

  it('names the command the server was started with (the page carries it) when the browser is not logged in', async () => {
    const error = await connectApi(env(`http://127.0.0.1:${server.port}/`), {
      ...options,
      launchCommand: 'sudo npm run demo',
    }).catch((e: unknown) => e);
    expect((error as AppError).data.message).toContain('open the login URL printed by `sudo npm run demo`');
  });

  it('delivers pushed events to listeners until they unsubscribe', async () => {
    const api = await connectApi(env(server.url), await loggedInBrowser(server));
    const seen: unknown[] = [];
    const off = api.on('menu.command', (payload) => seen.push(payload));
    server.emit('menu.command', { command: 'edit.undo' });
    await api.call('app.info', {});
    off();
    server.emit('menu.command', { command: 'edit.redo' });
    await api.call('app.info', {});
    expect(seen).toEqual([{ command: 'edit.undo' }]);
  });
});

describe('createWsClient', () => {
  it('answers DISCONNECTED when the server goes away, and reconnects on the next call once it is back', async () => {
    const own = await start(0, 'token-for-reconnect-test');
    const port = own.port;
    const api = createWsClient(`ws://127.0.0.1:${port}/api`, scripted('token-for-reconnect-test'));
    expect((await api.call('app.info', {})).ok).toBe(true);
    await own.close();
    const down = await api.call('recent.list', {});
    expect(down.ok === false && down.error.code).toBe('DISCONNECTED');
    const again = await start(port, 'token-for-reconnect-test');
    try {
      expect(await api.call('recent.list', {})).toEqual({ ok: true, value: { paths: [] } });
    } finally {
      api.close();
      await again.close();
    }
  });

  it('fails a pending call with DISCONNECTED when the socket closes before the answer', async () => {
    const base = createBackend({ dataDir: path.join(tmp, 'data'), version: '1', transport: 'ws', workingDirectory: tmp });
    let started: () => void = () => undefined;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const stuck = {
      ...base,
      'recent.list': () => {
        started();
        return new Promise<never>(() => undefined);
      },
    };
    const own = await startWebServer({ staticDir: path.join(tmp, 'web'), backend: stuck, token: 'token-for-midcall-test-' });
    const api = createWsClient(`ws://127.0.0.1:${own.port}/api`, scripted('token-for-midcall-test-'));
    const pending = api.call('recent.list', {});
    await handlerStarted;
    await own.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
    api.close();
  });

  it('keeps request answers apart when many calls are in flight', async () => {
    const api = createWsClient(`ws://127.0.0.1:${server.port}/api`, scripted(server.token));
    const names = Array.from({ length: 20 }, (_, i) => `many-${i}.vxlan.json`);
    await Promise.all(names.map((name) => api.call('file.write', { path: name, text: name })));
    const reads = await Promise.all(names.map((name) => api.call('file.read', { path: name })));
    expect(reads.map((r) => r.ok && r.value.text)).toEqual(names);
    api.close();
  });

  it('returns the server BAD_REQUEST for a request that breaks the contract', async () => {
    const api = createWsClient(`ws://127.0.0.1:${server.port}/api`, scripted(server.token));
    const result = await api.call('file.read', { path: '' });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'path' } } });
    api.close();
  });
});
