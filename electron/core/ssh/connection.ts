/** One live ssh2 connection, the channels it opens and how it is closed. */
import type { Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import type { AppError } from '../../../shared/errors/catalogue';
import { sshError, type Endpoint } from './errors';

export type Client = InstanceType<typeof ssh2.Client>;

/** A counting semaphore bounding the channels of one connection. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private used = 0;
  constructor(private readonly max: number) {}
  async acquire(): Promise<() => void> {
    if (this.used >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    };
  }
  get inUse(): number {
    return this.used;
  }
}

/** One live ssh2 connection. */
export interface Connection {
  endpoint: Endpoint;
  label: string;
  client: Client;
  semaphore: Semaphore;
  dead: boolean;
  /** Why it died (keepalive timeout, server closed...), for errors of commands that were running. */
  deathReason?: AppError;
  /** The connection's persistent shell (shell.ts's PersistentShell; typed by what the connection needs, so the two files don't import each other). */
  shell?: { readonly closed: boolean; close(): void };
  /** The persistent shell could not be opened on this connection: use exec channels. */
  shellUnavailable?: string;
  jump?: Connection;
}

export function openExec(conn: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    if (conn.dead) {
      reject(conn.deathReason ?? sshError('SSH_UNREACHABLE', conn.endpoint, `the connection to ${conn.label} is closed`));
      return;
    }
    conn.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
}

/** A direct-tcpip channel from the jump host to the target (ssh -J). */
export function forwardOut(via: Connection, ep: Endpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.client.forwardOut('127.0.0.1', 0, ep.host, ep.port, (err, stream) => {
      if (err) {
        const reason = (err as Error & { reason?: unknown }).reason;
        const code = reason === 2 ? 'ECONNREFUSED' : undefined;
        reject(
          Object.assign(
            new Error(`the jump host ${via.label} could not open a connection to ${ep.host}:${ep.port}: ${err.message}`),
            code ? { code } : {},
          ),
        );
      } else resolve(stream);
    });
  });
}

export async function closeConnection(c: Connection): Promise<void> {
  c.shell?.close();
  if (c.dead) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 1000);
    c.client.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    c.client.end();
  });
}
