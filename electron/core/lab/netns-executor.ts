/**
 * A persistent shell inside a lab namespace (`ip netns exec <ns> sh`), framed exactly like the SSH
 * pool's long-lived shell (../ssh/framing). Lets the runner be tested on real kernels without SSH,
 * and lets benchmarks compare transports.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FrameReader, framedCommand, newNonce } from '../ssh/framing';
import { nsArgv } from './netns-exec';
import { AppError } from '../../../shared/errors/catalogue';
import type { ExecOptions, ExecResult, HostConnector, HostExecutor } from '../deploy/types';

interface Pending {
  reader: FrameReader;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
  /** Stops listening to the run's AbortSignal. */
  unlisten?: () => void;
}

/** One long-lived `sh` in `namespace`; `env` is added to its environment (e.g. `SSH_CONNECTION`). */
export class NetnsShell implements HostExecutor {
  private readonly child: ChildProcessWithoutNullStreams;
  private queue: Promise<unknown> = Promise.resolve();
  private current: Pending | undefined;
  private closed: Error | undefined;

  constructor(
    readonly namespace: string,
    env: Record<string, string> = {},
  ) {
    const [file, ...args] = nsArgv(namespace, ['/usr/bin/env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), '/bin/sh']);
    this.child = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.current?.reader.pushStdout(d);
      this.check();
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.current?.reader.pushStderr(d);
      this.check();
    });
    this.child.stdin.on('error', () => undefined);
    this.child.on('close', (code, signal) => {
      this.closed = new Error(`the shell in ${namespace} ended (${signal ?? `exit ${String(code)}`})`);
      this.fail(this.closed);
    });
    this.child.on('error', (err) => {
      this.closed = err;
      this.fail(err);
    });
  }

  private check(): void {
    const p = this.current;
    const r = p?.reader.result();
    if (!p || !r) return;
    this.settle(p);
    p.resolve(r);
  }

  private settle(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.unlisten?.();
    if (this.current === p) this.current = undefined;
  }

  /** The shell itself ended or failed: the running script (if any) fails with it. */
  private fail(err: Error): void {
    const p = this.current;
    if (!p) return;
    this.settle(p);
    p.reject(err);
  }

  /** Gives up on the running script: its shell cannot be trusted any more, so it is killed. */
  private abandon(p: Pending, err: Error): void {
    this.settle(p);
    p.reject(err);
    this.child.kill('SIGKILL');
  }

  run(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const job = this.queue.then(
      () =>
        new Promise<ExecResult>((resolve, reject) => {
          if (this.closed) {
            reject(this.closed);
            return;
          }
          if (opts.signal?.aborted === true) {
            reject(new AppError('CANCELLED', `the script in ${this.namespace} was cancelled`));
            return;
          }
          const nonce = newNonce();
          const p: Pending = { reader: new FrameReader(nonce), resolve, reject };
          if (opts.timeoutMs !== undefined) {
            const ms = opts.timeoutMs;
            p.timer = setTimeout(
              () => this.abandon(p, new Error(`a script in ${this.namespace} did not finish within ${ms} ms`)),
              ms,
            );
          }
          const signal = opts.signal;
          if (signal !== undefined) {
            const onAbort = (): void =>
              this.abandon(p, new AppError('CANCELLED', `the script in ${this.namespace} was cancelled`));
            signal.addEventListener('abort', onAbort, { once: true });
            p.unlisten = () => signal.removeEventListener('abort', onAbort);
          }
          this.current = p;
          this.child.stdin.write(framedCommand(script, nonce, undefined, opts.inShell === true));
        }),
    );
    this.queue = job.catch(() => undefined);
    return job;
  }

  release(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.stdin.end();
    });
  }
}

/**
 * A connector for lab hosts without SSH: the topology host whose SSH address is a lab host's
 * address gets a shell in that host's namespace, with `SSH_CONNECTION` set as sshd would set it for
 * a session from the controller (so the runner protects the same path as over SSH).
 */
export function netnsConnector(lab: {
  controller: { address: string };
  hosts: ReadonlyArray<{ name: string; address: string; namespace: string }>;
}): HostConnector {
  return (host) => {
    const lh = lab.hosts.find((h) => h.address === host.ssh.host);
    if (lh === undefined)
      return Promise.reject(
        new AppError('SSH_UNREACHABLE', `${host.name}: ${host.ssh.host} is not a host of the lab`, { host: host.name }),
      );
    return Promise.resolve(new NetnsShell(lh.namespace, { SSH_CONNECTION: `${lab.controller.address} 50000 ${lh.address} 22` }));
  };
}
