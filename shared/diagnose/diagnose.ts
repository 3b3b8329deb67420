/**
 * Health snapshot -> findings with evidence and fix steps. Pure: the poller gathers, this judges.
 *
 * Order of reasoning, most basic first, so a finding names the cause and not a symptom: SSH
 * (nothing else is known about a host we cannot reach), the VTEP device itself (missing, down,
 * wrong VNI or port), drift from the plan, then per tunnel: underlay reachability, overlay
 * reachability (a firewall dropping the VXLAN port on either end, else "unknown cause" with the
 * counters), and last the MTU (RFC 7348 section 4.3: VXLAN adds 50 bytes over IPv4, 70 over IPv6).
 */
import { deviceName, type Membership, type Segment, type Topology } from '../model';
import { counterDelta, type LinkCounters } from '../observe/counters';
import type { PingResult } from '../observe/ping';
import { linkMtu } from '../plan/commands';
import { diffHost } from '../plan/diff';
import type { DesiredHostState, ProtectOptions, Step } from '../plan/types';
import { overheadFor, parseAddress, type IpFamily } from '../validate/ip';
import type { VxlanDrop, VxlanDropQuery } from './firewall';
import { hostVxlanDrops } from './firewall-host';
import { firewallFixSteps } from './firewall-fix';
import type { Evidence, Finding, HealthSnapshot, HostHealth, PairProbe } from './types';

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** Per host id: what the drift diff must never touch (the SSH interface and address). */
  protect?: Record<string, ProtectOptions>;
}

const BACKEND_LABEL: Record<VxlanDrop['backend'], string> = {
  nftables: 'nftables',
  iptables: 'iptables',
  ufw: 'ufw',
  firewalld: 'firewalld',
};

interface Ctx {
  t: Topology;
  desired: Record<string, DesiredHostState>;
  health: Map<string, HostHealth>;
  names: Map<string, string>;
}

function nameOf(ctx: Ctx, hostId: string): string {
  return ctx.names.get(hostId) ?? hostId;
}

function sshOk(ctx: Ctx, hostId: string): boolean {
  return ctx.health.get(hostId)?.ssh.state === 'ok';
}

/** A host's VTEP (underlay) address: the topology's, else what the host reported. */
function underlayAddress(ctx: Ctx, hostId: string): { address: string; family: IpFamily } | undefined {
  const host = ctx.t.hosts.find((h) => h.id === hostId);
  const text = host && host.underlay.address !== 'auto' ? host.underlay.address : ctx.health.get(hostId)?.facts?.underlayAddress;
  if (text === undefined) return undefined;
  const p = parseAddress(text);
  return typeof p === 'string' ? undefined : { address: p.normalized, family: p.family };
}

function underlayInterface(ctx: Ctx, hostId: string): string | undefined {
  const host = ctx.t.hosts.find((h) => h.id === hostId);
  const fact = ctx.health.get(hostId)?.facts?.underlayInterface;
  if (fact !== undefined) return fact;
  return host && host.underlay.interface !== 'auto' ? host.underlay.interface : undefined;
}

function membership(ctx: Ctx, hostId: string, segmentId: string): Membership | undefined {
  return ctx.t.memberships.find((m) => m.hostId === hostId && m.segmentId === segmentId);
}

function segmentOf(ctx: Ctx, segmentId: string): Segment | undefined {
  return ctx.t.segments.find((s) => s.id === segmentId);
}

/** A probe counts as answered when any reply came back: a lost first packet (ARP on a fresh overlay) is not an outage. */
function answered(p: PingResult): boolean {
  return p.received > 0;
}

function pingEvidence(label: string, p: PingResult | undefined): Evidence[] {
  if (p === undefined) return [];
  return [{ label, value: p.evidence.join('\n') || `${p.transmitted} sent, ${p.received} received` }];
}

function delta(sample: HostHealth['counters'], ifname: string | undefined): LinkCounters | undefined {
  if (!sample || ifname === undefined) return undefined;
  return counterDelta(sample.before, sample.after).find((c) => c.name === ifname);
}

/**
 * Where did the encapsulated packets from `from` to `to` get lost? One sentence from the counter
 * growth during the round's probes: A's underlay tx, B's underlay rx, B's VXLAN device rx.
 */
