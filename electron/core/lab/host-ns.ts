/**
 * Each lab host's own view of the machine's files: ONE long-lived mount and UTS namespace per host,
 * inside its network namespace, in which
 *
 * - /etc and /var/lib are overlayfs mounts: the machine's directories below, and an upper layer of
 *   the host's own under the lab's state dir (`hosts/<h>/root/etc-upper`...). A file written under
 *   /etc on a lab host (a network manager's config, a firewall's rules) lands in that upper layer
 *   and never on this machine; `lab down` removes it with the state dir.
 * - /run is a directory of the host's own (`hosts/<h>/root/run`, bind-mounted over /run): every
 *   state dir a network manager, D-Bus or a firewall keeps under /run (/run/systemd,
 *   /run/network, /run/NetworkManager, /run/dbus, /run/ufw...) starts empty and is the host's own.
 *   Only the lab's state (/run/vxlan-studio: sshd configs, keys, homes) is bound back in, so sshd
 *   reads its config and writes its pid file where the lab finds them.
 * - the lab's account files, the host's hosts file and root's empty home are bind-mounted on top
 *   (users.ts, sshd.ts), as before.
 *
 * A holder process (`sleep infinity`, its pid in `hosts/<h>/root/holder.pid`) keeps the namespace
 * alive while sshd restarts or a manager stops; sshd, every SSH session and every helper that acts
 * "on the host" (`hostRun`, `nsenter` into the holder's namespaces) see the same private view.
 *
 * The mount namespace is a slave of the machine's (`--propagation slave`): nothing mounted here
 * reaches the machine, while unmounts there (`ip netns del` of any lab) still reach this one, so it
 * keeps no other lab's namespace alive.
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runOk } from './exec';
import { NETNS_DIR, processInfo } from './netns';
import { LabError, type ToolPaths } from './preflight';
import type { LabHostState } from './state';

/** Where a host's private layers live inside the lab state dir (next to its sshd files). */
export interface HostRootPaths {
  dir: string;
  etcUpper: string;
  etcWork: string;
  varLibUpper: string;
  varLibWork: string;
  /** The host's /run (bind-mounted over /run inside the host; readable from the machine for debugging). */
  run: string;
  holderPidFile: string;
}

export function hostRootPaths(host: Pick<LabHostState, 'sshd'>): HostRootPaths {
  const dir = join(dirname(host.sshd.config), 'root');
  return {
    dir,
    etcUpper: join(dir, 'etc-upper'),
    etcWork: join(dir, 'etc-work'),
    varLibUpper: join(dir, 'var-lib-upper'),
    varLibWork: join(dir, 'var-lib-work'),
    run: join(dir, 'run'),
    holderPidFile: join(dir, 'holder.pid'),
  };
}

/**
 * The script that builds a host's namespace, run under `ip netns exec <ns> unshare --uts --mount`.
 * Arguments: hostname, the `root` dir (`hostRootPaths`), the state root to bind back into /run, the
 * mount binary, the number N of bind-mount words, N words as `source target` pairs, then the
 * command to become (sshd), if any. Every value arrives as an argument, so no shell parses a name
 * or a path. `mount -n`: the userspace mount table lives under /run, which is replaced midway.
 */
export const HOST_NS_SCRIPT = [
  'set -e',
  'printf %s "$1" > /proc/sys/kernel/hostname',
  'root=$2 keep=$3 mount=$4 n=$5',
  'shift 5',
  '"$mount" -n -t overlay overlay -o "lowerdir=/etc,upperdir=$root/etc-upper,workdir=$root/etc-work" /etc',
  '"$mount" -n -t overlay overlay -o "lowerdir=/var/lib,upperdir=$root/var-lib-upper,workdir=$root/var-lib-work" /var/lib',
  // The host's own /run (a directory of its state, made empty by `prepareHostRoot`), with the lab state bound back in.
  'if [ -n "$keep" ]; then "$mount" -n --bind "$keep" "$root/run${keep#/run}"; fi',
  '"$mount" -n --rbind "$root/run" /run',
  'while [ "$n" -ge 2 ]; do "$mount" -n --bind "$1" "$2"; shift 2; n=$((n - 2)); done',
  // The holder: keeps the namespaces alive whatever else stops; its stdio must not hold the caller's pipes.
  'sleep infinity </dev/null >/dev/null 2>&1 &',
  'echo $! > "$root/holder.pid"',
  '[ "$#" -eq 0 ] || exec "$@"',
].join('\n');

