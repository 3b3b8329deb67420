/**
 * The SSH pool: one ssh2 connection per host (keyed by user@host:port and jump), reused by deploy
 * and health, with a persistent shell per host for ~1 ms command round trips (HOUSE-STYLE 5).
 *
 * Why a persistent shell: opening an exec channel makes sshd fork a session and a shell (~70 ms on
 * the lab), while a line written to an already running `sh` costs about a millisecond. Commands on
 * one host are serialised through that shell; if it cannot be opened, each call gets its own exec
 * channel instead.
 *
 * Trust: every connection has a `hostVerifier` backed by known_hosts (a changed key is a hard stop
 * before authentication); credentials are asked through callbacks only after the host key passed,
 * and never kept (a decrypted key object stays in memory for the pool's life, its passphrase not).
 */
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ConnectConfig, type ParsedKey } from 'ssh2';
import { AppError } from '../../../shared/errors/catalogue';
import type { SshTarget } from '../../../shared/model';
import { argvToShell, quoteShellArg } from '../../../shared/plan';
import { tcpConnector, type Connector } from './connector';
import { connectError, endpointLabel, sshError, type Endpoint } from './errors';
import { FrameReader, framedCommand, newNonce } from './framing';
import { IdentityFileRefused, readIdentityFile } from './identity-file';
import { fingerprintSha256, keyTypeOfBlob, type KnownHostsStore } from './known-hosts';

export type HostKeyPolicy = 'refuse' | 'accept-new' | 'ask';

