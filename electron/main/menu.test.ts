import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { MENU_COMMANDS, type EventOf } from '../../shared/api/contract';
import { buildMenuTemplate, type MenuOptions } from './menu';

function build(overrides: Partial<MenuOptions> = {}): {
  template: MenuItemConstructorOptions[];
  sent: Array<EventOf<'menu.command'>>;
  docs: number[];
} {
  const sent: Array<EventOf<'menu.command'>> = [];
  const docs: number[] = [];
  const template = buildMenuTemplate({
    platform: 'linux',
    isDev: false,
    appName: 'VXLAN Studio',
    recentFiles: [],
    send: (payload) => sent.push(payload),
    openDocs: () => docs.push(1),
    ...overrides,
  });
  return { template, sent, docs };
}

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function byLabel(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  const found = items(template).find((item) => item.label === label);
  if (!found) throw new Error(`no menu item "${label}"`);
  return found;
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as (() => void) | undefined)?.();
}

describe('menu template', () => {
  it('has File, Edit, View and Help on Linux and Windows', () => {
    expect(build().template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
  });

  it('puts the app menu first on macOS', () => {
    expect(build({ platform: 'darwin' }).template.map((m) => m.label)).toEqual([
      'VXLAN Studio',
      '&File',
      '&Edit',
      '&View',
      '&Help',
    ]);
  });

  it.each([
    ['New', 'file.new', 'CmdOrCtrl+N'],
    ['Open…', 'file.open', 'CmdOrCtrl+O'],
    ['Save', 'file.save', 'CmdOrCtrl+S'],
    ['Save As…', 'file.saveAs', 'CmdOrCtrl+Shift+S'],
    ['Undo', 'edit.undo', 'CmdOrCtrl+Z'],
    ['Redo', 'edit.redo', 'CmdOrCtrl+Shift+Z'],
    ['Delete', 'edit.delete', 'Delete'],
    ['Select All', 'edit.selectAll', 'CmdOrCtrl+A'],
    ['Fit View', 'view.fit', 'Shift+1'],
    ['Auto Layout', 'view.autoLayout', 'Shift+L'],
    ['Toggle Minimap', 'view.toggleMinimap', 'Shift+M'],
  ])('%s sends %s and shows %s without stealing the key from the page', (label, command, accelerator) => {
    const { template, sent } = build();
    const item = byLabel(template, label);
    click(item);
    expect(sent).toEqual([{ command }]);
    expect(item.accelerator).toBe(accelerator);
    expect(item.registerAccelerator).toBe(false);
  });

  it('sends only commands the contract knows', () => {
    const { template, sent } = build({ recentFiles: ['/a.vxlan.json'] });
    for (const item of items(template)) click(item);
    for (const payload of sent) expect(MENU_COMMANDS).toContain(payload.command);
  });

  it('lists recent files newest first and opens the clicked one', () => {
    const { template, sent } = build({ recentFiles: ['/b.vxlan.json', '/a.vxlan.json'] });
    const recent = byLabel(template, 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(recent.map((i) => i.label)).toEqual(['/b.vxlan.json', '/a.vxlan.json']);
    click(recent[1] as MenuItemConstructorOptions);
    expect(sent).toEqual([{ command: 'file.openRecent', path: '/a.vxlan.json' }]);
  });

  it('shows a disabled placeholder when there are no recent files', () => {
    const recent = byLabel(build().template, 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(recent).toEqual([{ label: 'No Recent Files', enabled: false }]);
  });

  it('uses native roles for Cut, Copy, Paste and Quit', () => {
    const roles = items(build().template)
      .map((i) => i.role)
      .filter(Boolean);
    expect(roles).toEqual(expect.arrayContaining(['cut', 'copy', 'paste', 'quit']));
  });

  it('offers Reload and DevTools only in development', () => {
    const rolesOf = (isDev: boolean): unknown[] => items(build({ isDev }).template).map((i) => i.role);
    expect(rolesOf(false)).not.toContain('toggleDevTools');
    expect(rolesOf(false)).not.toContain('reload');
    expect(rolesOf(true)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('opens the documentation and the About box from Help', () => {
    const { template, sent, docs } = build();
    click(byLabel(template, 'Documentation'));
    click(byLabel(template, 'About VXLAN Studio'));
    expect(docs).toHaveLength(1);
    expect(sent).toEqual([{ command: 'help.about' }]);
  });
});
