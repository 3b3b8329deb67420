/**
 * The SSH pool: one ssh2 connection per host (keyed by user@host:port and jump), reused by deploy
 * and health, with a persistent shell per host for ~1 ms command round trips.
 * The parts live beside it: session.ts (a host's queue of commands), shell.ts (the persistent
 * shell and exec channels), auth.ts (host key trust and authentication), deadline.ts (time limits)
 * and connection.ts (one live connection and its channels).
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import ssh2, { type ConnectConfig } from 'ssh2';
import { AppError } from '../../../shared/errors/catalogue';
import type { SshAuth, SshTarget } from '../../../shared/model';
import { Authenticator } from './auth';
import { closeConnection, forwardOut, Semaphore, type Connection } from './connection';
import { tcpConnector } from './connector';
import { Deadline } from './deadline';
import { connectError, endpointLabel, sshError, type Endpoint } from './errors';
import { routeOf, type Hop } from './route';
import { HostSession } from './session';
import { parseHop, SshClientConfig } from './ssh-config';
import { shellFor, type PersistentShell } from './shell';
import type { SshEvent, SshPoolOptions } from './types';

/** sshd's default MaxSessions is 10; stay well below it. */
const DEFAULT_MAX_CHANNELS = 4;
/**
 * Handshakes under way at once (key exchange and authentication: the CPU-heavy part of a connection,
 * on both ends). A hundred hosts dialled at once on a busy 2-core machine running the lab's sshds
 * left the last handshakes past the 10 s timeout; in turns of 16 they all complete. The client's own
 * share is a few ms per handshake, so on real hosts 16 cost little more than all at once.
 */
const DEFAULT_MAX_HANDSHAKES = 16;

/**
 * Parses a ProxyJump-style `[user@]host[:port]` (IPv6 in brackets), defaulting to the target's user and port 22.
 *
 * @example
 * parseJump('admin@bastion:2222', 'root')  // { user: 'admin', host: 'bastion', port: 2222 }
 */
export function parseJump(jump: string, defaultUser: string): Endpoint {
  const hop = parseHop(jump);
  return { user: hop.user ?? defaultUser, host: hop.host, port: hop.port ?? 22 };
}

// ssh2 is CommonJS: Node's ESM loader only guarantees its default export.
const { Client } = ssh2;

/** Counters for tests and benchmarks. */
export interface PoolStats {
  /** Connections currently open (targets and jump hosts). */
  open: number;
  /** Streams ever opened by the connector or through a jump host. */
  dials: number;
}

export class SshPool {
  readonly commandTimeoutMs: number;
  private readonly opts: Required<
    Pick<SshPoolOptions, 'readyTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax' | 'maxChannels'>
  > &
    SshPoolOptions;
  private readonly sessions = new Map<string, HostSession>();
  private readonly connections = new Map<string, Connection>();
  private readonly pending = new Map<string, Promise<Connection>>();
  private readonly auth: Authenticator;
  private readonly handshakes: Semaphore;
  private dials = 0;
  private configLoad: Promise<SshClientConfig> | undefined;

  constructor(options: SshPoolOptions) {
    this.opts = {
      readyTimeoutMs: 10_000,
      keepaliveIntervalMs: 5_000,
      keepaliveCountMax: 3,
      maxChannels: DEFAULT_MAX_CHANNELS,
      ...options,
    };
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.auth = new Authenticator(this.opts);
    this.handshakes = new Semaphore(options.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES);
  }

  /** @internal For sessions: the sudo password callback. */
  get sudoPassword(): ((host: string, user: string) => Promise<string | undefined>) | undefined {
    return this.opts.credentials?.sudoPassword;
  }

  /** @internal For sessions: the pool's event log. */
  log(event: SshEvent): void {
    this.opts.log?.(event);
  }

  /** The session for a target (created on first use, connected lazily). */
  session(target: SshTarget): HostSession {
    const key = poolKey(target);
    let s = this.sessions.get(key);
    if (!s) {
      s = new HostSession(this, target, key);
      this.sessions.set(key, s);
    }
    return s;
  }

