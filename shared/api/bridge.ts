/**
 * Names and types shared by the Electron IPC transport: the channel of each contract method, the
 * preload bridge's function names, and the shape of `window.vxlanStudio`. Types only plus tiny
 * pure helpers, so the preload (which must not carry logic) and the renderer agree by construction.
 */
import type { EventName, EventOf, MethodName, RequestOf, ResponseOf, Result } from './contract';

/** `file.pickOpen` -> `filePickOpen`: the preload exposes one plainly named function per method. */
export type BridgeFunctionName<M extends string> = M extends `${infer Domain}.${infer Verb}` ? `${Domain}${Capitalize<Verb>}` : M;

/**
 * What the preload exposes as `window.vxlanStudio` (Electron security checklist item 20: expose one
 * narrow function per action, never `ipcRenderer` or a generic `send(channel, ...)`).
 */
export type PreloadBridge = {
  readonly [M in MethodName as BridgeFunctionName<M>]: (request: RequestOf<M>) => Promise<Result<ResponseOf<M>>>;
} & {
  /** Subscribes to one contract event; returns the unsubscribe function. Unknown names are ignored. */
  readonly onEvent: <E extends EventName>(event: E, listener: (payload: EventOf<E>) => void) => () => void;
};

/** The IPC channel that carries one contract method (`api:file.read`). */
export type MethodChannel<M extends MethodName> = `api:${M}`;
/** The IPC channel that carries one contract event (`event:menu.command`). */
export type EventChannel<E extends EventName> = `event:${E}`;

/** The preload function name of a contract method: `file.pickOpen` -> `filePickOpen`. */
export function bridgeFunctionName<M extends MethodName>(method: M): BridgeFunctionName<M> {
  const dot = method.indexOf('.');
  const name = method.slice(0, dot) + method.charAt(dot + 1).toUpperCase() + method.slice(dot + 2);
  return name as BridgeFunctionName<M>;
}

export function methodChannel<M extends MethodName>(method: M): MethodChannel<M> {
  return `api:${method}`;
}

export function eventChannel<E extends EventName>(event: E): EventChannel<E> {
  return `event:${event}`;
}

declare global {
  interface Window {
    /** Present only inside the Electron app (set by the preload); absent in web mode. */
    vxlanStudio?: PreloadBridge;
  }
}
