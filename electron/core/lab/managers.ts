/**
 * Real network managers inside lab hosts: with `manager: 'networkd'` (or ifupdown2, netplan) every
 * host's underlay (eth0: address, default route, MTU, the lab's permanent neighbour entries) is
 * written as that manager's own config in the host's private /etc (host-ns.ts) and the manager
 * configures it at "boot", so "the network manager manages the underlay" is true on the host and
 * a deploy or a detection meets real files and a real daemon.
 *
 * systemd-networkd runs without udev, as in a container: systemd's container interface
 * (systemd.io/CONTAINER_INTERFACE) has /sys read-only there, and networkd (systemd 252,
 * `udev_available()`) then treats every link as initialised instead of waiting for udev. Only
 * networkd's own view of /sys is made read-only (a child mount namespace of the host's: it shares
 * the host's /etc, /run and /var/lib), so ifupdown2 and deploys on the same host keep a writable
 * /sys. networkd is started as root and drops to the `systemd-network` user itself; its D-Bus name
 * lives on a private `dbus-daemon --system` per host (/run/dbus/system_bus_socket in the host's
 * /run), so `networkctl reload` works.
 */
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run, runOk } from './exec';
import { holderPid, hostNsArgv, hostRootPaths, requireHolder } from './host-ns';
import { pidsInNamespace, processInfo, terminatePids } from './netns';
import { LabError, findExecutable, type ToolPaths } from './preflight';
import type { LabHostState, LabManager } from './state';

/** Everything the lab configures on a host's underlay link. */
export interface UnderlayConfig {
  interface: string;
  address: string;
  prefixLength: number;
  gateway: string;
  mtu: number;
  /** The lab's static underlay neighbours (gateway and same-subnet hosts), kept permanent. */
  neighbours: readonly { address: string; mac: string }[];
}

/** A config file of the host, by its path under /etc. */
export interface HostEtcFile {
  path: string;
  text: string;
}

export const NETWORKD = '/lib/systemd/systemd-networkd';

/** The underlay as a systemd.network(5) file: static address, default route, MTU, permanent neighbours; no DHCP, no RA. */
export function networkdUnderlayText(u: UnderlayConfig): string {
  return [
    '# VXLAN Studio lab: the underlay, as the lab set it up',
    '[Match]',
    `Name=${u.interface}`,
    '',
    '[Link]',
    `MTUBytes=${u.mtu}`,
    '',
    '[Network]',
    `Address=${u.address}/${u.prefixLength}`,
    `Gateway=${u.gateway}`,
    'DHCP=no',
    'IPv6AcceptRA=no',
    'LinkLocalAddressing=ipv6',
    ...u.neighbours.flatMap((n) => ['', '[Neighbor]', `Address=${n.address}`, `LinkLayerAddress=${n.mac}`]),
    '',
  ].join('\n');
}

/** The files under /etc that describe the underlay for `manager`. */
export function managerEtcFiles(manager: LabManager, u: UnderlayConfig): HostEtcFile[] {
  switch (manager) {
    case 'none':
      return [];
    case 'networkd':
      return [{ path: `systemd/network/10-lab-${u.interface}.network`, text: networkdUnderlayText(u) }];
  }
}

/**
 * Writes the manager's underlay files into the host's /etc layer. Called before the host's
 * namespace exists (the overlay is not mounted yet), so the upper layer is written directly.
 */
export async function writeManagerEtc(host: LabHostState, files: readonly HostEtcFile[]): Promise<void> {
  const upper = hostRootPaths(host).etcUpper;
  for (const f of files) {
    const path = join(upper, f.path);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, f.text, { mode: 0o644 });
  }
}

/** Where a host's manager logs (next to sshd.log). */
export function managerLog(host: LabHostState): string {
  return join(dirname(host.sshd.log), 'manager.log');
}

/** Processes of the host's network manager (and its D-Bus), by name, in the host's namespace. */
async function managerPids(host: LabHostState, comms: readonly string[]): Promise<number[]> {
  const infos = await Promise.all((await pidsInNamespace(host.namespace)).map((pid) => processInfo(pid)));
  return infos.filter((i) => i !== undefined && comms.includes(i.comm) && i.state !== 'Z').map((i) => (i as { pid: number }).pid);
}

/** `comm` of systemd-networkd (the kernel keeps 15 characters). */
const NETWORKD_COMM = 'systemd-network';
const DBUS_COMM = 'dbus-daemon';

/** Runs a script on the host (in its namespaces); rejects with its output unless it exits 0. */
async function onHost(tools: ToolPaths, host: LabHostState, script: string, args: readonly string[]): Promise<string> {
  const pid = await requireHolder(host);
  const [file, ...rest] = hostNsArgv(tools, pid, ['/bin/sh', '-c', script, 'sh', ...args]);
  return runOk(file as string, rest, { timeoutMs: 30_000 });
}

/**
 * Starts the host's private system bus unless one runs: `dbus-daemon --system` with the
 * distribution's config, so its socket and pid file land in the host's /run/dbus.
 */
async function startDbus(tools: ToolPaths, host: LabHostState): Promise<void> {
  if ((await managerPids(host, [DBUS_COMM])).length > 0) return;
  await onHost(tools, host, 'set -e; mkdir -p /run/dbus; rm -f /run/dbus/pid; exec "$1" --system --fork', [
    findExecutable('dbus-daemon') ?? 'dbus-daemon',
  ]);
}

