/**
 * How the pool reaches a host's TCP port. The default dials directly; the lab injects a connector
 * that dials from inside its controller namespace (like OpenSSH's ProxyCommand), so tests never
 * send a packet from the root namespace.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Opens a byte stream to `host:port`; rejects with an errno-style error (`code` ECONNREFUSED...) on
 * failure. `signal` fires when the caller has given up (the pool's connect deadline): the pending
 * dial must end then, or a host that drops SYNs holds the process for the kernel's whole SYN retry
 * time (about two minutes) after the command has finished.
 */
export type Connector = (host: string, port: number, signal?: AbortSignal) => Promise<Duplex>;

/** The rejection of a dial its caller gave up on (`signal` fired), coded as a connect timeout. */
export function abandonedDial(host: string, port: number): Error {
  return Object.assign(new Error(`connecting to ${host}:${port} was abandoned`), { code: 'ETIMEDOUT' });
}

/** Plain TCP from this process (node:net), resolved once connected. */
export const tcpConnector: Connector = (host, port, signal) =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const onAbort = (): void => {
      socket.destroy();
      reject(abandonedDial(host, port));
    };
    const onError = (err: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    if (signal?.aborted === true) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
