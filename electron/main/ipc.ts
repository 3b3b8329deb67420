/**
 * The only user of `ipcMain`: one `handle('api:<method>')` per contract method. Each call checks the
 * sender frame first, then goes through the same `dispatch` as web mode, so validation and error
 * shapes are identical across transports and nothing thrown reaches the renderer.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { methodChannel } from '../../shared/api/bridge';
import { methods, type MethodName, type Result } from '../../shared/api/contract';
import { appError } from '../../shared/errors/catalogue';
import { dispatch, type DispatchOptions, type Handlers } from '../core/backend/dispatch';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

/**
 * Registers every contract method; returns a function that removes them again.
 * @param isTrustedSender decides from the invoke event whether the calling frame is ours
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  options: DispatchOptions = {},
): () => void {
  const channels = (Object.keys(methods) as MethodName[]).map((method) => {
    const channel = methodChannel(method);
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, request: unknown): Promise<Result<unknown>> => {
      let trusted = false;
      try {
        trusted = isTrustedSender(event);
      } catch {
        trusted = false;
      }
      if (!trusted) return { ok: false, error: appError('FORBIDDEN_SENDER', undefined, { method }) };
      return dispatch(handlers, method, request, options);
    });
    return channel;
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
