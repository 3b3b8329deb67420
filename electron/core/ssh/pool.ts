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
import type { SshTarget } from '../../../shared/model';
import { Authenticator } from './auth';
import { closeConnection, forwardOut, Semaphore, type Connection } from './connection';
import { tcpConnector } from './connector';
import { Deadline } from './deadline';
import { connectError, endpointLabel, sshError, type Endpoint } from './errors';
import { HostSession } from './session';
import { shellFor, type PersistentShell } from './shell';
import type { SshPoolOptions } from './types';

/** sshd's default MaxSessions is 10; stay well below it. */
const DEFAULT_MAX_CHANNELS = 4;

/**
 * Parses a ProxyJump-style `[user@]host[:port]` (IPv6 in brackets), defaulting to the target's user and port 22.
 *
 * @example
 * parseJump('admin@bastion:2222', 'root')  // { user: 'admin', host: 'bastion', port: 2222 }
 */
export function parseJump(jump: string, defaultUser: string): Endpoint {
  const at = jump.lastIndexOf('@');
  const user = at >= 0 ? jump.slice(0, at) : defaultUser;
  const rest = at >= 0 ? jump.slice(at + 1) : jump;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host: string;
  let portText: string | undefined;
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else {
    const parts = rest.split(':');
    if (parts.length === 2) [host, portText] = parts as [string, string];
    else host = rest;
  }
  const port = portText === undefined ? 22 : Number(portText);
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`jump host ${JSON.stringify(jump)} must look like [user@]host[:port]`);
  return { user, host, port };
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
  private dials = 0;

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

  /** @internal The live connection of a session, (re)connecting when there is none. */
  async connection(session: HostSession): Promise<Connection> {
    const t = session.target;
    const endpoint = { host: t.host, port: t.port, user: t.user };
    if (t.jump === undefined) return this.pooled(session.key, endpoint, t);
    const jumpEp = parseJump(t.jump, t.user);
    const jumpKey = poolKey({ ...t, ...jumpEp, jump: undefined });
    return this.pooled(session.key, endpoint, t, async () => this.pooled(jumpKey, jumpEp, t));
  }

  private async pooled(key: string, ep: Endpoint, target: SshTarget, jump?: () => Promise<Connection>): Promise<Connection> {
    const existing = this.connections.get(key);
    if (existing && !existing.dead) return existing;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = (async () => {
      const via = jump ? await jump() : undefined;
      const conn = await this.dial(ep, target, via);
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
  private async dial(ep: Endpoint, target: SshTarget, via?: Connection): Promise<Connection> {
    const label = endpointLabel(ep);
    const log = this.opts.log ?? ((): void => undefined);
    log({ kind: 'connect', endpoint: label, ...(via ? { via: via.label } : {}) });
    const started = performance.now();
    const client = new Client();
    let sock: Duplex | undefined;
    let settled = false;
    let hostKeyError: AppError | undefined;
    let timedOut = false;
    /** What authentication was offered, for the error message (never the secret itself). */
    let authTried: string | undefined;

    const connPromise = new Promise<Connection>((resolve, reject) => {
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        deadline.clear();
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
                ? sshError('SSH_AUTH_FAILED', ep, `${label} refused ${authTried}`, { method: target.auth.type })
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
          sock = via ? await forwardOut(via, ep) : await (this.opts.connector ?? tcpConnector)(ep.host, ep.port);
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
              target,
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

/** `user@host:port` plus the jump: one pooled connection per distinct key. */
export function poolKey(t: Pick<SshTarget, 'host' | 'port' | 'user' | 'jump'>): string {
  return `${endpointLabel({ host: t.host, port: t.port, user: t.user })}${t.jump ? ` via ${t.jump}` : ''}`;
}
