import { describe, expect, it } from 'vitest';
import { bridgeFunctionName } from '../../shared/api/bridge';
import { events, methods, type EventName, type MethodName } from '../../shared/api/contract';
import { createBridge, type IpcRendererLike } from './bridge';

function recordingIpc(): {
  ipc: IpcRendererLike;
  invoked: Array<[string, unknown]>;
  listeners: Map<string, Set<(...args: unknown[]) => void>>;
} {
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const ipc = {
    invoke: (channel: string, request: unknown) => {
      invoked.push([channel, request]);
      return Promise.resolve({ ok: true, value: null });
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return ipc;
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => {
      listeners.get(channel)?.delete(listener);
      return ipc;
    },
  };
  return { ipc: ipc as unknown as IpcRendererLike, invoked, listeners };
}

const methodNames = Object.keys(methods) as MethodName[];

describe('preload bridge', () => {
  it('exposes exactly one function per contract method plus onEvent', () => {
    const bridge = createBridge(recordingIpc().ipc);
    expect(Object.keys(bridge).sort()).toEqual([...methodNames.map(bridgeFunctionName), 'onEvent'].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it.each(methodNames)('sends %s on its own channel with the request unchanged', async (method) => {
    const { ipc, invoked } = recordingIpc();
    const bridge = createBridge(ipc) as unknown as Record<string, (request: unknown) => Promise<unknown>>;
    const request = { marker: method };
    await bridge[bridgeFunctionName(method)]?.(request);
    expect(invoked).toEqual([[`api:${method}`, request]]);
  });

  it('forwards only the payload of a contract event, and stops after unsubscribe', () => {
    const { ipc, listeners } = recordingIpc();
    const bridge = createBridge(ipc);
    const seen: unknown[] = [];
    const off = bridge.onEvent('menu.command', (payload) => seen.push(payload));
    const emit = (payload: unknown): void =>
      listeners.get('event:menu.command')?.forEach((l) => l({ sender: 'secret' }, payload));
    emit({ command: 'file.save' });
    off();
    emit({ command: 'file.new' });
    expect(seen).toEqual([{ command: 'file.save' }]);
  });

  it.each(Object.keys(events) as EventName[])('listens for the contract event %s on its event channel', (event) => {
    const { ipc, listeners } = recordingIpc();
    createBridge(ipc).onEvent(event, () => undefined);
    expect([...listeners.keys()]).toEqual([`event:${event}`]);
  });

  it('ignores a subscription to a name that is not a contract event', () => {
    const { ipc, listeners } = recordingIpc();
    const bridge = createBridge(ipc) as unknown as { onEvent: (name: string, cb: () => void) => () => void };
    bridge.onEvent('api:file.read', () => undefined)();
    expect(listeners.size).toBe(0);
  });
});