export function localiseLoss(
  fromName: string,
  toName: string,
  from: { counters?: HostHealth['counters']; underlay?: string },
  to: { counters?: HostHealth['counters']; underlay?: string; device: string },
): string | undefined {
  const aTx = delta(from.counters, from.underlay)?.tx.packets;
  const bRx = delta(to.counters, to.underlay)?.rx.packets;
  const bDev = delta(to.counters, to.device)?.rx.packets;
  if (aTx === undefined || bRx === undefined || bDev === undefined) return undefined;
  const fu = from.underlay ?? '?';
  const tu = to.underlay ?? '?';
  if (aTx === 0)
    return `${fromName}'s ${fu} sent nothing during the probes (tx +0): the encapsulated packets never left ${fromName} (check its VXLAN device, FDB entries and route to ${toName})`;
  if (bRx === 0)
    return `packets left ${fromName}'s ${fu} (tx +${aTx}) but ${toName}'s ${tu} received nothing (rx +0): they are lost on the underlay path (router, cloud security group)`;
  if (bDev === 0)
    return `packets left ${fromName}'s ${fu} (tx +${aTx}) and reached ${toName}'s ${tu} (rx +${bRx}), but ${toName}'s ${to.device} received nothing (rx +0): they are dropped on ${toName} between the NIC and the VXLAN device, where a host firewall acts`;
  return `packets reached ${toName}'s ${to.device} (rx +${bDev}): they are lost after decapsulation (bridge, overlay address, or the way back)`;
}

function sshFindings(ctx: Ctx, out: Finding[]): void {
  for (const h of ctx.health.values()) {
    const name = nameOf(ctx, h.hostId);
    if (h.ssh.state === 'ok') continue;
    if (h.ssh.state === 'auth-failed') {
      out.push({
        code: 'SSH_AUTH_FAILED',
        severity: 'error',
        title: `SSH login to ${name} was refused`,
        message: `${name} answers SSH but refused the login (${h.ssh.message}). Nothing on it can be checked or fixed until it lets us in. Check the user, the key or agent, and authorized_keys on the host.`,
        hosts: [h.hostId],
        evidence: [{ label: 'SSH', value: `${h.ssh.code}: ${h.ssh.message}` }],
      });
    } else {
      out.push({
        code: 'HOST_UNREACHABLE',
        severity: 'error',
        title: `${name} does not answer over SSH`,
        message: `${name} ${h.ssh.state === 'timeout' ? 'did not answer in time' : 'could not be reached'} (${h.ssh.message}). Its tunnels are shown as unknown, not broken. Check that the host is up, that sshd runs and that the address and port are right.`,
        hosts: [h.hostId],
        evidence: [{ label: 'SSH', value: `${h.ssh.code}: ${h.ssh.message}` }],
      });
    }
  }
}

