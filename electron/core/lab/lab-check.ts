/**
 * Checks of a deploy against a lab, shared by the integration tests, the CLI tests and the bench:
 * the full overlay ping mesh, the ifindexes of our devices (a no-op re-apply must keep them), and a
 * hard kill of a host's sshd (listener and sessions) to break a deploy mid-way.
 */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { deviceName, type Topology } from '../../../shared/model';
import { isStudioMark, quoteShellArg } from '../../../shared/plan';
import { run } from './exec';
import { labHost } from './lab';
import { nsRunOk } from './netns-exec';
import { NetnsShell } from './netns-executor';
import { observeNamespace } from './plan-exec';
import type { LabState } from './state';
import { LOCK_DIR } from '../deploy/scripts';
import { WATCH_DIR } from '../deploy/watch';

/** Where the kernel keeps the (machine-wide) hard limit of the IPv4 neighbour table. */
const GC_THRESH3 = '/proc/sys/net/ipv4/neigh/default/gc_thresh3';

/**
 * How many overlay neighbour entries one wave of the mesh check may create: half the machine's
 * `gc_thresh3` (read only, never changed), leaving the rest to other labs and the machine itself.
 */
export async function neighbourBudget(): Promise<number> {
  const limit = Number((await readFile(GC_THRESH3, 'utf8').catch(() => '1024')).trim());
  return Math.max(64, Math.floor((Number.isFinite(limit) ? limit : 1024) / 2));
}

/** One source host of the mesh check: its namespace, its overlay devices and the peers it pings. */
export interface MeshSource {
  host: string;
  namespace: string;
  /** Devices holding this host's overlay addresses (bridge, or the VXLAN device without one). */
  devices: string[];
  targets: Array<{ host: string; address: string }>;
}

/** One directed pair of the mesh: `from` pings `to` at `address`. */
export interface MeshPair {
  from: string;
  to: string;
  address: string;
}

/**
 * Splits directed pairs into waves that each create at most `budget` neighbour entries: a first
 * ping makes two (the source's entry for the peer, and the peer's for the source when it answers
 * the ARP request). `order` ranks the hosts: pairs going up the order come first, then those going
 * down, never both in one wave, so the two directions of a pair never share a wave and each one's
 * first ping starts with no entry on either side (the waves are flushed in between). Every pair is
 * in exactly one wave.
 */
export function meshWaves<P extends { from: string; to: string }>(
  pairs: readonly P[],
  budget: number,
  order: readonly string[],
): P[][] {
  const rank = new Map(order.map((h, i) => [h, i]));
  const up = (p: P): boolean => (rank.get(p.from) ?? 0) < (rank.get(p.to) ?? 0);
  const perWave = Math.max(1, Math.floor(budget / 2));
  const waves: P[][] = [];
  for (const half of [pairs.filter(up), pairs.filter((p) => !up(p))])
    for (let i = 0; i < half.length; i += perWave) waves.push(half.slice(i, i + perWave));
  return waves;
}

/** The sources of a topology's overlay mesh on a lab: every member pings every peer of its segments. */
export function meshSources(lab: LabState, topology: Topology): MeshSource[] {
  const byHost = new Map<string, MeshSource>();
  for (const m of topology.memberships) {
    const seg = topology.segments.find((s) => s.id === m.segmentId);
    const hostName = topology.hosts.find((h) => h.id === m.hostId)?.name;
    if (!seg || hostName === undefined || m.address === undefined) continue;
    const source = byHost.get(hostName) ?? {
      host: hostName,
      namespace: labHost(lab, hostName).namespace,
      devices: [],
      targets: [],
    };
    byHost.set(hostName, source);
    const device = m.bridge ?? deviceName(m, seg);
    if (!source.devices.includes(device)) source.devices.push(device);
    for (const p of topology.memberships) {
      if (p === m || p.segmentId !== m.segmentId || p.address === undefined) continue;
      const peer = topology.hosts.find((h) => h.id === p.hostId)?.name ?? '';
      source.targets.push({ host: peer, address: p.address.split('/')[0] ?? '' });
    }
  }
  return [...byHost.values()];
}