/** Starts systemd-networkd in the background with a read-only /sys of its own (see the file comment). */
const NETWORKD_START_SCRIPT = [
  'set -e',
  'log=$1 networkd=$2 mount=$3',
  'mkdir -p /run/systemd/netif',
  'chown systemd-network:systemd-network /run/systemd/netif',
  '(unshare --mount --propagation slave -- /bin/sh -c \'"$1" -n -o remount,bind,ro /sys && exec "$2"\' sh "$mount" "$networkd" </dev/null >>"$log" 2>&1 &)',
].join('\n');

/** Starts the host's manager (and, for networkd, its D-Bus) inside the host's namespaces. */
export async function startManager(tools: ToolPaths, host: LabHostState, manager: LabManager): Promise<void> {
  if (manager === 'none') return;
  await appendFile(managerLog(host), `--- ${new Date().toISOString()} starting ${manager}\n`, { mode: 0o600 });
  await startDbus(tools, host);
  if ((await managerPids(host, [NETWORKD_COMM])).length === 0) {
    await onHost(tools, host, NETWORKD_START_SCRIPT, [managerLog(host), NETWORKD, tools['mount'] ?? 'mount']);
  }
}

/** Stops the host's manager and its D-Bus (SIGTERM, then SIGKILL); returns the pids stopped. */
export async function stopManager(host: LabHostState): Promise<number[]> {
  const pids = await managerPids(host, [NETWORKD_COMM, DBUS_COMM]);
  await terminatePids(pids);
  return pids;
}

/** Whether the host's manager daemon runs (always false for 'none'). */
export async function managerRunning(host: LabHostState, manager: LabManager): Promise<boolean> {
  if (manager === 'networkd') return (await managerPids(host, [NETWORKD_COMM])).length > 0;
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the host's underlay address is on its interface (the manager configured it); throws after `timeoutMs` with the manager's log. */
export async function waitForUnderlay(tools: ToolPaths, host: LabHostState, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run(tools['ip'] ?? 'ip', ['-n', host.namespace, '-4', '-o', 'addr', 'show', 'dev', host.interface]);
    if (r.code === 0 && r.stdout.includes(` ${host.address}/${host.prefixLength} `)) return;
    if (Date.now() > deadline) {
      let log = '';
      try {
        log = (await readFile(managerLog(host), 'utf8')).trim().split('\n').slice(-8).join('\n');
      } catch {
        // no log
      }
      throw new LabError(
        `the network manager of lab host ${host.name} did not configure ${host.address}/${host.prefixLength} on ${host.interface} ` +
          `within ${Math.round(timeoutMs / 1000)} s${log ? `; its log says:\n${log}` : ''}`,
      );
    }
    await sleep(50);
  }
}

/** Names of the host's links, from `ip -o link`. */
async function linkNames(tools: ToolPaths, host: LabHostState): Promise<string[]> {
  const out = await runOk(tools['ip'] ?? 'ip', ['-n', host.namespace, '-o', 'link', 'show']);
  return out
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

export interface RebootResult {
  host: string;
  manager: LabManager;
  /** Links deleted (everything but lo and the underlay). */
  deleted: string[];
  /** Manager (and D-Bus) pids stopped. */
  stopped: number[];
}

/**
 * What a reboot does to a host's network: the manager stops, every link but lo and the underlay
 * goes, the nftables ruleset is flushed, the underlay's configuration is flushed (on a host with a
 * manager; a host without one keeps it, as its "boot script" is the lab itself), the manager's
 * runtime state under /run is cleared, and the manager starts again from its files in /etc.
 * Whatever a manager brings back was persisted; whatever does not was runtime state only.
 */
export async function rebootManagedHost(tools: ToolPaths, host: LabHostState, manager: LabManager): Promise<RebootResult> {
  await requireHolder(host);
  const stopped = await stopManager(host);
  const ip = tools['ip'] ?? 'ip';
  const deleted = (await linkNames(tools, host)).filter((n) => n !== 'lo' && n !== host.interface);
  if (deleted.length > 0) {
    // -force: a link already gone with its parent (a VLAN on a deleted bridge) is no error.
    await run(ip, ['-n', host.namespace, '-force', '-batch', '-'], { input: deleted.map((n) => `link del ${n}\n`).join('') });
  }
  const pid = await holderPid(host);
  if (pid !== undefined) {
    const [file, ...args] = hostNsArgv(tools, pid, [tools['nft'] ?? 'nft', 'flush', 'ruleset']);
    await run(file as string, args);
  }
  if (manager !== 'none') {
    await run(ip, ['-n', host.namespace, '-batch', '-'], {
      input: [
        `neigh flush dev ${host.interface} nud permanent`,
        `route flush dev ${host.interface}`,
        `addr flush dev ${host.interface}`,
        `link set ${host.interface} down`,
        '',
      ].join('\n'),
    });
    const runDir = hostRootPaths(host).run;
    for (const dir of ['systemd/netif', 'dbus', 'network']) {
      const path = join(runDir, dir);
      const entries = await readdir(path).catch(() => [] as string[]);
      for (const e of entries) await rm(join(path, e), { recursive: true, force: true });
    }
    await startManager(tools, host, manager);
    await waitForUnderlay(tools, host);
  }
  return { host: host.name, manager, deleted, stopped };
}
