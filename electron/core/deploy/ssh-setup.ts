/**
 * One place that turns deploy options (connector, known_hosts files, host-key policy, identity) into
 * an SSH pool and a runner connector, shared by the CLI, the backend handlers and the demo.
 */
import {
  defaultAppKnownHostsFile,
  defaultSshConfigFile,
  KnownHostsStore,
  SshClientConfig,
  SshPool,
  type Connector,
  type HostKeyPolicy,
  type HostKeyPrompt,
  type SshCredentials,
  type SshEvent,
} from '../ssh';
import { sshConnector } from './ssh-executor';
import type { HostConnector } from './types';

/**
 * How hosts are reached and which host keys are trusted. The product leaves them at their defaults;
 * the lab's front doors (the CLI's `--lab`, `demo`) and the tests fill them from a lab with
 * `labSshOptions` (lab/ssh-options.ts), so the product never knows about the lab.
 */
export interface SshReachOptions {
  /** Opens the TCP stream to a host; default plain TCP from this process (ssh/connector.ts). */
  connector?: Connector;
  /** The app's known_hosts (read and, with accept-new, appended); default ~/.config/vxlan-studio/known_hosts. */
  knownHostsFile?: string;
  /** Also read ~/.ssh/known_hosts; default true. */
  userKnownHosts?: boolean;
}

export interface DeploySshOptions extends SshReachOptions {
  /** The OpenSSH client config hosts are resolved through (aliases, ProxyJump...), or its loader; default none (see loadSshConfig). */
  sshConfig?: SshClientConfig | (() => Promise<SshClientConfig>);
  hostKeyPolicy?: HostKeyPolicy;
  confirmHostKey?: (prompt: HostKeyPrompt) => Promise<boolean>;
  credentials?: SshCredentials;
  identity?: string;
  log?: (e: SshEvent) => void;
}

export interface DeploySsh {
  pool: SshPool;
  connect: HostConnector;
  close(): Promise<void>;
}

export function createDeploySsh(opts: DeploySshOptions = {}): DeploySsh {
  const appFile = opts.knownHostsFile ?? defaultAppKnownHostsFile();
  const pool = new SshPool({
    knownHosts: new KnownHostsStore({ appFile, ...(opts.userKnownHosts === false ? { userFile: null } : {}) }),
    hostKeyPolicy: opts.hostKeyPolicy ?? 'refuse',
    ...(opts.confirmHostKey ? { confirmHostKey: opts.confirmHostKey } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.connector ? { connector: opts.connector } : {}),
    ...(opts.sshConfig ? { sshConfig: opts.sshConfig } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    pool,
    connect: sshConnector(pool, opts.identity === undefined ? {} : { identity: opts.identity }),
    close: () => pool.closeAll(),
  };
}

/**
 * The OpenSSH client config for a front door: `file` when given (`-F FILE`; missing is an error),
 * else ~/.ssh/config (missing is fine). Unreadable or malformed: SSH_CONFIG_INVALID naming file and line.
 */
export function loadSshConfig(file?: string): Promise<SshClientConfig> {
  return file === undefined ? SshClientConfig.load(defaultSshConfigFile(), { optional: true }) : SshClientConfig.load(file);
}