  /** The session for a target, connected. */
  async connect(target: SshTarget): Promise<HostSession> {
    const s = this.session(target);
    await s.connect();
    return s;
  }

  stats(): PoolStats {
    return { open: [...this.connections.values()].filter((c) => !c.dead).length, dials: this.dials };
  }

  /** Closes every connection; sessions reconnect if used again. */
  async closeAll(): Promise<void> {
    const conns = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(conns.map((c) => closeConnection(c)));
  }

  /** @internal */
  drop(key: string): void {
    const c = this.connections.get(key);
    this.connections.delete(key);
    if (c) void closeConnection(c);
  }

  /**
   * @internal The live connection of a session, (re)connecting when there is none: hop by hop
   * through the route's jump hosts (each one's host key checked like the target's), each hop's
   * connection pooled under its own chain key.
   */
  async connection(session: HostSession): Promise<Connection> {
    const live = this.connections.get(session.key);
    if (live && !live.dead) return live;
    const route = routeOf(session.target, await this.sshConfig());
    const total = route.jumps.length;
    let via: (() => Promise<Connection>) | undefined;
    let chain = '';
    for (const [i, hop] of route.jumps.entries()) {
      const key = chain === '' ? endpointLabel(hop.ep) : `${endpointLabel(hop.ep)} via ${chain}`;
      const prev = via;
      via = async () => {
        try {
          return await this.pooled(key, hop.ep, hop.auth, prev);
        } catch (err) {
          throw jumpError(err, hop, i + 1, total);
        }
      };
      chain = key;
    }
    return this.pooled(session.key, route.target.ep, route.target.auth, via);
  }

  /** The client config, loaded once for the pool's life (a loader's error fails the connection that needed it). */
  private sshConfig(): Promise<SshClientConfig | undefined> {
    const c = this.opts.sshConfig;
    if (c === undefined || c instanceof SshClientConfig) return Promise.resolve(c);
    this.configLoad ??= c();
    return this.configLoad;
  }

