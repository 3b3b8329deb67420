/**
 * ssh2 and socket errors -> coded AppErrors (shared/errors/catalogue.ts). Every error names the host
 * (`detail.host`); messages come from ssh2/errno text and our own words, never from credentials.
 */
import { AppError, type ErrorCode } from '../../../shared/errors/catalogue';

/** One SSH endpoint as the pool sees it. */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
}

/** `user@host:port` for messages and pool keys ([...] around IPv6 literals). */
export function endpointLabel(ep: Endpoint): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.user}@${host}:${ep.port}`;
}

export function hostDetail(
  ep: Endpoint,
  extra: Record<string, string | number | boolean | null> = {},
): Record<string, string | number | boolean | null> {
  return { host: ep.host, port: ep.port, user: ep.user, ...extra };
}

export function sshError(
  code: ErrorCode,
  ep: Endpoint,
  message: string,
  extra: Record<string, string | number | boolean | null> = {},
): AppError {
  return new AppError(code, message, hostDetail(ep, extra));
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

/** Maps any error met while connecting (socket, relay, handshake, auth) to a coded AppError for `ep`. */
export function connectError(err: unknown, ep: Endpoint): AppError {
  if (err instanceof AppError) return err;
  const e = err as (Error & { code?: unknown; level?: unknown; reason?: unknown }) | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const level = typeof e?.level === 'string' ? e.level : undefined;
  const text = e?.message ?? String(err);
  const label = endpointLabel(ep);
  if (code === 'ETIMEDOUT' || level === 'client-timeout')
    return sshError('SSH_TIMEOUT', ep, `SSH to ${label} timed out (${text})`);
  if (level === 'client-authentication') {
    return sshError('SSH_AUTH_FAILED', ep, `SSH authentication to ${label} failed: the server refused every method tried`);
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code))
    return sshError('SSH_UNREACHABLE', ep, `cannot reach ${label}: ${code}`, { errno: code });
  return sshError('SSH_UNREACHABLE', ep, `SSH to ${label} failed: ${text}`);
}
