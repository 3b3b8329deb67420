/**
 * Checks of a deploy against a lab, shared by the integration tests, the CLI tests and the bench:
 * the full overlay ping mesh, the ifindexes of our devices (a no-op re-apply must keep them), and a
 * hard kill of a host's sshd (listener and sessions) to break a deploy mid-way.
 */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { deviceName, type Topology } from '../../../shared/model';
import { isStudioMark } from '../../../shared/plan';
import { mapLimit, run } from './exec';
import { labHost } from './lab';
import { nsRunOk, nsShell } from './netns-exec';
import { observeNamespace } from './plan-exec';
import type { LabState } from './state';
import { LOCK_DIR } from '../deploy/scripts';

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

/**
 * Splits the sources into waves that each create at most `budget` neighbour entries (a ping to a
 * new peer makes two: the source's entry for the peer, and the peer's for the source when it
 * answers the ARP request) and have at most `maxSources` sources. Every source is in exactly one
 * wave, in order; a source over the budget on its own gets a wave of its own.
 */
export function meshWaves<T extends { targets: readonly unknown[] }>(
  sources: readonly T[],
  budget: number,
  maxSources: number,
): T[][] {
  const waves: T[][] = [];
  let wave: T[] = [];
  let used = 0;
  for (const s of sources) {
    const cost = 2 * s.targets.length;
    if (wave.length > 0 && (used + cost > budget || wave.length >= maxSources)) {
      waves.push(wave);
      wave = [];
      used = 0;
    }
    wave.push(s);
    used += cost;
  }
  if (wave.length > 0) waves.push(wave);
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

/** Pings each target once, all at once, from one shell in the namespace; the addresses that answered. */
async function pingAll(namespace: string, addresses: readonly string[], count: number): Promise<Set<string>> {
  const script = [
    'for a in "$@"; do',
    `  ( ping -n -c ${count} -i 0.2 -W 2 "$a" >/dev/null 2>&1 && echo "ok $a" ) &`,
    'done',
    'wait',
  ].join('\n');
  const r = await nsShell(namespace, script, addresses, { timeoutMs: 60_000 });
  return new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('ok '))
      .map((l) => l.slice(3)),
  );
}

/** Deletes the dynamic neighbour entries on these lab hosts' overlay devices (permanent ones stay). */
async function flushOverlayNeighbours(sources: readonly MeshSource[]): Promise<void> {
  await mapLimit(sources, 16, (s) =>
    run('ip', ['-n', s.namespace, '-batch', '-'], { input: s.devices.map((d) => `neigh flush dev ${d}\n`).join('') }),
  );
}

/**
 * The overlay ping mesh on a lab: every member pings every peer of its segments with ONE ping (the
 * first contact, ARP included), source hosts in waves that fit the machine's neighbour table (see
 * the lab README: every namespace shares it, and a full 50-host mesh needs 2,450 overlay entries
 * against a limit of 1,024), the entries flushed after each wave. Pairs whose first ping got no
 * answer are pinged again (3 pings); only those that still fail are `failures`.
 */
export async function overlayPingMesh(lab: LabState, topology: Topology, concurrency = 8): Promise<OverlayMeshResult> {
  const sources = meshSources(lab, topology);
  const budget = await neighbourBudget();
  const label = (s: MeshSource, t: { host: string; address: string }): string => `${s.host} -> ${t.host} (${t.address})`;
  /** Pings every target of every source `count` times, in waves; the sources with the targets that did not answer. */
  const sweep = async (list: readonly MeshSource[], count: number): Promise<MeshSource[]> => {
    const missed: MeshSource[] = [];
    for (const wave of meshWaves(list, budget, concurrency)) {
      await Promise.all(
        wave.map(async (s) => {
          const answered = await pingAll(s.namespace, [...new Set(s.targets.map((t) => t.address))], count);
          const targets = s.targets.filter((t) => !answered.has(t.address));
          if (targets.length > 0) missed.push({ ...s, targets });
        }),
      );
      await flushOverlayNeighbours(sources);
    }
    return missed;
  };
  const lost = await sweep(sources, 1);
  const failed = lost.length === 0 ? [] : await sweep(lost, 3);
  return {
    pairs: sources.reduce((n, s) => n + s.targets.length, 0),
    firstPingLost: lost.flatMap((s) => s.targets.map((t) => label(s, t))),
    failures: failed.flatMap((s) => s.targets.map((t) => label(s, t))),
  };
}

/** Every (from, to) overlay pair of the topology that does not answer a ping; empty when the mesh works. */
export async function overlayPingFailures(lab: LabState, topology: Topology, concurrency = 8): Promise<string[]> {
  return (await overlayPingMesh(lab, topology, concurrency)).failures;
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
  // Only when empty: another run's lock may be in it.
  await rmdir(LOCK_DIR).catch(() => undefined);
}
