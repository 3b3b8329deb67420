/**
 * A `Connector` for the SSH pool that dials lab hosts from the lab's controller namespace: a small
 * Node process under `ip netns exec <ctl>` opens each TCP connection there and hands the socket back
 * (a socket belongs to the namespace it was made in, wherever it is used). The root namespace has no
 * route to the lab, so every packet of a test or the demo leaves from the controller, which reaches
 * the lab and nothing else. Costs one process start per run, started while the caller prepares.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { abandonedDial, type Connector } from '../ssh/connector';
import { nsArgv } from './netns-exec';
import type { LabState } from './state';

/**
 * The dialer run inside the namespace (`node -e DIALER`), one per connector. Asked over Node's IPC
 * channel for `{ id, host, port }`, it opens the TCP connection there and sends the connected socket
 * itself back (a file descriptor passed over the channel), so the caller talks to the host directly:
 * one process for every connection of a run, and no bytes copied through a relay. The socket is
 * paused before it connects, so it never reads: the host's first bytes (sshd's banner) stay in the
 * kernel for the receiving side. It exits when the caller goes away (the channel closes).
 */
const DIALER = [
  "const net = require('net');",
  'const dialing = new Map();',
  "process.on('message', (m) => {",
  // The caller gave up on this dial (its connect deadline): a SYN nobody answers must not keep
  // retrying here, holding the caller's process alive for minutes.
  '  if (m.cancel) { dialing.get(m.id)?.destroy(); dialing.delete(m.id); return; }',
  '  const s = net.connect(m.port, m.host);',
  '  dialing.set(m.id, s);',
  '  s.pause();',
  "  s.on('connect', () => { dialing.delete(m.id); s.setNoDelay(true); process.send({ id: m.id }, s); });",
  "  s.on('error', (e) => { dialing.delete(m.id); process.send({ id: m.id, error: e.code || e.message }); });",
  '});',
  "process.on('disconnect', () => process.exit(0));",
].join('\n');

type DialRequest = { id: number; host: string; port: number } | { id: number; cancel: true };

interface DialReply {
  id: number;
  error?: string;
}

/** One dialer process in `namespace`, started at once so its start-up overlaps the caller's own work. */
class Dialer {
  private readonly child: ChildProcess;
  private readonly pending = new Map<
    number,
    { resolve: (s: Socket) => void; reject: (e: Error) => void; host: string; port: number }
  >();
  private nextId = 1;
  private stderr = '';
  /** Set once the process has ended; every later dial needs a new dialer. */
  exited = false;

  constructor(private readonly namespace: string) {
    const [file, ...args] = nsArgv(namespace, [process.execPath, '-e', DIALER]);
    this.child = spawn(file as string, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-2000)));
    this.child.on('message', (reply: DialReply, socket?: Socket) => this.settle(reply, socket));
    this.child.on('error', (err) => this.end(err.message));
    this.child.on('exit', (code, signal) => this.end(`exited (${code ?? signal ?? '?'})`));
    this.idle();
  }

  dial(host: string, port: number, signal?: AbortSignal): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const abandon = (): void => {
        if (!this.pending.delete(id)) return;
        if (!this.exited) this.child.send({ id, cancel: true } satisfies DialRequest);
        if (this.pending.size === 0) this.idle();
        reject(abandonedDial(host, port));
      };
      if (signal?.aborted === true) return reject(abandonedDial(host, port));
      this.pending.set(id, {
        resolve: (s) => {
          signal?.removeEventListener('abort', abandon);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', abandon);
          reject(e);
        },
        host,
        port,
      });
      signal?.addEventListener('abort', abandon, { once: true });
      // While a dial is under way the channel keeps this process alive; idle, it must not (a CLI run exits when done).
      this.child.ref();
      this.child.channel?.ref();
      this.child.send({ id, host, port } satisfies DialRequest);
    });
  }

  private settle(reply: DialReply, socket: Socket | undefined): void {
    const p = this.pending.get(reply.id);
    // Connected just as the caller gave up: nobody will use this socket.
    if (!p) return void socket?.destroy();
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    if (socket !== undefined) p.resolve(socket);
    else
      p.reject(
        Object.assign(
          new Error(`connecting to ${p.host}:${p.port} from namespace ${this.namespace} failed: ${reply.error ?? '?'}`),
          {
            code: reply.error,
          },
        ),
      );
  }

  private idle(): void {
    this.child.unref();
    this.child.channel?.unref();
    (this.child.stderr as Socket | null)?.unref();
  }

  private end(why: string): void {
    this.exited = true;
    for (const p of this.pending.values())
      p.reject(new Error(`the dialer in namespace ${this.namespace} ${why} before connecting: ${this.stderr.trim()}`));
    this.pending.clear();
  }
}

/**
 * Streams to `host:port` opened from inside network namespace `namespace` (e.g. a lab's
 * controller). The dialer process starts now; a new one replaces it if it ends.
 */
export function namespaceConnector(namespace: string): Connector {
  let dialer = new Dialer(namespace);
  return (host, port, signal) => {
    if (dialer.exited) dialer = new Dialer(namespace);
    return dialer.dial(host, port, signal);
  };
}

/** The connector for a lab: dials from its controller namespace. */
export function labConnector(lab: LabState): Connector {
  return namespaceConnector(lab.controller.namespace);
}
