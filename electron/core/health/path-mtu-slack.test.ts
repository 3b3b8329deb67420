import { describe, expect, it } from 'vitest';
import { conservativePathMtu } from './poller';

describe('conservativePathMtu', () => {
  // Measured on the lab with h3's router port at 1400: routed h1->h3 reads 1400, bridged pairs read 1404.
  const lab = [
    { from: 'h1', to: 'h3', v: 1400 },
    { from: 'h2', to: 'h3', v: 1404 },
    { from: 'h3', to: 'h1', v: 1404 },
    { from: 'h3', to: 'h2', v: 1404 },
  ];

  it('reports 1400 for every tunnel through the one 1400-byte link, never the 4 bytes of VLAN slack', () => {
    expect(lab.map((p) => conservativePathMtu(p, lab))).toEqual([1400, 1400, 1400, 1400]);
  });

  it('keeps a genuinely different path of a host: more than 4 bytes apart is another link', () => {
    const two = [...lab, { from: 'h1', to: 'h2', v: 1450 }];
    expect(conservativePathMtu({ from: 'h1', to: 'h2', v: 1450 }, two)).toBe(1450);
  });

  it('never borrows a figure from pairs that share no host', () => {
    expect(conservativePathMtu({ from: 'h4', to: 'h5', v: 1404 }, lab)).toBe(1404);
  });
});
