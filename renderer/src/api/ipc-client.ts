/**
 * The Electron transport: every call goes through the one preload function of its method
 * (`window.vxlanStudio.fileRead(...)`). The main process already answers with a `Result`; a rejected
 * invoke (the main process went away) becomes DISCONNECTED instead of an exception. Events cross a
 * process boundary: each payload is parsed here against the contract, once, as the WebSocket
 * transport does, and one that does not parse is dropped, so subscribers get typed, checked data.
 */
import { bridgeFunctionName, type PreloadBridge } from '../../../shared/api/bridge';
import {
  events,
  type ApiClient,
  type EventName,
  type EventOf,
  type MethodName,
  type RequestOf,
  type ResponseOf,
  type Result,
} from '../../../shared/api/contract';
import { appError } from '../../../shared/errors/catalogue';

export function createIpcClient(bridge: PreloadBridge): ApiClient {
  return {
    async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<Result<ResponseOf<M>>> {
      const fn = bridge[bridgeFunctionName(method)] as unknown as
        ((request: RequestOf<M>) => Promise<Result<ResponseOf<M>>>) | undefined;
      if (typeof fn !== 'function') {
        return {
          ok: false,
          error: appError('UNKNOWN_METHOD', `The desktop app does not offer ${method}; restart it after an update.`, { method }),
        };
      }
      try {
        return await fn(request);
      } catch {
        return {
          ok: false,
          error: appError('DISCONNECTED', `The desktop app's main process did not answer ${method}.`, { method }),
        };
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
      return bridge.onEvent(event, (payload: unknown) => {
        const parsed = events[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as EventOf<E>);
      });
    },
  };
}
