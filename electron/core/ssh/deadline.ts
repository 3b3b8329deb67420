/**
 * Time limits: the per-command limit (timeout or abort) and the connect deadline that stops counting while
 * the user is being asked for a host key, passphrase or password.
 */
import { performance } from 'node:perf_hooks';
import type { AppError } from '../../../shared/errors/catalogue';
import { sshError, type Endpoint } from './errors';

export interface Limits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Calls `stop` with COMMAND_TIMEOUT or CANCELLED when the command's time is up or it is aborted; returns the cleanup. */
export function watchLimits(
  limits: Limits,
  conn: { endpoint: Endpoint; label: string },
  stop: (err: AppError) => void,
): () => void {
  const { timeoutMs, signal } = limits;
  const onAbort = (): void => {
    cleanup();
    stop(sshError('CANCELLED', conn.endpoint, `the command on ${conn.label} was cancelled`));
  };
  const timer = setTimeout(() => {
    cleanup();
    stop(
      sshError('COMMAND_TIMEOUT', conn.endpoint, `a command on ${conn.label} did not finish within ${timeoutMs} ms`, {
        timeoutMs,
      }),
    );
  }, timeoutMs);
  const cleanup = (): void => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  if (signal?.aborted) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });
  return cleanup;
}

/** A deadline that stops counting while the user is being asked something. */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private done = false;
  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.resume();
  }
  pause(): void {
    if (this.done || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= performance.now() - this.startedAt;
  }
  resume(): void {
    if (this.done || this.timer) return;
    this.startedAt = performance.now();
    this.timer = setTimeout(
      () => {
        this.done = true;
        this.onExpire();
      },
      Math.max(0, this.remaining),
    );
  }
  async whilePaused<T>(fn: () => Promise<T>): Promise<T> {
    this.pause();
    try {
      return await fn();
    } finally {
      this.resume();
    }
  }
  clear(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
