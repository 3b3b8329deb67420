/**
 * The lab's state on disk: `/run/vxlan-studio/labs/<name>/lab.json` plus keys, sshd configs, pid
 * files and logs beside it. /run is a tmpfs, so a reboot (which also drops every namespace) leaves
 * no stale lab behind.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const LAB_STATE_ROOT = '/run/vxlan-studio/labs';

/**
 * What configures each host's network at "boot" (managers.ts): 'none' (the lab's own `ip`
 * commands), or a real network manager running inside every host with the underlay (eth0) in its
 * own config files.
 */
export const LAB_MANAGERS = ['none', 'networkd'] as const;
export type LabManager = (typeof LAB_MANAGERS)[number];
export const LAB_STATE_VERSION = 1 as const;

export const LabHostStateSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  /** What `hostname` prints inside the host (its UTS namespace). */
  hostname: z.string(),
  namespace: z.string(),
  interface: z.string(),
  address: z.string(),
  prefixLength: z.number().int(),
  subnetIndex: z.number().int(),
  gateway: z.string(),
  routerPort: z.string(),
  mtu: z.number().int(),
  sshd: z.object({
    config: z.string(),
    pidFile: z.string(),
    hostKey: z.string(),
    log: z.string(),
    /** Pid of the listening sshd when it was started (the pid file is the live truth). */
    pid: z.number().int().optional(),
  }),
});
export type LabHostState = z.infer<typeof LabHostStateSchema>;

/**
 * A non-root login on every lab host (see users.ts). It exists only inside the lab hosts' sshd
 * (their own copies of /etc/passwd, /etc/shadow, /etc/group and /etc/sudoers are mounted there).
 */
export const LabUserStateSchema = z.object({
  name: z.string(),
  uid: z.number().int(),
  gid: z.number().int(),
  home: z.string(),
  /** How the user may log in: always the lab client key, for some also a password. */
  login: z.array(z.enum(['key', 'password'])),
  /** The login password (random per lab) when `login` has 'password'; lab.json is mode 0600. */
  password: z.string().optional(),
  /**
   * What `sudo -n` does for this user: 'nopasswd' runs as root, 'password' fails with "a password is
   * required", 'not-on-path' finds no sudo (the session's PATH has none), 'not-installed' when
   * this machine has no sudo at all.
   */
  sudo: z.enum(['nopasswd', 'password', 'not-on-path', 'not-installed']),
});
export type LabUserState = z.infer<typeof LabUserStateSchema>;

/** The lab's copies of the machine's account files, bind-mounted over the real ones inside each sshd's mount namespace. */
export const LabEtcStateSchema = z.object({
  passwd: z.string(),
  shadow: z.string(),
  group: z.string(),
  /** Absent when this machine has no sudo (no /etc/sudoers to cover). */
  sudoers: z.string().optional(),
});
export type LabEtcState = z.infer<typeof LabEtcStateSchema>;

export const LabStateSchema = z.object({
  version: z.literal(LAB_STATE_VERSION),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  stateDir: z.string(),
  routerNamespace: z.string(),
  subnets: z.array(
    z.object({
      index: z.number().int(),
      network: z.string(),
      prefixLength: z.number().int(),
      gateway: z.string(),
      bridge: z.string(),
    }),
  ),
  controller: z.object({
    namespace: z.string(),
    interface: z.string(),
    address: z.string(),
    prefixLength: z.number().int(),
    network: z.string(),
    gateway: z.string(),
    routerPort: z.string(),
  }),
  keys: z.object({
    /** Private key the controller logs in with (authorized for root on every host). */
    clientKey: z.string(),
    clientPublicKey: z.string(),
    /** OpenSSH known_hosts with every host's key under its underlay address. */
    knownHosts: z.string(),
    authorizedKeys: z.string(),
  }),
  hosts: z.array(LabHostStateSchema),
  /** Non-root users on every host; empty for a lab made before lab users existed (`labUp` rebuilds such a lab). */
  users: z.array(LabUserStateSchema).default([]),
  /** Where the account file copies are; absent until the users are made. */
  etc: LabEtcStateSchema.optional(),
  /** The network manager every host runs (managers.ts); absent means 'none' (`labManager`). */
  manager: z.enum(LAB_MANAGERS).optional(),
});
export type LabState = z.infer<typeof LabStateSchema>;

/** The lab's network manager ('none' when lab.json names none). */
export function labManager(state: Pick<LabState, 'manager'>): LabManager {
  return state.manager ?? 'none';
}

export function labStateDir(name: string, root = LAB_STATE_ROOT): string {
  return join(root, name);
}

export function labStateFile(stateDir: string): string {
  return join(stateDir, 'lab.json');
}

/** Writes lab.json atomically (write + rename), so a crash never leaves half a file. */
export async function writeLabState(state: LabState): Promise<void> {
  await mkdir(state.stateDir, { recursive: true, mode: 0o700 });
  const file = labStateFile(state.stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export type ReadStateResult = { kind: 'ok'; state: LabState } | { kind: 'missing' } | { kind: 'corrupt'; reason: string };

/** Reads lab.json; a missing or unreadable file is reported, not thrown (teardown must still work). */
export async function readLabState(name: string, root = LAB_STATE_ROOT): Promise<ReadStateResult> {
  let text: string;
  try {
    text = await readFile(labStateFile(labStateDir(name, root)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', reason: err instanceof Error ? err.message : String(err) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'corrupt', reason: `lab.json is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = LabStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'corrupt',
      reason: `lab.json does not match the lab state format (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'})`,
    };
  }
  return { kind: 'ok', state: parsed.data };
}

/** Names of labs with a state directory under `root`. */
export async function listStateDirs(root = LAB_STATE_ROOT): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
