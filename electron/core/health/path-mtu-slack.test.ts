import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairProbe } from '../../../shared/diagnose/types';
import { parseTopologyText, type Host } from '../../../shared/model';
import { fakePing, localShTransport } from './fake-ping.testing';
import { wideMesh } from './wide-mesh.testing';
import { conservativePathMtu, HealthPoller } from './poller';
import { probePlan } from './round-script';
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
    // h5 -> h4 is there so h4 -> h5 has a tunnel to compare with (a lone figure is lowered, below).
    expect(conservativePathMtu({ from: 'h4', to: 'h5', v: 1404 }, [...lab, { from: 'h5', to: 'h4', v: 1404 }])).toBe(1404);
  });

  it('reports a figure with no other tunnel of its hosts to compare with 4 bytes lower: it may be all slack', () => {
    const alone = { from: 'h1', to: 'h3', v: 1404 };
    expect(conservativePathMtu(alone, [alone])).toBe(1400);
    expect(conservativePathMtu(alone, [alone, { from: 'h4', to: 'h5', v: 1404 }])).toBe(1400);
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

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../shared/observe/fixtures/${name}`, import.meta.url), 'utf8');

/** The nonce a script's sections are marked with (its END line). */
function markerOf(script: string): string {
  const m = /printf '%s END\\n' (vxs[0-9a-f]+)/.exec(script);
  if (!m?.[1]) throw new Error('no END marker in the script');
  return m[1];
}

describe('a round that measured a figure also measures what corrects it', () => {
  const t = wideMesh(3);
  const dfFailed = (from: string, to: string, pathMtu: number): PairProbe => ({
    segmentId: 'seg100',
    from,
    to,
    overlay: { transmitted: 1, received: 1, errors: 0, lossPercent: 0, ok: true, evidence: [] },
    dfAtMtu: { transmitted: 1, received: 0, errors: 0, lossPercent: 100, ok: false, evidence: [] },
    pathMtu,
  });
  let ping: ReturnType<typeof fakePing> | undefined;
  // The path-MTU search script runs through the real sh; its `ping` passes packets up to 1400 bytes.
  beforeAll(() => {
    ping = fakePing(1400);
  });
  afterAll(() => ping?.remove());

  it('searches the reverse of a failed tunnel the round left unprobed, and corrects the VLAN slack with it', async () => {
    const transport = localShTransport(ping?.dir ?? '');
    const poller = new HealthPoller({ topology: t, transport });
    for (const id of ['h1', 'h2', 'h3']) poller['track'](id).facts = { underlayMtu: 1500 };
    // h3's router port drops frames over 1400 bytes. Out of h3, and into it from h1, the sweeps
    // read 1404 (a bridged hop's VLAN slack); h2 -> h3 would read 1400, but h2's round ran out of
    // time before it (unprobed).
    const pairs: PairProbe[] = [
      dfFailed('h3', 'h1', 1404),
      dfFailed('h3', 'h2', 1404),
      dfFailed('h1', 'h3', 1404),
      { segmentId: 'seg100', from: 'h2', to: 'h3' },
    ];
    await poller['measurePathMtus'](t, pairs, new Set());
    expect(transport.asked).toEqual(['h2']);
    expect(pairs.map((p) => [`${p.from}>${p.to}`, p.pathMtu])).toEqual([
      ['h3>h1', 1400],
      ['h3>h2', 1400],
      ['h1>h3', 1400],
      // Searched for comparison only: an unprobed tunnel shows no figure of its own.
      ['h2>h3', undefined],
    ]);
  });

  it('probes first, in the next round, the peers of a pair whose DF probe failed', async () => {
    const scripts = new Map<string, string>();
    const h3 = probePlan(t, 'h3');
    const transport: HealthTransport = {
      run: (host: Host, script: string) => {
        scripts.set(host.id, script);
        const m = markerOf(script);
        // h3's DF probe to h1 vanished while its small overlay ping answered (real ping outputs);
        // the other hosts' answers carry no probe.
        const answers =
          host.id === 'h3'
            ? h3.probes
                .filter((p) => p.to === 'h1' && (p.kind === 'overlay' || p.kind === 'dfAtMtu'))
                .map(
                  (p) =>
                    `${m} PING ${p.key}\n${fixture(p.kind === 'overlay' ? 'ping-overlay-ok.txt' : 'ping-overlay-df-path.txt')}`,
                )
            : [];
        return Promise.resolve({ code: 0, stdout: [...answers, `${m} END`, ''].join('\n'), stderr: '' });
      },
      reset: () => undefined,
    };
    const poller = new HealthPoller({ topology: t, transport, pathMtu: false });
    await poller.runRound();
    await poller.runRound();
    // The window's peers in probe order are the ones it names when it cannot start.
    const order = (id: string): string | undefined =>
      (scripts.get(id) ?? '').split('\n').find((l) => l.startsWith('else vxs_cut='));
    expect(order('h1')).toBe('else vxs_cut="$vxs_cut h3 h2"; fi');
    expect(order('h3')).toBe('else vxs_cut="$vxs_cut h1 h2"; fi');
    expect(order('h2')).toBe('else vxs_cut="$vxs_cut h1 h3"; fi');
  });
});
