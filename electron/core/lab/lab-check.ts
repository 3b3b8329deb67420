/**
 * Checks of a deploy against a lab, shared by the integration tests, the CLI tests and the bench:
 * the full overlay ping mesh, the ifindexes of our devices (a no-op re-apply must keep them), and a
 * hard kill of a host's sshd (listener and sessions) to break a deploy mid-way.
 */
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import type { Topology } from '../../../shared/model';
import { isStudioMark } from '../../../shared/plan';
import { mapLimit, run } from './exec';
import { labHost } from './lab';
import { nsRunOk } from './netns-exec';
import { observeNamespace, pingFrom } from './plan-exec';
import type { LabState } from './state';
import { LOCK_DIR } from '../deploy/scripts';

/** Every (from, to) overlay pair of the topology that does not answer a ping; empty when the mesh works. */
export async function overlayPingFailures(lab: LabState, topology: Topology, concurrency = 8): Promise<string[]> {
  const members = topology.memberships
    .filter((m) => m.address !== undefined)
    .map((m) => ({
      host: topology.hosts.find((h) => h.id === m.hostId)?.name ?? '',
      address: (m.address ?? '').split('/')[0] ?? '',
      segment: m.segmentId,
    }));
  const pairs = members.flatMap((a) => members.filter((b) => b !== a && b.segment === a.segment).map((b) => ({ a, b })));
  const results = await mapLimit(pairs, concurrency, async ({ a, b }) => {
    const ns = labHost(lab, a.host).namespace;
    // One retry: the first packet over a fresh overlay may be spent on ARP.
    const ok =
      (await pingFrom(ns, b.address, { count: 1, waitSeconds: 2 })).ok ||
      (await pingFrom(ns, b.address, { count: 2, waitSeconds: 2 })).ok;
    return ok ? undefined : `${a.host} -> ${b.host} (${b.address})`;
  });
  // A last, slower try for the pairs that failed: on a loaded machine a reply can miss a 2 s window.
  const failed = pairs.filter((_, i) => results[i] !== undefined);
  const still = await mapLimit(failed, 4, async ({ a, b }) => {
    const ok = (await pingFrom(labHost(lab, a.host).namespace, b.address, { count: 3, waitSeconds: 5 })).ok;
    return ok ? undefined : `${a.host} -> ${b.host} (${b.address})`;
  });
  return still.filter((r): r is string => r !== undefined);
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
  // Only when empty: another run's lock may be in it.
  await rmdir(LOCK_DIR).catch(() => undefined);
}
