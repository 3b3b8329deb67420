/**
 * One place that turns deploy options (known_hosts file, host-key policy, identity, lab) into an SSH
 * pool and a runner connector, shared by the CLI, the backend handlers and the demo.
 */
import { labConnector } from '../lab/controller-connector';
import type { LabState } from '../lab/state';
import {
  defaultAppKnownHostsFile,
  KnownHostsStore,
  SshPool,
  type HostKeyPolicy,
  type HostKeyPrompt,
  type SshCredentials,
  type SshEvent,
} from '../ssh';
import { sshConnector } from './ssh-executor';
import type { HostConnector } from './types';

export interface DeploySshOptions {
  /** The app's known_hosts (read and, with accept-new, appended). Default: the lab's with `lab`, else ~/.config/vxlan-studio/known_hosts. */
  knownHostsFile?: string;
  /** Also read ~/.ssh/known_hosts (default true, false with `lab`). */
  userKnownHosts?: boolean;
  hostKeyPolicy?: HostKeyPolicy;
  confirmHostKey?: (prompt: HostKeyPrompt) => Promise<boolean>;
  credentials?: SshCredentials;
  identity?: string;
  /** Dial through this lab's controller namespace (the lab is not routed from anywhere else). */
  lab?: LabState;
  log?: (e: SshEvent) => void;
}

export interface DeploySsh {
  pool: SshPool;
  connect: HostConnector;
  close(): Promise<void>;
}

export function createDeploySsh(opts: DeploySshOptions = {}): DeploySsh {
  const appFile = opts.knownHostsFile ?? opts.lab?.keys.knownHosts ?? defaultAppKnownHostsFile();
  const userFile = (opts.userKnownHosts ?? opts.lab === undefined) ? undefined : null;
  const pool = new SshPool({
    knownHosts: new KnownHostsStore({ appFile, ...(userFile === null ? { userFile: null } : {}) }),
    hostKeyPolicy: opts.hostKeyPolicy ?? 'refuse',
    ...(opts.confirmHostKey ? { confirmHostKey: opts.confirmHostKey } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.lab ? { connector: labConnector(opts.lab) } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    pool,
    connect: sshConnector(pool, opts.identity === undefined ? {} : { identity: opts.identity }),
    close: () => pool.closeAll(),
  };
}
