/**
 * The native menu as a pure template builder: it only describes items and says which contract
 * `menu.command` each one sends, so it can be tested without Electron.
 *
 * Accelerators of our own commands are shown but not registered (`registerAccelerator: false`): the
 * page handles its keys itself, exactly as in web mode, so a shortcut never fires twice. Cut, Copy and
 * Paste are native roles so they work in text fields; macOS needs their key equivalents registered.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { EventOf, MenuCommand } from '../../shared/api/contract';

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Development build: adds Reload and DevTools. */
  isDev: boolean;
  appName: string;
  /** Newest first, as `recent.list` returns them. */
  recentFiles: readonly string[];
  send: (payload: EventOf<'menu.command'>) => void;
  openDocs: () => void;
}

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = options.platform === 'darwin';
  const command = (label: string, name: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator === undefined ? {} : { accelerator, registerAccelerator: false }),
    click: () => options.send({ command: name }),
  });
  const nativeEdit = (role: 'cut' | 'copy' | 'paste'): MenuItemConstructorOptions => ({ role, registerAccelerator: isMac });

  const recent: MenuItemConstructorOptions[] =
    options.recentFiles.length === 0
      ? [{ label: 'No Recent Files', enabled: false }]
      : options.recentFiles.map((path) => ({ label: path, click: () => options.send({ command: 'file.openRecent', path }) }));

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      command('New', 'file.new', 'CmdOrCtrl+N'),
      command('Open…', 'file.open', 'CmdOrCtrl+O'),
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      command('Save', 'file.save', 'CmdOrCtrl+S'),
      command('Save As…', 'file.saveAs', 'CmdOrCtrl+Shift+S'),
      ...(isMac ? [] : [{ type: 'separator' } as const, { role: 'quit', label: 'Quit' } as const]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      command('Undo', 'edit.undo', 'CmdOrCtrl+Z'),
      command('Redo', 'edit.redo', 'CmdOrCtrl+Shift+Z'),
      { type: 'separator' },
      nativeEdit('cut'),
      nativeEdit('copy'),
      nativeEdit('paste'),
      command('Delete', 'edit.delete', 'Delete'),
      { type: 'separator' },
      command('Select All', 'edit.selectAll', 'CmdOrCtrl+A'),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      command('Fit View', 'view.fit', 'Shift+1'),
      command('Auto Layout', 'view.autoLayout', 'Shift+L'),
      command('Toggle Minimap', 'view.toggleMinimap', 'Shift+M'),
      ...(options.isDev
        ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const]
        : []),
    ],
  };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [
      ...(isMac ? [] : [command(`About ${options.appName}`, 'help.about')]),
      { label: 'Documentation', click: options.openDocs },
    ],
  };

  const appMenu: MenuItemConstructorOptions = {
    label: options.appName,
    submenu: [
      command(`About ${options.appName}`, 'help.about'),
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };

  return [...(isMac ? [appMenu] : []), file, edit, view, help];
}
