/**
 * Coded error catalogue: a stable code, a sentence for the user and a fix hint. Every error that
 * crosses the API boundary is an `AppError` built from one of these codes.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { message: 'The request was malformed.', hint: 'This is a bug in VXLAN Studio; please report it.' },
  UNKNOWN_METHOD: { message: 'Unknown API method.', hint: 'The app and its backend are different versions; restart the app.' },
  UNAUTHORIZED: {
    message: 'The request was refused: this browser is not logged in to web mode.',
    hint: 'Open the login URL printed by `vxlan-studio serve` (each one works once).',
  },
  FORBIDDEN_SENDER: {
    message: 'The request came from an untrusted window or frame.',
    hint: 'Only the VXLAN Studio window may call the backend.',
  },
  INTERNAL: { message: 'Something went wrong inside VXLAN Studio.', hint: 'See the log for details and report the bug.' },
  DISCONNECTED: {
    message: 'The connection to the VXLAN Studio backend was lost.',
    hint: 'Check that `vxlan-studio serve` still runs (or restart the app), then reload the page.',
  },
  CANCELLED: { message: 'The operation was cancelled.', hint: '' },
  UNSUPPORTED: { message: 'This action is not available here.', hint: 'Use the desktop app, or type a path instead.' },
  FILE_NOT_FOUND: { message: 'The file does not exist.', hint: 'Check the path, or pick the file again.' },
  FILE_READ_FAILED: { message: 'The file could not be read.', hint: 'Check that the file exists and that you may read it.' },
  FILE_WRITE_FAILED: {
    message: 'The file could not be written.',
    hint: 'Check that the folder exists and that you may write to it.',
  },
  FILE_OUTSIDE_WORKSPACE: {
    message: 'Web mode only opens and saves files inside its workspace folder.',
    hint: 'Move the file into the workspace (or the app data folder), or restart `vxlan-studio serve --workspace DIR` with the folder that holds it.',
  },
  TOPOLOGY_INVALID: { message: 'The topology is not valid.', hint: 'Fix the fields named in the message.' },
  INVENTORY_INVALID: {
    message: 'The Ansible inventory could not be read.',
    hint: 'Fix the line named in the message; `ansible-inventory -i FILE --list` shows how Ansible reads it.',
  },
  SSH_HOST_INVALID: {
    message: 'The SSH host is not one host name or address.',
    hint: 'Give a host name, an IPv4 or an IPv6 address, without spaces, commas, "*" or line breaks.',
  },
  SSH_AUTH_FAILED: {
    message: 'SSH authentication failed.',
    hint: 'Check the user, the key or agent, and the authorized_keys on the host.',
  },
  SSH_HOST_KEY_UNKNOWN: {
    message: 'The host key is not known yet.',
    hint: 'Compare the SHA256 fingerprint with the host, then accept it.',
  },
  SSH_HOST_KEY_CHANGED: {
    message: 'The host key has CHANGED since it was last trusted.',
    hint: 'This may be an attack. Verify the host; if it was reinstalled, remove the old key from known_hosts.',
  },
  SSH_HOST_KEY_REVOKED: {
    message: 'The host presented a key marked @revoked in known_hosts.',
    hint: 'Do not connect: the key was revoked on purpose. Install a new host key on the host and trust that one.',
  },
  SSH_UNREACHABLE: {
    message: 'The host could not be reached over SSH.',
    hint: 'Check the address, port, routing and that sshd runs.',
  },
  SSH_TIMEOUT: {
    message: 'The SSH connection timed out.',
    hint: 'Check the host is up and not overloaded; raise the timeout if the link is slow.',
  },
  SUDO_PASSWORD_REQUIRED: {
    message: 'sudo asked for a password.',
    hint: 'Allow passwordless sudo for ip and bridge, or log in as root.',
  },
  SUDO_AUTH_FAILED: {
    message: 'sudo refused the password.',
    hint: 'Check the sudo password of this user on the host (it is the login password unless sudoers says otherwise).',
  },
  SSH_CONFIG_INVALID: {
    message: 'The OpenSSH client config (~/.ssh/config) could not be used.',
    hint: 'Fix the file and line named in the message (ssh -G HOST shows how OpenSSH reads it).',
  },
  COMMAND_MISSING: { message: 'A required command is missing on the host.', hint: 'Install iproute2 (ip, bridge) on the host.' },
  COMMAND_TIMEOUT: {
    message: 'A command on the host did not finish in time.',
    hint: 'Check the host for a hung command (e.g. a held lock); raise the timeout if the step is slow.',
  },
  COMMAND_FAILED: { message: 'A command failed on the host.', hint: 'Read the stderr shown; fix the cause and apply again.' },
  CHANGED_SINCE_REVIEW: {
    message: 'The host changed since the review, so nothing was run on it.',
    hint: 'Review again: the new changes are shown; apply runs only what was reviewed.',
  },
  LOCKED: { message: 'Another deploy holds the lock on this host.', hint: 'Wait for it to finish, then try again.' },
  CONFIRM_PENDING: {
    message: 'A change to this host waits for confirmation; it reverts by itself unless confirmed.',
    hint: 'Run `vxlan-studio confirm FILE` (or Confirm in the app) to keep it, or `vxlan-studio revert FILE` to undo it, then apply again.',
  },
} as const satisfies Record<string, { message: string; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code of the catalogue, for schemas that check a code (`z.enum(ERROR_CODES)`). */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

/** The serialisable error shape returned across every transport. Never contains secrets. */
export interface AppErrorData {
  code: ErrorCode;
  message: string;
  hint: string;
  /** Extra context: host, step, exit code, stderr tail, field path... */
  detail?: Record<string, string | number | boolean | null>;
}

/** Builds an AppErrorData from a code, with an optional more specific message and detail. */
export function appError(code: ErrorCode, message?: string, detail?: AppErrorData['detail']): AppErrorData {
  const entry = ERROR_CATALOGUE[code];
  const base = { code, message: message ?? entry.message, hint: entry.hint };
  return detail === undefined ? base : { ...base, detail };
}

/** An Error carrying AppErrorData, thrown inside a process and turned into data at the boundary. */
export class AppError extends Error {
  readonly data: AppErrorData;
  constructor(code: ErrorCode, message?: string, detail?: AppErrorData['detail']) {
    const data = appError(code, message, detail);
    super(data.message);
    this.name = 'AppError';
    this.data = data;
  }
}
