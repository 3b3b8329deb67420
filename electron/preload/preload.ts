/**
 * Preload of the sandboxed renderer: exposes the bridge and nothing else. Bundled to
 * dist/electron/preload.cjs; in a sandbox it may only require `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('vxlanStudio', createBridge(ipcRenderer));
