/**
 * Pure edits of a topology: each takes a topology and returns a new one (never mutates), so the
 * store can keep the previous value as an undo snapshot.
 */
import {
  CURRENT_FORMAT,
  VXLAN_DEFAULT_PORT,
  bridgeNodeId,
  type Host,
  type Membership,
  type Position,
  type Segment,
  type Topology,
} from '../../../shared/model';
import { flowToTopology, topologyMeta, topologyToFlow } from '../canvas/convert';

/** Grid the canvas snaps to; dropped and pasted nodes land on it too. */
export const GRID = 16;

export function snap(p: Position): Position {
  return { x: Math.round(p.x / GRID) * GRID, y: Math.round(p.y / GRID) * GRID };
}

/** A short random element id; ids only need to be unique inside one topology. */
export function newId(prefix: string, taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
    if (!taken.has(id)) return id;
  }
}

export function allIds(t: Topology): Set<string> {
  return new Set([...t.hosts.map((h) => h.id), ...t.segments.map((s) => s.id), ...t.memberships.map((m) => m.id)]);
}

/**
 * A topology id for a new drawing: `base` plus 8 random hex digits (`untitled-3f9a1c2e`). The id is
 * the ownership mark on every device a deploy creates (`vxlan-studio:<id>`), so two drawings must
 * never share one: the second deploy would take the first one's devices for its own leftovers.
 * Opening a file keeps the file's id; only new drawings and templates get a fresh one.
 */
