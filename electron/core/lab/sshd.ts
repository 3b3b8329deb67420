/**
 * One real OpenSSH server per lab host: its own ed25519 host key, its own hostname (a UTS
 * namespace), listening only on the host's underlay address, letting root in with the lab's client
 * key only, and the lab users (users.ts) in with that key and, where allowed, their password. The
 * users exist only in the host's private mount namespace (host-ns.ts), where the lab's account file
 * copies are bind-mounted over /etc.
 */
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run, runOk } from './exec';
import { pidInNamespace, pidsInNamespace, processInfo, signalPids, terminatePids } from './netns';
import { LabError, type ToolPaths } from './preflight';
import type { LabEtcState, LabHostState, LabState, LabUserState } from './state';
import { etcBindMounts, PATH_WITHOUT_SUDO } from './users';
import { holderPid, hostNsArgv, startHostNamespace } from './host-ns';

export interface SshdConfigInput {
  hostName: string;
  listenAddress: string;
  hostKey: string;
  pidFile: string;
  authorizedKeys: string;
  /** Non-root users with their own sshd settings: password login, or a session PATH without sudo. */
  users?: readonly SshdUser[];
}

export interface SshdUser {
  name: string;
  /** Allow password login for this user (everyone else, root included, stays key-only). */
  password: boolean;
  /** Session PATH set by sshd (SetEnv), overriding its default. */
  path?: string;
}

/** `Match User` blocks for the users that differ from the defaults; they must come last in sshd_config. */
function matchBlocks(users: readonly SshdUser[]): string[] {
  return users.flatMap((u) => {
    const lines = [
      ...(u.password ? ['  PasswordAuthentication yes'] : []),
      ...(u.path !== undefined ? [`  SetEnv PATH=${u.path}`] : []),
    ];
    return lines.length === 0 ? [] : [`Match User ${u.name}`, ...lines];
  });
}

/** The sshd settings of the lab users recorded in lab.json. */
export function sshdUsers(users: readonly LabUserState[]): SshdUser[] {
  return users.map((u) => ({
    name: u.name,
    password: u.login.includes('password'),
    ...(u.sudo === 'not-on-path' ? { path: PATH_WITHOUT_SUDO } : {}),
  }));
}

/**
 * sshd_config(5) for one lab host. Keys live in the lab's state dir under /run, so StrictModes is
 * off; PAM is off so the container's PAM stack (and root's `*` password) play no part, and sshd
 * checks a password against /etc/shadow (the lab's copy) itself. Password login is off except in a
 * `Match User` block per password user; the lab's authorized_keys serves root and the lab users.
 */
