/**
 * Derives the React Flow nodes/edges from the topology and the selection, reusing the previous
 * objects where nothing changed so memoised node components do not re-render, and keeping the
 * sizes React Flow measured (a node rebuilt without `measured` would be hidden and re-measured).
 *
 * When no node or edge changed it hands back the previous arrays themselves: React Flow re-syncs
 * its whole internal store whenever it gets a new array, which at 1,000 nodes costs a frame.
 */
import { topologyToFlow, type FlowView, type StudioEdge, type StudioNode } from './convert';
import type { Topology } from '../../../shared/model';

/** What the canvas showed before: the topology it was built from (null at start) and its nodes/edges. */
export interface PreviousView {
  topology: Topology | null;
  nodes: readonly StudioNode[];
  edges: readonly StudioEdge[];
}

function sameNodeData(a: StudioNode['data'], b: StudioNode['data']): boolean {
  if (a.kind === 'host' && b.kind === 'host') return a.host === b.host;
  if (a.kind === 'segment' && b.kind === 'segment') return a.segment === b.segment;
  if (a.kind === 'bridge' && b.kind === 'bridge') return a.hostId === b.hostId && a.name === b.name;
  return false;
}

/** The previous array when every item is the same object, so React Flow sees no change at all. */
function keepIfSame<T>(next: T[], prev: readonly T[]): T[] {
  if (next.length !== prev.length) return next;
  for (let i = 0; i < next.length; i++) if (next[i] !== prev[i]) return next;
  return prev as T[];
}

/**
 * Layout-or-selection-only change (a drag tick, a click): the network arrays are the same, so the
 * previous nodes and edges are updated in place of a full rebuild. Null when a node lost its stored
 * position (its fallback place depends on the rebuild).
 */
function relayout(
  topology: Topology,
  prevTopology: Topology,
  selNodes: ReadonlySet<string>,
  selEdges: ReadonlySet<string>,
  prev: PreviousView,
): FlowView | null {
  const positions = topology.layout.positions;
  const prevPositions = prevTopology.layout.positions;
  const nodes: StudioNode[] = [];
  for (const node of prev.nodes) {
    const at = positions[node.id];
    if (at === undefined && prevPositions[node.id] !== undefined) return null;
    const position = at ?? node.position;
    const selected = selNodes.has(node.id);
    const same = node.position.x === position.x && node.position.y === position.y && (node.selected ?? false) === selected;
    nodes.push(same ? node : { ...node, position, selected });
  }
  const edges = prev.edges.map((edge): StudioEdge => {
    const selected = selEdges.has(edge.id);
    return (edge.selected ?? false) === selected ? edge : { ...edge, selected };
  });
  return { nodes: keepIfSame(nodes, prev.nodes), edges: keepIfSame(edges, prev.edges) };
}

export function buildView(
  topology: Topology,
  selectedNodeIds: readonly string[],
  selectedEdgeIds: readonly string[],
  prev: PreviousView,
): FlowView {
  const selNodes = new Set(selectedNodeIds);
  const selEdges = new Set(selectedEdgeIds);
  const before = prev.topology;
  if (
    before !== null &&
    before.hosts === topology.hosts &&
    before.segments === topology.segments &&
    before.memberships === topology.memberships
  ) {
    const fast = relayout(topology, before, selNodes, selEdges, prev);
    if (fast) return fast;
  }
  const view = topologyToFlow(topology);
  const oldNodes = new Map(prev.nodes.map((n) => [n.id, n]));
  const oldEdges = new Map(prev.edges.map((e) => [e.id, e]));
  const nodes = view.nodes.map((node): StudioNode => {
    const old = oldNodes.get(node.id);
    const selected = selNodes.has(node.id);
    if (
      old &&
      (old.selected ?? false) === selected &&
      old.position.x === node.position.x &&
      old.position.y === node.position.y &&
      sameNodeData(old.data, node.data)
    ) {
      return old;
    }
    const next = { ...node, selected } as StudioNode;
    if (old?.measured) next.measured = old.measured;
    if (old?.dragging) next.dragging = old.dragging;
    return next;
  });
  const edges = view.edges.map((edge): StudioEdge => {
    const old = oldEdges.get(edge.id);
    const selected = selEdges.has(edge.id);
    if (
      old &&
      (old.selected ?? false) === selected &&
      old.source === edge.source &&
      old.target === edge.target &&
      (old.data?.kind !== 'membership' || edge.data?.kind !== 'membership' || old.data.membership === edge.data.membership)
    ) {
      return old;
    }
    return { ...edge, selected };
  });
  return { nodes: keepIfSame(nodes, prev.nodes), edges: keepIfSame(edges, prev.edges) };
}
