/**
 * compilePlan / desiredHostState rules: flood modes, MTU, facts for "auto" values, diagnostics
 * naming the field to fix, refusal on invalid topologies, and names ip(8) could misread.
 */
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology, type TopologyInput } from '../model';
import { argvToShell, compilePlan, desiredHostState, hostScript, type HostPlan, type Plan } from './index';

type HostIn = NonNullable<TopologyInput['hosts']>[number];
type SegmentIn = NonNullable<TopologyInput['segments']>[number];
type MembershipIn = NonNullable<TopologyInput['memberships']>[number];

function host(id: string, address: string, extra: Partial<HostIn> = {}): HostIn {
  return { id, name: id, ssh: { host: id }, underlay: { interface: 'eth0', address, mtu: 1500 }, ...extra };
}

function topo(hosts: HostIn[], segments: SegmentIn[], memberships: MembershipIn[]): Topology {
  return TopologySchema.parse({ format: CURRENT_FORMAT, id: 'test', name: 'Test', hosts, segments, memberships });
}

function lines(hp: HostPlan | undefined): string[] {
  return (hp?.steps ?? []).map((s) => argvToShell(s.argv));
}

function hostOf(plan: Plan, id: string): HostPlan {
  const hp = plan.hosts.find((h) => h.hostId === id);
  if (!hp) throw new Error(`no host ${id}`);
  return hp;
}

const p2p: SegmentIn = { id: 's', name: 's', vni: 100, flood: { mode: 'point-to-point' } };
const pair = (seg: SegmentIn = p2p, a: Partial<MembershipIn> = {}): MembershipIn[] => [
  { id: 'ma', hostId: 'a', segmentId: seg.id, ...a },
  { id: 'mb', hostId: 'b', segmentId: seg.id },
];

describe('underlay addresses', () => {
  it('refuses host A when its peer\'s underlay address is "auto" and unknown, naming hosts[1].underlay.address', () => {
    const plan = compilePlan(topo([host('a', '192.0.2.1'), host('b', 'auto')], [p2p], pair()));
    const a = hostOf(plan, 'a');
    expect(a.steps).toEqual([]);
    expect(a.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'PLAN_UNDERLAY_ADDRESS_UNKNOWN',
        severity: 'error',
        path: 'hosts[1].underlay.address',
        elementId: 'b',
      }),
    );
    expect(a.diagnostics).toContainEqual(expect.objectContaining({ code: 'PLAN_REFUSED' }));
    // Host B only needs A's (explicit) address for its remote.
    expect(lines(hostOf(plan, 'b'))).toContain('ip link add vxlan100 type vxlan id 100 remote 192.0.2.1 dev eth0 dstport 4789');
  });

  it('fills an "auto" address from the facts read from the host', () => {
    const plan = compilePlan(topo([host('a', '192.0.2.1'), host('b', 'auto')], [p2p], pair()), {
      facts: { b: { underlayAddress: '198.51.100.7' } },
    });
    expect(lines(hostOf(plan, 'a'))).toContain(
      'ip link add vxlan100 type vxlan id 100 remote 198.51.100.7 dev eth0 dstport 4789',
    );
  });

  it('needs its own address for a unicast mesh (local) and names hosts[0].underlay.address', () => {
    const mesh: SegmentIn = { id: 'm', name: 'm', vni: 7, flood: { mode: 'unicast-mesh' } };
    const plan = compilePlan(topo([host('a', 'auto'), host('b', '192.0.2.2')], [mesh], pair(mesh)));
    expect(hostOf(plan, 'a').diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PLAN_UNDERLAY_ADDRESS_UNKNOWN', path: 'hosts[0].underlay.address' }),
    );
    // Host B converges with the peers it knows; the entry to A waits, said once as a warning.
    const b = hostOf(plan, 'b');
    expect(b.diagnostics.map((d) => [d.code, d.severity, d.path])).toEqual([
      ['PLAN_PEER_PENDING', 'warning', 'hosts[0].underlay.address'],
    ]);
    expect(lines(b)).toContain('ip link add vxlan7 type vxlan id 7 local 192.0.2.2 dev eth0 dstport 4789');
    expect(lines(b).filter((l) => l.startsWith('bridge fdb'))).toEqual([]);
  });

  it('a mesh member with one unknown peer still gets its flood entries to every known peer', () => {
    const mesh: SegmentIn = { id: 'm', name: 'm', vni: 7, flood: { mode: 'unicast-mesh' } };
    const members: MembershipIn[] = ['a', 'b', 'c'].map((h) => ({ id: `m${h}`, hostId: h, segmentId: 'm' }));
    const plan = compilePlan(topo([host('a', '192.0.2.1'), host('b', '192.0.2.2'), host('c', 'auto')], [mesh], members));
    const a = hostOf(plan, 'a');
    expect(a.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.code, d.path])).toEqual([
      ['PLAN_PEER_PENDING', 'hosts[2].underlay.address'],
    ]);
    expect(lines(a).filter((l) => l.startsWith('bridge fdb'))).toEqual([
      'bridge fdb append 00:00:00:00:00:00 dev vxlan7 dst 192.0.2.2',
    ]);
  });

  it('reports a fact that is not an address instead of putting it in a command', () => {
    const plan = compilePlan(topo([host('a', '192.0.2.1'), host('b', 'auto')], [p2p], pair()), {
      facts: { b: { underlayAddress: '1.2.3.4;reboot' } },
    });
    expect(hostOf(plan, 'b').diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PLAN_FACT_INVALID', path: 'hosts[1].underlay.address' }),
    );
    expect(hostOf(plan, 'a').steps).toEqual([]);
  });
});

