import { describe, expect, it } from 'vitest';
import { meshWaves, type MeshPair } from './lab-check';

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`);

/** Every directed pair of an n-host mesh, source by source, as the check lists them. */
const mesh = (n: number): MeshPair[] =>
  hosts(n).flatMap((from, i) =>
    hosts(n)
      .filter((to) => to !== from)
      .map((to) => ({ from, to, address: `10.100.0.${i + 1}` })),
  );

const key = (p: MeshPair): string => `${p.from}>${p.to}`;

describe('meshWaves', () => {
  it('splits a 100-host mesh into waves that each make at most the budget of neighbour entries (2 per pair), every pair once', () => {
    const waves = meshWaves(mesh(100), 512, hosts(100));
    // 4,950 pairs each way at 256 pairs a wave: 20 waves up, 20 down.
    expect(waves).toHaveLength(40);
    expect(Math.max(...waves.map((w) => 2 * w.length))).toBeLessThanOrEqual(512);
    expect(waves.flat().map(key).sort()).toEqual(mesh(100).map(key).sort());
  });

  it('never puts both directions of a pair in one wave, so each first ping starts with no entry on either side', () => {
    for (const [n, budget] of [
      [2, 512],
      [3, 512],
      [50, 512],
      [100, 200],
    ] as const) {
      for (const wave of meshWaves(mesh(n), budget, hosts(n))) {
        const inWave = new Set(wave.map(key));
        expect(wave.filter((p) => inWave.has(`${p.to}>${p.from}`))).toEqual([]);
      }
    }
    expect(meshWaves(mesh(2), 512, hosts(2)).map((w) => w.map(key))).toEqual([['h1>h2'], ['h2>h1']]);
  });

  it('still makes progress when the budget holds less than one pair', () => {
    expect(meshWaves(mesh(3), 1, hosts(3)).map((w) => w.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
