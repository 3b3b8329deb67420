/**
 * Electron main process: a thin shell around electron/core. It owns the window, the native menu and
 * dialogs, and the IPC registration; every API call goes through the same backend as web mode.
 * Bundled to dist/electron/main.cjs by scripts/build-electron.mjs.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventChannel } from '../../shared/api/bridge';
import { events, type EventName, type EventOf } from '../../shared/api/contract';
import { createBackend, type Handlers } from '../core/backend';
import { defaultSshConfigFile } from '../core/ssh';
import { rendererCsp } from './csp';
import { createNativeDialogs, TOPOLOGY_EXTENSION } from './dialogs';
import { externalLinkToOpen } from './external-links';
import { createSafeStorageSecretStore } from './secret-store';
import { registerIpc } from './ipc';
import { buildMenuTemplate } from './menu';
import { isTrustedFrame, isTrustedUrl, type TrustedPages } from './trusted-sender';
import { captureWindowState, loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState } from './window-state';

const APP_NAME = 'VXLAN Studio';

/**
 * The user guide shipped with the app (README and file format), opened locally so Help works offline
 * and never points at a guessed web address.
 */
function docsPath(): string {
  return app.isPackaged ? path.join(process.resourcesPath, 'docs', 'README.md') : path.join(app.getAppPath(), 'README.md');
}

// Every renderer runs sandboxed, whatever a later BrowserWindow call forgets to say.
app.enableSandbox();

function fileArgument(argv: readonly string[]): string | undefined {
  return argv.slice(1).find((arg) => !arg.startsWith('-') && arg.endsWith(TOPOLOGY_EXTENSION));
}

function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  const appRoot = app.getAppPath();
  const indexHtml = path.join(appRoot, 'dist', 'renderer', 'index.html');
  const preload = path.join(appRoot, 'dist', 'electron', 'preload.cjs');
  const isDev = !app.isPackaged;
  const devServerUrl = isDev ? process.env.VXLAN_STUDIO_DEV_URL : undefined;
  const pages: TrustedPages = { rendererFileUrl: pathToFileURL(indexHtml).href, ...(devServerUrl ? { devServerUrl } : {}) };
  const windowStateFile = path.join(app.getPath('userData'), 'window-state.json');

  let mainWindow: BrowserWindow | null = null;
  let pendingStateSave: Promise<void> = Promise.resolve();

  function sendEvent<E extends EventName>(event: E, payload: EventOf<E>): void {
    const checked = events[event].parse(payload);
    mainWindow?.webContents.send(eventChannel(event), checked);
  }

  function setMenu(recentFiles: readonly string[]): void {
    const template = buildMenuTemplate({
      platform: process.platform,
      isDev,
      appName: APP_NAME,
      recentFiles,
      send: (payload) => sendEvent('menu.command', payload),
      openDocs: () => void shell.openPath(docsPath()),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  const backend = createBackend({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    transport: 'ipc',
    workingDirectory: app.getPath('documents'),
    dialogs: createNativeDialogs(dialog, () => mainWindow),
    // Deploy progress, host-key questions and health.changed go to the window (health reuses these options).
    // Passwords/passphrases the user asked to remember: encrypted with the OS keychain (safeStorage).
    // Host names resolve through ~/.ssh/config (aliases, ProxyJump) when it exists, as in ssh.
    deploy: {
      emit: sendEvent,
      secretStore: createSafeStorageSecretStore(safeStorage, app.getPath('userData')),
      sshConfig: { file: defaultSshConfigFile(), optional: true },
    },
  });
  const handlers: Handlers = {
    ...backend,
    // The native Open Recent menu follows the list the renderer maintains.
    'recent.add': async (request) => {
      const result = await backend['recent.add'](request);
      setMenu(result.paths);
      if (result.paths[0] !== undefined) app.addRecentDocument(result.paths[0]);
      return result;
    },
  };

  function hardenContents(contents: WebContents): void {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url, pages)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedUrl(url, pages)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // The project's own pages open in the user's browser, nothing else anywhere; nothing opens inside the app.
      const link = externalLinkToOpen(url);
      if (link !== undefined) void shell.openExternal(link);
      return { action: 'deny' };
    });
  }

  async function createWindow(): Promise<void> {
    const state = await loadWindowState(
      windowStateFile,
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const window = new BrowserWindow({
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      width: state.width,
      height: state.height,
      minWidth: MIN_WIDTH,
      minHeight: MIN_HEIGHT,
      title: APP_NAME,
      show: false,
      backgroundColor: '#f7f8fa',
      webPreferences: {
        preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    mainWindow = window;
    if (state.maximized) window.maximize();
    window.once('ready-to-show', () => window.show());
    window.on('close', () => {
      pendingStateSave = saveWindowState(
        windowStateFile,
        captureWindowState(window.getNormalBounds(), window.isMaximized()),
      ).catch((err: unknown) =>
        console.error(`Could not save the window position: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    const initialFile = fileArgument(process.argv);
    if (initialFile !== undefined) {
      window.webContents.once('did-finish-load', () =>
        sendEvent('menu.command', { command: 'file.openRecent', path: path.resolve(initialFile) }),
      );
    }
    if (devServerUrl) await window.loadURL(devServerUrl);
    else await window.loadFile(indexHtml);
  }

  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    const file = fileArgument(argv);
    if (file !== undefined) sendEvent('menu.command', { command: 'file.openRecent', path: path.resolve(workingDirectory, file) });
  });

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  app.on('window-all-closed', () => {
    void pendingStateSave.finally(() => {
      if (process.platform !== 'darwin') app.quit();
    });
  });

  app
    .whenReady()
    .then(async () => {
      session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
      session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        callback({
          responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [rendererCsp(devServerUrl !== undefined)] },
        });
      });
      registerIpc(ipcMain, handlers, (event) => isTrustedFrame(event.senderFrame, pages), {
        onInternalError: (method, err) => console.error(`${method} failed:`, err),
      });
      setMenu((await backend['recent.list']({})).paths);
      await createWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) void createWindow();
      });
    })
    .catch((err: unknown) => {
      dialog.showErrorBox(APP_NAME, `VXLAN Studio could not start: ${err instanceof Error ? err.message : String(err)}`);
      app.exit(1);
    });
}

start();
