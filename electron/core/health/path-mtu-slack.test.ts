import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PairProbe } from '../../../shared/diagnose/types';
import { parseTopologyText } from '../../../shared/model';
import { conservativePathMtu, HealthPoller } from './poller';
import type { HealthTransport } from './transport';

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

describe('the poller keeps the figure of a pair a round left unprobed', () => {
  const topology = (() => {
    const p = parseTopologyText(readFileSync('examples/textbook.vxlan.json', 'utf8'));
    if (!p.ok) throw new Error('examples/textbook.vxlan.json does not parse');
    return p.topology;
  })();
  const [a = '', b = ''] = topology.hosts.map((h) => h.id);
  const segmentId = topology.segments[0]?.id ?? '';
  /** The DF probe at the MTU failed, the small overlay ping answered: a path MTU fault, figure from the round's sweep. */
  const failedAtMtu = (from: string, to: string, pathMtu: number): PairProbe => ({
    segmentId,
    from,
    to,
    overlay: { transmitted: 1, received: 1, errors: 0, lossPercent: 0, ok: true, evidence: [] },
    dfAtMtu: { transmitted: 1, received: 0, errors: 0, lossPercent: 100, ok: false, evidence: [] },
    pathMtu,
  });

  it('so the slack correction still has it to compare with the next round', async () => {
    // No path MTU search is needed below (every failed pair brings its figure): the transport is never asked.
    const transport: HealthTransport = {
      run: () => Promise.reject(new Error('no host is asked in this test')),
      reset: () => undefined,
    };
    const poller = new HealthPoller({ topology, transport });
    const measure = (pairs: PairProbe[]): Promise<void> => poller['measurePathMtus'](topology, pairs, new Set());
    // Round 1: into the 1400-byte link (routed) reads 1400, out of it (bridged, 4 bytes of slack) 1404.
    const first = [failedAtMtu(b, a, 1400), failedAtMtu(a, b, 1404)];
    await measure(first);
    expect(first.map((p) => p.pathMtu)).toEqual([1400, 1400]);
    // Round 2 had no time for b -> a: it is in the round, unprobed.
    const unprobed: PairProbe = { segmentId, from: b, to: a };
    const second = [unprobed, failedAtMtu(a, b, 1404)];
    await measure(second);
    expect(second[1]?.pathMtu).toBe(1400);
    // An unprobed pair shows no figure of its own this round.
    expect(unprobed.pathMtu).toBeUndefined();
  });
});
