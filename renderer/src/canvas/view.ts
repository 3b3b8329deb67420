/**
 * Derives the React Flow nodes/edges from the topology and the selection, reusing the previous
 * objects where nothing changed so memoised node components do not re-render, and keeping the
 * sizes React Flow measured (a node rebuilt without `measured` would be hidden and re-measured).
 */
import { topologyToFlow, type StudioEdge, type StudioNode } from './convert';
import type { Topology } from '../../../shared/model';

function sameNodeData(a: StudioNode['data'], b: StudioNode['data']): boolean {
  if (a.kind === 'host' && b.kind === 'host') return a.host === b.host;
  if (a.kind === 'segment' && b.kind === 'segment') return a.segment === b.segment;
  if (a.kind === 'bridge' && b.kind === 'bridge') return a.hostId === b.hostId && a.name === b.name;
  return false;
}

export function buildView(
  topology: Topology,
  selectedNodeIds: readonly string[],
  selectedEdgeIds: readonly string[],
  prevNodes: readonly StudioNode[],
  prevEdges: readonly StudioEdge[],
): { nodes: StudioNode[]; edges: StudioEdge[] } {
  const view = topologyToFlow(topology);
  const selNodes = new Set(selectedNodeIds);
  const selEdges = new Set(selectedEdgeIds);
  const oldNodes = new Map(prevNodes.map((n) => [n.id, n]));
  const oldEdges = new Map(prevEdges.map((e) => [e.id, e]));
  const nodes = view.nodes.map((node): StudioNode => {
    const old = oldNodes.get(node.id);
    const selected = selNodes.has(node.id);
    if (
      old &&
      old.selected === selected &&
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
      old.selected === selected &&
      old.source === edge.source &&
      old.target === edge.target &&
      (old.data?.kind !== 'membership' || edge.data?.kind !== 'membership' || old.data.membership === edge.data.membership)
    ) {
      return old;
    }
    return { ...edge, selected };
  });
  return { nodes, edges };
}
