/**
 * Running a script on a connection: through the host's persistent shell, or on an exec channel of its own.
 *
 * Why a persistent shell: opening an exec channel makes sshd fork a session and a shell (~70 ms on
 * the lab), while a line written to an already running `sh` costs about a millisecond. Commands on
 * one host are serialised through that shell; if it cannot be opened, each call gets its own exec
 * channel instead.
 */
import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import type { AppError } from '../../../shared/errors/catalogue';
import { quoteShellArg } from '../../../shared/plan';
import { openExec, type Connection } from './connection';
import { watchLimits, type Limits } from './deadline';
import { connectError, sshError } from './errors';
import { FrameReader, framedCommand, newNonce } from './framing';
import type { SshPoolOptions } from './types';

/** A long-lived `sh` on an exec channel; commands are framed (see framing.ts). Callers serialise. */
export class PersistentShell {
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

  run(
    script: string,
    stdin: string | undefined,
    limits: Limits,
    inShell = false,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
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
      this.channel.write(framedCommand(script, nonce, stdin, inShell));
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

/** The connection's persistent shell, opening one when needed; undefined = use exec. */
export async function shellFor(
  conn: Connection,
  opts: Pick<SshPoolOptions, 'persistentShell' | 'log'>,
): Promise<PersistentShell | undefined> {
  if (conn.shell instanceof PersistentShell && !conn.shell.closed) return conn.shell;
  if (conn.shellUnavailable !== undefined || opts.persistentShell === false) return undefined;
  const release = await conn.semaphore.acquire();
  try {
    const channel = await openExec(conn, 'exec /bin/sh');
    const shell = new PersistentShell(channel, release, conn);
    conn.shell = shell;
    return shell;
  } catch (err) {
    release();
    if (conn.dead) throw conn.deathReason ?? connectError(err, conn.endpoint);
    conn.shellUnavailable = err instanceof Error ? err.message : String(err);
    opts.log?.({ kind: 'shell-fallback', endpoint: conn.label, reason: conn.shellUnavailable });
    return undefined;
  }
}

/** One exec channel for one script (bounded by the connection's semaphore). */
export async function execOn(
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
