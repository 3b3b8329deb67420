/**
 * Colours and words derived from the health slice. Every canvas selector returns a primitive
 * (string/boolean) keyed by one host or edge id, so a round re-renders only what changed for it.
 */
import type { HealthFinding, HostHealthView, MembershipHealthView, PairHealthView } from '../../../shared/api/contract';
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
    const lines = [m.status === 'unknown' ? 'tunnel health not measured yet' : `${m.reachable} of ${m.peers} peer${m.peers === 1 ? '' : 's'} reachable over the overlay`];
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

/** `hh:mm:ss` of an ISO time, in the viewer's local time. */
export function clockTime(iso: string | null): string {
  if (iso === null) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
