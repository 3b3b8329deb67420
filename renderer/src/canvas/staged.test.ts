import { describe, expect, it } from 'vitest';
import { stagedView } from './staged';

const nodes = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
const edges = [
  { source: 'a', target: 'b' },
  { source: 'b', target: 'c' },
  { source: 'c', target: 'd' },
];

describe('stagedView', () => {
  it('hands over the first cards and only the edges whose both ends are among them', () => {
    expect(stagedView(nodes, edges, 3)).toEqual({ nodes: nodes.slice(0, 3), edges: edges.slice(0, 2) });
    expect(stagedView(nodes, edges, 1)).toEqual({ nodes: [{ id: 'a' }], edges: [] });
  });

  it('gives back the very same arrays once nothing is held back, so React Flow re-syncs nothing', () => {
    const all = stagedView(nodes, edges, Infinity);
    expect(all.nodes).toBe(nodes);
    expect(all.edges).toBe(edges);
    expect(stagedView(nodes, edges, 4).nodes).toBe(nodes);
  });
});