describe('flood modes', () => {
  it('unicast mesh: local, nolearning, one all-zero FDB entry per peer, no remote', () => {
    const mesh: SegmentIn = { id: 'm', name: 'm', vni: 200, learning: false, flood: { mode: 'unicast-mesh' } };
    const plan = compilePlan(
      topo(
        [host('a', '192.0.2.1'), host('b', '192.0.2.2'), host('c', '192.0.2.3')],
        [mesh],
        [
          { id: 'ma', hostId: 'a', segmentId: 'm' },
          { id: 'mb', hostId: 'b', segmentId: 'm' },
          { id: 'mc', hostId: 'c', segmentId: 'm' },
        ],
      ),
    );
    const a = lines(hostOf(plan, 'a'));
    expect(a).toContain('ip link add vxlan200 type vxlan id 200 local 192.0.2.1 dev eth0 dstport 4789 nolearning');
    expect(a.filter((l) => l.startsWith('bridge fdb append'))).toEqual([
      'bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.0.2.2',
      'bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.0.2.3',
    ]);
  });

  it('multicast: group, dev and ttl (default 1); without a known underlay interface it is refused', () => {
    const mc: SegmentIn = { id: 'g', name: 'g', vni: 300, flood: { mode: 'multicast', group: '239.1.1.1' } };
    const t = topo(
      [host('a', '192.0.2.1'), host('b', '192.0.2.2', { underlay: { interface: 'auto', address: '192.0.2.2', mtu: 'auto' } })],
      [mc],
      pair(mc),
    );
    const plan = compilePlan(t);
    expect(lines(hostOf(plan, 'a'))).toContain(
      'ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 1 dstport 4789',
    );
    expect(hostOf(plan, 'b').diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PLAN_UNDERLAY_INTERFACE_UNKNOWN', path: 'hosts[1].underlay.interface' }),
    );
    const withFacts = compilePlan(t, { facts: { b: { underlayInterface: 'ens3', underlayMtu: 9000 } } });
    expect(lines(hostOf(withFacts, 'b'))).toEqual(
      expect.arrayContaining([
        'ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev ens3 ttl 1 dstport 4789',
        'ip link set vxlan300 mtu 8950',
      ]),
    );
  });

  it('point-to-point with an unknown underlay interface leaves out dev and says the kernel routes', () => {
    const plan = compilePlan(
      topo(
        [host('a', '192.0.2.1', { underlay: { interface: 'auto', address: '192.0.2.1', mtu: 'auto' } }), host('b', '192.0.2.2')],
        [p2p],
        pair(),
      ),
    );
    const a = hostOf(plan, 'a');
    expect(lines(a)).toContain('ip link add vxlan100 type vxlan id 100 remote 192.0.2.2 dstport 4789');
    expect(a.diagnostics.map((d) => d.code)).toEqual(['PLAN_UNDERLAY_INTERFACE_DEFAULT', 'PLAN_MTU_UNKNOWN']);
  });

  it('a point-to-point segment with three members is refused for each member', () => {
    const plan = compilePlan(
      topo(
        [host('a', '192.0.2.1'), host('b', '192.0.2.2'), host('c', '192.0.2.3')],
        [p2p],
        [...pair(), { id: 'mc', hostId: 'c', segmentId: 's' }],
      ),
    );
    for (const hp of plan.hosts) expect(hp.steps).toEqual([]);
  });
});

