/**
 * Native open/save dialogs, injected into the backend so `file.pickOpen`/`file.pickSave` work in the
 * desktop app. Only the chosen path crosses back; reading and writing go through the backend.
 */
import type { BrowserWindow, Dialog, FileFilter } from 'electron';
import path from 'node:path';
import type { Dialogs } from '../core/backend/backend';

export const TOPOLOGY_EXTENSION = '.vxlan.json';

const FILTERS: FileFilter[] = [
  { name: 'VXLAN topology (*.vxlan.json)', extensions: ['vxlan.json'] },
  { name: 'All files', extensions: ['*'] },
];

/** GTK does not append the filter's extension; a name typed without one gets `.vxlan.json`. */
export function withTopologyExtension(file: string): string {
  return path.extname(file) === '' ? `${file}${TOPOLOGY_EXTENSION}` : file;
}

/** A safe default file name for the save dialog: no folders, no control characters. */
export function suggestedFileName(name: string): string {
  const base = path.basename(name.replace(/[\x00-\x1f\\/]/g, '_')).trim();
  return withTopologyExtension(base === '' || base === '.' || base === '..' ? 'topology' : base);
}

export function createNativeDialogs(
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>,
  getWindow: () => BrowserWindow | null,
): Dialogs {
  return {
    async pickOpen() {
      const window = getWindow();
      const options = { title: 'Open topology', filters: FILTERS, properties: ['openFile' as const] };
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      const picked = result.filePaths[0];
      return result.canceled || picked === undefined ? null : picked;
    },
    async pickSave(suggestedName) {
      const window = getWindow();
      const options = {
        title: 'Save topology',
        filters: FILTERS,
        defaultPath: suggestedFileName(suggestedName),
        properties: ['showOverwriteConfirmation' as const],
      };
      const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return result.canceled || result.filePath === undefined || result.filePath === ''
        ? null
        : withTopologyExtension(result.filePath);
    },
  };
}
