/**
 * Topology + facts -> the desired state of one host: which links we own (VXLAN devices and bridges)
 * with which parameters, their addresses, head-end FDB entries, and foreign ports to attach.
 * Everything that can't be worked out becomes a diagnostic naming the field to fill in.
 */
import { deviceName, InterfaceNameSchema, type Host, type Membership, type Segment, type Topology } from '../model';
import type { Diagnostic } from '../validate/diagnostic';
import { isMulticast, maxOverlayMtu, parseAddress, parseCidr, type IpFamily } from '../validate/ip';
import { ownerMark } from './mark';
import type { DesiredHostState, DesiredLink, DesiredVxlan, HostFacts } from './types';

/** Default outer TTL for multicast segments: the kernel's own default for a multicast destination. */
export const DEFAULT_MULTICAST_TTL = 1;

/** Diagnostic codes the plan compiler adds to those of `validateTopology`. Never rename one, only add. */
export const PLAN_CODES = {
  PLAN_UNDERLAY_ADDRESS_UNKNOWN: 'A host underlay address is "auto" and no facts from the host give it.',
  PLAN_UNDERLAY_INTERFACE_UNKNOWN: 'A multicast member underlay interface is "auto" and no facts give it (`group` needs `dev`).',
  PLAN_UNDERLAY_INTERFACE_DEFAULT:
    'The underlay interface is "auto" and unknown: the device is made without `dev`, the kernel routes by destination.',
  PLAN_MTU_UNKNOWN: 'Segment MTU is "auto" and the underlay MTU is not known: the kernel default stays.',
  PLAN_FACT_INVALID: 'A fact read from the host is not a valid value.',
  PLAN_PEER_COUNT: 'A point-to-point segment member does not have exactly one peer.',
  PLAN_PEER_PENDING:
    'A unicast-mesh peer has underlay address "auto" and is not known yet: its flood entry waits for a deploy that reaches it.',
  PLAN_VALUE_INVALID: 'An address in the topology is not valid; no command is made from it.',
  PLAN_NAME_CLASH: 'A device we would create has the name of an interface we do not own.',
  PLAN_PROTECTED: 'A change would touch the underlay or SSH interface or address; it is left out.',
  PLAN_OTHER_DRAWING: 'A device on the host carries the mark of another drawing: it is left alone.',
  PLAN_PORT_MISSING: 'An extra bridge port named in the topology does not exist on the host.',
  PLAN_HOST_UNKNOWN: 'A host id asked for is not in the topology.',
  PLAN_REFUSED: 'The topology or host has errors; no commands are made until they are fixed.',
  MESH_TOO_LARGE: 'A unicast-mesh segment has more than 100 members: head-end replication grows as N squared.',
} as const;

export type PlanCode = keyof typeof PLAN_CODES;

/** Members beyond which a unicast mesh gets the N-squared warning. */
export const LARGE_MESH_MEMBERS = 100;

/**
 * Lookup tables for one topology, built once per compile so that a 1,000-host plan is not
 * quadratic in the number of memberships.
 */
export interface TopologyIndex {
  topology: Topology;
  hostIndex: Map<string, number>;
  segmentIndex: Map<string, number>;
  /** Membership indexes per segment id, in file order. */
  membersBySegment: Map<string, number[]>;
  /** Membership indexes per host id, in file order. */
  membershipsByHost: Map<string, number[]>;
  facts: Record<string, HostFacts>;
  /** Resolved underlay address per host id (normalised), or an error sentence when unknown/invalid. */
  underlayAddress: Map<string, { address: string; family: IpFamily } | undefined>;
}