export function newTopologyId(base: string): string {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${base}-${hex}`;
}

export function emptyTopology(name = 'Untitled'): Topology {
  return {
    format: CURRENT_FORMAT,
    id: newTopologyId('untitled'),
    name,
    hosts: [],
    segments: [],
    memberships: [],
    layout: { positions: {} },
  };
}

/** First `base-N` (N from 1) not yet used as a name. */
function freeName(base: string, used: ReadonlySet<string>): string {
  for (let n = 1; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Lowest VNI from 100 upwards that no segment uses yet. */
export function freeVni(t: Topology, from = 100): number {
  const used = new Set(t.segments.map((s) => s.vni));
  let vni = from;
  while (used.has(vni)) vni++;
  return vni;
}

function withPositions(t: Topology, positions: Record<string, Position>): Topology {
  return { ...t, layout: { ...t.layout, positions: { ...t.layout.positions, ...positions } } };
}

export function addHost(t: Topology, position: Position): { topology: Topology; id: string } {
  const id = newId('host', allIds(t));
  const name = freeName('host', new Set(t.hosts.map((h) => h.name)));
  const host: Host = {
    id,
    name,
    ssh: { host: name, port: 22, user: 'root', auth: { type: 'agent' } },
    sudo: false,
    underlay: { interface: 'auto', address: 'auto', mtu: 'auto' },
    bridges: [],
    persist: 'auto',
  };
  return { topology: withPositions({ ...t, hosts: [...t.hosts, host] }, { [id]: snap(position) }), id };
}

export function addSegment(t: Topology, position: Position): { topology: Topology; id: string } {
  const id = newId('seg', allIds(t));
  const segment: Segment = {
    id,
    name: freeName('segment', new Set(t.segments.map((s) => s.name))),
    vni: freeVni(t),
    port: VXLAN_DEFAULT_PORT,
    mtu: 'auto',
    flood: { mode: 'unicast-mesh' },
    learning: true,
  };
  return { topology: withPositions({ ...t, segments: [...t.segments, segment] }, { [id]: snap(position) }), id };
}

/** Declares a new bridge (`br0`, `br1`, ...) on a host and places its node. */
export function addBridge(
  t: Topology,
  hostId: string,
  position: Position,
): { topology: Topology; id: string } | { error: string } {
  const host = t.hosts.find((h) => h.id === hostId);
  if (!host) return { error: `No host with id ${hostId}.` };
  let n = 0;
  while (host.bridges.includes(`br${n}`)) n++;
  const name = `br${n}`;
  const hosts = t.hosts.map((h) => (h.id === hostId ? { ...h, bridges: [...h.bridges, name] } : h));
  const id = bridgeNodeId(hostId, name);
  return { topology: withPositions({ ...t, hosts }, { [id]: snap(position) }), id };
}

/** Parses a bridge node id back into host id and bridge name. */
export function parseBridgeNodeId(id: string): { hostId: string; name: string } | undefined {
  const m = /^bridge:([A-Za-z0-9_-]+):(.+)$/.exec(id);
  return m ? { hostId: m[1] as string, name: m[2] as string } : undefined;
}

/** What a connection from canvas node `source` to node `target` would join, or why it can't. */
export function resolveConnection(
  t: Topology,
  source: string,
  target: string,
): { hostId: string; segmentId: string; bridge?: string } | { error: string } {
  let from = source;
  let to = target;
  // Accept a drag made either way round: the membership always reads host/bridge -> segment.
  if (t.segments.some((s) => s.id === from)) [from, to] = [to, from];
  const segment = t.segments.find((s) => s.id === to);
  if (!segment) return { error: 'Connect a host or a bridge to a segment (VNI).' };
  if (t.segments.some((s) => s.id === from)) return { error: 'Two segments cannot be joined directly; connect hosts to each.' };
  const bridge = parseBridgeNodeId(from);
  const hostId = bridge ? bridge.hostId : from;
  const host = t.hosts.find((h) => h.id === hostId);
  if (!host) return { error: 'Connect a host or a bridge to a segment (VNI).' };
  if (t.memberships.some((m) => m.hostId === hostId && m.segmentId === segment.id)) {
    return {
      error: `${host.name} is already a member of ${segment.name} (VNI ${segment.vni}); one VXLAN device per host and VNI.`,
    };
  }
  return bridge ? { hostId, segmentId: segment.id, bridge: bridge.name } : { hostId, segmentId: segment.id };
}

export function connect(t: Topology, source: string, target: string): { topology: Topology; id: string } | { error: string } {
  const r = resolveConnection(t, source, target);
  if ('error' in r) return r;
  const id = newId('m', allIds(t));
  const membership: Membership = { id, hostId: r.hostId, segmentId: r.segmentId, bridgePorts: [] };
  if (r.bridge !== undefined) membership.bridge = r.bridge;
  return { topology: { ...t, memberships: [...t.memberships, membership] }, id };
}

/**
 * Deletes canvas elements. A host takes its bridges and memberships with it, a segment its
 * memberships; a bridge is undeclared and memberships that used it keep the VXLAN device without a
 * bridge (the user loses no membership by removing a bridge).
 */
export function deleteElements(t: Topology, nodeIds: readonly string[], edgeIds: readonly string[]): Topology {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  const removedBridges = new Set(nodeIds.filter((id) => parseBridgeNodeId(id) !== undefined));
  const hosts = t.hosts
    .filter((h) => !nodes.has(h.id))
    .map((h) => {
      const bridges = h.bridges.filter((b) => !removedBridges.has(bridgeNodeId(h.id, b)));
      return bridges.length === h.bridges.length ? h : { ...h, bridges };
    });
  const segments = t.segments.filter((s) => !nodes.has(s.id));
  const hostIds = new Set(hosts.map((h) => h.id));
  const segmentIds = new Set(segments.map((s) => s.id));
  const memberships = t.memberships
    .filter((m) => !edges.has(m.id) && hostIds.has(m.hostId) && segmentIds.has(m.segmentId))
    .map((m) => {
      if (m.bridge === undefined || !removedBridges.has(bridgeNodeId(m.hostId, m.bridge))) return m;
      const { bridge: _dropped, ...rest } = m;
      return { ...rest, bridgePorts: [] };
    });
  const liveNodes = new Set(topologyToFlow({ ...t, hosts, segments, memberships }).nodes.map((n) => n.id));
  const positions = Object.fromEntries(Object.entries(t.layout.positions).filter(([id]) => liveNodes.has(id)));
  return { ...t, hosts, segments, memberships, layout: { ...t.layout, positions } };
}

/** Replaces host `id` by `fn(host)`; every host edit of the inspector goes through here. */
export function updateHost(t: Topology, id: string, fn: (h: Host) => Host): Topology {
  return { ...t, hosts: t.hosts.map((h) => (h.id === id ? fn(h) : h)) };
}

/** Replaces segment `id` by `fn(segment)`. */
export function updateSegment(t: Topology, id: string, fn: (s: Segment) => Segment): Topology {
  return { ...t, segments: t.segments.map((s) => (s.id === id ? fn(s) : s)) };
}

/** Replaces membership `id` by `fn(membership)`. */
export function updateMembership(t: Topology, id: string, fn: (m: Membership) => Membership): Topology {
  return { ...t, memberships: t.memberships.map((m) => (m.id === id ? fn(m) : m)) };
}

/** Sets or removes an optional key without leaving `key: undefined` behind (exactOptional-friendly). */
export function withOptional<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): T {
  const copy = { ...obj };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** The inspector's MTU field and the health MTU fix change this one value, with the backend's fix: one edit for all three. */
export { setSegmentMtu } from '../../../shared/model';

/** Renames a bridge declared on a host, keeping its memberships and canvas position. */
export function renameBridge(t: Topology, hostId: string, from: string, to: string): Topology {
  const hosts = t.hosts.map((h) => (h.id === hostId ? { ...h, bridges: h.bridges.map((b) => (b === from ? to : b)) } : h));
  const memberships = t.memberships.map((m) => (m.hostId === hostId && m.bridge === from ? { ...m, bridge: to } : m));
  const positions = { ...t.layout.positions };
  const old = positions[bridgeNodeId(hostId, from)];
  delete positions[bridgeNodeId(hostId, from)];
  if (old) positions[bridgeNodeId(hostId, to)] = old;
  return { ...t, hosts, memberships, layout: { ...t.layout, positions } };
}

export function setPositions(t: Topology, positions: Record<string, Position>): Topology {
  return withPositions(t, positions);
}

/**
 * The part of a topology that a copy takes: the selected hosts (with their bridges) and segments,
 * and the memberships whose host and segment are both taken.
 */
export function extractSelection(t: Topology, nodeIds: readonly string[]): Topology {
  const picked = new Set(nodeIds);
  // A selected bridge brings its host along: a bridge cannot exist without one.
  for (const id of nodeIds) {
    const b = parseBridgeNodeId(id);
    if (b) picked.add(b.hostId);
  }
  const view = topologyToFlow(t);
  const nodes = view.nodes.filter((n) => picked.has(n.data.kind === 'bridge' ? n.data.hostId : n.id));
  const edges = view.edges.filter(
    (e) => e.data?.kind === 'membership' && picked.has(e.data.membership.hostId) && picked.has(e.data.membership.segmentId),
  );
  return flowToTopology(topologyMeta(t), nodes, edges);
}

/**
 * Pastes a copied fragment: every element gets a fresh id, positions move by `offset`, and a
 * pasted segment takes the next free VNI so that the paste does not create a duplicate VNI.
 * Returns the canvas ids of what was pasted, to select them.
 */
export function pasteFragment(t: Topology, fragment: Topology, offset: Position): { topology: Topology; nodeIds: string[] } {
  const taken = allIds(t);
  const remap = new Map<string, string>();
  const fresh = (prefix: string, old: string): string => {
    const id = newId(prefix, taken);
    taken.add(id);
    remap.set(old, id);
    return id;
  };
  const hostNames = new Set(t.hosts.map((h) => h.name));
  const hosts = fragment.hosts.map((h) => {
    let name = h.name;
    for (let n = 2; hostNames.has(name); n++) name = `${h.name.slice(0, 58)} (${n})`;
    hostNames.add(name);
    return { ...h, id: fresh('host', h.id), name };
  });
  let acc: Topology = { ...t, hosts: [...t.hosts, ...hosts] };
  const segments: Segment[] = [];
  for (const s of fragment.segments) {
    const vni = freeVni(acc, s.vni);
    const segment = { ...s, id: fresh('seg', s.id), vni };
    segments.push(segment);
    acc = { ...acc, segments: [...acc.segments, segment] };
  }
  const memberships = fragment.memberships.map((m) => ({
    ...m,
    id: fresh('m', m.id),
    hostId: remap.get(m.hostId) ?? m.hostId,
    segmentId: remap.get(m.segmentId) ?? m.segmentId,
  }));
  acc = { ...acc, memberships: [...acc.memberships, ...memberships] };
  const positions: Record<string, Position> = {};
  const nodeIds: string[] = [];
  const move = (oldId: string, newNodeId: string): void => {
    const p = fragment.layout.positions[oldId];
    if (p) positions[newNodeId] = snap({ x: p.x + offset.x, y: p.y + offset.y });
    nodeIds.push(newNodeId);
  };
  fragment.hosts.forEach((h, i) => {
    const newHostId = (hosts[i] as Host).id;
    move(h.id, newHostId);
    for (const b of h.bridges) move(bridgeNodeId(h.id, b), bridgeNodeId(newHostId, b));
  });
  fragment.segments.forEach((s, i) => move(s.id, (segments[i] as Segment).id));
  return { topology: withPositions(acc, positions), nodeIds };
}
