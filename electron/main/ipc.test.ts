import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { methods } from '../../shared/api/contract';
import { createBackend } from '../core/backend/backend';
import type { Handlers } from '../core/backend/dispatch';
import { createBridge, type IpcRendererLike } from '../preload/bridge';
import { registerIpc, type IpcMainLike } from './ipc';
import { isTrustedFrame, type FrameLike } from './trusted-sender';

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** Stands in for Electron's ipcMain (its binary cannot run here); handlers and dispatch behind it are real. */
function fakeIpcMain(): IpcMainLike & { handlers: Map<string, Listener>; registrations: string[] } {
  const handlers = new Map<string, Listener>();
  const registrations: string[] = [];
  return {
    handlers,
    registrations,
    handle(channel: string, listener: Listener) {
      registrations.push(channel);
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
}

const PAGES = { rendererFileUrl: 'file:///opt/VXLAN%20Studio/resources/app/dist/renderer/index.html' };
const OUR_PAGE: FrameLike = { url: `${PAGES.rendererFileUrl}#/`, parent: null };

function eventFrom(frame: FrameLike | null): IpcMainInvokeEvent {
  return { senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

const trusted = (event: IpcMainInvokeEvent): boolean => isTrustedFrame(event.senderFrame, PAGES);

let tmp: string;
let backend: Handlers;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-ipc-'));
  backend = createBackend({ dataDir: path.join(tmp, 'data'), version: '2.0.0', transport: 'ipc', workingDirectory: tmp });
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function invoke(
  ipc: ReturnType<typeof fakeIpcMain>,
  channel: string,
  frame: FrameLike | null,
  request: unknown,
): Promise<unknown> {
  const handler = ipc.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return await handler(eventFrom(frame), request);
}

describe('registerIpc', () => {
  it('registers every contract method exactly once on its api: channel', () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted);
    expect(ipc.registrations.sort()).toEqual(
      Object.keys(methods)
        .map((m) => `api:${m}`)
        .sort(),
    );
  });

  it('answers a call from our own top-level page', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted);
    expect(await invoke(ipc, 'api:app.info', OUR_PAGE, {})).toMatchObject({
      ok: true,
      value: { version: '2.0.0', transport: 'ipc' },
    });
  });

  it.each<[string, FrameLike | null]>([
    ['a page the window was navigated to', { url: 'https://evil.example/', parent: null }],
    ['an iframe inside our page', { url: PAGES.rendererFileUrl, parent: { url: PAGES.rendererFileUrl } }],
    ['another local file', { url: 'file:///tmp/evil/index.html', parent: null }],
    ['a destroyed frame', null],
  ])('refuses %s with FORBIDDEN_SENDER and does not run the handler', async (_name, frame) => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted);
    const result = await invoke(ipc, 'api:file.write', frame, { path: 'x.vxlan.json', text: 'pwned' });
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    await expect(fs.access(path.join(tmp, 'x.vxlan.json'))).rejects.toThrow();
  });

  it('refuses the call when the sender check itself throws', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, () => {
      throw new Error('frame disposed');
    });
    expect(await invoke(ipc, 'api:recent.list', OUR_PAGE, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('answers a malformed request with BAD_REQUEST naming the field', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted);
    const result = await invoke(ipc, 'api:autosave.write', OUR_PAGE, { text: 'x', path: 5 });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', detail: { path: 'path' } } });
  });

  it('turns a throwing handler into INTERNAL without leaking the stack', async () => {
    const ipc = fakeIpcMain();
    const failing: Handlers = {
      ...backend,
      'autosave.read': () => Promise.reject(new Error('EACCES /home/alice/.ssh/id_ed25519')),
    };
    registerIpc(ipc, failing, trusted, { onInternalError: () => undefined });
    const result = await invoke(ipc, 'api:autosave.read', OUR_PAGE, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toMatch(/id_ed25519|\bat\s|Error:/);
  });

  it('removes every handler when disposed', () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted)();
    expect(ipc.handlers.size).toBe(0);
  });

  it('carries a save and a reload through the real preload bridge and backend', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, backend, trusted);
    // ipcRenderer.invoke in the page ends up in ipcMain.handle in main; the event names our page.
    const renderer = {
      invoke: (channel: string, request: unknown) => invoke(ipc, channel, OUR_PAGE, request),
      on: () => renderer,
      removeListener: () => renderer,
    } as unknown as IpcRendererLike;
    const bridge = createBridge(renderer);
    const file = path.join(tmp, 'lab.vxlan.json');
    expect(await bridge.fileWrite({ path: file, text: '{"format":1}\n' })).toEqual({
      ok: true,
      value: { path: file, bytes: 13 },
    });
    expect(await bridge.fileRead({ path: file })).toEqual({ ok: true, value: { path: file, text: '{"format":1}\n' } });
    expect(await bridge.filePickOpen({})).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
  });
});
