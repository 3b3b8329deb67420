/**
 * Compiled plans on real kernels: applied inside lab namespaces exactly as the exported script runs,
 * read back with the deploy's own observe commands, diffed. Root only.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopologyText, CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import {
  isStudioMark,
  ownerMark,
  compilePlan,
  compileTeardown,
  argvToShell,
  hostScript,
  teardownHost,
  type Step,
} from '../../../shared/plan';
import type { ObservedHostState } from '../../../shared/observe';
import { mapLimit } from './exec';
import { labDown, labHost, labUp } from './lab';
import { nsRunOk } from './netns-exec';
import {
  applyHostPlan,
  applyScript,
  applySteps,
  convergeLabHost,
  diffLabHost,
  labFacts,
  observeNamespace,
  pingFrom,
} from './plan-exec';
import { isRoot } from './preflight';
import type { LabHostSpec } from './spec';
import type { LabState } from './state';
import { labTopology } from './topology';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root)
  console.log('plan.int.test.ts skipped: applying plans in network namespaces needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

/** What must survive a teardown untouched: every interface that is not ours, eth0's addresses, the routes. */
interface Baseline {
  links: string[];
  eth0: string[];
  routes: string;
}

async function baseline(ns: string): Promise<Baseline> {
  const observed = await observeNamespace(ns);
  return {
    links: observed.links
      .filter((l) => !isStudioMark(l.alias))
      .map((l) => `${l.name} ${l.kind ?? ''} mtu ${l.mtu} ${l.up ? 'up' : 'down'}`)
      .sort(),
    eth0: observed.addresses
      .filter((a) => a.ifname === 'eth0')
      .map((a) => a.cidr)
      .sort(),
    routes: await nsRunOk(ns, ['ip', '-4', 'route', 'show']),
  };
}

/**
 * Adds interfaces nobody in the topology knows (a veth pair with an address: this kernel has no
 * dummy module), to prove plans leave foreign interfaces alone.
 */
async function addForeignInterface(ns: string): Promise<void> {
  await nsRunOk(ns, ['ip', 'link', 'add', 'keepme0', 'type', 'veth', 'peer', 'name', 'keepme1']);
  await nsRunOk(ns, ['ip', 'addr', 'add', '198.18.0.1/32', 'dev', 'keepme0']);
  await nsRunOk(ns, ['ip', 'link', 'set', 'keepme0', 'up']);
}

async function applyTopology(lab: LabState, topology: Topology): Promise<void> {
  const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
  expect([...plan.diagnostics, ...plan.hosts.flatMap((h) => h.diagnostics)].filter((d) => d.severity === 'error')).toEqual([]);
  await mapLimit(plan.hosts, 4, (hp) => applyHostPlan(labHost(lab, hp.hostName).namespace, hp));
}

/** Every (from, to) pair of a segment's members that cannot ping the other's overlay address. */
async function failingPairs(lab: LabState, members: ReadonlyArray<{ host: string; address: string }>): Promise<string[]> {
  const pairs = members.flatMap((a) => members.filter((b) => b !== a).map((b) => ({ a, b })));
  const results = await mapLimit(pairs, 4, async ({ a, b }) => {
    const r = await pingFrom(labHost(lab, a.host).namespace, b.address.split('/')[0] as string, { count: 1, waitSeconds: 2 });
    // One retry: the very first packet may be spent on ARP over a fresh overlay.
    const ok =
      r.ok ||
      (await pingFrom(labHost(lab, a.host).namespace, b.address.split('/')[0] as string, { count: 2, waitSeconds: 2 })).ok;
    return ok ? undefined : `${a.host} -> ${b.host} (${b.address})`;
  });
  return results.filter((r): r is string => r !== undefined);
}

function members(topology: Topology, segmentId: string): Array<{ host: string; address: string }> {
  return topology.memberships
    .filter((m) => m.segmentId === segmentId && m.address !== undefined)
    .map((m) => ({ host: topology.hosts.find((h) => h.id === m.hostId)?.name ?? '', address: m.address ?? '' }));
}

