/** One host's session: commands on that host, one after the other, over the pool's connection. */
import { performance } from 'node:perf_hooks';
import { AppError } from '../../../shared/errors/catalogue';
import type { SshTarget } from '../../../shared/model';
import { argvToShell, quoteShellArg } from '../../../shared/plan';
import type { Limits } from './deadline';
import { sshError } from './errors';
import { execOn, type PersistentShell } from './shell';
import type { Connection } from './connection';
import { assertOneLine, SUDO_PASSWORD_CHECK, SUDO_PROBE, SUDO_WANTS_PASSWORD, withSudoPassword } from './sudo-password';
import type { CommandResult, RunOptions, SshEvent } from './types';

/** Tools a deploy needs on every host (iproute2 and util-linux's flock for the remote lock). */
export const REQUIRED_TOOLS = ['ip', 'bridge', 'flock'] as const;

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

/** What a session needs from the pool (pool.ts's SshPool; named here so the two files don't import each other). */
export interface SessionPool {
  readonly commandTimeoutMs: number;
  /** Asks the sudo password (pool option `credentials.sudoPassword`); absent = never feed one. */
  readonly sudoPassword?: ((host: string, user: string) => Promise<string | undefined>) | undefined;
  log(event: SshEvent): void;
  connection(session: HostSession): Promise<Connection>;
  shellFor(conn: Connection): Promise<PersistentShell | undefined>;
  drop(key: string): void;
}

/** One host's session: a view on the pool's (re)connecting connection for that host. */
/** What the session knows about the host's sudo: not asked yet, no password needed or declined, or the password that worked. */
type SudoAuth = { kind: 'unknown' } | { kind: 'none' } | { kind: 'password'; secret: string };

export class HostSession {
  private queue: Promise<unknown> = Promise.resolve();
  /** Kept in memory for the session's life, never logged (see sudo-password.ts). */
  private sudoAuth: SudoAuth = { kind: 'unknown' };

  constructor(
    private readonly pool: SessionPool,
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
    const limits = this.limits(opts);
    const conn = await this.pool.connection(this);
    let body = opts.sudo === true ? sudoWrapped(script) : script;
    let stdin = opts.stdin;
    if (opts.sudo === true || opts.scriptUsesSudo === true) {
      const secret = await this.sudoSecret(conn, limits);
      if (secret !== undefined) ({ script: body, stdin } = withSudoPassword(body, secret, stdin));
    }
    const result = await this.runOn(conn, body, stdin, limits, opts.inShell === true && body === script);
    if (opts.sudo === true && result.code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(result.stderr)) {
      throw sshError(
        'COMMAND_MISSING',
        conn.endpoint,
        `${conn.label} has no \`sudo\` (the host is set to run commands through sudo -n)`,
        { missing: 'sudo' },
      );
    }
    if (opts.sudo === true && result.code !== 0 && SUDO_WANTS_PASSWORD.test(result.stderr)) {
      throw sshError(
        'SUDO_PASSWORD_REQUIRED',
        conn.endpoint,
        `sudo on ${conn.label} wants a password (sudo -n: ${result.stderr.trim().split('\n').pop() ?? ''})`,
      );
    }
    return { ...result, durationMs: performance.now() - start };
  }

  private async runOn(
    conn: Connection,
    body: string,
    stdin: string | undefined,
    limits: Limits,
    inShell = false,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const shell = conn.shellUnavailable === undefined ? await this.pool.shellFor(conn) : undefined;
    return shell ? shell.run(body, stdin, limits, inShell) : execOn(conn, body, stdin, limits);
  }

  /**
   * The sudo password to feed, when the host's sudo wants one: probed once with `sudo -n true`,
   * asked once, checked once with `sudo -k -S` (a wrong one is SUDO_AUTH_FAILED at once, and asked
   * again next time). Without a `sudoPassword` callback nothing is probed (plain `sudo -n`).
   */
  private async sudoSecret(conn: Connection, limits: Limits): Promise<string | undefined> {
    const ask = this.pool.sudoPassword;
    if (this.sudoAuth.kind === 'password') return this.sudoAuth.secret;
    if (this.sudoAuth.kind === 'none' || ask === undefined) return undefined;
    const probe = await this.runOn(conn, SUDO_PROBE, undefined, limits);
    if (probe.code === 0 || !SUDO_WANTS_PASSWORD.test(probe.stderr)) {
      // No password needed, or no sudo at all (the run then says COMMAND_MISSING as before).
      this.sudoAuth = { kind: 'none' };
      return undefined;
    }
    const secret = await ask(this.target.host, conn.endpoint.user);
    if (secret === undefined) {
      this.sudoAuth = { kind: 'none' };
      return undefined;
    }
    assertOneLine(secret, this.target.host);
    const check = await this.runOn(conn, SUDO_PASSWORD_CHECK, `${secret}\n`, limits);
    this.pool.log({ kind: 'sudo-auth', endpoint: conn.label, ok: check.code === 0 });
    if (check.code !== 0) {
      const said = check.stderr.split(secret).join('***').trim().split('\n').pop() ?? '';
      throw sshError(
        'SUDO_AUTH_FAILED',
        conn.endpoint,
        `sudo on ${conn.label} refused the password given for ${conn.endpoint.user} (${said})`,
      );
    }
    this.sudoAuth = { kind: 'password', secret };
    return secret;
  }

  /** Runs a script on a fresh exec channel (no persistent shell); for comparison and one-off calls. */
  async exec(script: string, opts: RunOptions = {}): Promise<CommandResult> {
    const start = performance.now();
    const body = opts.sudo === true ? sudoWrapped(script) : script;
    const conn = await this.pool.connection(this);
    const result = await execOn(conn, body, opts.stdin, this.limits(opts));
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
