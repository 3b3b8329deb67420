/**
 * How the health poller reaches a host: the SSH pool's session for the host (its persistent shell,
 * ~1 ms per command), with a hard time limit around connect + run so a frozen sshd costs one poll
 * timeout and never stalls the other hosts.
 */
import type { Host } from '../../../shared/model';
import { AppError } from '../../../shared/errors/catalogue';
import type { ExecResult } from '../deploy/types';
import { targetOf, type SshConnectorOptions } from '../deploy/ssh-executor';
import type { SshPool } from '../ssh';

/** Runs one script on a host; `reset` drops the host's connection (the next run reconnects). */
export interface HealthTransport {
  run(host: Host, script: string, timeoutMs: number): Promise<ExecResult>;
  reset(host: Host): void;
}

/** A transport over a pool: one pooled connection and persistent shell per host. */
export function sshHealthTransport(pool: SshPool, opts: SshConnectorOptions = {}): HealthTransport {
  return {
    async run(host, script, timeoutMs) {
      const r = await pool.session(targetOf(host, opts)).run(script, { timeoutMs, ...(host.sudo ? { sudo: true } : {}) });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
    reset(host) {
      pool.session(targetOf(host, opts)).close();
    },
  };
}

/**
 * `transport.run` bounded by `timeoutMs` in total (connect included): on expiry the host's
 * connection is dropped and the promise rejects with COMMAND_TIMEOUT naming the host.
 */
export function runWithin(transport: HealthTransport, host: Host, script: string, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      transport.reset(host);
      reject(
        new AppError('COMMAND_TIMEOUT', `${host.name} did not answer the health round within ${timeoutMs} ms`, {
          host: host.name,
          timeoutMs,
        }),
      );
    }, timeoutMs);
    transport.run(host, script, timeoutMs).then(
      (r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      },
      (err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * The time a host's round script gets for its probes: half the poll timeout. The other half is for
 * the connection (a first round connects too), the reads before the probes and the answer's way
 * back, so a host whose probes ran out of time still answers, with what it measured, before its
 * deadline: a slow round is never mistaken for a host that does not answer.
 */
export function probeBudgetMs(pollTimeoutMs: number): number {
  return Math.round(pollTimeoutMs / 2);
}
