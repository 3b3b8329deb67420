/**
 * The WebSocket transport of web mode: JSON `{id, method, request}` out, `{id, result}` and
 * `{event, payload}` in. Failures come back as a `Result` with a code (DISCONNECTED when the socket
 * is gone), never as a rejected promise; the next call opens a fresh socket. Each event payload is
 * parsed here against the contract, once (the IPC transport does the same), and dropped if it does
 * not parse, so subscribers get typed, checked data.
 */
import {
  events,
  type ApiClient,
  type EventName,
  type EventOf,
  type MethodName,
  type RequestOf,
  type ResponseOf,
  type Result,
} from '../../../shared/api/contract';
import { appError, type AppErrorData } from '../../../shared/errors/catalogue';

/** The part of the browser WebSocket API this client uses (the `ws` package offers the same in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface WsClientOptions {
  /** Opens a socket; defaults to the browser's `WebSocket`. */
  createSocket?: (url: string) => WebSocketLike;
  /** The command that started the server (its page names it), for the not-logged-in message. */
  launchCommand?: string;
}

/** An ApiClient that can also drop its socket (e.g. when the page unloads). */
export interface WsApiClient extends ApiClient {
  close(): void;
}

const OPEN = 1;

type Pending = (result: Result<unknown>) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResult(value: unknown): value is Result<unknown> {
  if (!isRecord(value)) return false;
  if (value.ok === true) return 'value' in value;
  return (
    value.ok === false && isRecord(value.error) && typeof value.error.code === 'string' && typeof value.error.message === 'string'
  );
}

/** The URL without its query, so messages never show a secret a script put there. */
function displayUrl(url: string): string {
  return url.split('?', 1)[0] ?? url;
}

export function createWsClient(url: string, options: WsClientOptions = {}): WsApiClient {
  const createSocket = options.createSocket ?? ((u: string): WebSocketLike => new WebSocket(u));
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let nextId = 1;
  let socket: WebSocketLike | undefined;
  let opening: Promise<WebSocketLike | AppErrorData> | undefined;

  function failAll(error: AppErrorData): void {
    const waiting = [...pending.values()];
    pending.clear();
    for (const resolve of waiting) resolve({ ok: false, error });
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(message)) return;
    if (typeof message.event === 'string') {
      const name = message.event;
      if (!Object.hasOwn(events, name)) return;
      const parsed = events[name as EventName].safeParse(message.payload);
      if (!parsed.success) return;
      for (const listener of listeners.get(name as EventName) ?? []) listener(parsed.data as never);
      return;
    }
    if (typeof message.id !== 'number') return;
    const resolve = pending.get(message.id);
    if (!resolve) return;
    pending.delete(message.id);
    resolve(
      isResult(message.result)
        ? message.result
        : { ok: false, error: appError('INTERNAL', 'The backend sent an answer this page does not understand.') },
    );
  }

  function open(): Promise<WebSocketLike | AppErrorData> {
    if (socket && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise<WebSocketLike | AppErrorData>((resolve) => {
      let ws: WebSocketLike;
      try {
        ws = createSocket(url);
      } catch {
        resolve(appError('DISCONNECTED', `Could not connect to the VXLAN Studio backend at ${displayUrl(url)}.`));
        return;
      }
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        socket = ws;
        resolve(ws);
      });
      ws.addEventListener('message', (event) => onMessage(event.data));
      ws.addEventListener('close', () => {
        if (socket === ws) socket = undefined;
        if (!opened) {
          // A browser shows a refused upgrade (401 when not logged in) only as a close before open.
          resolve(
            appError(
              'DISCONNECTED',
              `Could not connect to the VXLAN Studio backend at ${displayUrl(url)}: it is not running, or it refused this browser ` +
                `(not logged in: open the login URL printed by \`${options.launchCommand ?? 'vxlan-studio serve'}\`; each one works once).`,
            ),
          );
          return;
        }
        failAll(appError('DISCONNECTED', 'The connection to the VXLAN Studio backend closed before it answered.'));
      });
      // 'error' is always followed by 'close', which does the bookkeeping.
      ws.addEventListener('error', () => undefined);
    }).finally(() => {
      opening = undefined;
    });
    return opening;
  }

  return {
    async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<Result<ResponseOf<M>>> {
      const ws = await open();
      if (!('send' in ws)) return { ok: false, error: ws };
      const id = nextId++;
      const answer = new Promise<Result<unknown>>((resolve) => pending.set(id, resolve));
      try {
        ws.send(JSON.stringify({ id, method, request }));
      } catch {
        pending.delete(id);
        return { ok: false, error: appError('DISCONNECTED', 'The request could not be sent to the VXLAN Studio backend.') };
      }
      // The server validated the value against the contract before sending it.
      return (await answer) as Result<ResponseOf<M>>;
    },

    on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as (payload: never) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },

    close(): void {
      socket?.close();
      socket = undefined;
    },
  };
}