/** `ping -M do -s <mtu-28>` must pass and `-s <mtu-27>` must fail locally with "message too long". */
async function expectOverlayMtu(lab: LabState, from: string, to: string, mtu: number): Promise<void> {
  const ns = labHost(lab, from).namespace;
  const fits = await pingFrom(ns, to, { size: mtu - 28, dontFragment: true, count: 2 });
  expect({ from, to, size: mtu - 28, ok: fits.ok }).toEqual({ from, to, size: mtu - 28, ok: true });
  const tooBig = await pingFrom(ns, to, { size: mtu - 27, dontFragment: true });
  expect({ from, to, size: mtu - 27, ok: tooBig.ok, messageTooLong: tooBig.messageTooLong }).toEqual({
    from,
    to,
    size: mtu - 27,
    ok: false,
    messageTooLong: true,
  });
}

function lines(steps: readonly Step[]): string[] {
  return steps.map((s) => argvToShell(s.argv));
}

/** Ifindex of every link we own: a re-created device gets a new one, so equal maps mean "nothing was touched". */
function ownedIfindexes(observed: ObservedHostState): Record<string, number> {
  return Object.fromEntries(observed.links.filter((l) => isStudioMark(l.alias)).map((l) => [l.name, l.ifindex]));
}

async function expectTeardownClean(
  lab: LabState,
  topology: Topology,
  before: Map<string, Baseline>,
  useScript: (host: string) => boolean,
): Promise<void> {
  const compiled = compileTeardown(topology, { facts: labFacts(lab, topology) });
  for (const h of topology.hosts) {
    const ns = labHost(lab, h.name).namespace;
    if (useScript(h.name)) {
      // The exported (guarded) teardown script, compiled without reading the host.
      const hp = compiled.hosts.find((x) => x.hostId === h.id);
      if (!hp) throw new Error(`no teardown for ${h.name}`);
      await applyScript(ns, hostScript(hp));
    } else {
      await applySteps(ns, teardownHost(topology.id, await observeNamespace(ns)), h.name);
    }
  }
  for (const h of topology.hosts) {
    const ns = labHost(lab, h.name).namespace;
    const after = await observeNamespace(ns);
    expect({ host: h.name, ours: after.links.filter((l) => isStudioMark(l.alias)).map((l) => l.name) }).toEqual({
      host: h.name,
      ours: [],
    });
    expect({ host: h.name, ...(await baseline(ns)) }).toEqual({ host: h.name, ...before.get(h.name) });
  }
}

