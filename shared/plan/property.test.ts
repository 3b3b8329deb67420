/**
 * Property tests (fast-check): any valid topology compiles without errors, and the state that applying
 * its plan would leave diffs to nothing (idempotence: a second apply is a no-op). The lab's
 * integration tests check the same on real kernels; here the "applied" state is
 * `observedAfterApply`, so these runs cover many more shapes than a kernel run could.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology, type TopologyInput } from '../model';
import type { ObservedHostState } from '../observe';
import { compilePlan, desiredHostState, diffHost, observedAfterApply, teardownHost } from './index';

type SegmentIn = NonNullable<TopologyInput['segments']>[number];
type MembershipIn = NonNullable<TopologyInput['memberships']>[number];

const segmentArb = fc.record({
  mode: fc.constantFrom('point-to-point', 'unicast-mesh', 'multicast'),
  members: fc.uniqueArray(fc.nat(7), { minLength: 2, maxLength: 8 }),
  learning: fc.boolean(),
  port: fc.oneof(fc.constant(4789), fc.integer({ min: 1024, max: 65535 })),
  mtu: fc.oneof(fc.constant('auto' as const), fc.integer({ min: 1280, max: 1400 })),
  ttl: fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
  bridge: fc.boolean(),
  address: fc.boolean(),
  device: fc.option(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,9}$/), { nil: undefined }),
  ports: fc.nat(2),
});

const topologyArb = fc
  .record({
    hostCount: fc.integer({ min: 2, max: 8 }),
    underlayMtu: fc.array(fc.oneof(fc.constant('auto' as const), fc.constantFrom(1500, 9000)), { minLength: 8, maxLength: 8 }),
    vnis: fc.uniqueArray(fc.integer({ min: 1, max: 16_777_215 }), { minLength: 1, maxLength: 4 }),
    segments: fc.array(segmentArb, { minLength: 4, maxLength: 4 }),
  })
  .map(({ hostCount, underlayMtu, vnis, segments }): Topology => {
    const hosts = Array.from({ length: hostCount }, (_, i) => ({
      id: `h${i}`,
      name: `host-${i}`,
      ssh: { host: `h${i}.example` },
      underlay: { interface: i % 2 === 0 ? 'eth0' : 'ens3', address: `192.0.2.${i + 1}`, mtu: underlayMtu[i] ?? 1500 },
      bridges: [] as string[],
    }));
    const segs: SegmentIn[] = [];
    const memberships: MembershipIn[] = [];
    vnis.forEach((vni, si) => {
      const s = segments[si];
      if (s === undefined) return;
      let members = [...new Set(s.members.map((m) => m % hostCount))];
      if (members.length < 2) members = [0, 1];
      if (s.mode === 'point-to-point') members = members.slice(0, 2);
      const flood =
        s.mode === 'multicast'
          ? { mode: 'multicast' as const, group: `239.1.${si}.1`, ...(s.ttl === undefined ? {} : { ttl: s.ttl }) }
          : { mode: s.mode };
      segs.push({
        id: `s${si}`,
        name: `seg-${si}`,
        vni,
        port: s.port,
        mtu: s.mtu,
        learning: s.learning,
        flood,
        subnet: `10.${si}.0.0/24`,
      });
      for (const h of members) {
        const host = hosts[h];
        if (host === undefined) continue;
        const m: MembershipIn = { id: `m${si}-${h}`, hostId: host.id, segmentId: `s${si}` };
        // Device names must be unique per host and differ from every other interface there (bridges
        // br<n>, taps tap<n><p>, the underlay, default vxlan<vni>): prefix "dv", suffix the segment index.
        if (s.device !== undefined) m.device = `dv${s.device}${si}`;
        if (s.bridge) {
          const br = `br${si}`;
          host.bridges.push(br);
          m.bridge = br;
          m.bridgePorts = Array.from({ length: s.ports }, (_, p) => `tap${si}${p}`);
        }
        if (s.address) m.address = `10.${si}.0.${h + 1}/24`;
        memberships.push(m);
      }
    });
    return TopologySchema.parse({ format: CURRENT_FORMAT, id: 'prop', name: 'Property', hosts, segments: segs, memberships });
  });

/** What a host has before we arrive: loopback, its underlay, and the VM taps the topology names. */
function hostBase(t: Topology, hostId: string): ObservedHostState {
  const host = t.hosts.find((h) => h.id === hostId);
  const links = [
    { name: 'lo', ifindex: 1, mtu: 65536, up: true },
    {
      name: host?.underlay.interface === 'auto' ? 'eth0' : (host?.underlay.interface ?? 'eth0'),
      ifindex: 2,
      mtu: 1500,
      up: true,
    },
  ];
  return {
    links,
    addresses: [
      { ifname: links[1]?.name ?? 'eth0', cidr: `${host?.underlay.address ?? ''}/24`, family: 'inet', scope: 'global' },
    ],
    fdb: [],
  };
}

describe('plans of random valid topologies', () => {
  it('compile without errors, and the applied state diffs to nothing on every host', () => {
    fc.assert(
      fc.property(topologyArb, (t) => {
        const plan = compilePlan(t);
        const errors = [...plan.diagnostics, ...plan.hosts.flatMap((h) => h.diagnostics)].filter((d) => d.severity === 'error');
        expect(errors).toEqual([]);
        // Every segment has members, so every plan has work to do on at least two hosts.
        expect(plan.hosts.filter((h) => h.steps.length > 0).length).toBeGreaterThanOrEqual(2);
        for (const hp of plan.hosts) {
          const desired = desiredHostState(t, hp.hostId);
          const applied = observedAfterApply(desired, hostBase(t, hp.hostId));
          expect(diffHost(desired, applied)).toEqual({ steps: [], diagnostics: [] });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('tear down exactly the links they created, leaving the host as it was', () => {
    fc.assert(
      fc.property(topologyArb, (t) => {
        for (const host of t.hosts) {
          const desired = desiredHostState(t, host.id);
          const base = hostBase(t, host.id);
          const steps = teardownHost(t.id, observedAfterApply(desired, base));
          const deleted = steps
            .filter((s) => s.kind === 'link-del')
            .map((s) => s.target)
            .sort();
          expect(deleted).toEqual(desired.links.map((l) => l.name).sort());
          expect(
            steps
              .filter((s) => s.kind === 'link-nomaster')
              .map((s) => s.target)
              .sort(),
          ).toEqual(desired.ports.map((p) => p.ifname).sort());
          for (const s of steps) expect(base.links.map((l) => l.name)).not.toContain(s.target);
        }
      }),
      { numRuns: 100 },
    );
  });
});