describe('MTU', () => {
  const seg = (mtu: number | 'auto'): SegmentIn => ({ ...p2p, mtu });
  const mtuOf = (t: Topology, facts = {}): number | undefined =>
    desiredHostState(t, 'a', facts).links.find((l) => l.kind === 'vxlan')?.mtu;

  it('"auto" is the underlay MTU minus 50 over IPv4 and minus 70 over IPv6 (RFC 7348)', () => {
    expect(
      mtuOf(
        topo(
          [host('a', '192.0.2.1', { underlay: { interface: 'eth0', address: '192.0.2.1', mtu: 9000 } }), host('b', '192.0.2.2')],
          [seg('auto')],
          pair(seg('auto')),
        ),
      ),
    ).toBe(8950);
    expect(mtuOf(topo([host('a', '2001:db8::1'), host('b', '2001:db8::2')], [seg('auto')], pair(seg('auto'))))).toBe(1430);
  });

  it('"auto" uses the underlay MTU read from the host when the file says "auto"', () => {
    const a = host('a', '192.0.2.1', { underlay: { interface: 'eth0', address: '192.0.2.1', mtu: 'auto' } });
    const t = topo([a, host('b', '192.0.2.2')], [seg('auto')], pair(seg('auto')));
    expect(mtuOf(t, { a: { underlayMtu: 1400 } })).toBe(1350);
    expect(mtuOf(t)).toBeUndefined();
    const d = desiredHostState(t, 'a').diagnostics;
    expect(d).toEqual([expect.objectContaining({ code: 'PLAN_MTU_UNKNOWN', severity: 'info', path: 'segments[0].mtu' })]);
  });

  it('an explicit MTU wins', () => {
    expect(mtuOf(topo([host('a', '192.0.2.1'), host('b', '192.0.2.2')], [seg(1400)], pair(seg(1400))))).toBe(1400);
  });
});

describe('bridges, ports and addresses', () => {
  it('puts the address on the bridge when there is one, on the VXLAN device otherwise, and attaches extra ports', () => {
    const mesh: SegmentIn = { id: 'm', name: 'm', vni: 5, flood: { mode: 'unicast-mesh' } };
    const t = topo(
      [host('a', '192.0.2.1', { bridges: ['br0'] }), host('b', '192.0.2.2')],
      [p2p, mesh],
      [
        ...pair(p2p, { bridge: 'br0', address: '10.0.0.1/24', bridgePorts: ['tap0', 'veth-c1'] }),
        { id: 'm1', hostId: 'a', segmentId: 'm', address: 'fd00::1/64' },
        { id: 'm2', hostId: 'b', segmentId: 'm' },
      ],
    );
    const a = lines(hostOf(compilePlan(t), 'a'));
    expect(a).toEqual(
      expect.arrayContaining([
        'ip addr add 10.0.0.1/24 dev br0',
        'ip addr add fd00::1/64 dev vxlan5',
        'ip link set tap0 master br0',
        'ip link set veth-c1 master br0',
      ]),
    );
    // Ports are not ours: never created, never brought up or deleted by the plan.
    expect(a.filter((l) => l.includes('tap0'))).toEqual(['ip link set tap0 master br0']);
  });

  it('never enslaves the interface carrying the SSH session', () => {
    const t = topo(
      [host('a', '192.0.2.1', { bridges: ['br0'] }), host('b', '192.0.2.2')],
      [p2p],
      pair(p2p, { bridge: 'br0', bridgePorts: ['ens4'] }),
    );
    const a = hostOf(compilePlan(t, { facts: { a: { sshInterface: 'ens4' } } }), 'a');
    expect(a.steps).toEqual([]);
    expect(a.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PLAN_PROTECTED', path: 'memberships[0].bridgePorts[0]' }),
    );
  });

  it('writes names ip(8) could read as a keyword in the explicit name/dev form (br -> broadcast, up)', () => {
    const t = topo(
      [host('a', '192.0.2.1', { bridges: ['br'] }), host('b', '192.0.2.2')],
      [p2p],
      pair(p2p, { device: 'up', bridge: 'br' }),
    );
    expect(lines(hostOf(compilePlan(t), 'a'))).toEqual([
      'ip link add name br type bridge',
      'ip link set dev br alias vxlan-studio:test',
      'ip link add name up type vxlan id 100 remote 192.0.2.2 dev eth0 dstport 4789',
      'ip link set dev up alias vxlan-studio:test',
      'ip link set dev up mtu 1450',
      'ip link set dev up master br',
      'ip link set dev up up',
      'ip link set dev br up',
    ]);
  });
});

