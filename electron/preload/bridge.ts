/**
 * What the preload exposes as `window.vxlanStudio`: one named function per contract method, each a
 * plain `ipcRenderer.invoke` on its own channel, plus `onEvent` limited to the contract's events.
 * No logic lives here (Electron security checklist items 3, 17 and 20); validation happens in main.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { EventChannel, MethodChannel, PreloadBridge } from '../../shared/api/bridge';
import type { EventName, EventOf, MethodName, RequestOf, ResponseOf, Result } from '../../shared/api/contract';

/** The part of `ipcRenderer` the bridge uses. */
export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

type TypedInvoke = <M extends MethodName>(channel: MethodChannel<M>, request: RequestOf<M>) => Promise<Result<ResponseOf<M>>>;

/** Every contract event and its channel; `satisfies` makes a missing or unknown event a type error. */
const EVENT_CHANNELS = {
  'menu.command': 'event:menu.command',
  'deploy.progress': 'event:deploy.progress',
  'hosts.hostKeyPrompt': 'event:hosts.hostKeyPrompt',
  'hosts.credentialPrompt': 'event:hosts.credentialPrompt',
  'health.changed': 'event:health.changed',
} as const satisfies { [E in EventName]: EventChannel<E> };

export function createBridge(ipcRenderer: IpcRendererLike): PreloadBridge {
  const invoke = ipcRenderer.invoke.bind(ipcRenderer) as TypedInvoke;
  return {
    appInfo: (request) => invoke('api:app.info', request),
    filePickOpen: (request) => invoke('api:file.pickOpen', request),
    filePickSave: (request) => invoke('api:file.pickSave', request),
    fileRead: (request) => invoke('api:file.read', request),
    fileWrite: (request) => invoke('api:file.write', request),
    recentList: (request) => invoke('api:recent.list', request),
    recentAdd: (request) => invoke('api:recent.add', request),
    autosaveWrite: (request) => invoke('api:autosave.write', request),
    autosaveRead: (request) => invoke('api:autosave.read', request),
    autosaveClear: (request) => invoke('api:autosave.clear', request),
    deployPreview: (request) => invoke('api:deploy.preview', request),
    deployApply: (request) => invoke('api:deploy.apply', request),
    deployDestroy: (request) => invoke('api:deploy.destroy', request),
    deployCancel: (request) => invoke('api:deploy.cancel', request),
    deployConfirm: (request) => invoke('api:deploy.confirm', request),
    deployRevert: (request) => invoke('api:deploy.revert', request),
    hostsConfirmHostKey: (request) => invoke('api:hosts.confirmHostKey', request),
    hostsAnswerCredential: (request) => invoke('api:hosts.answerCredential', request),
    hostsResolveSsh: (request) => invoke('api:hosts.resolveSsh', request),
    healthStart: (request) => invoke('api:health.start', request),
    healthStop: (request) => invoke('api:health.stop', request),
    healthPause: (request) => invoke('api:health.pause', request),
    healthResume: (request) => invoke('api:health.resume', request),
    healthUpdate: (request) => invoke('api:health.update', request),
    healthSnapshot: (request) => invoke('api:health.snapshot', request),
    healthApplyFix: (request) => invoke('api:health.applyFix', request),
    importFromHosts: (request) => invoke('api:import.fromHosts', request),
    importReadInventory: (request) => invoke('api:import.readInventory', request),
    onEvent: <E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): (() => void) => {
      if (!Object.hasOwn(EVENT_CHANNELS, event)) return () => undefined;
      const channel = EVENT_CHANNELS[event];
      // Only the payload crosses into the page; the IPC event (and its `sender`) stays here.
      const forward = (_event: IpcRendererEvent, payload: EventOf<E>): void => listener(payload);
      ipcRenderer.on(channel, forward);
      return () => {
        ipcRenderer.removeListener(channel, forward);
      };
    },
  };
}
