/**
 * Colours and words derived from the health slice. Every canvas selector returns a primitive
 * (string/boolean) keyed by one host or edge id, so a round re-renders only what changed for it.
 */
import type { HealthFinding, HostHealthView, MembershipHealthView, PairHealthView } from '../../../shared/api/contract';
import type { Topology } from '../../../shared/model';
import type { Store } from '../store/types';
import { pairKey } from './health-slice';

/** Host node colour: green reachable, red unreachable (any SSH failure), grey unknown. */
export type HostTone = 'up' | 'down' | 'unknown';
/** Membership edge colour: every peer answers (green), some (amber), none (red), not measured (grey). */
export type EdgeTone = 'ok' | 'partial' | 'down' | 'unknown';
/** Pair matrix cell colour. */
export type PairTone = 'ok' | 'down' | 'mtu' | 'unknown';

export function hostTone(h: HostHealthView | undefined): HostTone {
  if (!h) return 'unknown';
  if (h.state === 'ok') return 'up';
  return h.state === 'unknown' ? 'unknown' : 'down';
}

export function edgeTone(m: MembershipHealthView | undefined): EdgeTone {
  if (!m || m.status === 'unknown') return 'unknown';
  return m.status === 'all' ? 'ok' : m.status === 'some' ? 'partial' : 'down';
}

export function pairTone(p: PairHealthView | undefined): PairTone {
  if (!p || p.status === 'unknown') return 'unknown';
  if (p.status === 'ok') return 'ok';
  return p.status === 'mtu' ? 'mtu' : 'down';
}

const HOST_STATE_TEXT: Record<HostHealthView['state'], string> = {
  ok: 'reachable over SSH',
  unreachable: 'unreachable over SSH',
  'auth-failed': 'SSH authentication failed',
  timeout: 'did not answer within the poll timeout',
  unknown: 'not checked yet',
};

/** Short badges on an edge for the findings that matter most on a tunnel. */
export function edgeBadges(m: MembershipHealthView | undefined): string {
  if (!m) return '';
  const out: string[] = [];
  if (m.badges.includes('FIREWALL_BLOCKS_VXLAN')) out.push('FW');
  if (m.badges.includes('MTU_EXCEEDS_PATH')) out.push('MTU');
  return out.join(' ');
}

/** A finding concerns a membership edge when it names the edge's host and (if it names one) its segment. */
export function findingTouchesEdge(f: HealthFinding, hostId: string, segmentId: string): boolean {
  return f.hosts.includes(hostId) && (f.segmentId === undefined || f.segmentId === segmentId);
}

/** Evidence as hover lines: `label: value`, one per line. */
export function evidenceLines(f: HealthFinding): string[] {
  return [`${f.code}: ${f.title}`, ...f.evidence.map((e) => `  ${e.label}: ${e.value}`)];
}

function findingsOf(s: Store): HealthFinding[] {
  return s.healthFindingIds.map((id) => s.healthFindings[id]).filter((f): f is HealthFinding => f !== undefined);
}

export const selectHostTone =
  (hostId: string) =>
  (s: Store): HostTone =>
    hostTone(s.healthHosts[hostId]);

/** The host node's hover text: reachability, drift, then the evidence of findings naming the host. */
export const selectHostHealthTitle =
  (hostId: string) =>
  (s: Store): string => {
    const h = s.healthHosts[hostId];
    if (!h) return '';
    const lines = [`SSH: ${HOST_STATE_TEXT[h.state]}${h.message ? ` (${h.message})` : ''}`];
    if (h.driftSteps > 0) lines.push(`drift: ${h.driftSteps} step${h.driftSteps === 1 ? '' : 's'} from the topology`);
    for (const f of findingsOf(s)) if (f.hosts.includes(hostId) && f.segmentId === undefined) lines.push(...evidenceLines(f));
    return lines.join('\n');
  };

export const selectEdgeTone =
  (membershipId: string) =>
  (s: Store): EdgeTone =>
    edgeTone(s.healthMemberships[membershipId]);

export const selectEdgeBadges =
  (membershipId: string) =>
  (s: Store): string =>
    edgeBadges(s.healthMemberships[membershipId]);

/** The edge's hover text: how many peers answer, then the evidence (rule text, counters, pings) of its findings. */
export const selectEdgeHealthTitle =
  (membershipId: string) =>
  (s: Store): string => {
    const m = s.healthMemberships[membershipId];
    if (!m) return '';
    const lines = [
      m.status === 'unknown'
        ? 'tunnel health not measured yet'
        : `${m.reachable} of ${m.peers} peer${m.peers === 1 ? '' : 's'} reachable over the overlay`,
    ];
    for (const f of findingsOf(s)) if (findingTouchesEdge(f, m.hostId, m.segmentId)) lines.push(...evidenceLines(f));
    return lines.join('\n');
  };

