/**
 * Auto-layout with ELK's layered algorithm (elkjs): hosts in the first layer, their bridges next,
 * segments after them, so every membership reads left to right.
 */
import type ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { Position } from '../../../shared/model';
import type { StudioEdge, StudioNode } from './convert';
import { snap } from '../editor/topology-ops';

/**
 * ELK is most of the app's JavaScript (about 1.4 MB) and only Auto-layout needs it: it loads on the
 * first use, in its own chunk, so the app starts without it.
 */
let elk: Promise<InstanceType<typeof ELK>> | undefined;
function loadElk(): Promise<InstanceType<typeof ELK>> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elk;
}

/** A card's size before React Flow has measured it (the widths are the cards' CSS widths). */
export const DEFAULT_SIZE = {
  host: { width: 224, height: 96 },
  segment: { width: 208, height: 88 },
  bridge: { width: 128, height: 56 },
} as const;

export async function computeLayout(
  nodes: readonly StudioNode[],
  edges: readonly StudioEdge[],
): Promise<Record<string, Position>> {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '48',
      'elk.layered.spacing.nodeNodeBetweenLayers': '128',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // Keep the file's order (host-1 above host-2...) unless reordering removes crossings.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: nodes.map((n) => {
      const size =
        n.measured?.width && n.measured.height
          ? { width: n.measured.width, height: n.measured.height }
          : DEFAULT_SIZE[n.data.kind];
      const node: ElkNode = {
        id: n.id,
        ...size,
        // Hosts pinned to the first layer and segments to the last keep the picture readable even
        // when a host has no membership yet.
        layoutOptions:
          n.data.kind === 'host'
            ? { 'elk.layered.layering.layerConstraint': 'FIRST' }
            : n.data.kind === 'segment'
              ? { 'elk.layered.layering.layerConstraint': 'LAST' }
              : {},
      };
      return node;
    }),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out = await (await loadElk()).layout(graph);
  const positions: Record<string, Position> = {};
  for (const child of out.children ?? []) positions[child.id] = snap({ x: child.x ?? 0, y: child.y ?? 0 });
  return positions;
}