export interface OverlayMeshResult {
  /** Directed pairs probed. */
  pairs: number;
  /** `from -> to (address)` of each pair whose single first ping got no answer. */
  firstPingLost: string[];
  /** The pairs that still did not answer when pinged again (3 pings): a broken overlay. */
  failures: string[];
}

/**
 * A script pinging each address up to `count` times (one ping, then a retry after each 2 s without
 * an answer), all from one fping: a process per source and wave instead of one per pair, since at
 * 100 hosts process starts were most of the check's time. Prints each address that answered.
 */
function pingScript(addresses: readonly string[], count: number): string {
  return [
    'command -v fping >/dev/null || { echo "fping is not installed (scripts/setup.sh installs it)" >&2; exit 1; }',
    // fping exits 1 when an address did not answer: that is a result here, not a failure.
    `fping -a -q -r ${count - 1} -B 1 -t 2000 -i 1 ${addresses.map(quoteShellArg).join(' ')} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}

/** A script deleting the dynamic neighbour entries on these devices (permanent ones stay): one `ip`. */
function flushScript(devices: readonly string[]): string {
  return `ip -batch - <<'EOF'\n${devices.map((d) => `neigh flush dev ${quoteShellArg(d)}`).join('\n')}\nEOF`;
}

/**
 * The overlay ping mesh on a lab: every member pings every peer of its segments with ONE ping, and
 * each directed pair's ping is a first contact: neither side has a neighbour entry for the other,
 * so it takes an ARP request through head-end flooding (replicated to every peer's VTEP), the ARP
 * reply and the echo request and reply over the learned unicast path. The pairs go in waves that
 * fit the machine's neighbour table (see the lab README: every namespace shares it, and a 100-host
 * mesh needs 19,800 overlay entries against a limit of 1,024), the entries flushed after each
 * wave; the two directions of a pair are never in the same wave. Each host's pings and flushes go
 * through one long-lived shell in its namespace (one fping per host and wave, no other process).
 * Pairs whose first ping got no answer are pinged again (3 pings); only those that still fail are
 * `failures`.
 */
export async function overlayPingMesh(lab: LabState, topology: Topology): Promise<OverlayMeshResult> {
  const sources = meshSources(lab, topology);
  const budget = await neighbourBudget();
  const devices = new Map(sources.map((s) => [s.host, s.devices]));
  const pairs: MeshPair[] = [];
  for (const s of sources)
    for (const address of new Set(s.targets.map((t) => t.address)))
      pairs.push({ from: s.host, to: s.targets.find((t) => t.address === address)?.host ?? '', address });
  const label = (p: MeshPair): string => `${p.from} -> ${p.to} (${p.address})`;
  const shells = new Map(sources.map((s) => [s.host, new NetnsShell(s.namespace)]));
  const inShell = async (host: string, script: string): Promise<string> => {
    const r = await (shells.get(host) as NetnsShell).run(script, { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`the mesh check failed on ${host}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  /** Deletes the dynamic overlay neighbour entries on these hosts. */
  const flush = (hosts: Iterable<string>): Promise<unknown> =>
    Promise.all([...hosts].filter((h) => devices.has(h)).map((h) => inShell(h, flushScript(devices.get(h) ?? []))));
  /** Pings every pair `count` times, wave by wave; the pairs that did not answer. */
  const sweep = async (list: readonly MeshPair[], count: number): Promise<MeshPair[]> => {
    const missed: MeshPair[] = [];
    for (const wave of meshWaves(list, budget, [...devices.keys()])) {
      const bySource = new Map<string, MeshPair[]>();
      for (const p of wave) bySource.set(p.from, [...(bySource.get(p.from) ?? []), p]);
      await Promise.all(
        [...bySource].map(async ([from, ps]) => {
          const out = await inShell(from, pingScript([...new Set(ps.map((p) => p.address))], count));
          const answered = new Set(out.split('\n').map((l) => l.trim()));
          missed.push(...ps.filter((p) => !answered.has(p.address)));
        }),
      );
      await flush(new Set(wave.flatMap((p) => [p.from, p.to])));
    }
    return missed;
  };
  try {
    // From an empty neighbour table: whatever an earlier ping left would make a pair's ping no first contact.
    await flush(devices.keys());
    const lost = await sweep(pairs, 1);
    const failed = lost.length === 0 ? [] : await sweep(lost, 3);
    return { pairs: pairs.length, firstPingLost: lost.map(label), failures: failed.map(label) };
  } finally {
    await Promise.all([...shells.values()].map((sh) => sh.release()));
  }
}

/** Every (from, to) overlay pair of the topology that does not answer a ping; empty when the mesh works. */
export async function overlayPingFailures(lab: LabState, topology: Topology): Promise<string[]> {
  return (await overlayPingMesh(lab, topology)).failures;
}

/** `name -> ifindex` of every link carrying a VXLAN Studio mark on a lab host. */
export async function ownedIfindexes(lab: LabState, hostName: string): Promise<Record<string, number>> {
  const observed = await observeNamespace(labHost(lab, hostName).namespace, hostName);
  return Object.fromEntries(observed.links.filter((l) => isStudioMark(l.alias)).map((l) => [l.name, l.ifindex]));
}

/** Pids of the sshd processes (listener and per-session) inside a lab host's namespace. */
export async function hostSshdPids(lab: LabState, hostName: string): Promise<number[]> {
  const ns = labHost(lab, hostName).namespace;
  const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter((p) => /^\d+$/.test(p));
  const out: number[] = [];
  for (const pid of pids) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() === 'sshd' || comm.trim().startsWith('sshd-')) out.push(Number(pid));
  }
  return out;
}

