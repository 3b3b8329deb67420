/**
 * The one server-side entry for every transport (Electron IPC, WebSocket): checks the method name,
 * parses the request with the contract's zod schema, runs the handler and turns every outcome into a
 * `Result`. Nothing thrown crosses the boundary (Electron's IPC keeps only an error's `message`,
 * so a thrown error would lose its code and details on the way).
 */
import type { z } from 'zod';
import { isMethodName, methods, type MethodName, type ResponseOf, type Result } from '../../../shared/api/contract';
import { AppError, appError, type AppErrorData } from '../../../shared/errors/catalogue';

/** The parsed (defaults applied) request of a method, as handlers receive it. */
export type ParsedRequestOf<M extends MethodName> = z.output<(typeof methods)[M]['request']>;

/** One async function per contract method. */
export type Handlers = { readonly [M in MethodName]: (request: ParsedRequestOf<M>) => Promise<ResponseOf<M>> };

export interface DispatchOptions {
  /**
   * Called with the real error when a handler fails unexpectedly, so it can be logged on the server
   * side; the caller only ever sees a generic INTERNAL error without stack or detail.
   */
  onInternalError?: (method: string, error: unknown) => void;
}

/** `segments[0].vni` style path of a zod issue, or `(request)` for the request itself. */
function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(request)' : out;
}

function badRequest(method: string, error: z.ZodError): AppErrorData {
  const first = error.issues[0];
  const where = first ? issuePath(first.path) : '(request)';
  const what = first?.message ?? 'invalid';
  const more =
    error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return appError('BAD_REQUEST', `Bad request for ${method}: ${where}: ${what}${more}.`, { method, path: where });
}

/**
 * Runs one call. Never throws and never rejects.
 * @param method untrusted method name from the transport
 * @param request untrusted request value from the transport
 */
export async function dispatch(
  handlers: Handlers,
  method: unknown,
  request: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    const shown = typeof method === 'string' ? method.slice(0, 100) : typeof method;
    return { ok: false, error: appError('UNKNOWN_METHOD', `Unknown API method "${shown}".`, { method: shown }) };
  }
  const parsed = methods[method].request.safeParse(request);
  if (!parsed.success) return { ok: false, error: badRequest(method, parsed.error) };
  try {
    const handler = handlers[method] as (request: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    // The response is checked too: a handler bug must surface here, not as a confusing renderer crash.
    const checked = methods[method].response.safeParse(value);
    if (!checked.success) {
      options.onInternalError?.(method, checked.error);
      return {
        ok: false,
        error: appError('INTERNAL', `The backend answered ${method} with data that breaks the contract.`, { method }),
      };
    }
    return { ok: true, value: checked.data };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.data };
    options.onInternalError?.(method, err);
    return { ok: false, error: appError('INTERNAL', undefined, { method }) };
  }
}
