/** The SSH pool's public types: its options, what it reports, and what a command takes and returns. */
import type { AuthenticationType } from 'ssh2';
import type { Connector } from './connector';
import type { KnownHostsStore } from './known-hosts';
import type { SshClientConfig } from './ssh-config';

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
  /**
   * The sudo password of `user` on `host`, asked only once `sudo -n` said it wants one; undefined =
   * the user declined (then SUDO_PASSWORD_REQUIRED as before). Whether it was right comes as a
   * `sudo-auth` event.
   */
  sudoPassword?: (host: string, user: string) => Promise<string | undefined>;
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
  | { kind: 'shell-fallback'; endpoint: string; reason: string }
  /** sudo checked the password given for `endpoint` (`user@host:port`): right or wrong. */
  | { kind: 'sudo-auth'; endpoint: string; ok: boolean };

export interface SshPoolOptions {
  knownHosts: KnownHostsStore;
  /** Unknown host keys: refuse (CLI default), accept-new (append to the app's known_hosts), or ask `confirmHostKey`. */
  hostKeyPolicy?: HostKeyPolicy;
  confirmHostKey?: (prompt: HostKeyPrompt) => Promise<boolean>;
  credentials?: SshCredentials;
  /**
   * The OpenSSH client config the targets' names are resolved through (aliases, ProxyJump...), or its
   * loader (called once, on the first connection); none = the drawing as is.
   */
  sshConfig?: SshClientConfig | (() => Promise<SshClientConfig>);
  /** How the pool dials a TCP endpoint; default node:net. */
  connector?: Connector;
  /** TCP connect + handshake + authentication, paused while a user callback is waiting; default 10 s. */
  readyTimeoutMs?: number;
  /** SSH keepalive every N ms; default 5 s. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dead; default 3. */
  keepaliveCountMax?: number;
  /** Connections in their handshake (TCP connect, key exchange, authentication) at once; default 16. */
  maxHandshakes?: number;
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
  /**
   * The script calls `sudo -n` itself (a sudo host's deploy and health scripts): when the host's sudo
   * wants a password, the session feeds it (see session.ts). `sudo: true` implies this.
   */
  scriptUsesSudo?: boolean;
  /** Bytes given to the script's stdin (exactly, also without a trailing newline). */
  stdin?: string;
  /** Aborting kills the command (and the host's persistent shell, reopened on the next call): CANCELLED. */
  signal?: AbortSignal;
  /**
   * Run in the host's long-lived shell itself, not a subshell: no process starts for it. Only for a
   * script with no `exit`, `set`, `cd`, trap or stdin, whose text cannot have a syntax error (the
   * shell would end), and whose variables may stay behind (the watch's check, deploy/watch.ts).
   */
  inShell?: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}