describe('topology-level checks', () => {
  it('refuses every host when validation finds an error (duplicate VNI), and says why', () => {
    const t = topo(
      [host('a', '192.0.2.1'), host('b', '192.0.2.2')],
      [p2p, { ...p2p, id: 's2', name: 's2' }],
      [
        ...pair(),
        { id: 'x', hostId: 'a', segmentId: 's2', device: 'vx2' },
        { id: 'y', hostId: 'b', segmentId: 's2', device: 'vx2' },
      ],
    );
    const plan = compilePlan(t);
    expect(plan.diagnostics).toContainEqual(expect.objectContaining({ code: 'VNI_DUPLICATE', severity: 'error' }));
    for (const hp of plan.hosts) {
      expect(hp.steps).toEqual([]);
      expect(hp.diagnostics).toContainEqual(expect.objectContaining({ code: 'PLAN_REFUSED' }));
    }
  });

  it('warns once that a unicast mesh of 101 hosts grows as N squared, and still compiles it', () => {
    const hosts = Array.from({ length: 101 }, (_, i) =>
      host(`h${i}`, `10.${Math.floor(i / 200)}.${Math.floor(i / 250)}.${(i % 250) + 1}`),
    );
    const mesh: SegmentIn = { id: 'm', name: 'big', vni: 9, flood: { mode: 'unicast-mesh' } };
    const plan = compilePlan(
      topo(
        hosts,
        [mesh],
        hosts.map((h) => ({ id: `m-${h.id}`, hostId: h.id, segmentId: 'm' })),
      ),
    );
    const warnings = plan.diagnostics.filter((d) => d.code === 'MESH_TOO_LARGE');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      severity: 'warning',
      elementId: 'm',
      message: expect.stringMatching(/N squared/) as string,
      hint: expect.stringMatching(/multicast|EVPN/) as string,
    });
    expect(hostOf(plan, 'h0').steps.filter((s) => s.kind === 'fdb-append')).toHaveLength(100);
  });

  it('reports a host id that is not in the topology', () => {
    const plan = compilePlan(topo([host('a', '192.0.2.1'), host('b', '192.0.2.2')], [p2p], pair()), { hostIds: ['nope', 'b'] });
    expect(plan.hosts.map((h) => h.hostId)).toEqual(['b']);
    expect(plan.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PLAN_HOST_UNKNOWN', message: expect.stringContaining('nope') as string }),
    );
  });

  it('prefixes every command with sudo -n for a non-root host script', () => {
    const hp = hostOf(compilePlan(topo([host('a', '192.0.2.1'), host('b', '192.0.2.2')], [p2p], pair())), 'a');
    const commands = hostScript(hp, { sudo: true, descriptions: false }).split('\n').slice(3, -1);
    expect(commands.length).toBe(hp.steps.length);
    for (const c of commands) expect(c).toMatch(/^sudo -n ip /);
  });
});
