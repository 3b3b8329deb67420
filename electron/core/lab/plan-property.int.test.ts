/**
 * Property: any small valid topology over a 4-host lab compiles, applies on real kernels, reads back
 * converged (empty diff), carries overlay traffic, and tears down to exactly the state before. Root only.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology, type TopologyInput } from '../../../shared/model';
import { argvToShell, compilePlan, isStudioMark, teardownHost } from '../../../shared/plan';
import { labDown, labHost, labUp } from './lab';
import { nsRun, nsRunOk } from './netns-exec';
import { applyHostPlan, applySteps, diffLabHost, labFacts, observeNamespace, pingFrom } from './plan-exec';
import { isRoot } from './preflight';
import type { LabState } from './state';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root)
  console.log(
    'plan-property.int.test.ts skipped: applying plans in network namespaces needs root (run the integration tests with sudo)',
  );
const suite = root ? describe : describe.skip;

/** Default lab layout: h1, h3 on 172.30.1.0/24; h2, h4 on 172.30.2.0/24 (routed). */
const HOSTS = ['h1', 'h2', 'h3', 'h4'] as const;
/** Multicast does not cross the lab router: multicast members come from one subnet. */
const SUBNET_1 = ['h1', 'h3'] as const;

const segmentArb = fc.record({
  mode: fc.constantFrom('point-to-point', 'unicast-mesh', 'multicast'),
  members: fc.shuffledSubarray([...HOSTS], { minLength: 2, maxLength: 4 }),
  multicastOrder: fc.shuffledSubarray([...SUBNET_1], { minLength: 2, maxLength: 2 }),
  port: fc.constantFrom(4789, 8472),
  learning: fc.boolean(),
  mtu: fc.oneof(fc.constant('auto' as const), fc.integer({ min: 1280, max: 1450 })),
  ttl: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  bridge: fc.boolean(),
  customDevice: fc.boolean(),
});

type SegmentDraw = typeof segmentArb extends fc.Arbitrary<infer T> ? T : never;

const topologyArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 16_777_215 }), { minLength: 1, maxLength: 3 })
  .chain((vnis) => fc.tuple(fc.constant(vnis), fc.array(segmentArb, { minLength: vnis.length, maxLength: vnis.length })));

function buildTopology(lab: LabState, vnis: number[], segments: SegmentDraw[]): Topology {
  const bridges = new Map<string, string[]>(HOSTS.map((h) => [h, []]));
  const input: TopologyInput = {
    format: CURRENT_FORMAT,
    id: 'prop',
    name: 'property run',
    hosts: [],
    segments: [],
    memberships: [],
  };
  segments.forEach((s, i) => {
    const vni = vnis[i] as number;
    const id = `s${i + 1}`;
    const flood =
      s.mode === 'multicast'
        ? { mode: 'multicast' as const, group: `239.1.${i + 1}.1`, ...(s.ttl === undefined ? {} : { ttl: s.ttl }) }
        : { mode: s.mode };
    input.segments?.push({
      id,
      name: id,
      vni,
      port: s.port,
      mtu: s.mtu,
      learning: s.learning,
      flood,
      subnet: `10.${50 + i}.0.0/24`,
    });
    const members = s.mode === 'multicast' ? s.multicastOrder : s.mode === 'point-to-point' ? s.members.slice(0, 2) : s.members;
    for (const host of members) {
      const bridge = s.bridge ? `bs${i + 1}` : undefined;
      if (bridge) bridges.get(host)?.push(bridge);
      input.memberships?.push({
        id: `${id}-${host}`,
        hostId: host,
        segmentId: id,
        ...(s.customDevice ? { device: `vx-s${i + 1}` } : {}),
        ...(bridge ? { bridge } : {}),
        address: `10.${50 + i}.0.${HOSTS.indexOf(host) + 1}/24`,
      });
    }
  });
  input.hosts = HOSTS.map((h) => {
    const lh = labHost(lab, h);
    return {
      id: h,
      name: h,
      ssh: { host: lh.address },
      underlay: { interface: 'eth0', address: lh.address, mtu: 'auto' },
      bridges: bridges.get(h) ?? [],
    };
  });
  return TopologySchema.parse(input);
}

/** Links, eth0 addresses and routes of a host: what a teardown must leave exactly as it found. */
async function snapshot(ns: string): Promise<string> {
  const o = await observeNamespace(ns);
  const links = o.links.map((l) => `${l.name}:${l.kind ?? ''}:${l.mtu}:${l.alias ?? ''}`).sort();
  const eth0 = o.addresses.filter((a) => a.ifname === 'eth0').map((a) => a.cidr);
  return JSON.stringify({ links, eth0, routes: await nsRunOk(ns, ['ip', '-4', 'route', 'show']) });
}

suite('random valid topologies on a 4-host lab (property, fast-check)', () => {
  const name = randomLabName('prop');
  let lab: LabState;
  const before = new Map<string, string>();

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 4 })).state;
    for (const h of HOSTS) before.set(h, await snapshot(labHost(lab, h).namespace));
  });
  afterAll(async () => {
    await labDown(name);
  });

  it('compile -> apply -> observe gives an empty diff, the overlay carries pings, and teardown restores the hosts', async () => {
    await fc.assert(
      fc.asyncProperty(topologyArb, async ([vnis, draws]) => {
        const topology = buildTopology(lab, vnis, draws);
        try {
          const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
          expect(
            [...plan.diagnostics, ...plan.hosts.flatMap((h) => h.diagnostics)].filter((d) => d.severity === 'error'),
          ).toEqual([]);
          for (const hp of plan.hosts) await applyHostPlan(labHost(lab, hp.hostName).namespace, hp);

          for (const h of HOSTS) {
            expect({ host: h, diff: (await diffLabHost(lab, topology, h)).steps.map((s) => argvToShell(s.argv)) }).toEqual({
              host: h,
              diff: [],
            });
          }

          for (const seg of topology.segments) {
            const [a, b] = topology.memberships.filter((m) => m.segmentId === seg.id);
            if (!a || !b || !b.address) continue;
            const target = b.address.split('/')[0] as string;
            const ok =
              (await pingFrom(labHost(lab, a.hostId).namespace, target)).ok ||
              (await pingFrom(labHost(lab, a.hostId).namespace, target, { count: 3, waitSeconds: 2 })).ok;
            expect({ segment: seg.id, mode: seg.flood.mode, from: a.hostId, to: b.hostId, ok }).toEqual({
              segment: seg.id,
              mode: seg.flood.mode,
              from: a.hostId,
              to: b.hostId,
              ok: true,
            });
          }

          for (const h of HOSTS) {
            const ns = labHost(lab, h).namespace;
            await applySteps(ns, teardownHost(topology.id, await observeNamespace(ns)), h);
            expect({ host: h, state: await snapshot(ns) }).toEqual({ host: h, state: before.get(h) });
          }
        } finally {
          // Whatever failed above, the next run starts from a clean lab.
          for (const h of HOSTS) {
            const ns = labHost(lab, h).namespace;
            for (const l of (await observeNamespace(ns)).links)
              if (isStudioMark(l.alias)) await nsRun(ns, ['ip', 'link', 'del', l.name]);
          }
        }
      }),
      { numRuns: Number(process.env['VXS_PROPERTY_RUNS'] ?? 10), endOnFailure: true },
    );
  });
});