/** Checks each membership's VXLAN device; returns `hostId|segmentId` keys whose VTEP is broken. */
function vtepFindings(ctx: Ctx, out: Finding[], driftSteps: Map<string, Step[]>): Set<string> {
  const broken = new Set<string>();
  for (const m of ctx.t.memberships) {
    const h = ctx.health.get(m.hostId);
    const seg = segmentOf(ctx, m.segmentId);
    if (!h || h.ssh.state !== 'ok' || !h.observed || !seg) continue;
    const dev = deviceName(m, seg);
    const name = nameOf(ctx, m.hostId);
    const link = h.observed.links.find((l) => l.name === dev);
    const steps = driftSteps.get(m.hostId) ?? [];
    const fix =
      steps.length > 0
        ? {
            description: `converge ${name} to the plan (${steps.length} step${steps.length === 1 ? '' : 's'})`,
            hosts: [{ hostId: m.hostId, steps }],
          }
        : undefined;
    const base = { hosts: [m.hostId], segmentId: seg.id, ...(fix ? { fix } : {}) };
    if (!link || !link.up || (link.vxlan === undefined && link.kind !== undefined)) {
      broken.add(`${m.hostId}|${seg.id}`);
      const why = !link
        ? 'does not exist'
        : link.vxlan === undefined
          ? `is not a VXLAN device (kind ${link.kind ?? 'none'})`
          : 'is administratively down';
      out.push({
        code: 'VTEP_DOWN',
        severity: 'error',
        title: `VXLAN device ${dev} on ${name} ${!link ? 'is missing' : 'is down'}`,
        message: `The VTEP of segment ${seg.name} on ${name}, ${dev}, ${why}: no frame of this segment leaves or reaches ${name}.`,
        evidence: [
          {
            label: 'ip -d link',
            value: link
              ? `${link.name}: ${link.kind ?? 'no kind'}, ${link.up ? 'UP' : 'DOWN'}, operstate ${link.operstate ?? '?'}, mtu ${link.mtu}`
              : `no link named ${dev}`,
          },
        ],
        ...base,
      });
      continue;
    }
    const vx = link.vxlan;
    if (!vx) continue;
    if (vx.vni !== seg.vni) {
      broken.add(`${m.hostId}|${seg.id}`);
      out.push({
        code: 'VNI_MISMATCH',
        severity: 'error',
        title: `${dev} on ${name} uses VNI ${vx.vni}, segment ${seg.name} is VNI ${seg.vni}`,
        message: `Frames from ${name} carry VNI ${vx.vni}; its peers drop them as another segment (RFC 7348 section 5), and ${name} ignores theirs. The device must be re-created with id ${seg.vni} (ip-link(8) cannot change a VNI in place).`,
        evidence: [{ label: 'ip -d link', value: `${dev}: vxlan id ${vx.vni} dstport ${vx.port}` }],
        ...base,
      });
    }
    if (vx.port !== seg.port) {
      broken.add(`${m.hostId}|${seg.id}`);
      out.push({
        code: 'PORT_MISMATCH',
        severity: 'error',
        title: `${dev} on ${name} uses UDP port ${vx.port}, segment ${seg.name} uses ${seg.port}`,
        message: `${name} sends to and listens on UDP ${vx.port} while its peers use ${seg.port}, so no frame crosses in either direction. The device must be re-created with dstport ${seg.port}.`,
        evidence: [{ label: 'ip -d link', value: `${dev}: vxlan id ${vx.vni} dstport ${vx.port}` }],
        ...base,
      });
    }
  }
  return broken;
}

function driftFindings(ctx: Ctx, out: Finding[], opts: DiagnoseOptions): Map<string, Step[]> {
  const steps = new Map<string, Step[]>();
  for (const h of ctx.health.values()) {
    const desired = ctx.desired[h.hostId];
    if (h.ssh.state !== 'ok' || !h.observed || !desired) continue;
    const protect = opts.protect?.[h.hostId];
    const diff = diffHost(desired, h.observed, protect ? { protect } : {});
    // Devices of this drawing that it no longer has are removed only on request (Deploy's "Remove (no
    // longer drawn)", `apply --prune`): left in place they are not drift, and no fix deletes them.
    const converge = diff.steps.filter((s) => s.prune !== true);
    const stale = diff.steps.filter((s) => s.prune === true);
    steps.set(h.hostId, converge);
    const name = nameOf(ctx, h.hostId);
    if (stale.length > 0) {
      out.push({
        code: 'DRIFT',
        severity: 'info',
        title: `${name} keeps ${stale.map((s) => s.target).join(', ')}, which this drawing no longer has`,
        message: `Left in place on purpose or not yet removed; Deploy with "Remove (no longer drawn)" ticked (or \`apply --prune\`) removes ${stale.length === 1 ? 'it' : 'them'}.`,
        hosts: [h.hostId],
        evidence: stale.map((s) => ({ label: s.kind, value: s.description })),
      });
    }
    if (converge.length === 0) continue;
    out.push({
      code: 'DRIFT',
      severity: 'warning',
      title: `${name} differs from the plan (${converge.length} change${converge.length === 1 ? '' : 's'} to converge)`,
      message: `What runs on ${name} is not what the topology says. Applying these steps brings it back; review them first if someone changed the host on purpose.`,
      hosts: [h.hostId],
      evidence: converge.map((s) => ({ label: s.kind, value: s.description })),
      fix: { description: `converge ${name} to the plan`, hosts: [{ hostId: h.hostId, steps: converge }] },
    });
  }
  return steps;
}

/** Underlay addresses of the other members of `segmentId` (the peers that send to `hostId`). */
function segmentPeers(ctx: Ctx, hostId: string, segmentId: string): string[] {
  const out: string[] = [];
  for (const m of ctx.t.memberships) {
    if (m.segmentId !== segmentId || m.hostId === hostId) continue;
    const a = underlayAddress(ctx, m.hostId);
    if (a && !out.includes(a.address)) out.push(a.address);
  }
  return out;
}

