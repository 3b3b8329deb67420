/**
 * Loads the real bundled main process (dist output of scripts/build-electron.mjs) against a
 * stand-in `electron` module, because the Electron binary cannot run here. Everything behind the
 * stand-in (backend, IPC registration, sender checks, menu, window state) is the real bundled code.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../shared/api/contract';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INDEX_HTML = path.join(ROOT, 'dist', 'renderer', 'index.html');

type Fn = (...args: unknown[]) => unknown;

interface Recorded {
  sandboxEnabled: boolean;
  windowOptions: Array<Record<string, unknown>>;
  loadedFiles: string[];
  ipc: Map<string, Fn>;
  appHandlers: Map<string, Fn>;
  windowHandlers: Map<string, Fn>;
  menu: unknown;
  permissionHandler?: Fn;
  headersHandler?: Fn;
  openedExternally: string[];
  errors: string[];
}

let tmp: string;
const rec: Recorded = {
  sandboxEnabled: false,
  windowOptions: [],
  loadedFiles: [],
  ipc: new Map(),
  appHandlers: new Map(),
  windowHandlers: new Map(),
  menu: undefined,
  openedExternally: [],
  errors: [],
};

function fakeElectron(userData: string, ready: Promise<void>): Record<string, unknown> {
  const app = {
    isPackaged: true,
    enableSandbox: () => {
      rec.sandboxEnabled = true;
    },
    requestSingleInstanceLock: () => true,
    getAppPath: () => ROOT,
    getPath: (name: string) => (name === 'userData' ? userData : path.join(userData, name)),
    getVersion: () => '0.1.0',
    on: (event: string, fn: Fn) => {
      rec.appHandlers.set(event, fn);
      return app;
    },
    whenReady: () => ready,
    addRecentDocument: () => undefined,
    quit: () => undefined,
    exit: () => undefined,
  };
  class BrowserWindow {
    webContents = { once: () => undefined, on: () => undefined, send: () => undefined };
    constructor(options: Record<string, unknown>) {
      rec.windowOptions.push(options);
    }
    static getAllWindows(): unknown[] {
      return [];
    }
    maximize(): void {}
    once(): void {}
    on(event: string, fn: Fn): void {
      rec.windowHandlers.set(event, fn);
    }
    getNormalBounds(): object {
      return { x: 40, y: 30, width: 1111, height: 777 };
    }
    isMaximized(): boolean {
      return false;
    }
    loadFile(file: string): Promise<void> {
      rec.loadedFiles.push(file);
      return Promise.resolve();
    }
  }
  return {
    app,
    BrowserWindow,
    ipcMain: { handle: (channel: string, fn: Fn) => rec.ipc.set(channel, fn), removeHandler: () => undefined },
    Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu: (menu: unknown) => (rec.menu = menu) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Fn) => (rec.permissionHandler = fn),
        webRequest: { onHeadersReceived: (fn: Fn) => (rec.headersHandler = fn) },
      },
    },
    dialog: {
      showOpenDialog: () => undefined,
      showSaveDialog: () => undefined,
      showErrorBox: (_t: string, m: string) => rec.errors.push(m),
    },
    shell: {
      openExternal: (url: string) => {
        rec.openedExternally.push(url);
        return Promise.resolve();
      },
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-main-'));
  const out = path.join(tmp, 'bundle');
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.mjs'), '--outdir', out], { cwd: ROOT });
  const code = await fs.readFile(path.join(out, 'main.cjs'), 'utf8');
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const electron = fakeElectron(path.join(tmp, 'userData'), ready);
  const realRequire = createRequire(path.join(out, 'main.cjs'));
  const module = { exports: {} };
  // The same wrapper Node puts around a CommonJS module, with `electron` resolved to the stand-in.
  const load = vm.compileFunction(code, ['require', 'module', 'exports', '__filename', '__dirname'], {
    filename: path.join(out, 'main.cjs'),
  }) as (...args: unknown[]) => void;
  const requireForMain = (name: string): unknown => (name === 'electron' ? electron : (realRequire(name) as unknown));
  load(requireForMain, module, module.exports, path.join(out, 'main.cjs'), out);
  markReady();
  await until(() => rec.loadedFiles.length > 0 || rec.errors.length > 0);
}, 60_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const ourFrame = { url: pathToFileURL(INDEX_HTML).href, parent: null };

describe('bundled Electron main', () => {
  it('starts without errors and loads the built renderer page', () => {
    expect(rec.errors).toEqual([]);
    expect(rec.loadedFiles).toEqual([INDEX_HTML]);
  });

  it('sandboxes every renderer and opens the window with isolation on and Node off', () => {
    expect(rec.sandboxEnabled).toBe(true);
    expect(rec.windowOptions[0]?.['webPreferences']).toMatchObject({
      preload: path.join(ROOT, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
  });

  it('registers one IPC handler per contract method and answers our page', async () => {
    expect([...rec.ipc.keys()].sort()).toEqual(
      Object.keys(methods)
        .map((m) => `api:${m}`)
        .sort(),
    );
    const info = await rec.ipc.get('api:app.info')?.({ senderFrame: ourFrame }, {});
    expect(info).toMatchObject({ ok: true, value: { transport: 'ipc', nativeDialogs: true, version: '0.1.0' } });
  });

  it('refuses IPC from any other page', async () => {
    const answer = await rec.ipc.get('api:file.read')?.(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { path: '/etc/hostname' },
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('denies every permission request (camera, notifications...)', () => {
    const answers: unknown[] = [];
    rec.permissionHandler?.({}, 'media', (allowed: boolean) => answers.push(allowed));
    expect(answers).toEqual([false]);
  });

  it('adds a strict CSP header to http answers', () => {
    let headers: Record<string, string[]> = {};
    rec.headersHandler?.(
      { responseHeaders: {} },
      (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders),
    );
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self';");
  });

  it('blocks navigation away from our page and every new window', () => {
    const handlers = new Map<string, Fn>();
    let openHandler: Fn = () => undefined;
    rec.appHandlers.get('web-contents-created')?.(
      {},
      {
        on: (event: string, fn: Fn) => handlers.set(event, fn),
        setWindowOpenHandler: (fn: Fn) => (openHandler = fn),
      },
    );
    let prevented = 0;
    const event = { preventDefault: () => prevented++ };
    handlers.get('will-navigate')?.(event, 'https://evil.example/');
    handlers.get('will-navigate')?.(event, pathToFileURL(INDEX_HTML).href);
    handlers.get('will-attach-webview')?.(event);
    expect(prevented).toBe(2);
    expect(openHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  });

  it("hands only the project's own pages to the user's browser", () => {
    let openHandler: Fn = () => undefined;
    rec.appHandlers.get('web-contents-created')?.(
      {},
      { on: () => undefined, setWindowOpenHandler: (fn: Fn) => (openHandler = fn) },
    );
    rec.openedExternally.length = 0;
    for (const url of [
      'https://github.com.evil.com/vxlanstudio/',
      'https://evil.example/',
      'file:///etc/passwd',
      'https://github.com/vxlanstudio/vxlan-studio',
    ]) {
      expect(openHandler({ url })).toEqual({ action: 'deny' });
    }
    expect(rec.openedExternally).toEqual(['https://github.com/vxlanstudio/vxlan-studio']);
  });

  it('installs the File, Edit, View and Help menus', () => {
    expect((rec.menu as Array<{ label: string }>).map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
  });

  it('remembers the window bounds when the window closes', async () => {
    rec.windowHandlers.get('close')?.();
    const file = path.join(tmp, 'userData', 'window-state.json');
    await until(() => existsSync(file));
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ x: 40, y: 30, width: 1111, height: 777, maximized: false });
  });
});
