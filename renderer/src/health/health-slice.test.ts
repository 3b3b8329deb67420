import { describe, expect, it } from 'vitest';
import type { HealthFinding, HealthView } from '../../../shared/api/contract';
import { meshTemplate } from '../files/templates';
import { createStudioStore } from '../store/store';
import {
  clockTime,
  edgeBadges,
  edgeTone,
  hostTone,
  selectEdgeBadges,
  selectEdgeHealthTitle,
  selectEdgeHighlighted,
  selectEdgeTone,
  selectHostHighlighted,
  selectHostTone,
  selectPairTitle,
  selectPairTone,
  selectUnmeasuredSummary,
} from './derive';
import { addHost, connect } from '../editor/topology-ops';

const HOSTS = ['host-1', 'host-2', 'host-3'];
const SEG = 'vni-200';
const RULE = 'udp dport 4789 drop';

function view(round: number, blocked: string | null, pollId = 'poll-0001'): HealthView {
  const pairs = HOSTS.flatMap((from) =>
    HOSTS.filter((to) => to !== from).map((to) => ({
      segmentId: SEG,
      from,
      to,
      status: blocked !== null && (from === blocked || to === blocked) ? ('overlay-down' as const) : ('ok' as const),
      ...(blocked !== null && (from === blocked || to === blocked) ? {} : { rttMs: 0.12 }),
    })),
  );
  const memberships = HOSTS.map((hostId, i) => {
    const reachable = pairs.filter((p) => p.from === hostId && p.status === 'ok').length;
    return {
      membershipId: `m-${i + 1}`,
      hostId,
      segmentId: SEG,
      status: reachable === 2 ? ('all' as const) : reachable === 0 ? ('none' as const) : ('some' as const),
      reachable,
      peers: 2,
      badges: hostId === blocked ? (['FIREWALL_BLOCKS_VXLAN'] as const).slice() : [],
    };
  });
  const findings: HealthFinding[] =
    blocked === null
      ? []
      : [
          {
            id: `FIREWALL_BLOCKS_VXLAN|${SEG}|${blocked}|-`,
            code: 'FIREWALL_BLOCKS_VXLAN',
            severity: 'error',
            title: `The firewall on ${blocked} drops VXLAN`,
            message: `nftables on ${blocked} drops UDP 4789.`,
            hosts: [blocked],
            segmentId: SEG,
            evidence: [
              { label: 'nftables rule', value: `table inet vxlan_studio_lab chain input: ${RULE}` },
              { label: 'counters', value: 'peers sent 12 packets; none reached the VXLAN device' },
            ],
            fix: {
              description: 'Accept UDP 4789 from the peers',
              hosts: [
                {
                  hostId: blocked,
                  steps: [{ argv: ['nft', 'insert', 'rule'], shell: 'nft insert rule', description: 'accept', kind: 'firewall' }],
                },
              ],
            },
          },
        ];
  return {
    pollId,
    round,
    at: '2026-11-25T05:40:07.000Z',
    durationMs: 40,
    hosts: HOSTS.map((hostId) => ({ hostId, state: 'ok' as const, driftSteps: 0 })),
    pairs,
    memberships,
    findings,
  };
}

function storeWithMesh() {
  const store = createStudioStore();
  store.getState().loadDocument(meshTemplate(3), null);
  store.getState().setHealthPolling('running', 'poll-0001');
  return store;
}

describe('colours', () => {
  it('a host is green when SSH answers, red on any SSH failure and grey before the first round', () => {
    expect(hostTone({ hostId: 'a', state: 'ok', driftSteps: 0 })).toBe('up');
    expect(hostTone({ hostId: 'a', state: 'timeout', driftSteps: 0 })).toBe('down');
    expect(hostTone({ hostId: 'a', state: 'auth-failed', driftSteps: 0 })).toBe('down');
    expect(hostTone(undefined)).toBe('unknown');
  });

  it('an edge is green when all peers answer, amber when some do, red when none do', () => {
    const m = { membershipId: 'm', hostId: 'a', segmentId: 's', reachable: 0, peers: 2, badges: [] };
    expect(edgeTone({ ...m, status: 'all' })).toBe('ok');
    expect(edgeTone({ ...m, status: 'some' })).toBe('partial');
    expect(edgeTone({ ...m, status: 'none' })).toBe('down');
    expect(edgeTone(undefined)).toBe('unknown');
  });

  it('firewall and MTU findings become the FW and MTU badges of the edge', () => {
    const m = { membershipId: 'm', hostId: 'a', segmentId: 's', status: 'none' as const, reachable: 0, peers: 2 };
    expect(edgeBadges({ ...m, badges: ['FIREWALL_BLOCKS_VXLAN', 'MTU_EXCEEDS_PATH'] })).toBe('FW MTU');
    expect(edgeBadges({ ...m, badges: ['DRIFT'] })).toBe('');
  });

  it('the last-updated label reads hh:mm:ss', () => {
    expect(clockTime('2026-11-25T05:40:07.000Z')).toMatch(/^\d\d:\d\d:07$/);
    expect(clockTime(null)).toBe('');
  });
});