interface DropHit {
  hostId: string;
  drop: VxlanDrop;
  segmentId: string;
  port: number;
  pairs: Array<[string, string]>;
  probes: PairProbe[];
}

function pairFindings(ctx: Ctx, out: Finding[], broken: Set<string>, snapshot: HealthSnapshot): void {
  const underlayDone = new Set<string>();
  const drops = new Map<string, DropHit>();
  const mtuBySegment = new Map<string, PairProbe[]>();
  for (const p of snapshot.pairs) {
    if (!sshOk(ctx, p.from) || !sshOk(ctx, p.to)) continue;
    const seg = segmentOf(ctx, p.segmentId);
    if (!seg) continue;
    const fromName = nameOf(ctx, p.from);
    const toName = nameOf(ctx, p.to);
    if (p.underlay && !answered(p.underlay)) {
      const key = [p.from, p.to].sort().join('|');
      if (!underlayDone.has(key)) {
        underlayDone.add(key);
        const to = underlayAddress(ctx, p.to);
        out.push({
          code: 'UNDERLAY_UNREACHABLE',
          severity: 'error',
          title: `${fromName} cannot reach ${toName} on the underlay`,
          message: `Plain IP from ${fromName} to ${toName}${to ? ` (${to.address})` : ''} gets no answer, so no tunnel between them can work. Check routing between the hosts and any firewall that drops ICMP or everything.`,
          hosts: [p.from, p.to],
          pair: [p.from, p.to],
          segmentId: seg.id,
          evidence: pingEvidence(`ping ${to?.address ?? toName}`, p.underlay),
        });
      }
      continue;
    }
    if (p.overlay && !answered(p.overlay)) {
      if (broken.has(`${p.from}|${seg.id}`) || broken.has(`${p.to}|${seg.id}`)) continue;
      let found = false;
      // The request needs `to` to accept `from`'s VXLAN; the reply needs the reverse.
      for (const [host, peer] of [
        [p.to, p.from],
        [p.from, p.to],
      ] as const) {
        const addr = underlayAddress(ctx, peer);
        const iif = underlayInterface(ctx, host);
        const local = underlayAddress(ctx, host);
        const q: VxlanDropQuery = {
          port: seg.port,
          ...(addr ? { peers: [addr.address] } : {}),
          ...(iif === undefined ? {} : { iifname: iif }),
          ...(local === undefined ? {} : { local: local.address }),
        };
        for (const d of hostVxlanDrops(ctx.health.get(host)?.firewalls ?? [], q)) {
          found = true;
          const key = `${host}|${d.backend}|${d.kind}|${d.where}|${d.text}`;
          const hit = drops.get(key) ?? { hostId: host, drop: d, segmentId: seg.id, port: seg.port, pairs: [], probes: [] };
          hit.pairs.push([p.from, p.to]);
          hit.probes.push(p);
          drops.set(key, hit);
        }
      }
      if (!found) {
        const m = membership(ctx, p.to, seg.id);
        const loc = m
          ? localiseLoss(
              fromName,
              toName,
              { counters: ctx.health.get(p.from)?.counters, underlay: underlayInterface(ctx, p.from) },
              { counters: ctx.health.get(p.to)?.counters, underlay: underlayInterface(ctx, p.to), device: deviceName(m, seg) },
            )
          : undefined;
        out.push({
          code: 'OVERLAY_UNREACHABLE',
          severity: 'error',
          title: `${fromName} cannot reach ${toName} over segment ${seg.name}`,
          message: `The underlay works but the overlay ping from ${fromName} to ${toName} fails, and no firewall rule read from either host explains it.${loc ? ` Counters: ${loc}.` : ''}`,
          hosts: [p.from, p.to],
          pair: [p.from, p.to],
          segmentId: seg.id,
          evidence: [
            ...pingEvidence('overlay ping', p.overlay),
            ...pingEvidence('underlay ping', p.underlay),
            ...(loc ? [{ label: 'counters', value: loc }] : []),
          ],
        });
      }
      continue;
    }
    const list = mtuBySegment.get(seg.id) ?? [];
    list.push(p);
    mtuBySegment.set(seg.id, list);
  }
  firewallFindings(ctx, out, [...drops.values()]);
  for (const [segmentId, probes] of mtuBySegment) mtuFinding(ctx, out, segmentId, probes);
}