  private async pooled(
    key: string,
    ep: Endpoint,
    auth: readonly SshAuth[],
    jump?: () => Promise<Connection>,
  ): Promise<Connection> {
    const existing = this.connections.get(key);
    if (existing && !existing.dead) return existing;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = (async () => {
      const via = jump ? await jump() : undefined;
      const conn = await this.dial(ep, auth, via);
      this.connections.set(key, conn);
      return conn;
    })();
    this.pending.set(key, p);
    try {
      return await p;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Opens a stream (connector or jump), verifies the host key, authenticates. */
  private async dial(ep: Endpoint, auth: readonly SshAuth[], via?: Connection): Promise<Connection> {
    // The ready timeout starts once this handshake's turn has come, not while it waits for one.
    const turn = await this.handshakes.acquire();
    try {
      return await this.handshake(ep, auth, via);
    } finally {
      turn();
    }
  }

  private async handshake(ep: Endpoint, auth: readonly SshAuth[], via?: Connection): Promise<Connection> {
    const label = endpointLabel(ep);
    const log = this.opts.log ?? ((): void => undefined);
    log({ kind: 'connect', endpoint: label, ...(via ? { via: via.label } : {}) });
    const started = performance.now();
    const client = new Client();
    let sock: Duplex | undefined;
    let settled = false;
    let hostKeyError: AppError | undefined;
    let timedOut = false;
    /** Ends a dial still under way once the attempt has failed (see `Connector`). */
    const dialing = new AbortController();
    /** What authentication was offered, for the error message (never the secret itself). */
    let authTried: string | undefined;

    const connPromise = new Promise<Connection>((resolve, reject) => {
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        deadline.clear();
        dialing.abort();
        client.removeAllListeners('ready');
        client.end();
        sock?.destroy();
        const level = (err as { level?: unknown } | undefined)?.level;
        reject(
          hostKeyError ??
            (timedOut
              ? sshError('SSH_TIMEOUT', ep, `SSH to ${label} did not complete within ${this.opts.readyTimeoutMs} ms`, {
                  timeoutMs: this.opts.readyTimeoutMs,
                })
              : level === 'client-authentication' && authTried !== undefined
                ? sshError('SSH_AUTH_FAILED', ep, `${label} refused ${authTried}`, { method: auth.map((a) => a.type).join(',') })
                : connectError(err, ep)),
        );
      };
      const deadline = new Deadline(this.opts.readyTimeoutMs, () => {
        timedOut = true;
        fail(new Error('ready timeout'));
      });

      const conn: Connection = {
        endpoint: ep,
        label,
        client,
        semaphore: new Semaphore(this.opts.maxChannels),
        dead: false,
        ...(via ? { jump: via } : {}),
      };
      const die = (reason: AppError): void => {
        if (conn.dead) return;
        conn.dead = true;
        conn.deathReason = reason;
        log({ kind: 'closed', endpoint: label, reason: reason.message });
      };
      // ssh2 emits 'error' for socket, protocol, keepalive and auth problems; it must always have a listener.
      client.on('error', (err: Error & { level?: string }) => {
        if (!settled) fail(err);
        else
          die(
            err.level === 'client-timeout'
              ? sshError('SSH_TIMEOUT', ep, `the connection to ${label} stopped answering keepalives`)
              : connectError(err, ep),
          );
      });
      client.on('close', () => {
        if (!settled) fail(new Error('connection closed during the handshake'));
        else die(sshError('SSH_UNREACHABLE', ep, `the connection to ${label} was closed`));
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        deadline.clear();
        log({ kind: 'ready', endpoint: label, ms: performance.now() - started });
        resolve(conn);
      });

      void (async () => {
        try {
          const algorithms = await this.auth.hostKeyAlgorithms(ep);
          this.dials++;
          sock = via ? await forwardOut(via, ep) : await (this.opts.connector ?? tcpConnector)(ep.host, ep.port, dialing.signal);
          if (settled) {
            sock.destroy();
            return;
          }
          sock.on('error', () => undefined);
          const config: ConnectConfig = {
            sock,
            username: ep.user,
            // Our own Deadline covers connect + handshake + auth and pauses during prompts.
            readyTimeout: 0,
            keepaliveInterval: this.opts.keepaliveIntervalMs,
            keepaliveCountMax: this.opts.keepaliveCountMax,
            algorithms: { serverHostKey: algorithms as never },
            hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
              this.auth.verifyHostKey(ep, label, key, deadline).then(
                () => verify(true),
                (err: unknown) => {
                  hostKeyError = err instanceof AppError ? err : connectError(err, ep);
                  verify(false);
                },
              );
            },
            authHandler: this.auth.authHandler(
              ep,
              label,
              auth,
              deadline,
              log,
              (err) => fail(err),
              (what) => (authTried = what),
            ),
          };
          client.connect(config);
        } catch (err) {
          fail(err);
        }
      })();
    });
    return connPromise;
  }

  /** @internal The connection's persistent shell, opening one when needed; undefined = use exec. */
  shellFor(conn: Connection): Promise<PersistentShell | undefined> {
    return shellFor(conn, this.opts);
  }
}

/**
 * A failure on the way names the jump host it happened at ("jump host bastion (2 of 3): ..."),
 * once: an error already naming an earlier hop passes through unchanged.
 */
function jumpError(err: unknown, hop: Hop, n: number, total: number): unknown {
  const e = err instanceof AppError ? err : connectError(err, hop.ep);
  if (e.data.detail?.['jumpHop'] !== undefined) return e;
  return new AppError(e.data.code, `jump host ${hop.alias} (${n} of ${total}): ${e.message}`, {
    ...e.data.detail,
    jump: hop.alias,
    jumpHop: n,
  });
}

/** `user@host:port` plus the jump: one pooled connection per distinct key. */
export function poolKey(t: Pick<SshTarget, 'host' | 'port' | 'user' | 'jump'>): string {
  return `${endpointLabel({ host: t.host, port: t.port, user: t.user })}${t.jump ? ` via ${t.jump}` : ''}`;
}
