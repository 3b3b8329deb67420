/**
 * Web mode: one HTTP server that serves the built renderer and carries the API contract over a
 * WebSocket at /api. Bound to 127.0.0.1 by default; every WebSocket must come from a logged-in
 * browser (the session cookie) or a script holding the token (`Authorization: Bearer`), and, when a
 * browser opens it, from this server's own origin.
 * Browsers log in by opening a one-time login URL (`/?login=CODE`, login.ts).
 */
import { existsSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { events, type EventName, type EventOf, type Result } from '../../../shared/api/contract';
import { appError } from '../../../shared/errors/catalogue';
import { dispatch, type Handlers } from '../backend/dispatch';
import { createLogin, LOGIN_PARAM, newSecret } from './login';
import { securityHeaders, serveStatic } from './static-files';

export interface WebServerOptions {
  /** Address to bind; 127.0.0.1 unless the operator explicitly allows remote access. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Secret for scripted clients, sent as `Authorization: Bearer TOKEN` on the WebSocket; 32 random
   * bytes (hex) when omitted. Never part of a URL.
   */
  token?: string;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  backend: Handlers;
  /** Server-side log for unexpected errors (never sent to the page). */
  log?: (line: string) => void;
  /** The command the user ran (`vxlan-studio serve`, `sudo npm run demo`...): named where a browser must fetch a login URL. */
  launchCommand?: string;
}

export interface WebServer {
  /** The app's address without any secret: `http://127.0.0.1:PORT/`. */
  url: string;
  host: string;
  port: number;
  token: string;
  /**
   * Mints a one-time login URL, `http://127.0.0.1:PORT/?login=CODE`: the first browser to open it
   * gets the session cookie; the code is dead afterwards.
   */
  loginUrl(): string;
  /** Pushes a contract event to every connected page. */
  emit<E extends EventName>(event: E, payload: EventOf<E>): void;
  /** Closes every socket and the listener. */
  close(): Promise<void>;
}

/** The WebSocket path of the API. */
export const API_PATH = '/api';
/** A topology may be up to 50 MB in the contract; leave room for JSON escaping. */
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!ipaddr.isValid(bare)) return false;
  const addr = ipaddr.process(bare);
  return addr.range() === 'loopback';
}

function isUnspecified(host: string): boolean {
  return ipaddr.isValid(host) && ipaddr.parse(host).range() === 'unspecified';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `Host: 127.0.0.1:5173` -> { name: '127.0.0.1', port: 5173 }. */
function parseHostHeader(value: string | undefined): { name: string; port: number | undefined } | undefined {
  if (value === undefined || value === '') return undefined;
  // Only DNS names and IP literals: the value ends up in our CSP header, so nothing else may pass.
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), port: match[2] === undefined ? undefined : Number(match[2]) };
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newSecret();
  const staticDir = path.resolve(options.staticDir);
  const log = options.log ?? (() => undefined);
  const loopbackOnly = isLoopbackHost(host);
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error('The access token must be at least 16 printable characters without spaces.');
  }
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(
      `The renderer is not built: ${path.join(staticDir, 'index.html')} is missing. Run \`npm run build:renderer\` first.`,
    );
  }

  let port = 0;
  const sockets = new Set<WebSocket>();
  // Cookies are scoped to a host, not a port (RFC 6265 8.5): the port in the name keeps two servers
  // on 127.0.0.1 from overwriting each other's session.
  const launchCommand = options.launchCommand ?? 'vxlan-studio serve';
  const login = createLogin(token, () => `vxlan-studio-session-${port}`, launchCommand);

  /**
   * On a loopback bind only loopback names are valid `Host`s: this defeats DNS rebinding, where a
   * hostile site re-points its own name at 127.0.0.1 to read our pages.
   */
  function hostAllowed(req: IncomingMessage): boolean {
    const parsed = parseHostHeader(req.headers.host);
    if (!parsed) return false;
    if (!loopbackOnly) return true;
    return isLoopbackHost(parsed.name) && (parsed.port ?? 80) === port;
  }

  function wsOriginFor(req: IncomingMessage): string {
    return `ws://${req.headers.host ?? `${urlHost(host)}:${port}`}`;
  }

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('This server only answers to 127.0.0.1, localhost or [::1].\n');
      return;
    }
    const headers = securityHeaders(wsOriginFor(req));
    const target = new URL(req.url ?? '/', 'http://placeholder');
    const code = target.searchParams.get(LOGIN_PARAM);
    // Only GET spends a code: a HEAD from a link previewer must not use up the user's login.
    if (req.method === 'GET' && target.pathname === '/' && code !== null) {
      login.answer(req, res, code, headers);
      return;
    }
    serveStatic(staticDir, req, res, headers, launchCommand).catch((err: unknown) => {
      log(`vxlan-studio serve: failed to answer ${req.url ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = new URL(req.url ?? '/', 'http://placeholder');
    if (target.pathname !== API_PATH) {
      refuseUpgrade(socket, 404, 'Not Found', `WebSocket endpoint is ${API_PATH}.`);
      return;
    }
    if (!hostAllowed(req)) {
      refuseUpgrade(socket, 421, 'Misdirected Request', 'This server only answers to 127.0.0.1, localhost or [::1].');
      return;
    }
    // Browsers always send Origin on a WebSocket; it must be this very server, so another site open
    // in the same browser cannot drive the API even if it guessed the port.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
      refuseUpgrade(socket, 403, 'Forbidden', 'Cross-origin WebSocket refused.');
      return;
    }
    if (!login.isAuthorised(req)) {
      refuseUpgrade(
        socket,
        401,
        'Unauthorized',
        `Not logged in: open the login URL printed by \`${launchCommand}\` (each one works once).`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => {
        void answer(ws, data, isBinary);
      });
    });
  });

  function send(ws: WebSocket, id: string | number | null, result: Result<unknown>): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
  }

  async function answer(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      send(ws, null, {
        ok: false,
        error: appError('BAD_REQUEST', 'Binary messages are not part of the API; send JSON text.', { path: '(message)' }),
      });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      send(ws, null, { ok: false, error: appError('BAD_REQUEST', 'The message is not valid JSON.', { path: '(message)' }) });
      return;
    }
    if (!isRecord(message)) {
      send(ws, null, {
        ok: false,
        error: appError('BAD_REQUEST', 'The message must be an object {id, method, request}.', { path: '(message)' }),
      });
      return;
    }
    const { id } = message;
    if (!(typeof id === 'string' && id.length <= 100) && !(typeof id === 'number' && Number.isSafeInteger(id))) {
      send(ws, null, {
        ok: false,
        error: appError('BAD_REQUEST', 'The message needs an "id" (a string or an integer).', { path: 'id' }),
      });
      return;
    }
    const result = await dispatch(options.backend, message.method, message.request, {
      onInternalError: (method, err) =>
        log(`vxlan-studio serve: ${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    send(ws, id, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The server did not get a TCP address.');
  port = address.port;
  const shownHost = isUnspecified(host) ? hostname() : host;
  const url = `http://${urlHost(shownHost)}:${port}/`;

  return {
    url,
    host,
    port,
    token,
    loginUrl() {
      return `${url}?${LOGIN_PARAM}=${login.newCode()}`;
    },
    emit(event, payload) {
      const checked = events[event].parse(payload);
      const text = JSON.stringify({ event, payload: checked });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