export interface HostKeyPrompt {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

/** Asked only when needed, after the host key was verified; answers are used once and not stored. */
export interface SshCredentials {
  /** Passphrase of an encrypted identity file; undefined = the user declined. */
  passphrase?: (host: string, path: string) => Promise<string | undefined>;
  /** Login password; undefined = the user declined. */
  password?: (host: string, user: string) => Promise<string | undefined>;
}

/** What the pool reports (for logs and tests). Never carries secrets. */
export type SshEvent =
  | { kind: 'connect'; endpoint: string; via?: string }
  | {
      kind: 'host-key';
      endpoint: string;
      status: 'trusted' | 'unknown' | 'changed' | 'revoked';
      fingerprint: string;
      decision: 'ok' | 'stored' | 'refused';
    }
  | { kind: 'auth-attempt'; endpoint: string; method: AuthenticationType }
  | { kind: 'ready'; endpoint: string; ms: number }
  | { kind: 'closed'; endpoint: string; reason: string }
  | { kind: 'shell-fallback'; endpoint: string; reason: string };

export interface SshPoolOptions {
  knownHosts: KnownHostsStore;
  /** Unknown host keys: refuse (CLI default), accept-new (append to the app's known_hosts), or ask `confirmHostKey`. */
  hostKeyPolicy?: HostKeyPolicy;
  confirmHostKey?: (prompt: HostKeyPrompt) => Promise<boolean>;
  credentials?: SshCredentials;
  /** How the pool dials a TCP endpoint; default node:net. */
  connector?: Connector;
  /** TCP connect + handshake + authentication, paused while a user callback is waiting; default 10 s. */
  readyTimeoutMs?: number;
  /** SSH keepalive every N ms; default 5 s. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dead; default 3. */
  keepaliveCountMax?: number;
  /** Channels open at once per connection (the persistent shell counts); default 4, below sshd's MaxSessions 10. */
  maxChannels?: number;
  /** Default per-command timeout; default 120 s. */
  commandTimeoutMs?: number;
  /** Keep one long-lived shell per host (default true); false = one exec channel per call, as the fallback does. */
  persistentShell?: boolean;
  /** ssh-agent socket; default `SSH_AUTH_SOCK`. */
  agentSocket?: string;
  log?: (event: SshEvent) => void;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Wrap as `sudo -n sh -c <script>`; "a password is required" becomes SUDO_PASSWORD_REQUIRED. */
  sudo?: boolean;
  /** Bytes given to the script's stdin (exactly, also without a trailing newline). */
  stdin?: string;
  /** Aborting kills the command (and the host's persistent shell, reopened on the next call): CANCELLED. */
  signal?: AbortSignal;
}

interface Limits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Calls `stop` with COMMAND_TIMEOUT or CANCELLED when the command's time is up or it is aborted; returns the cleanup. */
function watchLimits(limits: Limits, conn: { endpoint: Endpoint; label: string }, stop: (err: AppError) => void): () => void {
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

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Tools a deploy needs on every host (iproute2 and util-linux's flock for the remote lock). */
export const REQUIRED_TOOLS = ['ip', 'bridge', 'flock'] as const;

/** sshd's default MaxSessions is 10; stay well below it. */
const DEFAULT_MAX_CHANNELS = 4;

/** ssh2's host key algorithms (all it supports by default), so known key types can be put first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Algorithms that prove a key of a known_hosts key type (an `ssh-rsa` key signs with rsa-sha2-*). */
function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

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
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

/** A counting semaphore bounding the channels of one connection. */
class Semaphore {
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

/** A deadline that stops counting while the user is being asked something. */
class Deadline {
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

/** One live ssh2 connection. */
interface Connection {
  endpoint: Endpoint;
  label: string;
  client: Client;
  semaphore: Semaphore;
  dead: boolean;
  /** Why it died (keepalive timeout, server closed...), for errors of commands that were running. */
  deathReason?: AppError;
  shell?: PersistentShell;
  /** The persistent shell could not be opened on this connection: use exec channels. */
  shellUnavailable?: string;
  jump?: Connection;
}

/**
 * A script run as root through `sudo -n`. The script gets the SSH session's pid as `$1` (the
 * persistent shell's `$$`, or the `$1` an exec channel passes), so a deploy lock taken under sudo
 * lives as long as the session, not just as long as this one `sudo` call.
 *
 * @example
 * sudoWrapped('id -u')  // sudo -n sh -c 'id -u' vxs "${1:-$$}"
 */
export function sudoWrapped(script: string): string {
  return `${argvToShell(['sudo', '-n', 'sh', '-c', script, 'vxs'])} "\${1:-$$}"`;
}

/** A long-lived `sh` on an exec channel; commands are framed (see framing.ts). Callers serialise. */
class PersistentShell {
  private reader: FrameReader | undefined;
  private wake: (() => void) | undefined;
  private failure: AppError | undefined;
  closed = false;

  constructor(
    private readonly channel: ClientChannel,
    private readonly release: () => void,
    private readonly conn: Connection,
  ) {
    channel.on('data', (d: Buffer) => {
      this.reader?.pushStdout(d);
      this.wake?.();
    });
    channel.stderr.on('data', (d: Buffer) => {
      this.reader?.pushStderr(d);
      this.wake?.();
    });
    channel.on('close', () => {
      this.closed = true;
      this.release();
      this.failure ??=
        conn.deathReason ?? sshError('SSH_UNREACHABLE', conn.endpoint, `the shell on ${conn.label} ended unexpectedly`);
      this.wake?.();
    });
  }

  run(script: string, stdin: string | undefined, limits: Limits): Promise<{ code: number; stdout: string; stderr: string }> {
    const nonce = newNonce();
    const reader = new FrameReader(nonce);
    this.reader = reader;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        stopWatching();
        this.wake = undefined;
        this.reader = undefined;
      };
      const stopWatching = watchLimits(limits, this.conn, (err) => {
        finish();
        // A hung or cancelled command leaves the shell busy: throw it away; the next call opens a fresh one.
        this.close();
        reject(err);
      });
      this.wake = () => {
        const result = reader.result();
        if (result) {
          finish();
          resolve(result);
        } else if (this.closed) {
          finish();
          reject(this.failure ?? sshError('SSH_UNREACHABLE', this.conn.endpoint, `the shell on ${this.conn.label} ended`));
        }
      };
      if (this.closed) {
        this.wake();
        return;
      }
      this.channel.write(framedCommand(script, nonce, stdin));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.channel.signal('KILL');
    } catch {
      // the server may not support signals; closing the channel is what matters
    }
    this.channel.close();
  }
}

/** One host's session: a view on the pool's (re)connecting connection for that host. */
export class HostSession {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: SshPool,
    readonly target: SshTarget,
    readonly key: string,
  ) {}

  private limits(opts: RunOptions): Limits {
    return { timeoutMs: opts.timeoutMs ?? this.pool.commandTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  /** Connects now (or checks the pooled connection is alive). */
  async connect(): Promise<void> {
    await this.pool.connection(this);
  }

  /**
   * Runs a POSIX sh script on the host through the persistent shell (or an exec channel when no
   * shell can be opened). Calls on one host run one after the other. A non-zero exit is a result,
   * not an error; connection problems, timeouts and sudo prompts are AppErrors.
   */
  run(script: string, opts: RunOptions = {}): Promise<CommandResult> {
    const next = this.queue.then(() => this.runNow(script, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(script: string, opts: RunOptions): Promise<CommandResult> {
    const start = performance.now();
    // Cancelled while waiting in the queue: open nothing (a hung host would hold the channel open).
    if (opts.signal?.aborted === true)
      throw new AppError('CANCELLED', `the command on ${this.target.host} was cancelled`, { host: this.target.host });
    const body = opts.sudo === true ? sudoWrapped(script) : script;
    const limits = this.limits(opts);
    const conn = await this.pool.connection(this);
    let result: { code: number; stdout: string; stderr: string };
    const shell = conn.shellUnavailable === undefined ? await this.pool.shellFor(conn) : undefined;
    if (shell) result = await shell.run(body, opts.stdin, limits);
    else result = await this.pool.execOn(conn, body, opts.stdin, limits);
    if (opts.sudo === true && result.code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(result.stderr)) {
      throw sshError(
        'COMMAND_MISSING',
        conn.endpoint,
        `${conn.label} has no \`sudo\` (the host is set to run commands through sudo -n)`,
        { missing: 'sudo' },
      );
    }
    if (opts.sudo === true && result.code !== 0 && /a (password|terminal) is required/.test(result.stderr)) {
      throw sshError(
        'SUDO_PASSWORD_REQUIRED',
        conn.endpoint,
        `sudo on ${conn.label} wants a password (sudo -n: ${result.stderr.trim().split('\n').pop() ?? ''})`,
      );
    }
    return { ...result, durationMs: performance.now() - start };
  }

  /** Runs a script on a fresh exec channel (no persistent shell); for comparison and one-off calls. */
  async exec(script: string, opts: RunOptions = {}): Promise<CommandResult> {
    const start = performance.now();
    const body = opts.sudo === true ? sudoWrapped(script) : script;
    const conn = await this.pool.connection(this);
    const result = await this.pool.execOn(conn, body, opts.stdin, this.limits(opts));
    return { ...result, durationMs: performance.now() - start };
  }

  /**
   * Checks that `ip`, `bridge` and `flock` (or the given tools) exist on the host (with sudo's PATH
   * when `sudo`), else COMMAND_MISSING naming the missing ones.
   */
  async checkTools(opts: { sudo?: boolean; tools?: readonly string[] } = {}): Promise<void> {
    const tools = opts.tools ?? REQUIRED_TOOLS;
    const script = `for t in ${tools.map(quoteShellArg).join(' ')}; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done`;
    const result = await this.run(script, opts.sudo === true ? { sudo: true } : {});
    const missing = result.stdout.split('\n').filter((t) => t !== '');
    if (result.code !== 0) {
      throw new AppError(
        'COMMAND_FAILED',
        `checking for ${tools.join(', ')} on ${this.target.host} failed (exit ${result.code}): ${result.stderr.trim()}`,
        {
          host: this.target.host,
        },
      );
    }
    if (missing.length > 0) {
      throw new AppError(
        'COMMAND_MISSING',
        `${this.target.host} has no ${missing.map((t) => `\`${t}\``).join(', ')} (needed: ${tools.join(', ')})`,
        {
          host: this.target.host,
          missing: missing.join(','),
        },
      );
    }
  }

  /** Drops this host's connection (the next call reconnects). */
  close(): void {
    this.pool.drop(this.key);
  }
}

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
  private readonly keyCache = new Map<string, ParsedKey>();
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
          const knownTypes = await this.opts.knownHosts.knownKeyTypes(ep.host, ep.port);
          const preferred = knownTypes.flatMap(algorithmsForKeyType).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
          const algorithms = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
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
              this.verifyHostKey(ep, label, key, deadline).then(
                () => verify(true),
                (err: unknown) => {
                  hostKeyError = err instanceof AppError ? err : connectError(err, ep);
                  verify(false);
                },
              );
            },
            authHandler: this.authHandler(
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

  private async verifyHostKey(ep: Endpoint, label: string, key: Buffer, deadline: Deadline): Promise<void> {
    const log = this.opts.log ?? ((): void => undefined);
    const fingerprint = fingerprintSha256(key);
    const keyType = keyTypeOfBlob(key);
    const check = await this.opts.knownHosts.check(ep.host, ep.port, key);
    const detail = { fingerprint, keyType };
    switch (check.status) {
      case 'trusted':
        log({ kind: 'host-key', endpoint: label, status: 'trusted', fingerprint, decision: 'ok' });
        return;
      case 'revoked':
        log({ kind: 'host-key', endpoint: label, status: 'revoked', fingerprint, decision: 'refused' });
        throw sshError(
          'SSH_HOST_KEY_REVOKED',
          ep,
          `${label} presented the ${keyType} key ${fingerprint}, which ${check.file}:${check.line} marks @revoked`,
          detail,
        );
      case 'changed': {
        log({ kind: 'host-key', endpoint: label, status: 'changed', fingerprint, decision: 'refused' });
        const was = check.known.map((k) => `${k.keyType} ${k.fingerprint} (${k.file}:${k.line})`).join('; ');
        throw sshError(
          'SSH_HOST_KEY_CHANGED',
          ep,
          `the host key of ${label} has CHANGED: it now presents ${keyType} ${fingerprint}, known_hosts has ${was}`,
          {
            ...detail,
            knownFingerprint: check.known[0]?.fingerprint ?? null,
          },
        );
      }
      case 'unknown':
        break;
    }
    const policy = this.opts.hostKeyPolicy ?? 'refuse';
    let accept = policy === 'accept-new';
    if (policy === 'ask') {
      const confirm = this.opts.confirmHostKey;
      accept = confirm
        ? await deadline.whilePaused(() => confirm({ host: ep.host, port: ep.port, keyType, fingerprint }))
        : false;
    }
    if (!accept) {
      log({ kind: 'host-key', endpoint: label, status: 'unknown', fingerprint, decision: 'refused' });
      throw sshError('SSH_HOST_KEY_UNKNOWN', ep, `the host key of ${label} is not known: ${keyType} ${fingerprint}`, detail);
    }
    await this.opts.knownHosts.add(ep.host, ep.port, key);
    log({ kind: 'host-key', endpoint: label, status: 'unknown', fingerprint, decision: 'stored' });
  }

  /** Auth methods from the topology's `SshAuth`, prepared lazily (after the host key passed). */
  private authHandler(
    ep: Endpoint,
    label: string,
    target: SshTarget,
    deadline: Deadline,
    log: (e: SshEvent) => void,
    fail: (err: unknown) => void,
    tried: (what: string) => void,
  ): (methodsLeft: AuthenticationType[], partial: boolean, next: (m: AnyAuthMethod | AuthenticationType) => void) => void {
    let attempted = false;
    return (_left, _partial, next) => {
      if (attempted) {
        // One method per connection: the topology names exactly one; ssh2 then reports the failure.
        next(false as unknown as AuthenticationType);
        return;
      }
      attempted = true;
      this.authMethod(ep, label, target, deadline).then(
        (method) => {
          log({ kind: 'auth-attempt', endpoint: label, method: method.type });
          tried(
            target.auth.type === 'identity-file'
              ? `the key in ${target.auth.path} (publickey authentication)`
              : target.auth.type === 'agent'
                ? 'every key of the ssh-agent'
                : 'the password (or password login is disabled on the host)',
          );
          next(method);
        },
        (err: unknown) => fail(err),
      );
    };
  }

  private async authMethod(ep: Endpoint, label: string, target: SshTarget, deadline: Deadline): Promise<AnyAuthMethod> {
    const auth = target.auth;
    switch (auth.type) {
      case 'agent': {
        const agent = this.opts.agentSocket ?? process.env['SSH_AUTH_SOCK'];
        if (agent === undefined || agent === '') {
          throw sshError(
            'SSH_AUTH_FAILED',
            ep,
            `${label} uses ssh-agent authentication, but SSH_AUTH_SOCK is not set (start ssh-agent and ssh-add a key, or choose an identity file)`,
          );
        }
        return { type: 'agent', username: ep.user, agent };
      }
      case 'identity-file':
        return { type: 'publickey', username: ep.user, key: await this.identityKey(ep, auth.path, deadline) };
      case 'password': {
        const ask = this.opts.credentials?.password;
        const password = ask ? await deadline.whilePaused(() => ask(ep.host, ep.user)) : undefined;
        if (password === undefined)
          throw sshError('SSH_AUTH_FAILED', ep, `${label} uses password authentication, but no password was given`);
        return { type: 'password', username: ep.user, password };
      }
    }
  }

  private async identityKey(ep: Endpoint, path: string, deadline: Deadline): Promise<ParsedKey> {
    const cached = this.keyCache.get(path);
    if (cached) return cached;
    let data: Buffer;
    try {
      data = await readIdentityFile(path);
    } catch (err) {
      if (err instanceof IdentityFileRefused)
        throw sshError('SSH_AUTH_FAILED', ep, `refusing the identity file ${path}: ${err.message}`, { path });
      throw sshError(
        'SSH_AUTH_FAILED',
        ep,
        `cannot read the identity file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { path },
      );
    }
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
      const ask = this.opts.credentials?.passphrase;
      const passphrase = ask ? await deadline.whilePaused(() => ask(ep.host, path)) : undefined;
      if (passphrase === undefined)
        throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} is encrypted and no passphrase was given`, { path });
      parsed = utils.parseKey(data, passphrase);
      if (parsed instanceof Error)
        throw sshError('SSH_AUTH_FAILED', ep, `wrong passphrase for the identity file ${path}`, { path });
    }
    if (parsed instanceof Error)
      throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} is not a private key ssh2 can read: ${parsed.message}`, {
        path,
      });
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    if (!key) throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} holds no key`, { path });
    this.keyCache.set(path, key);
    return key;
  }

  /** @internal The connection's persistent shell, opening one when needed; undefined = use exec. */
  async shellFor(conn: Connection): Promise<PersistentShell | undefined> {
    if (conn.shell && !conn.shell.closed) return conn.shell;
    if (conn.shellUnavailable !== undefined || this.opts.persistentShell === false) return undefined;
    const release = await conn.semaphore.acquire();
    try {
      const channel = await openExec(conn, 'exec /bin/sh');
      conn.shell = new PersistentShell(channel, release, conn);
      return conn.shell;
    } catch (err) {
      release();
      if (conn.dead) throw conn.deathReason ?? connectError(err, conn.endpoint);
      conn.shellUnavailable = err instanceof Error ? err.message : String(err);
      this.opts.log?.({ kind: 'shell-fallback', endpoint: conn.label, reason: conn.shellUnavailable });
      return undefined;
    }
  }

  /** @internal One exec channel for one script (bounded by the connection's semaphore). */
  async execOn(
    conn: Connection,
    script: string,
    stdin: string | undefined,
    limits: Limits,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const release = await conn.semaphore.acquire();
    try {
      // $1 = the sshd process of this connection: the session a script's deploy lock follows.
      const channel = await openExec(conn, `exec /bin/sh -c ${quoteShellArg(script)} vxs "$PPID"`);
      return await new Promise((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let code: number | undefined;
        const stopWatching = watchLimits(limits, conn, (e) => {
          try {
            channel.signal('KILL');
          } catch {
            // closing is enough
          }
          channel.close();
          reject(e);
        });
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => err.push(d));
        channel.on('exit', (c: number | null, signal?: string) => {
          code = c ?? 128 + (signal ? (osConstants.signals[`SIG${signal}` as NodeJS.Signals] ?? 0) : 0);
        });
        channel.on('close', () => {
          stopWatching();
          if (code === undefined) {
            reject(
              conn.deathReason ??
                sshError('SSH_UNREACHABLE', conn.endpoint, `the channel on ${conn.label} closed without an exit status`),
            );
            return;
          }
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        });
        channel.end(stdin ?? '');
      });
    } finally {
      release();
    }
  }
}

function openExec(conn: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    if (conn.dead) {
      reject(conn.deathReason ?? sshError('SSH_UNREACHABLE', conn.endpoint, `the connection to ${conn.label} is closed`));
      return;
    }
    conn.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
}

/** A direct-tcpip channel from the jump host to the target (ssh -J). */
function forwardOut(via: Connection, ep: Endpoint): Promise<Duplex> {
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

async function closeConnection(c: Connection): Promise<void> {
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

/** `user@host:port` plus the jump: one pooled connection per distinct key. */
export function poolKey(t: Pick<SshTarget, 'host' | 'port' | 'user' | 'jump'>): string {
  return `${endpointLabel({ host: t.host, port: t.port, user: t.user })}${t.jump ? ` via ${t.jump}` : ''}`;
}