/** True while the clicked finding names this host. */
export const selectHostHighlighted =
  (hostId: string) =>
  (s: Store): boolean => {
    const f = s.healthHighlight === null ? undefined : s.healthFindings[s.healthHighlight];
    return f !== undefined && (f.hosts.includes(hostId) || (f.pair?.includes(hostId) ?? false));
  };

/** True while the clicked finding concerns this membership edge (its host, or either end of its pair, on its segment). */
export const selectEdgeHighlighted =
  (hostId: string, segmentId: string) =>
  (s: Store): boolean => {
    const f = s.healthHighlight === null ? undefined : s.healthFindings[s.healthHighlight];
    if (!f || (f.segmentId !== undefined && f.segmentId !== segmentId)) return false;
    return f.hosts.includes(hostId) || (f.pair?.includes(hostId) ?? false);
  };

export const selectPairTone =
  (segmentId: string, from: string, to: string) =>
  (s: Store): PairTone =>
    pairTone(s.healthPairs[pairKey(segmentId, from, to)]);

/** Matrix cell hover: status, overlay round trip (or that it got no reply), measured path MTU. */
export const selectPairTitle =
  (segmentId: string, from: string, to: string, fromName: string, toName: string) =>
  (s: Store): string => {
    const p = s.healthPairs[pairKey(segmentId, from, to)];
    if (!p) return `${fromName} → ${toName}: not measured yet`;
    const parts = [`${fromName} → ${toName}: ${p.status}`];
    if (p.rttMs !== undefined) parts.push(`latency ${p.rttMs.toFixed(2)} ms`);
    if (p.status !== 'ok' && p.status !== 'unknown') parts.push('no overlay reply in the last round');
    if (p.pathMtu !== undefined) parts.push(`path MTU ${p.pathMtu}`);
    return parts.join('\n');
  };

/**
 * What the latest round did not measure of the drawing as it is now. `hosts`: no SSH answer recorded
 * (added after the round, or not polled yet). `tunnels`: hosts that answered but whose membership or
 * own row of the pair matrix has no measurement (e.g. a peer joined since). Hosts that failed SSH are
 * in neither: the round measured them and a finding says why. A member alone on its segment has no
 * tunnel to measure. Names, in the drawing's order.
 */
export function unmeasured(
  topology: Topology,
  health: {
    hosts: Record<string, HostHealthView>;
    memberships: Record<string, MembershipHealthView>;
    pairs: Record<string, PairHealthView>;
  },
): { hosts: string[]; tunnels: string[] } {
  const membersOf = new Map<string, string[]>();
  for (const m of topology.memberships) membersOf.set(m.segmentId, [...(membersOf.get(m.segmentId) ?? []), m.hostId]);
  const hosts = new Set<string>();
  const tunnels = new Set<string>();
  for (const host of topology.hosts) {
    const h = health.hosts[host.id];
    if (h === undefined || h.state === 'unknown') hosts.add(host.id);
  }
  for (const m of topology.memberships) {
    if (health.hosts[m.hostId]?.state !== 'ok') continue;
    const peers = (membersOf.get(m.segmentId) ?? []).filter((id) => id !== m.hostId);
    if (peers.length === 0) continue;
    const measured = health.memberships[m.id];
    // The host's own row of the pair matrix: its probes measure it (a peer's row is the peer's).
    const row = peers.map((peer) => health.pairs[pairKey(m.segmentId, m.hostId, peer)]);
    if (
      measured === undefined ||
      measured.status === 'unknown' ||
      measured.peers !== peers.length ||
      row.some((p) => p === undefined)
    )
      tunnels.add(m.hostId);
  }
  const names = (ids: Set<string>): string[] => topology.hosts.filter((h) => ids.has(h.id)).map((h) => h.name);
  return { hosts: names(hosts), tunnels: names(tunnels) };
}

/**
 * The Troubleshoot line about what is not measured yet ('' when the latest round measured every host
 * and tunnel of the drawing). While it is not empty the panel never says "every host answers".
 */
export function selectUnmeasuredSummary(s: Store): string {
  const u = unmeasured(s.topology, { hosts: s.healthHosts, memberships: s.healthMemberships, pairs: s.healthPairs });
  if (u.hosts.length === 0 && u.tunnels.length === 0) return '';
  const parts: string[] = [];
  const n = u.hosts.length;
  if (n > 0) parts.push(`${n} host${n === 1 ? '' : 's'} not measured yet: ${u.hosts.join(', ')}.`);
  if (u.tunnels.length > 0) parts.push(`Tunnels not measured yet from ${u.tunnels.join(', ')}.`);
  parts.push(s.healthPolling === 'paused' ? 'Resume live health to check them.' : 'The next round checks them.');
  return parts.join(' ');
}

/** `hh:mm:ss` of an ISO time, in the viewer's local time. */
export function clockTime(iso: string | null): string {
  if (iso === null) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
