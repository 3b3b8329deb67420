import type { Dialog, OpenDialogReturnValue, SaveDialogReturnValue } from 'electron';
import { describe, expect, it } from 'vitest';
import { createNativeDialogs, suggestedFileName, withTopologyExtension } from './dialogs';

/** Electron's dialog cannot open here; this stand-in answers as the native one would. */
function fakeDialog(
  open: OpenDialogReturnValue,
  save: SaveDialogReturnValue,
): { dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>; seen: unknown[] } {
  const seen: unknown[] = [];
  const dialog = {
    showOpenDialog: (options: unknown) => {
      seen.push(options);
      return Promise.resolve(open);
    },
    showSaveDialog: (options: unknown) => {
      seen.push(options);
      return Promise.resolve(save);
    },
  } as unknown as Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  return { dialog, seen };
}

describe('native dialogs', () => {
  it('adds .vxlan.json to a name typed without an extension', () => {
    expect(withTopologyExtension('/home/me/lab')).toBe('/home/me/lab.vxlan.json');
    expect(withTopologyExtension('/home/me/lab.vxlan.json')).toBe('/home/me/lab.vxlan.json');
    expect(withTopologyExtension('/home/me/lab.json')).toBe('/home/me/lab.json');
  });

  it('suggests a plain file name, never a path', () => {
    expect(suggestedFileName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(suggestedFileName('')).toBe('topology.vxlan.json');
    expect(suggestedFileName('Lab A')).toBe('Lab A.vxlan.json');
  });

  it('returns the picked file, filtered to topology files', async () => {
    const { dialog, seen } = fakeDialog(
      { canceled: false, filePaths: ['/srv/lab.vxlan.json'] },
      { canceled: true, filePath: '' },
    );
    const dialogs = createNativeDialogs(dialog, () => null);
    expect(await dialogs.pickOpen()).toBe('/srv/lab.vxlan.json');
    expect(seen[0]).toMatchObject({ filters: [{ extensions: ['vxlan.json'] }, { extensions: ['*'] }] });
  });

  it('reports a cancelled dialog as null', async () => {
    const { dialog } = fakeDialog({ canceled: true, filePaths: [] }, { canceled: true, filePath: '' });
    const dialogs = createNativeDialogs(dialog, () => null);
    expect(await dialogs.pickOpen()).toBeNull();
    expect(await dialogs.pickSave('x')).toBeNull();
  });

  it('saves under the typed name with the extension added', async () => {
    const { dialog, seen } = fakeDialog({ canceled: true, filePaths: [] }, { canceled: false, filePath: '/srv/new-lab' });
    expect(await createNativeDialogs(dialog, () => null).pickSave('lab')).toBe('/srv/new-lab.vxlan.json');
    expect(seen[0]).toMatchObject({ defaultPath: 'lab.vxlan.json' });
  });
});
