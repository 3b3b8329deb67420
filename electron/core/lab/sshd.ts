/**
 * One real OpenSSH server per lab host: its own ed25519 host key, its own hostname (a UTS
 * namespace), listening only on the host's underlay address, letting root in with the lab's client
 * key only.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run, runOk } from './exec';
import { pidsInNamespace, processInfo, signalPids, terminatePids } from './netns';
import { LabError, type ToolPaths } from './preflight';
import type { LabHostState, LabState } from './state';

/** Privilege-separation directory OpenSSH insists on (normally made by its systemd unit). */
export const SSHD_PRIVSEP_DIR = '/run/sshd';

export interface SshdConfigInput {
  hostName: string;
  listenAddress: string;
  hostKey: string;
  pidFile: string;
  authorizedKeys: string;
}

/**
 * sshd_config(5) for one lab host. Keys live in the lab's state dir under /run, so StrictModes is
 * off; PAM is off so the container's PAM stack (and root's `*` password) play no part.
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
  return (await sshdPids(host)).includes(pid) ? pid : undefined;
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
 * Starts the host's sshd in its namespace and in a fresh UTS namespace whose hostname is the host's
 * name (so `ssh <host> hostname` prints it). sshd daemonises; we wait for its pid file.
 */
export async function startSshd(tools: ToolPaths, host: LabHostState): Promise<number> {
  await mkdir(SSHD_PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  await rm(host.sshd.pidFile, { force: true });
  // The hostname is written to the new UTS namespace through /proc, passed as "$1" so no shell parses it.
  const script = 'printf %s "$1" > /proc/sys/kernel/hostname && exec "$2" -f "$3" -E "$4"';
  const sshd = tools['sshd'] ?? '/usr/sbin/sshd';
  await runOk(
    tools['ip'] ?? 'ip',
    [
      'netns',
      'exec',
      host.namespace,
      tools['unshare'] ?? 'unshare',
      '--uts',
      '--',
      '/bin/sh',
      '-c',
      script,
      'sh',
      host.hostname,
      sshd,
      host.sshd.config,
      host.sshd.log,
    ],
    { timeoutMs: 10_000 },
  );
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