export function sshdConfigText(input: SshdConfigInput): string {
  return [
    `# VXLAN Studio lab host ${input.hostName} (generated; removed by \`lab down\`)`,
    `ListenAddress ${input.listenAddress}`,
    'Port 22',
    `HostKey ${input.hostKey}`,
    `PidFile ${input.pidFile}`,
    `AuthorizedKeysFile ${input.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    // Jump-host (ProxyJump) tests need direct-tcpip channels through a lab host.
    'AllowTcpForwarding yes',
    // Benchmarks open one connection per host at once, tests sometimes a few more; keep the door wide.
    'MaxStartups 64:30:128',
    'Subsystem sftp internal-sftp',
    ...matchBlocks(input.users ?? []),
    '',
  ].join('\n');
}

/** Creates an unencrypted ed25519 key pair at `path` (+ `.pub`), replacing any old one; returns the public key line. */
export async function generateKey(tools: ToolPaths, path: string, comment: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await runOk(tools['ssh-keygen'] ?? 'ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

/** `<address> <type> <key>`: one OpenSSH known_hosts line (the key comment dropped). */
export function knownHostsLine(address: string, publicKeyLine: string): string {
  const [type, key] = publicKeyLine.split(/\s+/);
  return `${address} ${type ?? ''} ${key ?? ''}`;
}

/** Where a host's sshd files go inside the lab state dir. */
export function sshdPaths(stateDir: string, hostName: string): LabHostState['sshd'] {
  const dir = join(stateDir, 'hosts', hostName);
  return {
    config: join(dir, 'sshd_config'),
    pidFile: join(dir, 'sshd.pid'),
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    log: join(dir, 'sshd.log'),
  };
}

/** Writes a host's sshd_config (keys must already exist). */
export async function writeSshdConfig(state: LabState, host: LabHostState): Promise<void> {
  await mkdir(dirname(host.sshd.config), { recursive: true, mode: 0o700 });
  await writeFile(
    host.sshd.config,
    sshdConfigText({
      hostName: host.name,
      listenAddress: host.address,
      hostKey: host.sshd.hostKey,
      pidFile: host.sshd.pidFile,
      authorizedKeys: state.keys.authorizedKeys,
      users: sshdUsers(state.users),
    }),
    { mode: 0o600 },
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The sshd processes (listener and per-connection) in a host's namespace. */
export async function sshdPids(host: LabHostState): Promise<number[]> {
  const pids = await pidsInNamespace(host.namespace);
  const infos = await Promise.all(pids.map((pid) => processInfo(pid)));
  return infos.filter((i) => i !== undefined && i.comm === 'sshd' && i.state !== 'Z').map((i) => (i as { pid: number }).pid);
}

/** Pid of the host's listening sshd from its pid file, if that process is alive, an sshd and in the host's namespace. */
export async function listenerPid(host: LabHostState): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(host.sshd.pidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  // That one pid, not every process's namespace: sshd start polls this while many hosts start.
  const info = await processInfo(pid);
  return info?.comm === 'sshd' && info.state !== 'Z' && (await pidInNamespace(pid, host.namespace)) ? pid : undefined;
}

export type SshdStatus = 'running' | 'frozen' | 'stopped';

/** Whether the host's sshd listener is running, stopped by SIGSTOP (frozen), or gone. */
export async function sshdStatus(host: LabHostState): Promise<SshdStatus> {
  const pid = await listenerPid(host);
  if (pid === undefined) return 'stopped';
  const info = await processInfo(pid);
  if (!info) return 'stopped';
  return info.state === 'T' ? 'frozen' : 'running';
}

/**
 * The machine's /etc/hosts plus the lab host's own name, as Debian's installer writes it
 * (`127.0.1.1 <hostname>`). sudo looks its host's name up; without this line the lookup falls
 * through to DNS, which the lab cannot reach, and every `sudo` waits about 10 s for it to time out.
 *
 * @example
 * hostsFileText('127.0.0.1\tlocalhost\n', 'h1')  // '127.0.0.1\tlocalhost\n127.0.1.1\th1\n'
 */
export function hostsFileText(machineHosts: string, hostname: string): string {
  const base = machineHosts === '' || machineHosts.endsWith('\n') ? machineHosts : `${machineHosts}\n`;
  return `${base}127.0.1.1\t${hostname}\n`;
}

/** Writes the host's /etc/hosts copy beside its sshd_config; returns its path, or undefined when the machine has no /etc/hosts. */
async function writeHostsFile(host: LabHostState): Promise<string | undefined> {
  let machine: string;
  try {
    machine = await readFile('/etc/hosts', 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const path = join(dirname(host.sshd.config), 'hosts');
  await writeFile(path, hostsFileText(machine, host.hostname), { mode: 0o644 });
  await chmod(path, 0o644);
  return path;
}

/**
 * An empty home for root on the lab host, mounted over /root in its sshd's mount namespace: lab
 * hosts share this machine's files, and the machine's own ~/.bashrc (a developer's pyenv or cargo
 * set-up, say) would otherwise run in every lab SSH session (bash sources it for sshd commands),
 * making each session cost what no fresh server costs, for every client alike. Undefined when the
 * machine has no /root.
 */
async function makeRootHome(host: LabHostState): Promise<string | undefined> {
  try {
    await stat('/root');
  } catch {
    return undefined;
  }
  const dir = join(dirname(host.sshd.config), 'root-home');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * What the host's namespace mounts over the machine's files: the lab's account files, a hosts file
 * naming the host (`hostsFileText`) and an empty home for root (`makeRootHome`), as `[source, target]`.
 */
export async function hostBinds(host: LabHostState, etc?: LabEtcState): Promise<(readonly [string, string])[]> {
  const hostsFile = await writeHostsFile(host);
  const rootHome = await makeRootHome(host);
  return [
    ...etcBindMounts(etc),
    ...(hostsFile !== undefined ? [[hostsFile, '/etc/hosts'] as const] : []),
    ...(rootHome !== undefined ? [[rootHome, '/root'] as const] : []),
  ];
}

/**
 * Starts the host's sshd inside the host's private namespace (host-ns.ts): its hostname (so
 * `ssh <host> hostname` prints it), overlays over /etc and /var/lib, a private /run, and on top
 * the lab's account files over the machine's, a hosts file naming the host (`hostsFileText`) and
 * an empty home for root (`makeRootHome`). When the host's namespace holder is alive (sshd was
 * stopped or killed), sshd joins that namespace; otherwise the namespace is made anew, keeping
 * whatever the host wrote into its /etc and /var/lib layers. sshd daemonises; we wait for its pid
 * file.
 */
export async function startSshd(tools: ToolPaths, host: LabHostState, etc?: LabEtcState): Promise<number> {
  await rm(host.sshd.pidFile, { force: true });
  const command = [tools['sshd'] ?? '/usr/sbin/sshd', '-f', host.sshd.config, '-E', host.sshd.log];
  const holder = await holderPid(host);
  if (holder !== undefined) {
    const [file, ...args] = hostNsArgv(tools, holder, command);
    await runOk(file as string, args, { timeoutMs: 10_000 });
  } else {
    await startHostNamespace(tools, host, await hostBinds(host, etc), command);
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const pid = await listenerPid(host);
    if (pid !== undefined) return pid;
    await sleep(20);
  }
  let log = '';
  try {
    log = (await readFile(host.sshd.log, 'utf8')).trim().split('\n').slice(-5).join('\n');
  } catch {
    // no log written
  }
  throw new LabError(`sshd for lab host ${host.name} did not start within 5 s${log ? `; its log says:\n${log}` : ''}`);
}

/** Stops every sshd process in the host's namespace (listener and sessions). */
export async function stopSshd(host: LabHostState): Promise<void> {
  await terminatePids(await sshdPids(host));
}

/**
 * Freezes the host's SSH service: SIGSTOP to the listener AND to every per-connection sshd, so
 * new connections hang before the banner and pooled sessions stop answering, like a hung host.
 * Returns the pids stopped.
 */
export async function freezeSshd(host: LabHostState): Promise<number[]> {
  const pids = await sshdPids(host);
  if (pids.length === 0) throw new LabError(`lab host ${host.name} has no sshd running to freeze`);
  signalPids(pids, 'SIGSTOP');
  await waitForStates(pids, (state) => state === 'T');
  return pids;
}

/** Signals are delivered asynchronously: wait (up to 2 s) until every pid shows the wanted state. */
async function waitForStates(pids: readonly number[], ok: (state: string) => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const infos = await Promise.all(pids.map((pid) => processInfo(pid)));
    if (infos.every((i) => i === undefined || ok(i.state))) return;
    await sleep(10);
  }
}

/** Undoes `freezeSshd`: SIGCONT to every sshd process in the host's namespace. */
export async function thawSshd(host: LabHostState): Promise<number[]> {
  const pids = await sshdPids(host);
  signalPids(pids, 'SIGCONT');
  await waitForStates(pids, (state) => state !== 'T');
  return pids;
}

/** Exit code of `sshd -t` on a config (0 = valid), for diagnosing a host whose sshd won't start. */
export async function testSshdConfig(tools: ToolPaths, config: string): Promise<{ ok: boolean; message: string }> {
  const result = await run(tools['sshd'] ?? '/usr/sbin/sshd', ['-t', '-f', config]);
  return { ok: result.code === 0, message: result.stderr.trim() };
}
