/**
 * How the pool reaches a host's TCP port. The default dials directly; the lab injects a connector
 * that dials from inside its controller namespace (like OpenSSH's ProxyCommand), so tests never
 * send a packet from the root namespace.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Opens a byte stream to `host:port`; rejects with an errno-style error (`code` ECONNREFUSED...) on failure. */
export type Connector = (host: string, port: number) => Promise<Duplex>;

/** Plain TCP from this process (node:net), resolved once connected. */
export const tcpConnector: Connector = (host, port) =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