suite('the textbook topology (192.168.1.10/24 and 192.168.1.20/24 on eth0) on real kernels', () => {
  const name = randomLabName('tb');
  let lab: LabState;
  let topology: Topology;
  const before = new Map<string, Baseline>();

  beforeAll(async () => {
    const parsed = parseTopologyText(await readFile(new URL('../../../examples/textbook.vxlan.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error(`examples/textbook.vxlan.json does not parse: ${JSON.stringify(parsed.issues)}`);
    topology = parsed.topology;
    const hosts: LabHostSpec[] = topology.hosts.map((h) => ({ name: h.name, address: `${h.underlay.address}/24` }));
    lab = (await labUp({ name, hosts })).state;
    for (const h of lab.hosts) {
      await addForeignInterface(h.namespace);
      before.set(h.name, await baseline(h.namespace));
    }
    await applyTopology(lab, topology);
  });
  afterAll(async () => {
    await labDown(name);
  });

  it('applies the primer commands: a point-to-point vxlan100 to the peer over eth0, bridge br-overlay, 10.0.0.1/24', () => {
    const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
    expect(lines(plan.hosts[0]?.steps ?? [])).toEqual(
      expect.arrayContaining([
        'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789',
        'ip link add br-overlay type bridge',
        'ip link set vxlan100 master br-overlay',
        'ip addr add 10.0.0.1/24 dev br-overlay',
        'ip link set vxlan100 up',
        'ip link set br-overlay up',
      ]),
    );
  });

  it('gives a working L2 overlay: each host pings the other overlay address', async () => {
    expect(await failingPairs(lab, members(topology, 'seg-100'))).toEqual([]);
  });

  it('carries exactly MTU-sized packets with DF set and refuses one byte more (mtu 1450)', async () => {
    await expectOverlayMtu(lab, 'host-a', '10.0.0.2', 1450);
    await expectOverlayMtu(lab, 'host-b', '10.0.0.1', 1450);
  });

  it('reads back as converged: the diff is empty and converging again touches nothing', async () => {
    for (const h of lab.hosts) {
      const beforeIdx = ownedIfindexes(await observeNamespace(h.namespace));
      expect({ host: h.name, steps: lines((await diffLabHost(lab, topology, h.name)).steps) }).toEqual({
        host: h.name,
        steps: [],
      });
      expect(await convergeLabHost(lab, topology, h.name)).toEqual([]);
      expect(ownedIfindexes(await observeNamespace(h.namespace))).toEqual(beforeIdx);
    }
  });

  it('tears down to exactly what was there before (eth0, its address, routes and a foreign veth untouched)', async () => {
    // host-a uses the live teardown, host-b the exported guarded script.
    await expectTeardownClean(lab, topology, before, (host) => host === 'host-b');
  });
});

suite('a 5-host unicast mesh across two routed subnets on real kernels', () => {
  const name = randomLabName('mesh');
  let lab: LabState;
  let topology: Topology;
  const before = new Map<string, Baseline>();
  const ns = (host: string): string => labHost(lab, host).namespace;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 5 })).state;
    // The topology `lab up --write-topology` writes: one mesh segment, VNI 100, br100, 10.100.0.<i>/24.
    topology = labTopology(lab, { id: 'labmesh' });
    for (const h of lab.hosts) {
      await addForeignInterface(h.namespace);
      before.set(h.name, await baseline(h.namespace));
    }
    await applyTopology(lab, topology);
  });
  afterAll(async () => {
    await labDown(name);
  });

  it('lets every overlay address ping every other (20 pairs, half of them routed between subnets)', async () => {
    expect(await failingPairs(lab, members(topology, 'seg100'))).toEqual([]);
  });

  it('carries 1450-byte DF packets across the overlay and refuses 1451, on a routed and on a same-subnet pair', async () => {
    await expectOverlayMtu(lab, 'h1', '10.100.0.2', 1450);
    await expectOverlayMtu(lab, 'h1', '10.100.0.3', 1450);
  });

  it('reads back as converged on every host: empty diff, nothing re-created', async () => {
    for (const h of lab.hosts) {
      const beforeIdx = ownedIfindexes(await observeNamespace(h.namespace));
      expect({ host: h.name, steps: lines(await convergeLabHost(lab, topology, h.name)) }).toEqual({ host: h.name, steps: [] });
      expect(ownedIfindexes(await observeNamespace(h.namespace))).toEqual(beforeIdx);
    }
  });

  it('fixes a deleted VXLAN device with exactly its own from-scratch steps, and converges', async () => {
    await nsRunOk(ns('h3'), ['ip', 'link', 'del', 'vxlan100']);
    const scratch = compilePlan(topology, { facts: labFacts(lab, topology), hostIds: ['h3'] }).hosts[0]?.steps ?? [];
    const diff = await diffLabHost(lab, topology, 'h3');
    expect(lines(diff.steps)).toEqual(lines(scratch.filter((s) => s.target === 'vxlan100')));
    expect(lines(diff.steps)).toContain('ip link add vxlan100 type vxlan id 100 local 172.30.1.13 dev eth0 dstport 4789');
    await applySteps(ns('h3'), diff.steps);
    expect(lines((await diffLabHost(lab, topology, 'h3')).steps)).toEqual([]);
    expect(
      await failingPairs(
        lab,
        members(topology, 'seg100').filter((m) => m.host === 'h3' || m.host === 'h4'),
      ),
    ).toEqual([]);
  });

  it('fixes a wrong MTU with exactly one `ip link set ... mtu`, and converges', async () => {
    await nsRunOk(ns('h2'), ['ip', 'link', 'set', 'vxlan100', 'mtu', '1400']);
    const diff = await diffLabHost(lab, topology, 'h2');
    expect(lines(diff.steps)).toEqual(['ip link set vxlan100 mtu 1450']);
    await applySteps(ns('h2'), diff.steps);
    expect(lines((await diffLabHost(lab, topology, 'h2')).steps)).toEqual([]);
    await expectOverlayMtu(lab, 'h2', '10.100.0.1', 1450);
  });

  it('fixes a missing FDB entry with exactly one `bridge fdb append`, and converges', async () => {
    await nsRunOk(ns('h1'), ['bridge', 'fdb', 'del', '00:00:00:00:00:00', 'dev', 'vxlan100', 'dst', '172.30.1.15']);
    const diff = await diffLabHost(lab, topology, 'h1');
    expect(lines(diff.steps)).toEqual(['bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 172.30.1.15']);
    await applySteps(ns('h1'), diff.steps);
    expect(lines((await diffLabHost(lab, topology, 'h1')).steps)).toEqual([]);
  });

  it('removes a stray FDB entry with exactly one `bridge fdb del`, and converges', async () => {
    await nsRunOk(ns('h4'), ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan100', 'dst', '172.30.2.99']);
    const diff = await diffLabHost(lab, topology, 'h4');
    expect(lines(diff.steps)).toEqual(['bridge fdb del 00:00:00:00:00:00 dev vxlan100 dst 172.30.2.99']);
    await applySteps(ns('h4'), diff.steps);
    expect(lines((await diffLabHost(lab, topology, 'h4')).steps)).toEqual([]);
  });

  it('still pings every pair after all the fixes', async () => {
    expect(await failingPairs(lab, members(topology, 'seg100'))).toEqual([]);
  });

  it('tears down everything carrying our mark and nothing else', async () => {
    await expectTeardownClean(lab, topology, before, (host) => host === 'h5');
    for (const h of lab.hosts) {
      const aliases = (await observeNamespace(h.namespace)).links.map((l) => l.alias);
      expect(aliases).not.toContain(ownerMark(topology.id));
    }
  });
});

