import { Position, type InternalNode } from '@xyflow/react';
import { describe, expect, it } from 'vitest';
import { meshTemplate } from '../files/templates';
import { createStudioStore } from '../store/store';
import { meshHealthRound } from '../health/mesh-round.testing';
import type { StudioEdge, StudioNode } from './convert';
import { edgeClassesSelector, overviewPaths, PATH_CHUNK, type CachedPath, type ChunkCache } from './overview-edges';

/** An internal node as React Flow keeps it once measured: a source handle right, a target handle left. */
function internal(id: string, x: number, y: number): InternalNode<StudioNode> {
  const handle = { id: null, width: 10, height: 10, y: 20 };
  return {
    id,
    type: 'host',
    position: { x, y },
    data: { kind: 'bridge', hostId: id, name: id },
    measured: { width: 100, height: 50 },
    internals: {
      positionAbsolute: { x, y },
      z: 0,
      userNode: { id, type: 'bridge', position: { x, y }, data: { kind: 'bridge', hostId: id, name: id } },
      handleBounds: {
        source: [{ ...handle, x: 95, position: Position.Right, type: 'source' }],
        target: [{ ...handle, x: -5, position: Position.Left, type: 'target' }],
      },
    },
  } as InternalNode<StudioNode>;
}

const edge = (id: string, source: string, target: string): StudioEdge => ({ id, source, target, type: 'attachment' });

describe('overview edge layer', () => {
  it('draws every edge with the same look as one path, from the source handle to the target handle', () => {
    const lookup = new Map([
      ['a', internal('a', 0, 0)],
      ['b', internal('b', 300, 0)],
      ['c', internal('c', 300, 200)],
    ]);
    const edges = [edge('e1', 'a', 'b'), edge('e2', 'a', 'c'), edge('e3', 'b', 'c')];
    const paths = overviewPaths(edges, ['plain', 'health-edge-down', 'plain'], lookup, new Map());
    expect(paths.map((p) => [p.className, p.count])).toEqual([
      ['plain', 2],
      ['health-edge-down', 1],
    ]);
    // e1 leaves a's right handle (95 + 10, 20 + 5) and enters b's left handle (300 - 5, 25).
    expect(paths[0]?.d.split('M').filter(Boolean)).toHaveLength(2);
    expect(paths[0]?.d.startsWith('M105,25 C')).toBe(true);
    expect(paths[0]?.d).toContain(' 295,25');
  });

  it('leaves out edges whose end React Flow does not know, and meets an unmeasured card at its overview size', () => {
    // A card the canvas draws itself is hidden from React Flow, so it is never measured.
    const unmeasured = internal('b', 300, 0);
    delete unmeasured.internals.handleBounds;
    const lookup = new Map([
      ['a', internal('a', 0, 0)],
      ['b', unmeasured],
    ]);
    const paths = overviewPaths([edge('e1', 'a', 'b'), edge('e2', 'a', 'x')], ['plain', 'plain'], lookup, new Map());
    expect(paths.map((p) => p.count)).toEqual([1]);
    // b is a bridge card (128 x 56 zoomed out): its target side is its left edge, half-way down.
    expect(paths[0]?.d.startsWith('M105,25 C')).toBe(true);
    expect(paths[0]?.d.endsWith(' 300,28')).toBe(true);
  });

  it('recomputes only the paths of edges whose end nodes React Flow replaced (a drag tick)', () => {
    const a = internal('a', 0, 0);
    const b = internal('b', 300, 0);
    const c = internal('c', 300, 200);
    const cache = new Map<string, CachedPath>();
    const edges = [edge('e1', 'a', 'b'), edge('e2', 'b', 'c')];
    overviewPaths(
      edges,
      ['plain', 'plain'],
      new Map([
        ['a', a],
        ['b', b],
        ['c', c],
      ]),
      cache,
    );
    const before = cache.get('e2');
    const moved = internal('a', 40, 0);
    const [path] = overviewPaths(
      edges,
      ['plain', 'plain'],
      new Map([
        ['a', moved],
        ['b', b],
        ['c', c],
      ]),
      cache,
    );
    expect(cache.get('e2')).toBe(before);
    expect(cache.get('e1')?.source).toBe(moved);
    expect(path?.d.startsWith('M145,25 C')).toBe(true);
  });

  it("splits a look in chunks of PATH_CHUNK edges, and a drag tick rebuilds only the chunk holding the moved card's edges", () => {
    const count = 2 * PATH_CHUNK + 2;
    const lookup = new Map(Array.from({ length: count + 1 }, (_, i) => [`n${i}`, internal(`n${i}`, 200 * i, 0)]));
    const edges = Array.from({ length: count }, (_, i) => edge(`e${i}`, `n${i}`, `n${i + 1}`));
    const classes = edges.map(() => 'plain');
    const cache = new Map<string, CachedPath>();
    const chunks: ChunkCache = new Map();
    const before = overviewPaths(edges, classes, lookup, cache, chunks);
    expect(before.map((p) => p.count)).toEqual([PATH_CHUNK, PATH_CHUNK, 2]);
    const kept = [...chunks.values()];
    lookup.set('n3', internal('n3', 640, 40));
    const after = overviewPaths(edges, classes, lookup, cache, chunks);
    expect(after.map((p) => p.key)).toEqual(before.map((p) => p.key));
    expect([...chunks.values()].map((c, i) => c === kept[i])).toEqual([false, true, true]);
    expect(after[0]?.d).not.toBe(before[0]?.d);
  });

  it('gives each edge the classes its React Flow component would: selection, problems and tunnel health', () => {
    const store = createStudioStore();
    store.getState().loadDocument(meshTemplate(3), null);
    const edges = store.getState().edges;
    const membership = edges.filter((e) => e.data?.kind === 'membership').map((e) => e.id);
    expect(membership).toEqual(['m-1', 'm-2', 'm-3']);
    const classesOf = (): Map<string, string> => {
      const s = store.getState();
      const classes = edgeClassesSelector(s.edges)(s);
      return new Map(s.edges.map((e, i) => [e.id, classes[i] ?? '']));
    };
    expect(classesOf().get('m-1')).toBe('edge-membership');
    expect([...classesOf()].filter(([id]) => id.startsWith('attach:')).every(([, c]) => c === 'edge-attachment')).toBe(true);

    // A drag tick changes no edge's look: the same array comes back, so the layer does not re-render for it.
    const s0 = store.getState();
    const select = edgeClassesSelector(s0.edges);
    const first = select(s0);
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-1', position: { x: 96, y: 96 }, dragging: true }]);
    expect(select(store.getState())).toBe(first);

    store.getState().setSelection([], ['m-2']);
    expect(classesOf().get('m-2')).toBe('edge-membership selected');

    store.getState().setHealthPolling('running', 'poll-0001');
    store.getState().applyHealthView(meshHealthRound(1, 'host-3'));
    const classes = classesOf();
    expect(classes.get('m-1')).toBe('edge-membership health-edge-ok');
    expect(classes.get('m-3')).toBe('edge-membership health-edge-down');
  });
});
