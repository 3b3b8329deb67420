import { describe, expect, it } from 'vitest';
import type { Finding, HealthSnapshot, PairProbe } from '../../../shared/diagnose/types';
import type { PingResult } from '../../../shared/observe/ping';
import { CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import { buildHealthView, findingId, pairStatus, viewKey } from './view';

const ping = (ok: boolean, rtt = 0.05): PingResult =>
  ok
    ? { transmitted: 1, received: 1, errors: 0, lossPercent: 0, ok, rtt: { min: rtt, avg: rtt, max: rtt, mdev: 0 }, evidence: [] }
    : { transmitted: 1, received: 0, errors: 0, lossPercent: 100, ok, evidence: [] };

function mesh(): Topology {
  const hosts = [1, 2, 3].map((i) => ({
    id: `h${i}`,
    name: `h${i}`,
    ssh: { host: `172.30.1.${10 + i}`, user: 'root', auth: { type: 'agent' } },
  }));
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: 'lab',
    name: 'lab',
    hosts,
    segments: [{ id: 's', name: 's', vni: 100 }],
    memberships: hosts.map((h, i) => ({ id: `m${i + 1}`, hostId: h.id, segmentId: 's', address: `10.0.0.${i + 1}/24` })),
  });
}

function pair(from: string, to: string, overlay: boolean, rtt = 0.05): PairProbe {
  return { segmentId: 's', from, to, underlay: ping(true), overlay: ping(overlay, rtt), dfAtMtu: ping(overlay) };
}

const firewallOnH2: Finding = {
  code: 'FIREWALL_BLOCKS_VXLAN',
  severity: 'error',
  title: 'nftables on h2 drops VXLAN (UDP 4789)',
  message: '...',
  hosts: ['h2'],
  pair: ['h1', 'h2'],
  segmentId: 's',
  evidence: [{ label: 'nftables rule', value: 'udp dport 4789 drop' }],
};

function snapshot(rtt = 0.05): HealthSnapshot {
  return {
    takenAt: '2026-01-01T00:00:00.000Z',
    hosts: ['h1', 'h2', 'h3'].map((hostId) => ({ hostId, ssh: { state: 'ok' } })),
    pairs: [
      pair('h1', 'h2', false),
      pair('h1', 'h3', true, rtt),
      pair('h2', 'h1', false),
      pair('h2', 'h3', false),
      pair('h3', 'h1', true, rtt),
      pair('h3', 'h2', false),
    ],
  };
}

const view = (s: HealthSnapshot, findings: Finding[] = [firewallOnH2]): ReturnType<typeof buildHealthView> =>
  buildHealthView({
    pollId: 'poll-0001',
    round: 1,
    durationMs: 10,
    topology: mesh(),
    snapshot: s,
    findings,
    lastSeen: {},
    driftSteps: {},
  });

describe('buildHealthView', () => {
  it('colours each membership edge by how many peers answer, with the finding as a badge on the host it names', () => {
    const v = view(snapshot());
    expect(v.memberships.map((m) => [m.hostId, m.status, m.reachable, m.badges])).toEqual([
      ['h1', 'some', 1, []],
      ['h2', 'none', 0, ['FIREWALL_BLOCKS_VXLAN']],
      ['h3', 'some', 1, []],
    ]);
  });

  it('shows tunnels of a host that did not answer as unknown, not broken', () => {
    const s = snapshot();
    s.hosts[1] = { hostId: 'h2', ssh: { state: 'timeout', code: 'COMMAND_TIMEOUT', message: 'h2 did not answer' } };
    const v = view(s, []);
    expect(v.hosts[1]).toMatchObject({ hostId: 'h2', state: 'timeout', message: 'h2 did not answer' });
    expect(v.pairs.filter((p) => p.from === 'h2').map((p) => p.status)).toEqual(['unknown', 'unknown']);
    expect(v.memberships[1]?.status).toBe('unknown');
  });

  it('gives a finding the same id in every round it persists', () => {
    expect(view(snapshot()).findings[0]?.id).toBe(findingId(firewallOnH2));
    expect(findingId(firewallOnH2)).toBe('FIREWALL_BLOCKS_VXLAN|s|h2|h1>h2');
  });
});

describe('viewKey', () => {
  it('ignores round trip times, so a round where only latency moved is not streamed', () => {
    expect(viewKey(view(snapshot(0.05)))).toBe(viewKey(view(snapshot(0.09))));
  });

  it('changes when a tunnel changes state', () => {
    const s = snapshot();
    s.pairs[0] = pair('h1', 'h2', true);
    expect(viewKey(view(s))).not.toBe(viewKey(view(snapshot())));
  });
});

describe('pairStatus', () => {
  it('tells an underlay outage from an overlay one and flags a failed DF probe as an MTU problem', () => {
    expect(pairStatus({ segmentId: 's', from: 'a', to: 'b', underlay: ping(false), overlay: ping(false) })).toBe('underlay-down');
    expect(pairStatus({ segmentId: 's', from: 'a', to: 'b', underlay: ping(true), overlay: ping(false) })).toBe('overlay-down');
    expect(
      pairStatus({ segmentId: 's', from: 'a', to: 'b', underlay: ping(true), overlay: ping(true), dfAtMtu: ping(false) }),
    ).toBe('mtu');
  });
});