function firewallFindings(ctx: Ctx, out: Finding[], hits: DropHit[]): void {
  for (const hit of hits) {
    const { drop, hostId } = hit;
    const name = nameOf(ctx, hostId);
    const seg = segmentOf(ctx, hit.segmentId);
    const peers = segmentPeers(ctx, hostId, hit.segmentId);
    const steps = firewallFixSteps(drop, peers, hit.port);
    const evidence: Evidence[] = [
      {
        label: `${BACKEND_LABEL[drop.backend]} ${drop.kind === 'rule' ? 'rule' : 'default policy'} (${drop.where})`,
        value: drop.text,
      },
    ];
    const first = hit.probes[0];
    if (first) {
      evidence.push(...pingEvidence('overlay ping', first.overlay), ...pingEvidence('underlay ping', first.underlay));
      const sender = first.to === hostId ? first.from : first.to;
      const m = membership(ctx, hostId, hit.segmentId);
      if (m && seg) {
        const loc = localiseLoss(
          nameOf(ctx, sender),
          name,
          { counters: ctx.health.get(sender)?.counters, underlay: underlayInterface(ctx, sender) },
          { counters: ctx.health.get(hostId)?.counters, underlay: underlayInterface(ctx, hostId), device: deviceName(m, seg) },
        );
        if (loc) evidence.push({ label: 'counters', value: loc });
      }
    }
    const senders = drop.peers.length > 0 ? drop.peers.join(', ') : 'its peers';
    const pair = hit.pairs[0];
    out.push({
      code: 'FIREWALL_BLOCKS_VXLAN',
      severity: drop.certain ? 'error' : 'warning',
      title: `${drop.backend === 'nftables' ? 'nftables' : BACKEND_LABEL[drop.backend]} on ${name} ${drop.certain ? 'drops' : 'may drop'} VXLAN (UDP ${hit.port})`,
      message:
        (drop.kind === 'rule'
          ? `On ${name}, the ${BACKEND_LABEL[drop.backend]} rule \`${drop.text}\` (${drop.where}) ${drop.certain ? 'drops' : 'may drop'} UDP ${hit.port} from ${senders}.`
          : `On ${name}, the default policy of ${drop.where} drops UDP ${hit.port} from ${senders}: no rule accepts it.`) +
        ` The underlay answers, but the encapsulated frames of segment ${seg?.name ?? hit.segmentId} never reach the VXLAN device. The fix accepts UDP ${hit.port} from the segment's peers only (${peers.join(', ') || 'none known'}).`,
      hosts: [hostId],
      ...(pair ? { pair } : {}),
      segmentId: hit.segmentId,
      evidence,
      ...(steps.length > 0
        ? { fix: { description: `accept UDP ${hit.port} from ${peers.join(', ')} on ${name}`, hosts: [{ hostId, steps }] } }
        : {}),
    });
  }
}

