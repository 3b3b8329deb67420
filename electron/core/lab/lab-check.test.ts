import { describe, expect, it } from 'vitest';
import { meshWaves } from './lab-check';

const sources = (n: number): Array<{ host: string; targets: number[] }> =>
  Array.from({ length: n }, (_, i) => ({ host: `h${i + 1}`, targets: Array.from({ length: n - 1 }, (_, j) => j) }));

describe('meshWaves', () => {
  it('splits a 50-host mesh into waves that each make at most the budget of neighbour entries (2 per pair)', () => {
    const waves = meshWaves(sources(50), 512, 8);
    expect(waves.map((w) => w.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    expect(Math.max(...waves.map((w) => w.reduce((n, s) => n + 2 * s.targets.length, 0)))).toBeLessThanOrEqual(512);
    expect(waves.flat().map((s) => s.host)).toEqual(sources(50).map((s) => s.host));
  });

  it('caps a wave at the concurrency when the budget allows more', () => {
    expect(meshWaves(sources(4), 512, 3).map((w) => w.map((s) => s.host))).toEqual([['h1', 'h2', 'h3'], ['h4']]);
  });

  it('gives a source over the budget on its own a wave of its own (128 hosts: 254 entries each, budget 200)', () => {
    const waves = meshWaves(sources(128), 200, 8);
    expect(waves).toHaveLength(128);
    expect(waves.every((w) => w.length === 1)).toBe(true);
  });
});