describe('health slice', () => {
  it('a firewall round turns the blocked host red on its edge, amber on its peers, with the FW badge and the rule in the hover text', () => {
    const store = storeWithMesh();
    const s = () => store.getState();
    s().applyHealthView(view(1, null));
    expect(HOSTS.map((h) => selectHostTone(h)(s()))).toEqual(['up', 'up', 'up']);
    expect(['m-1', 'm-2', 'm-3'].map((m) => selectEdgeTone(m)(s()))).toEqual(['ok', 'ok', 'ok']);

    s().applyHealthView(view(2, 'host-2'));
    expect(['m-1', 'm-2', 'm-3'].map((m) => selectEdgeTone(m)(s()))).toEqual(['partial', 'down', 'partial']);
    expect(selectEdgeBadges('m-2')(s())).toBe('FW');
    expect(selectEdgeHealthTitle('m-2')(s())).toContain(RULE);
    expect(selectEdgeHealthTitle('m-2')(s())).toContain('0 of 2 peers reachable');
    expect(selectEdgeHealthTitle('m-1')(s())).not.toContain(RULE);
    expect(s().healthFindingIds).toHaveLength(1);
    expect(s().healthRound).toBe(2);
  });

  it('a health round leaves the React Flow nodes and edges arrays untouched', () => {
    const store = storeWithMesh();
    const { nodes, edges, topology } = store.getState();
    store.getState().applyHealthView(view(1, null));
    store.getState().applyHealthView(view(2, 'host-2'));
    expect(store.getState().nodes).toBe(nodes);
    expect(store.getState().edges).toBe(edges);
    expect(store.getState().topology).toBe(topology);
  });

  it('only the selectors of what changed produce a new value, so only those nodes and edges re-render', () => {
    const store = storeWithMesh();
    store.getState().applyHealthView(view(1, null));
    const selectors = {
      ...Object.fromEntries(HOSTS.map((h) => [`node:${h}`, selectHostTone(h)])),
      ...Object.fromEntries(
        ['m-1', 'm-2', 'm-3'].flatMap((m) => [
          [`tone:${m}`, selectEdgeTone(m)],
          [`badge:${m}`, selectEdgeBadges(m)],
        ]),
      ),
    };
    const changed = new Set<string>();
    let last = Object.fromEntries(Object.entries(selectors).map(([k, sel]) => [k, sel(store.getState())]));
    const off = store.subscribe((st) => {
      for (const [k, sel] of Object.entries(selectors)) {
        const v = sel(st);
        if (!Object.is(v, last[k])) changed.add(k);
      }
      last = Object.fromEntries(Object.entries(selectors).map(([k, sel]) => [k, sel(st)]));
    });
    // The same round again: nothing re-renders.
    store.getState().applyHealthView(view(2, null));
    expect([...changed]).toEqual([]);
    // h2 blocked: its edge (tone + badge) and its peers' edges change; no host node does.
    store.getState().applyHealthView(view(3, 'host-2'));
    off();
    expect([...changed].sort()).toEqual(['badge:m-2', 'tone:m-1', 'tone:m-2', 'tone:m-3']);
  });

  it('unchanged hosts, pairs and findings keep their objects across rounds', () => {
    const store = storeWithMesh();
    store.getState().applyHealthView(view(1, 'host-2'));
    const before = store.getState();
    store.getState().applyHealthView(view(2, 'host-2'));
    const after = store.getState();
    expect(after.healthHosts).toBe(before.healthHosts);
    expect(after.healthPairs).toBe(before.healthPairs);
    expect(after.healthFindings).toBe(before.healthFindings);
    expect(after.healthFindingIds).toBe(before.healthFindingIds);
  });

  it('a round from a replaced poller is ignored', () => {
    const store = storeWithMesh();
    store.getState().applyHealthView(view(1, null));
    store.getState().applyHealthView(view(9, 'host-2', 'poll-old1'));
    expect(store.getState().healthRound).toBe(1);
    expect(selectEdgeTone('m-2')(store.getState())).toBe('ok');
  });

  it('clicking a finding highlights its host and edge; the highlight goes when the finding clears', () => {
    const store = storeWithMesh();
    const s = () => store.getState();
    s().applyHealthView(view(1, 'host-2'));
    s().highlightFinding(s().healthFindingIds[0] ?? null);
    expect(HOSTS.map((h) => selectHostHighlighted(h)(s()))).toEqual([false, true, false]);
    expect(selectEdgeHighlighted('host-2', SEG)(s())).toBe(true);
    expect(selectEdgeHighlighted('host-2', 'other-seg')(s())).toBe(false);
    s().applyHealthView(view(2, null));
    expect(s().healthHighlight).toBeNull();
    expect(selectHostHighlighted('host-2')(s())).toBe(false);
  });

  it('the pair matrix cell shows the direction status with latency, or that no reply came', () => {
    const store = storeWithMesh();
    const s = () => store.getState();
    s().applyHealthView(view(1, 'host-2'));
    expect(selectPairTone(SEG, 'host-1', 'host-3')(s())).toBe('ok');
    expect(selectPairTone(SEG, 'host-1', 'host-2')(s())).toBe('down');
    expect(selectPairTitle(SEG, 'host-1', 'host-3', 'h1', 'h3')(s())).toContain('latency 0.12 ms');
    expect(selectPairTitle(SEG, 'host-1', 'host-2', 'h1', 'h2')(s())).toContain('no overlay reply');
  });

  it('clearing health greys everything again', () => {
    const store = storeWithMesh();
    store.getState().applyHealthView(view(1, 'host-2'));
    store.getState().clearHealth();
    expect(selectHostTone('host-1')(store.getState())).toBe('unknown');
    expect(store.getState().healthPolling).toBe('off');
    expect(store.getState().healthFindingIds).toEqual([]);
  });
});