function pushIndex(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/** Builds the lookup tables of `t` with facts keyed by host id. */
export function indexTopology(t: Topology, facts: Record<string, HostFacts> = {}): TopologyIndex {
  const hostIndex = new Map<string, number>();
  t.hosts.forEach((h, i) => {
    if (!hostIndex.has(h.id)) hostIndex.set(h.id, i);
  });
  const segmentIndex = new Map<string, number>();
  t.segments.forEach((s, i) => {
    if (!segmentIndex.has(s.id)) segmentIndex.set(s.id, i);
  });
  const membersBySegment = new Map<string, number[]>();
  const membershipsByHost = new Map<string, number[]>();
  t.memberships.forEach((m, i) => {
    pushIndex(membersBySegment, m.segmentId, i);
    pushIndex(membershipsByHost, m.hostId, i);
  });
  return { topology: t, hostIndex, segmentIndex, membersBySegment, membershipsByHost, facts, underlayAddress: new Map() };
}

/** A host's VTEP address: the explicit one, else the fact; undefined when neither is a valid address. */
function resolveUnderlayAddress(ix: TopologyIndex, host: Host): { address: string; family: IpFamily } | undefined {
  if (ix.underlayAddress.has(host.id)) return ix.underlayAddress.get(host.id);
  const text = host.underlay.address !== 'auto' ? host.underlay.address : ix.facts[host.id]?.underlayAddress;
  let out: { address: string; family: IpFamily } | undefined;
  if (text !== undefined) {
    const p = parseAddress(text);
    if (typeof p !== 'string') out = { address: p.normalized, family: p.family };
  }
  ix.underlayAddress.set(host.id, out);
  return out;
}

function diag(
  code: PlanCode,
  severity: Diagnostic['severity'],
  message: string,
  elementKind: Diagnostic['elementKind'],
  elementId: string | undefined,
  path: string,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { code, severity, message, elementKind, path };
  if (elementId !== undefined) d.elementId = elementId;
  if (hint !== undefined) d.hint = hint;
  return d;
}

/**
 * Works out the desired state of host `hostId` from the topology (and, for "auto" values, the facts
 * read from the hosts, keyed by host id: peers' underlay addresses matter too).
 *
 * Rules (ip-link(8) "VXLAN Type Support", RFC 7348):
 * - point-to-point: `remote <peer underlay>`; unicast-mesh: `local <own underlay>`, no remote, one
 *   all-zero FDB entry per peer; multicast: `group <addr> dev <underlay> ttl N` (default TTL 1).
 * - `dstport` always; `nolearning` when learning is off; `dev` when the underlay interface is known.
 * - MTU explicit, or "auto" = underlay MTU minus 50 (IPv4) / 70 (IPv6) when that MTU is known.
 * - Every declared bridge is created; the overlay address goes on the bridge when the membership
 *   has one, else on the VXLAN device.
 *
 * @throws Error when `hostId` is not a host of `t`.
 */
export function desiredHostState(t: Topology, hostId: string, facts: Record<string, HostFacts> = {}): DesiredHostState {
  return desiredFromIndex(indexTopology(t, facts), hostId);
}

/** `desiredHostState` over a prebuilt index (what `compilePlan` uses for every host). */
export function desiredFromIndex(ix: TopologyIndex, hostId: string): DesiredHostState {
  const t = ix.topology;
  const hi = ix.hostIndex.get(hostId);
  const host = hi === undefined ? undefined : t.hosts[hi];
  if (hi === undefined || host === undefined) throw new Error(`host id "${hostId}" is not in topology "${t.id}"`);
  const hostPath = `hosts[${hi}]`;
  const facts = ix.facts[host.id] ?? {};
  const diagnostics: Diagnostic[] = [];
  const state: DesiredHostState = {
    topologyId: t.id,
    hostId: host.id,
    hostName: host.name,
    hostPath,
    mark: ownerMark(t.id),
    links: [],
    addresses: [],
    fdb: [],
    ports: [],
    diagnostics,
  };

  let underlayInterface: string | undefined;
  if (host.underlay.interface !== 'auto') underlayInterface = host.underlay.interface;
  else if (facts.underlayInterface !== undefined) {
    if (InterfaceNameSchema.safeParse(facts.underlayInterface).success) underlayInterface = facts.underlayInterface;
    else
      diagnostics.push(
        diag(
          'PLAN_FACT_INVALID',
          'error',
          `host ${host.name} reported underlay interface ${JSON.stringify(facts.underlayInterface)}, which is not a valid interface name`,
          'host',
          host.id,
          `${hostPath}.underlay.interface`,
        ),
      );
  }
  if (underlayInterface !== undefined) state.underlayInterface = underlayInterface;

  let underlayMtu: number | undefined = host.underlay.mtu !== 'auto' ? host.underlay.mtu : undefined;
  if (underlayMtu === undefined && facts.underlayMtu !== undefined) {
    if (Number.isInteger(facts.underlayMtu) && facts.underlayMtu >= 68 && facts.underlayMtu <= 65535)
      underlayMtu = facts.underlayMtu;
    else
      diagnostics.push(
        diag(
          'PLAN_FACT_INVALID',
          'error',
          `host ${host.name} reported underlay MTU ${String(facts.underlayMtu)}, which is not a whole number 68-65535`,
          'host',
          host.id,
          `${hostPath}.underlay.mtu`,
        ),
      );
  }
  const own = resolveUnderlayAddress(ix, host);
  if (host.underlay.address === 'auto' && facts.underlayAddress !== undefined && own === undefined) {
    diagnostics.push(
      diag(
        'PLAN_FACT_INVALID',
        'error',
        `host ${host.name} reported underlay address ${JSON.stringify(facts.underlayAddress)}, which is not a valid IP address`,
        'host',
        host.id,
        `${hostPath}.underlay.address`,
      ),
    );
  }

  host.bridges.forEach((b, bi) => {
    state.links.push({ name: b, kind: 'bridge', elementId: host.id, path: `${hostPath}.bridges[${bi}]` });
  });

  let warnedNoDev = false;
  for (const mi of ix.membershipsByHost.get(host.id) ?? []) {
    const m = t.memberships[mi] as Membership;
    const si = ix.segmentIndex.get(m.segmentId);
    const segment = si === undefined ? undefined : t.segments[si];
    if (si === undefined || segment === undefined) continue; // validateTopology reports MEMBERSHIP_SEGMENT_MISSING
    const mPath = `memberships[${mi}]`;
    const dev = deviceName(m, segment);
    const vx: DesiredVxlan = { vni: segment.vni, port: segment.port, learning: segment.learning };
    if (underlayInterface !== undefined) vx.dev = underlayInterface;
    let family: IpFamily | undefined = own?.family;
    const flood = segment.flood;
    if (flood.mode === 'point-to-point') {
      const peers = peersOf(ix, segment.id, host.id);
      if (peers.length !== 1) {
        diagnostics.push(
          diag(
            'PLAN_PEER_COUNT',
            'error',
            `point-to-point segment ${segment.name} gives ${host.name} ${peers.length} peers; it needs exactly 1`,
            'segment',
            segment.id,
            `segments[${si}].flood.mode`,
            'Use unicast-mesh or multicast for more than two hosts.',
          ),
        );
      } else {
        const remote = peerAddress(ix, peers[0] as Membership, dev, host, diagnostics);
        if (remote !== undefined) {
          vx.remote = remote.address;
          family ??= remote.family;
        }
      }
    } else if (flood.mode === 'unicast-mesh') {
      if (own !== undefined) vx.local = own.address;
      else if (!(host.underlay.address === 'auto' && facts.underlayAddress !== undefined)) {
        // (An invalid fact was reported above.)
        diagnostics.push(
          diag(
            'PLAN_UNDERLAY_ADDRESS_UNKNOWN',
            'error',
            `${dev} on ${host.name} needs this host's underlay address (local), which is "auto" and not known`,
            'host',
            host.id,
            `${hostPath}.underlay.address`,
            'Give the host an explicit underlay address, or connect to it so its address can be read.',
          ),
        );
      }
      for (const p of peersOf(ix, segment.id, host.id)) {
        // A mesh works with the peers it knows: one unknown peer (unreachable, address "auto") must
        // not hold back the rest, so its flood entry is pending instead of an error.
        const a = peerAddress(ix, p, dev, host, diagnostics, 'pending');
        if (a !== undefined) state.fdb.push({ ifname: dev, dst: a.address, elementId: m.id, path: mPath });
      }
    } else {
      const g = parseAddress(flood.group);
      if (typeof g === 'string' || !isMulticast(flood.group)) {
        diagnostics.push(
          diag(
            'PLAN_VALUE_INVALID',
            'error',
            `multicast group ${JSON.stringify(flood.group)} of segment ${segment.name} is not a multicast address`,
            'segment',
            segment.id,
            `segments[${si}].flood.group`,
          ),
        );
      } else {
        vx.group = g.normalized;
        family ??= g.family;
      }
      vx.ttl = flood.ttl ?? DEFAULT_MULTICAST_TTL;
      if (underlayInterface === undefined) {
        diagnostics.push(
          diag(
            'PLAN_UNDERLAY_INTERFACE_UNKNOWN',
            'error',
            `multicast device ${dev} on ${host.name} needs the underlay interface (ip-link(8): group requires dev), which is "auto" and not known`,
            'host',
            host.id,
            `${hostPath}.underlay.interface`,
            'Name the underlay interface, or connect to the host so it can be read.',
          ),
        );
      }
    }
    if (underlayInterface === undefined && flood.mode !== 'multicast' && !warnedNoDev) {
      warnedNoDev = true;
      diagnostics.push(
        diag(
          'PLAN_UNDERLAY_INTERFACE_DEFAULT',
          'info',
          `underlay interface of ${host.name} is "auto" and not known: VXLAN devices are made without "dev" and the kernel picks the route`,
          'host',
          host.id,
          `${hostPath}.underlay.interface`,
        ),
      );
    }

    const link: DesiredLink = { name: dev, kind: 'vxlan', vxlan: vx, elementId: m.id, path: mPath };
    const mtu = resolveMtu(segment, underlayMtu, family ?? 4);
    if (mtu !== undefined) link.mtu = mtu;
    else
      diagnostics.push(
        diag(
          'PLAN_MTU_UNKNOWN',
          underlayInterface === undefined ? 'warning' : 'info',
          `MTU of ${dev} on ${host.name} is "auto" but the underlay MTU is not known; the kernel default stays${underlayInterface === undefined ? '' : ` (${underlayInterface}'s MTU minus the VXLAN overhead)`}`,
          'segment',
          segment.id,
          `segments[${si}].mtu`,
          'Set the segment MTU or the host underlay MTU explicitly, or connect to the host so it can be read.',
        ),
      );
    if (m.bridge !== undefined) link.master = m.bridge;
    state.links.push(link);

    if (m.address !== undefined) {
      const c = parseCidr(m.address);
      if (typeof c === 'string') {
        diagnostics.push(
          diag(
            'PLAN_VALUE_INVALID',
            'error',
            `overlay address of ${dev} on ${host.name}: ${c}`,
            'membership',
            m.id,
            `${mPath}.address`,
          ),
        );
      } else {
        state.addresses.push({
          ifname: m.bridge ?? dev,
          cidr: `${c.address}/${c.prefix}`,
          elementId: m.id,
          path: `${mPath}.address`,
        });
      }
    }
    if (m.bridge !== undefined) {
      m.bridgePorts.forEach((p, pi) => {
        state.ports.push({ ifname: p, master: m.bridge as string, elementId: m.id, path: `${mPath}.bridgePorts[${pi}]` });
      });
    }
  }
  return state;
}

/** The other members of a segment, in file order. */
function peersOf(ix: TopologyIndex, segmentId: string, hostId: string): Membership[] {
  const out: Membership[] = [];
  for (const pi of ix.membersBySegment.get(segmentId) ?? []) {
    const p = ix.topology.memberships[pi] as Membership;
    if (p.hostId !== hostId) out.push(p);
  }
  return out;
}

/** A peer's VTEP address, or an error diagnostic naming the peer's `underlay.address` field. */
function peerAddress(
  ix: TopologyIndex,
  p: Membership,
  dev: string,
  host: Host,
  diagnostics: Diagnostic[],
  unknown: 'error' | 'pending' = 'error',
): { address: string; family: IpFamily } | undefined {
  const pIndex = ix.hostIndex.get(p.hostId);
  const peerHost = pIndex === undefined ? undefined : ix.topology.hosts[pIndex];
  if (pIndex === undefined || peerHost === undefined) return undefined; // MEMBERSHIP_HOST_MISSING from validation
  const a = resolveUnderlayAddress(ix, peerHost);
  if (a === undefined && unknown === 'pending') {
    diagnostics.push(
      diag(
        'PLAN_PEER_PENDING',
        'warning',
        `the flood entry of ${dev} on ${host.name} to peer ${peerHost.name} is pending: ${peerHost.name}'s underlay address is "auto" and not known yet`,
        'host',
        peerHost.id,
        `hosts[${pIndex}].underlay.address`,
        `Deploy again once ${peerHost.name} answers (the entry is added then), or give it an explicit underlay address.`,
      ),
    );
  } else if (a === undefined) {
    diagnostics.push(
      diag(
        'PLAN_UNDERLAY_ADDRESS_UNKNOWN',
        'error',
        `${dev} on ${host.name} needs the underlay address of peer ${peerHost.name}, which is "auto" and not known`,
        'host',
        peerHost.id,
        `hosts[${pIndex}].underlay.address`,
        'Give the peer an explicit underlay address, or connect to it so its address can be read.',
      ),
    );
  }
  return a;
}

/** The overlay MTU of a segment: explicit, or underlay MTU minus the VXLAN overhead (RFC 7348: 50 IPv4 / 70 IPv6). */
export function resolveMtu(segment: Segment, underlayMtu: number | undefined, family: IpFamily): number | undefined {
  if (segment.mtu !== 'auto') return segment.mtu;
  if (underlayMtu === undefined) return undefined;
  return maxOverlayMtu(underlayMtu, family);
}
