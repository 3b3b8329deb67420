/**
 * Cards of the zoomed-out canvas, drawn by the canvas itself (OverviewCards.tsx). React Flow mounts
 * a wrapper per card (store subscriptions, a ResizeObserver, handles): opening a 500-host drawing
 * at Fit mounted 550 of them, which took most of a second in tasks of up to 200 ms. Below
 * OVERVIEW_ZOOM React Flow still knows every card (Fit, focus and the minimap's bounds read its
 * node lookup) but gets most of them `hidden`, so it mounts none of those; the canvas draws them as
 * plain boxes with their name, badges and health colour instead. A card stays a React Flow node
 * ("live") while it is selected, dragged or under the pointer, so clicking, dragging and
 * multi-selecting work there exactly as zoomed in.
 */
import { hostBadge, selectHostProgress } from '../deploy/deploy-slice';
import { selectHostHealthView } from '../health/hooks';
import { parseBadge, selectBadge } from '../problems/problems';
import type { Store } from '../store/types';
import type { StudioNode } from './convert';
import { DEFAULT_SIZE } from './layout';

/** Every card's size zoomed out, drawn or live (Overview.module.css sizes the live ones alike). */
export const OVERVIEW_SIZE = DEFAULT_SIZE;

export function isLive(node: StudioNode, pointed: string | null): boolean {
  return node.selected === true || node.dragging === true || node.id === pointed;
}

/** Per store node, the copy React Flow gets zoomed out: kept while the node is, so it re-syncs nothing. */
export interface OverviewNodeCache {
  hidden: WeakMap<StudioNode, StudioNode>;
  live: WeakMap<StudioNode, StudioNode>;
  /** The last `drawn` list, given back while the drawn cards are the same (a live card's drag tick). */
  drawn: StudioNode[];
}

export function overviewNodeCache(): OverviewNodeCache {
  return { hidden: new WeakMap(), live: new WeakMap(), drawn: [] };
}

/**
 * What React Flow gets zoomed out (`flow`: every node, hidden unless live, each with its overview
 * size as initial size so a live card shows in the frame it mounts) and what the canvas draws
 * itself (`drawn`: the hidden ones). Copies come from `cache`, so an unchanged node keeps its copy,
 * and so does the `drawn` array while no drawn card changed: dragging a live card re-renders none.
 */
export function overviewNodes(
  nodes: readonly StudioNode[],
  pointed: string | null,
  cache: OverviewNodeCache,
): { flow: StudioNode[]; drawn: StudioNode[] } {
  const flow: StudioNode[] = [];
  const drawn: StudioNode[] = [];
  for (const node of nodes) {
    const live = isLive(node, pointed);
    const map = live ? cache.live : cache.hidden;
    let copy = map.get(node);
    if (copy === undefined) {
      const size = OVERVIEW_SIZE[node.data.kind];
      copy = { ...node, hidden: !live, initialWidth: size.width, initialHeight: size.height };
      map.set(node, copy);
    }
    flow.push(copy);
    if (!live) drawn.push(node);
  }
  const prev = cache.drawn;
  if (prev.length !== drawn.length || drawn.some((n, i) => n !== prev[i])) cache.drawn = drawn;
  return { flow, drawn: cache.drawn };
}

/** What a drawn card shows besides its name: health colour and hover text, problem badge, deploy state. */
export interface CardLook {
  className: string;
  title: string | undefined;
  badge: ReturnType<typeof parseBadge>;
  deploy: ReturnType<typeof hostBadge> | null;
}

/** One card's look; the same object while its health view, problem badge and deploy state are. */
function cardLookSelector(node: StudioNode): (s: Store) => CardLook {
  const host = node.data.kind === 'host';
  const health = host ? selectHostHealthView(node.id) : null;
  const badge = selectBadge(node.id);
  const progress = host ? selectHostProgress(node.id) : null;
  let last: { h: unknown; b: string; p: unknown; a: string; look: CardLook } | null = null;
  return (s) => {
    const h = health?.(s);
    const b = badge(s);
    const p = progress?.(s);
    const a = s.deployAction;
    if (last !== null && last.h === h && last.b === b && last.p === p && last.a === a) return last.look;
    const look: CardLook = {
      className: h?.className ?? '',
      title: h?.title || undefined,
      badge: parseBadge(b),
      deploy: p ? hostBadge(p, a) : null,
    };
    last = { h, b, p, a, look };
    return look;
  };
}

/**
 * The looks of `nodes`, in order, from ONE store subscription for the whole layer (a subscription
 * per card is thousands of selectors on every store update). `looks` keeps each card's selector
 * across calls (keyed by kind and id), so a drag tick, which hands over a new array of the same cards,
 * rebuilds no selector. The previous array comes back while no card's look changed; when one did,
 * the other cards keep their look objects, so only the changed cards re-render.
 */
export function cardLooksSelector(
  nodes: readonly StudioNode[],
  looks: Map<string, (s: Store) => CardLook>,
): (s: Store) => CardLook[] {
  const perCard = nodes.map((n) => {
    // By kind too: another document may give the same id to a card of another kind.
    const key = `${n.data.kind}:${n.id}`;
    let f = looks.get(key);
    if (f === undefined) {
      f = cardLookSelector(n);
      looks.set(key, f);
    }
    return f;
  });
  let prev: CardLook[] | null = null;
  return (s) => {
    const next = perCard.map((f) => f(s));
    if (prev?.length !== next.length || next.some((l, i) => l !== prev?.[i])) prev = next;
    return prev;
  };
}

/**
 * The drawn cards (hidden from React Flow) wholly inside a selection box, as React Flow picks its
 * own nodes (`rect` in pixels of the pane, `transform` React Flow's [x, y, zoom]): React Flow's box
 * selection skips hidden nodes, so the canvas adds these when the box is let go.
 */
export function drawnCardsInside(
  nodes: Iterable<{
    id: string;
    hidden?: boolean;
    data: StudioNode['data'];
    internals: { positionAbsolute: { x: number; y: number } };
  }>,
  rect: { x: number; y: number; width: number; height: number },
  [tx, ty, zoom]: readonly [number, number, number],
): string[] {
  const x0 = (rect.x - tx) / zoom;
  const y0 = (rect.y - ty) / zoom;
  const x1 = x0 + rect.width / zoom;
  const y1 = y0 + rect.height / zoom;
  const inside: string[] = [];
  for (const n of nodes) {
    if (n.hidden !== true) continue;
    const { x, y } = n.internals.positionAbsolute;
    const size = OVERVIEW_SIZE[n.data.kind];
    if (x >= x0 && y >= y0 && x + size.width <= x1 && y + size.height <= y1) inside.push(n.id);
  }
  return inside;
}
