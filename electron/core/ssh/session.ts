/** One host's session: commands on that host, one after the other, over the pool's connection. */
import { performance } from 'node:perf_hooks';
import { AppError } from '../../../shared/errors/catalogue';
import type { SshTarget } from '../../../shared/model';
import { argvToShell, quoteShellArg } from '../../../shared/plan';
import type { Limits } from './deadline';
import { sshError } from './errors';
import { execOn, type PersistentShell } from './shell';
import type { Connection } from './connection';
import type { CommandResult, RunOptions } from './types';

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
  connection(session: HostSession): Promise<Connection>;
  shellFor(conn: Connection): Promise<PersistentShell | undefined>;
  drop(key: string): void;
}

/** One host's session: a view on the pool's (re)connecting connection for that host. */
export class HostSession {
  private queue: Promise<unknown> = Promise.resolve();

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
    const body = opts.sudo === true ? sudoWrapped(script) : script;
    const limits = this.limits(opts);
    const conn = await this.pool.connection(this);
    let result: { code: number; stdout: string; stderr: string };
    const shell = conn.shellUnavailable === undefined ? await this.pool.shellFor(conn) : undefined;
    if (shell) result = await shell.run(body, opts.stdin, limits);
    else result = await execOn(conn, body, opts.stdin, limits);
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
