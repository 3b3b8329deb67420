/**
 * Edges of the zoomed-out canvas, drawn by the canvas itself (OverviewEdges.tsx). At Fit a large
 * drawing shows every edge at once, and React Flow draws each edge as a component of its own with
 * its own <svg>: 1,000 components to mount while a 500-host drawing opens, and 1,000 SVG layers for
 * Chromium to paint and layerize on every drag and pan frame. Below OVERVIEW_ZOOM edges carry no
 * label and take no click, so React Flow gets no edges there; instead every edge with the same look
 * (selection, problem severity, health) becomes one subpath of one <path>.
 */
import { getBezierPath, Position, type InternalNode } from '@xyflow/react';
import { selectEdgeHealthView, type EdgeHealthView } from '../health/hooks';
import { parseBadge, selectBadge } from '../problems/problems';
import type { Store } from '../store/types';
import type { StudioEdge, StudioNode } from './convert';
import { membershipEdgeClass } from './edges';
import { OVERVIEW_SIZE } from './overview-cards';

/**
 * One class list per edge, in order: the classes the edge's React Flow component gives its path
 * (attachment edges have one look). Made once per edges array. Each edge reads its health through
 * the cached health selector and rebuilds its class list only when its health view or problem
 * badge changed; the previous array comes back while no edge's classes changed, so a store update
 * that is not a health round, a problem or a selection (a drag tick) re-renders nothing.
 */
export function edgeClassesSelector(edges: readonly StudioEdge[]): (s: Store) => string[] {
  const perEdge = edges.map((edge): ((s: Store) => string) => {
    if (edge.data?.kind !== 'membership') return () => 'edge-attachment';
    const m = edge.data.membership;
    const health = selectEdgeHealthView(edge.id, m.hostId, m.segmentId);
    const badge = selectBadge(edge.id);
    const selected = edge.selected ?? false;
    let last: { health: EdgeHealthView; badge: string; className: string } | null = null;
    return (s) => {
      const h = health(s);
      const b = badge(s);
      if (last?.health !== h || last.badge !== b)
        last = { health: h, badge: b, className: membershipEdgeClass(selected, parseBadge(b), h.className) };
      return last.className;
    };
  });
  let classes: string[] | null = null;
  return (s) => {
    const next = perEdge.map((f) => f(s));
    if (classes?.length !== next.length || next.some((c, i) => c !== classes?.[i])) classes = next;
    return classes;
  };
}

type Node = InternalNode<StudioNode>;

/**
 * Where an edge meets a node: its first handle of that type, at the point React Flow draws its own
 * edges to (middle of the handle's outer side). A card the canvas draws itself (hidden from React
 * Flow, so never measured) has every card's handles where they are: sources on the right edge,
 * targets on the left, half-way down its overview size.
 */
function handlePoint(node: Node, type: 'source' | 'target'): { x: number; y: number; position: Position } {
  const h = node.internals.handleBounds?.[type]?.[0];
  if (!h) {
    const { x, y } = node.internals.positionAbsolute;
    const size = OVERVIEW_SIZE[node.data.kind];
    return type === 'source'
      ? { x: x + size.width, y: y + size.height / 2, position: Position.Right }
      : { x, y: y + size.height / 2, position: Position.Left };
  }
  const x = node.internals.positionAbsolute.x + h.x;
  const y = node.internals.positionAbsolute.y + h.y;
  switch (h.position) {
    case Position.Top:
      return { x: x + h.width / 2, y, position: h.position };
    case Position.Right:
      return { x: x + h.width, y: y + h.height / 2, position: h.position };
    case Position.Bottom:
      return { x: x + h.width / 2, y: y + h.height, position: h.position };
    case Position.Left:
      return { x, y: y + h.height / 2, position: h.position };
  }
}

/** An edge's last path, kept while React Flow keeps both end nodes' internal objects. */
export interface CachedPath {
  source: Node;
  target: Node;
  d: string;
}

export interface OverviewPath {
  /** Stable React key: the look and the chunk's number within it. */
  key: string;
  className: string;
  d: string;
  /** How many edges the path draws. */
  count: number;
}

/**
 * Edges per path. A look's edges are split in chunks of this many, in edge order (a host's edges
 * are next to each other): a drag tick changes the `d` of the one or two chunks holding the
 * dragged card's edges, and Chromium re-parses those instead of every edge of the look.
 */
export const PATH_CHUNK = 64;

/** The joined `d` of a chunk, kept while its edges' path strings are the same. */
export type ChunkCache = Map<string, { parts: string[]; d: string }>;

/**
 * The overview's paths: for each distinct class list (in the order the looks first occur) one path
 * per PATH_CHUNK edges. Edges whose ends React Flow does not know yet are left out. `cache` keeps each edge's path string while neither end node
 * changed, `chunks` each chunk's joined string while none of its edges' strings changed.
 */
export function overviewPaths(
  edges: readonly StudioEdge[],
  classes: readonly string[],
  lookup: ReadonlyMap<string, Node>,
  cache: Map<string, CachedPath>,
  chunks: ChunkCache = new Map(),
): OverviewPath[] {
  const groups = new Map<string, string[]>();
  edges.forEach((edge, i) => {
    const source = lookup.get(edge.source);
    const target = lookup.get(edge.target);
    if (!source || !target) return;
    let cached = cache.get(edge.id);
    if (cached?.source !== source || cached.target !== target) {
      const s = handlePoint(source, 'source');
      const t = handlePoint(target, 'target');
      const [d] = getBezierPath({
        sourceX: s.x,
        sourceY: s.y,
        sourcePosition: s.position,
        targetX: t.x,
        targetY: t.y,
        targetPosition: t.position,
      });
      cached = { source, target, d };
      cache.set(edge.id, cached);
    }
    const className = classes[i] ?? '';
    const group = groups.get(className);
    if (group) group.push(cached.d);
    else groups.set(className, [cached.d]);
  });
  const paths: OverviewPath[] = [];
  for (const [className, ds] of groups)
    for (let k = 0; k * PATH_CHUNK < ds.length; k++) {
      const key = `${className}#${k}`;
      const parts = ds.slice(k * PATH_CHUNK, (k + 1) * PATH_CHUNK);
      let chunk = chunks.get(key);
      if (chunk?.parts.length !== parts.length || parts.some((p, j) => p !== chunk?.parts[j])) {
        chunk = { parts, d: parts.join(' ') };
        chunks.set(key, chunk);
      }
      paths.push({ key, className, d: chunk.d, count: parts.length });
    }
  return paths;
}