describe('summary', () => {
  it('a host added and joined to the segment after the last round is named as not measured, so all is not well', () => {
    const store = storeWithMesh();
    const s = () => store.getState();
    s().applyHealthView(view(1, null));
    expect(selectUnmeasuredSummary(s())).toBe('');

    const added = addHost(s().topology, { x: 0, y: 600 });
    s().commit(added.topology);
    const joined = connect(s().topology, added.id, SEG);
    if ('error' in joined) throw new Error(joined.error);
    s().commit(joined.topology);
    const name = s().topology.hosts.find((h) => h.id === added.id)?.name ?? '';
    // Before the poller measures it: no finding yet, and the summary names the new host.
    expect(s().healthFindingIds).toEqual([]);
    expect(selectUnmeasuredSummary(s())).toBe(
      `1 host not measured yet: ${name}. Tunnels not measured yet from host-1, host-2, host-3. The next round checks them.`,
    );

    // A round of the old drawing (the one in progress when the edit came) changes nothing.
    s().applyHealthView(view(2, null));
    expect(selectUnmeasuredSummary(s())).toContain(name);
  });

  it('a reachable host whose own pair row was not measured has unmeasured tunnels; an unreachable host is not listed (its finding says why)', () => {
    const store = storeWithMesh();
    const s = () => store.getState();
    const v = view(1, null);
    // host-3 answered SSH but its row of the matrix was not measured; host-2 did not answer SSH.
    s().applyHealthView({
      ...v,
      hosts: v.hosts.map((h) => (h.hostId === 'host-2' ? { ...h, state: 'unreachable' as const } : h)),
      pairs: v.pairs.filter((p) => p.from !== 'host-3' && p.from !== 'host-2'),
    });
    expect(selectUnmeasuredSummary(s())).toBe('Tunnels not measured yet from host-3. The next round checks them.');
    s().setHealthPolling('paused');
    expect(selectUnmeasuredSummary(s())).toBe('Tunnels not measured yet from host-3. Resume live health to check them.');
  });
});