suite('a multicast segment (hosts on one underlay subnet) on real kernels', () => {
  const name = randomLabName('mc');
  let lab: LabState;
  let topology: Topology;
  const before = new Map<string, Baseline>();

  beforeAll(async () => {
    lab = (
      await labUp({ name, hosts: [{ address: '172.30.1.11/24' }, { address: '172.30.1.12/24' }, { address: '172.30.1.13/24' }] })
    ).state;
    // Address on the VXLAN device itself (no bridge), MTU "auto" from the underlay: the other shapes.
    topology = TopologySchema.parse({
      format: CURRENT_FORMAT,
      id: 'labmcast',
      name: 'multicast',
      hosts: lab.hosts.map((h) => ({
        id: h.name,
        name: h.name,
        ssh: { host: h.address },
        underlay: { interface: 'eth0', address: h.address, mtu: 'auto' },
      })),
      segments: [
        {
          id: 'mc',
          name: 'mc',
          vni: 300,
          mtu: 'auto',
          flood: { mode: 'multicast', group: '239.1.1.100' },
          subnet: '10.30.0.0/24',
        },
      ],
      memberships: lab.hosts.map((h, i) => ({
        id: `m${i + 1}`,
        hostId: h.name,
        segmentId: 'mc',
        address: `10.30.0.${i + 1}/24`,
      })),
    });
    for (const h of lab.hosts) before.set(h.name, await baseline(h.namespace));
    await applyTopology(lab, topology);
  });
  afterAll(async () => {
    await labDown(name);
  });

  it('creates the device with `group 239.1.1.100 dev eth0 ttl` and no head-end FDB entries', () => {
    const steps = lines(compilePlan(topology, { facts: labFacts(lab, topology) }).hosts[0]?.steps ?? []);
    expect(steps.find((s) => s.startsWith('ip link add vxlan300'))).toMatch(
      /^ip link add vxlan300 type vxlan id 300 group 239\.1\.1\.100 dev eth0 ttl \d+ dstport 4789$/,
    );
    expect(steps.filter((s) => s.startsWith('bridge fdb'))).toEqual([]);
  });

  it('lets every overlay address ping every other through multicast flooding', async () => {
    expect(await failingPairs(lab, members(topology, 'mc'))).toEqual([]);
  });

  it('uses the underlay MTU minus 50 (1450) when the segment MTU is auto, and enforces it with DF', async () => {
    await expectOverlayMtu(lab, 'h1', '10.30.0.2', 1450);
  });

  it('reads back as converged (empty diff) and tears down cleanly', async () => {
    for (const h of lab.hosts)
      expect({ host: h.name, steps: lines((await diffLabHost(lab, topology, h.name)).steps) }).toEqual({
        host: h.name,
        steps: [],
      });
    await expectTeardownClean(lab, topology, before, (host) => host === 'h2');
  });
});