function mtuFinding(ctx: Ctx, out: Finding[], segmentId: string, probes: PairProbe[]): void {
  const seg = segmentOf(ctx, segmentId);
  if (!seg) return;
  const members = ctx.t.memberships.filter((m) => m.segmentId === segmentId);
  // The segment MTU as configured on the hosts (observed), else as planned.
  const mtuOf = (hostId: string): number | undefined => {
    const m = members.find((x) => x.hostId === hostId);
    if (!m) return undefined;
    const dev = deviceName(m, seg);
    return (
      ctx.health.get(hostId)?.observed?.links.find((l) => l.name === dev)?.mtu ??
      ctx.desired[hostId]?.links.find((l) => l.name === dev)?.mtu ??
      (seg.mtu === 'auto' ? undefined : seg.mtu)
    );
  };
  let pathMin: number | undefined;
  let minPair: PairProbe | undefined;
  let family: IpFamily = 4;
  const bad: PairProbe[] = [];
  for (const p of probes) {
    const f = underlayAddress(ctx, p.from)?.family ?? 4;
    const segMtu = mtuOf(p.from);
    const dfFailed = p.dfAtMtu !== undefined && !answered(p.dfAtMtu);
    const pathTooSmall = p.pathMtu !== undefined && segMtu !== undefined && p.pathMtu - overheadFor(f) < segMtu;
    if (p.pathMtu !== undefined && (pathMin === undefined || p.pathMtu < pathMin)) {
      pathMin = p.pathMtu;
      minPair = p;
      family = f;
    }
    if (dfFailed || pathTooSmall) bad.push(p);
  }
  if (bad.length === 0) return;
  const current = Math.max(...bad.map((p) => mtuOf(p.from) ?? 0));
  const safe = pathMin === undefined ? undefined : pathMin - overheadFor(family);
  const hosts = [...new Set(bad.flatMap((p) => [p.from, p.to]))];
  const first = bad[0] as PairProbe;
  const evidence: Evidence[] = [];
  for (const p of bad.slice(0, 6)) {
    const label = `${nameOf(ctx, p.from)} -> ${nameOf(ctx, p.to)}`;
    if (p.pathMtu !== undefined)
      evidence.push({
        label: `${label} underlay path MTU`,
        value:
          p.pathMtuSeen === undefined
            ? String(p.pathMtu)
            : `${p.pathMtu} (${p.pathMtuSeen} passed; 4 bytes off: no other tunnel of these hosts to compare with)`,
      });
    evidence.push(...pingEvidence(`${label} DF ping at MTU ${mtuOf(p.from) ?? '?'}`, p.dfAtMtu));
  }
  const fixHosts =
    safe === undefined || safe >= current
      ? []
      : members
          .filter((m) => sshOk(ctx, m.hostId))
          .map((m) => ({ hostId: m.hostId, steps: [linkMtu(deviceName(m, seg), safe, mtuOf(m.hostId))] }));
  const overhead = overheadFor(family);
  out.push({
    code: 'MTU_EXCEEDS_PATH',
    severity: 'error',
    title: `MTU ${current} of segment ${seg.name} is too big for the underlay path${safe !== undefined ? ` (safe: ${safe})` : ''}`,
    message:
      `Small packets cross segment ${seg.name} but full-size ones vanish: ping works while SSH, web pages and file copies hang. ` +
      (pathMin !== undefined
        ? `The smallest underlay path MTU measured is ${pathMin} (between ${nameOf(ctx, first.from)} and ${nameOf(ctx, first.to)}); ` +
          (minPair?.pathMtuSeen !== undefined
            ? `that is 4 bytes under the ${minPair.pathMtuSeen} seen passing, because no other tunnel of these hosts was measured to compare with and a bridged hop lets 4 bytes over its MTU through; `
            : '') +
          `VXLAN adds ${overhead} bytes over IPv${family}, so the overlay can carry at most ${safe ?? '?'}. `
        : 'The underlay path MTU was not measured, so no safe value can be given yet. ') +
      (safe !== undefined
        ? `Set the MTU of the segment's VXLAN devices to ${safe} on every member (and the segment's MTU in the topology, so the plan agrees), and lower it inside VMs and containers on the segment too.`
        : ''),
    hosts,
    pair: [first.from, first.to],
    segmentId,
    evidence,
    ...(fixHosts.length > 0 && safe !== undefined
      ? { fix: { description: `set the MTU of segment ${seg.name}'s VXLAN devices to ${safe} on every member`, hosts: fixHosts } }
      : {}),
  });
}

/**
 * Judges one health round.
 *
 * @param desired desired state per host id (`desiredHostState(topology, id, facts)`), for drift.
 * @returns findings, most basic cause first (SSH, VTEP, drift, underlay, firewall/overlay, MTU).
 */
export function diagnose(
  topology: Topology,
  desired: Record<string, DesiredHostState>,
  snapshot: HealthSnapshot,
  opts: DiagnoseOptions = {},
): Finding[] {
  const ctx: Ctx = {
    t: topology,
    desired,
    health: new Map(snapshot.hosts.map((h) => [h.hostId, h])),
    names: new Map(topology.hosts.map((h) => [h.id, h.name])),
  };
  const out: Finding[] = [];
  sshFindings(ctx, out);
  const drift: Finding[] = [];
  const steps = driftFindings(ctx, drift, opts);
  const broken = vtepFindings(ctx, out, steps);
  out.push(...drift);
  pairFindings(ctx, out, broken, snapshot);
  return out;
}
