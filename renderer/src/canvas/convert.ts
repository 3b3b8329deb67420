/**
 * The one mapping between the topology (what gets deployed) and the canvas (React Flow nodes and
 * edges). Node and edge `data` hold serialisable domain data only; the topology stays the source
 * of truth and the canvas is a view of it (so saving, validating and planning never read canvas state).
 */
import type { Edge, Node } from '@xyflow/react';
import {
  bridgeNodeId,
  type Host,
  type Layout,
  type Membership,
  type Position,
  type Segment,
  type Topology,
} from '../../../shared/model';

export type HostNodeData = { kind: 'host'; host: Host };
export type SegmentNodeData = { kind: 'segment'; segment: Segment };
export type BridgeNodeData = { kind: 'bridge'; hostId: string; name: string };

export type HostFlowNode = Node<HostNodeData, 'host'>;
export type SegmentFlowNode = Node<SegmentNodeData, 'segment'>;
export type BridgeFlowNode = Node<BridgeNodeData, 'bridge'>;
export type StudioNode = HostFlowNode | SegmentFlowNode | BridgeFlowNode;

export type MembershipEdgeData = { kind: 'membership'; membership: Membership };
export type AttachmentEdgeData = { kind: 'attachment'; hostId: string; bridge: string };

export type MembershipFlowEdge = Edge<MembershipEdgeData, 'membership'>;
export type AttachmentFlowEdge = Edge<AttachmentEdgeData, 'attachment'>;
export type StudioEdge = MembershipFlowEdge | AttachmentFlowEdge;

export interface FlowView {
  nodes: StudioNode[];
  edges: StudioEdge[];
}

/** Edge id of the line joining a host to one of its declared bridges. */
export function attachmentEdgeId(hostId: string, bridge: string): string {
  return `attach:${hostId}:${bridge}`;
}

/**
 * Where a node sits when the file gives no position: a simple grid (hosts left, bridges middle,
 * segments right) so a hand-written file still opens readable; auto-layout does better.
 */
function fallbackPosition(column: number, row: number): Position {
  return { x: column * 288, y: row * 144 };
}

/** Topology -> canvas. Positions come from `layout.positions`, keyed by node id. */
export function topologyToFlow(topology: Topology): FlowView {
  const positions = topology.layout.positions;
  const nodes: StudioNode[] = [];
  const edges: StudioEdge[] = [];
  let bridgeRow = 0;
  topology.hosts.forEach((host, row) => {
    nodes.push({
      id: host.id,
      type: 'host',
      position: positions[host.id] ?? fallbackPosition(0, row),
      data: { kind: 'host', host },
    });
    for (const name of host.bridges) {
      const id = bridgeNodeId(host.id, name);
      nodes.push({
        id,
        type: 'bridge',
        position: positions[id] ?? fallbackPosition(1, bridgeRow++),
        data: { kind: 'bridge', hostId: host.id, name },
      });
      edges.push({
        id: attachmentEdgeId(host.id, name),
        type: 'attachment',
        source: host.id,
        target: id,
        selectable: false,
        deletable: false,
        data: { kind: 'attachment', hostId: host.id, bridge: name },
      });
    }
  });
  topology.segments.forEach((segment, row) => {
    nodes.push({
      id: segment.id,
      type: 'segment',
      position: positions[segment.id] ?? fallbackPosition(2, row),
      data: { kind: 'segment', segment },
    });
  });
  for (const membership of topology.memberships) {
    edges.push({
      id: membership.id,
      type: 'membership',
      source: membership.bridge === undefined ? membership.hostId : bridgeNodeId(membership.hostId, membership.bridge),
      target: membership.segmentId,
      data: { kind: 'membership', membership },
    });
  }
  return { nodes, edges };
}

/** The topology fields that the canvas does not carry. */
export type TopologyMeta = Pick<Topology, 'format' | 'id' | 'name' | '$schema'> & { viewport?: Layout['viewport'] };

export function topologyMeta(topology: Topology): TopologyMeta {
  const meta: TopologyMeta = { format: topology.format, id: topology.id, name: topology.name };
  if (topology.$schema !== undefined) meta.$schema = topology.$schema;
  if (topology.layout.viewport !== undefined) meta.viewport = topology.layout.viewport;
  return meta;
}

/**
 * Canvas -> topology. Hosts, segments and memberships keep the order of their nodes/edges; a host's
 * bridges come from the host itself (the bridge nodes only contribute their positions), so a bridge
 * node without its host is dropped rather than inventing a host.
 */
export function flowToTopology(meta: TopologyMeta, nodes: readonly StudioNode[], edges: readonly StudioEdge[]): Topology {
  const hosts: Host[] = [];
  const segments: Segment[] = [];
  const memberships: Membership[] = [];
  const positions: Record<string, Position> = {};
  const hostIds = new Set(nodes.filter((n) => n.data.kind === 'host').map((n) => n.id));
  for (const node of nodes) {
    const data = node.data;
    if (data.kind === 'host') hosts.push(data.host);
    else if (data.kind === 'segment') segments.push(data.segment);
    else if (!hostIds.has(data.hostId)) continue;
    positions[node.id] = { x: node.position.x, y: node.position.y };
  }
  for (const edge of edges) {
    if (edge.data?.kind === 'membership') memberships.push(edge.data.membership);
  }
  const layout: Layout = meta.viewport === undefined ? { positions } : { positions, viewport: meta.viewport };
  const topology: Topology = { format: meta.format, id: meta.id, name: meta.name, hosts, segments, memberships, layout };
  return meta.$schema === undefined ? topology : { $schema: meta.$schema, ...topology };
}
