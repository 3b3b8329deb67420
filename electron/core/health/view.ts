/**
 * A health round as the UI sees it (contract `HealthView`): host reachability for node colours,
 * per-direction pair status for the matrix, per-membership tunnel health for edge colours and
 * badges, and the findings with stable ids. Plus `viewKey`, the digest that decides whether a round
 * changed anything (only changes are streamed).
 */
import type {
  HealthFinding,
  HealthView,
  HostHealthView,
  MembershipHealthView,
  PairHealthView,
} from '../../../shared/api/contract';
import type { Finding, HealthSnapshot, PairProbe } from '../../../shared/diagnose/types';
import type { Topology } from '../../../shared/model';
import { argvToShell } from '../../../shared/plan';

/** A finding's stable id: code, segment, hosts and pair (the same fault keeps its id across rounds). */
export function findingId(f: Finding): string {
  return [f.code, f.segmentId ?? '-', f.hosts.join(','), f.pair ? f.pair.join('>') : '-'].join('|');
}

function mtuFromSteps(f: Finding): number | undefined {
  for (const h of f.fix?.hosts ?? []) {
    for (const s of h.steps) {
      const i = s.argv.indexOf('mtu');
      if (s.kind === 'link-mtu' && i >= 0) {
        const v = Number(s.argv[i + 1]);
        if (Number.isInteger(v)) return v;
      }
    }
  }
  return undefined;
}

/** A shared/diagnose finding in contract form. */
export function toFindingView(f: Finding): HealthFinding {
  const out: HealthFinding = {
    id: findingId(f),
    code: f.code,
    severity: f.severity,
    title: f.title,
    message: f.message,
    hosts: [...f.hosts],
    evidence: f.evidence.map((e) => ({ label: e.label, value: e.value })),
  };
  if (f.pair) out.pair = [f.pair[0], f.pair[1]];
  if (f.segmentId !== undefined) out.segmentId = f.segmentId;
  if (f.fix) {
    const mtu = f.code === 'MTU_EXCEEDS_PATH' ? mtuFromSteps(f) : undefined;
    out.fix = {
      description: f.fix.description,
      hosts: f.fix.hosts.map((h) => ({
        hostId: h.hostId,
        steps: h.steps.map((s) => ({ argv: [...s.argv], shell: argvToShell(s.argv), description: s.description, kind: s.kind })),
      })),
      ...(mtu !== undefined && f.segmentId !== undefined ? { topology: { segmentId: f.segmentId, mtu } } : {}),
    };
  }
  return out;
}

/** Status of one direction of a tunnel. */
export function pairStatus(p: PairProbe): PairHealthView['status'] {
  if (p.overlay === undefined) return p.underlay && !p.underlay.ok ? 'underlay-down' : 'unknown';
  if (!p.overlay.ok) return p.underlay && !p.underlay.ok ? 'underlay-down' : 'overlay-down';
  if (p.dfAtMtu !== undefined && !p.dfAtMtu.ok) return 'mtu';
  return 'ok';
}

export interface ViewInput {
  pollId: string;
  round: number;
  durationMs: number;
  topology: Topology;
  snapshot: HealthSnapshot;
  findings: Finding[];
  /** Per host id: ISO time of its last good round. */
  lastSeen: Record<string, string>;
  /** Per host id: drift step count (0 when as deployed). */
  driftSteps: Record<string, number>;
}

export function buildHealthView(v: ViewInput): HealthView {
  const t = v.topology;
  const byHost = new Map(v.snapshot.hosts.map((h) => [h.hostId, h]));
  const hosts: HostHealthView[] = t.hosts.map((h) => {
    const hh = byHost.get(h.id);
    const state: HostHealthView['state'] = hh === undefined ? 'unknown' : hh.ssh.state === 'ok' ? 'ok' : hh.ssh.state;
    const out: HostHealthView = { hostId: h.id, state, driftSteps: v.driftSteps[h.id] ?? 0 };
    if (hh && hh.ssh.state !== 'ok') out.message = hh.ssh.message;
    const seen = v.lastSeen[h.id];
    if (seen !== undefined) out.lastSeen = seen;
    return out;
  });
  const sshOk = (id: string): boolean => byHost.get(id)?.ssh.state === 'ok';
  const pairs: PairHealthView[] = v.snapshot.pairs.map((p) => {
    const out: PairHealthView = {
      segmentId: p.segmentId,
      from: p.from,
      to: p.to,
      status: sshOk(p.from) ? pairStatus(p) : 'unknown',
    };
    if (p.overlay?.rtt) out.rttMs = p.overlay.rtt.avg;
    if (p.pathMtu !== undefined) out.pathMtu = p.pathMtu;
    return out;
  });
  const findings = v.findings.map(toFindingView);
  const memberships: MembershipHealthView[] = t.memberships.map((m) => {
    const mine = pairs.filter((p) => p.segmentId === m.segmentId && p.from === m.hostId);
    const peers = t.memberships.filter((x) => x.segmentId === m.segmentId && x.hostId !== m.hostId).length;
    const reachable = mine.filter((p) => p.status === 'ok' || p.status === 'mtu').length;
    let status: MembershipHealthView['status'];
    if (!sshOk(m.hostId) || mine.length === 0 || mine.every((p) => p.status === 'unknown')) status = 'unknown';
    else if (reachable === peers) status = 'all';
    else status = reachable === 0 ? 'none' : 'some';
    const badges = [
      ...new Set(
        findings
          .filter((f) => f.hosts.includes(m.hostId) && (f.segmentId === undefined || f.segmentId === m.segmentId))
          .map((f) => f.code),
      ),
    ];
    return { membershipId: m.id, hostId: m.hostId, segmentId: m.segmentId, status, reachable, peers, badges };
  });
  return {
    pollId: v.pollId,
    round: v.round,
    at: v.snapshot.takenAt,
    durationMs: v.durationMs,
    hosts,
    pairs,
    memberships,
    findings,
  };
}

/**
 * What decides "changed": states, statuses and finding ids and evidence (not round numbers, times,
 * round trip times or last-seen stamps, which move every round).
 */
export function viewKey(v: HealthView): string {
  return JSON.stringify([
    v.hosts.map((h) => [h.hostId, h.state, h.message ?? '', h.driftSteps]),
    v.pairs.map((p) => [p.segmentId, p.from, p.to, p.status, p.pathMtu ?? 0]),
    v.memberships.map((m) => [m.membershipId, m.status, m.reachable, m.badges]),
    v.findings.map((f) => [f.id, f.title, f.evidence.map((e) => e.value)]),
  ]);
}