/**
 * Makes the host's layer directories (kept when they exist: a restarted host keeps what it wrote)
 * and its /run with the directories a fresh boot has: sshd's privilege-separation dir, /run/lock,
 * and the mount point of the lab state. In-process, so `lab up` spawns no mkdir per host.
 */
export async function prepareHostRoot(host: Pick<LabHostState, 'sshd'>): Promise<HostRootPaths> {
  const paths = hostRootPaths(host);
  for (const dir of [paths.etcUpper, paths.etcWork, paths.varLibUpper, paths.varLibWork]) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  const keep = keptRunDir(host);
  await mkdir(join(paths.run, 'sshd'), { recursive: true, mode: 0o755 });
  await chmod(paths.run, 0o755);
  await chmod(join(paths.run, 'sshd'), 0o755);
  await mkdir(join(paths.run, 'lock'), { recursive: true });
  await chmod(join(paths.run, 'lock'), 0o1777);
  if (keep !== '') await mkdir(join(paths.run, keep.slice('/run'.length)), { recursive: true, mode: 0o755 });
  return paths;
}

/**
 * The directory the private /run binds back from the machine's: the top of the lab state under
 * /run (`/run/vxlan-studio`), or '' for a state dir elsewhere, which the new /run does not hide.
 *
 * @example
 * keptRunDir({ sshd: { config: '/run/vxlan-studio/labs/demo/hosts/h1/sshd_config', ... } })  // '/run/vxlan-studio'
 */
export function keptRunDir(host: Pick<LabHostState, 'sshd'>): string {
  const parts = host.sshd.config.split('/');
  return parts[0] === '' && parts[1] === 'run' && parts[2] !== undefined && parts.length > 3 ? `/run/${parts[2]}` : '';
}

/**
 * Makes the host's namespace (see the file comment) and, inside it, runs `command` (sshd, which
 * daemonises). Resolves once the command returned; the holder's pid is in `holderPidFile`.
 */
export async function startHostNamespace(
  tools: ToolPaths,
  host: LabHostState,
  binds: readonly (readonly [string, string])[],
  command: readonly string[],
): Promise<void> {
  const paths = await prepareHostRoot(host);
  const words = binds.flat();
  await runOk(
    tools['ip'] ?? 'ip',
    [
      'netns',
      'exec',
      host.namespace,
      tools['unshare'] ?? 'unshare',
      '--uts',
      '--mount',
      '--propagation',
      'slave',
      '--',
      '/bin/sh',
      '-c',
      HOST_NS_SCRIPT,
      'sh',
      host.hostname,
      paths.dir,
      keptRunDir(host),
      tools['mount'] ?? 'mount',
      String(words.length),
      ...words,
      ...command,
    ],
    { timeoutMs: 10_000 },
  );
}

async function nsIdentity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Pid of the host's namespace holder when it is alive and in the host's network namespace, else undefined. */
export async function holderPid(host: LabHostState): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(hostRootPaths(host).holderPidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const info = await processInfo(pid);
  if (!info || info.comm !== 'sleep' || info.state === 'Z') return undefined;
  const [mine, wanted] = await Promise.all([nsIdentity(`/proc/${pid}/ns/net`), nsIdentity(`${NETNS_DIR}/${host.namespace}`)]);
  return mine !== undefined && mine === wanted ? pid : undefined;
}

/** argv that runs `argv` on the host: in its network, mount and UTS namespaces (`nsenter -t <holder> -n -m -u`). */
export function hostNsArgv(tools: ToolPaths, pid: number, argv: readonly string[]): string[] {
  return [tools['nsenter'] ?? 'nsenter', '-t', String(pid), '-n', '-m', '-u', '--', ...argv];
}

/** The holder's pid, or a `LabError` saying the host's namespace is gone. */
export async function requireHolder(host: LabHostState): Promise<number> {
  const pid = await holderPid(host);
  if (pid === undefined) {
    throw new LabError(
      `lab host ${host.name} has no private namespace running (its holder process is gone); ` +
        'run `lab up` again with the same layout to restart it',
    );
  }
  return pid;
}
