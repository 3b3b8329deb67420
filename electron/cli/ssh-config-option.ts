/**
 * The `-F FILE` option of the commands that talk to hosts (apply, destroy, status, diagnose), as in
 * ssh(1): the OpenSSH client config hosts are resolved through. Without it ~/.ssh/config is read
 * when it exists; with `--lab` and no -F none is (lab hosts are named by address, and a user's
 * `Host *` lines must not send lab traffic elsewhere).
 */
import path from 'node:path';
import { AppError } from '../../shared/errors/catalogue';
import { loadSshConfig } from '../core/deploy/ssh-setup';
import type { SshClientConfig } from '../core/ssh';
import { UsageError } from './args';

export const SSH_CONFIG_USAGE = `  -F FILE                 OpenSSH client config to resolve host names through (Host aliases,
                          HostName, User, Port, IdentityFile, ProxyJump); default ~/.ssh/config
                          when it exists (none with --lab). Fields set in the topology win.`;

/** The config for `-F FILE` (relative to `cwd`), else the default; a bad file is a UsageError naming file and line. */
export async function loadSshConfigOption(
  flag: string | undefined,
  cwd: string,
  lab: boolean,
): Promise<SshClientConfig | undefined> {
  if (flag === undefined && lab) return undefined;
  try {
    return await loadSshConfig(flag === undefined ? undefined : path.resolve(cwd, flag));
  } catch (err) {
    if (err instanceof AppError && err.data.code === 'SSH_CONFIG_INVALID') throw new UsageError(err.message);
    throw err;
  }
}
