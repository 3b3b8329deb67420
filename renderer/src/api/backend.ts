/**
 * The renderer's handle on the backend, whatever the transport (picked at start by `connectApi`).
 * `call` turns a failed Result into a thrown BackendError carrying the coded AppErrorData, so
 * callers write straight-line code and show `error.data.message` + hint.
 */
import type { ApiClient, MethodName, RequestOf, ResponseOf } from '../../../shared/api/contract';
import type { AppErrorData } from '../../../shared/errors/catalogue';

let client: ApiClient | null = null;

export class BackendError extends Error {
  constructor(readonly data: AppErrorData) {
    super(data.message);
    this.name = 'BackendError';
  }
}

export function setApiClient(c: ApiClient): void {
  client = c;
}

export function getApiClient(): ApiClient | null {
  return client;
}

export async function call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  if (!client)
    throw new BackendError({ code: 'INTERNAL', message: 'Not connected to the VXLAN Studio backend.', hint: 'Reload the page.' });
  const result = await client.call(method, request);
  if (!result.ok) throw new BackendError(result.error);
  return result.value;
}

/** A sentence for a notice: the coded message, the hint, and the path when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof BackendError) {
    const where = err.data.detail?.['path'];
    return [err.data.message, typeof where === 'string' ? `(${where})` : '', err.data.hint].filter((s) => s !== '').join(' ');
  }
  return err instanceof Error ? err.message : String(err);
}
