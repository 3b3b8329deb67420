/**
 * The runner's executor over the SSH pool (../ssh): one pooled connection and one persistent shell
 * per host, so a whole host run costs a handful of shell round trips and no extra channels.
 */
import { AppError } from '../../../shared/errors/catalogue';
import type { Host, SshTarget } from '../../../shared/model';
import type { SshPool } from '../ssh';
import type { HostConnector, HostExecutor } from './types';

export interface SshConnectorOptions {
  /** Log in with this private key instead of the topology's auth (CLI `--identity FILE`). */
  identity?: string;
  /** Close the host's connection when its run ends (a cold, one-off run); default keep it pooled. */
  closeAfterRun?: boolean;
}

/** The SSH target of a host, with the identity override applied. */
export function targetOf(host: Host, opts: SshConnectorOptions = {}): SshTarget {
  return opts.identity === undefined ? host.ssh : { ...host.ssh, auth: { type: 'identity-file', path: opts.identity } };
}

/** A connector that opens (or reuses) the pool's session to each host; rejects with the pool's coded AppError. */
export function sshConnector(pool: SshPool, opts: SshConnectorOptions = {}): HostConnector {
  return async (host) => {
    const target = targetOf(host, opts);
    let session = await pool.connect(target);
    const exec: HostExecutor = {
      async run(script, runOpts = {}) {
        const sessionOpts = {
          // A sudo host's scripts call `sudo -n`: the session feeds the sudo password when one is needed.
          ...(host.sudo ? { scriptUsesSudo: true } : {}),
          ...(runOpts.timeoutMs === undefined ? {} : { timeoutMs: runOpts.timeoutMs }),
          ...(runOpts.signal === undefined ? {} : { signal: runOpts.signal }),
          ...(runOpts.inShell === true ? { inShell: true } : {}),
        };
        try {
          const r = await session.run(script, sessionOpts);
          return { code: r.code, stdout: r.stdout, stderr: r.stderr };
        } catch (err) {
          if (runOpts.retryOnStaleConnection !== true || !(err instanceof AppError) || err.data.code !== 'SSH_UNREACHABLE')
            throw err;
          session.close();
          session = await pool.connect(target);
          const r = await session.run(script, sessionOpts);
          return { code: r.code, stdout: r.stdout, stderr: r.stderr };
        }
      },
      release() {
        if (opts.closeAfterRun === true) session.close();
        return Promise.resolve();
      },
    };
    return exec;
  };
}