/** SIGKILLs every sshd of a lab host (the lab started them): open sessions die, new ones are refused. */
export async function killHostSshd(lab: LabState, hostName: string): Promise<number[]> {
  const pids = await hostSshdPids(lab, hostName);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/**
 * Adds an interface that is not ours to a lab host (a veth pair, `name` plus a peer; the dummy
 * driver is not always loadable), e.g. a VM-tap-like bridge port. Deleting `name` removes both.
 */
export async function addForeignLink(lab: LabState, hostName: string, name: string): Promise<void> {
  const peer = `vxp${Math.floor(Math.random() * 1e6)}`;
  await nsRunOk(labHost(lab, hostName).namespace, ['ip', 'link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', peer]);
}

/**
 * Removes the deploy lock files of these topologies, and the lock directory once it is empty (lab
 * hosts share the machine's /run; the files hold no lock once a run ends, but tests should leave
 * nothing behind).
 */
export async function removeLockFiles(topologyIds: readonly string[]): Promise<void> {
  const names = await readdir(LOCK_DIR).catch(() => [] as string[]);
  for (const n of names) {
    if (topologyIds.some((id) => n.startsWith(`vxlan-studio-${id}-net`) && n.endsWith('.lock')))
      await rm(`${LOCK_DIR}/${n}`, { force: true });
  }
  // A confirm window left armed (a test that never confirmed): its timer died with the lab's namespace.
  for (const net of await readdir(`${LOCK_DIR}/confirm`).catch(() => [] as string[])) {
    for (const id of topologyIds) await rm(`${LOCK_DIR}/confirm/${net}/${id}`, { recursive: true, force: true });
    await rmdir(`${LOCK_DIR}/confirm/${net}`).catch(() => undefined);
  }
  await rmdir(`${LOCK_DIR}/confirm`).catch(() => undefined);
  // Watches (deploy/watch.ts) of these topologies: their processes died with the lab's namespaces.
  for (const n of await readdir(WATCH_DIR).catch(() => [] as string[])) {
    if (topologyIds.some((id) => n.endsWith(`-${id}`) && /^\d+-/.test(n)))
      await rm(`${WATCH_DIR}/${n}`, { recursive: true, force: true });
  }
  await rmdir(WATCH_DIR).catch(() => undefined);
  // Only when empty: another run's lock may be in it.
  await rmdir(LOCK_DIR).catch(() => undefined);
}
