/**
 * A unicast mesh over an IPv6 underlay on real kernels: VXLAN over IPv6 costs 70 bytes (RFC 7348:
 * outer IPv6 40 + UDP 8 + VXLAN 8 + inner Ethernet 14), so "auto" must give 1430 on a 1500-byte
 * underlay, the devices must bind the IPv6 local address, and the head-end FDB entries must name
 * IPv6 peers. Three scratch namespaces behind a router on two routed /64s (like the lab, but IPv6),
 * built and torn down here. Root only.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import {
  argvToShell,
  compilePlan,
  desiredHostState,
  diffHost,
  isStudioMark,
  teardownHost,
  type HostFacts,
} from '../../../shared/plan';
import { runOk } from './exec';
import { deleteNamespace } from './netns';
import { nsRunOk } from './netns-exec';
import { applyHostPlan, applySteps, observeNamespace, pingFrom } from './plan-exec';
import { findExecutable, isRoot } from './preflight';

const root = isRoot();
if (!root) console.log('plan-ipv6.int.test.ts skipped: it builds network namespaces, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;

const PREFIX = `vxs6-${randomBytes(3).toString('hex')}`;
const R = `${PREFIX}-r`;
/** a on the first /64, b and c on the second: one routed pair kind and one same-subnet kind. */
const HOSTS = [
  { id: 'a', ns: `${PREFIX}-a`, addr: 'fd00:99:6::2', gw: 'fd00:99:6::1', port: 'ra', overlay: '10.210.0.1' },
  { id: 'b', ns: `${PREFIX}-b`, addr: 'fd00:99:2::2', gw: 'fd00:99:2::1', port: 'rb', overlay: '10.210.0.2' },
  { id: 'c', ns: `${PREFIX}-c`, addr: 'fd00:99:2::3', gw: 'fd00:99:2::1', port: 'rc', overlay: '10.210.0.3' },
] as const;

const ip = (): string => findExecutable('ip') ?? 'ip';

async function build(): Promise<void> {
  await runOk(ip(), ['netns', 'add', R]);
  await runOk(ip(), ['-n', R, 'link', 'set', 'lo', 'up']);
  await nsRunOk(R, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
  // b and c share the second subnet through a bridge on the router.
  await runOk(ip(), ['-n', R, 'link', 'add', 'lan2', 'type', 'bridge']);
  await runOk(ip(), ['-n', R, 'addr', 'add', 'fd00:99:2::1/64', 'dev', 'lan2', 'nodad']);
  await runOk(ip(), ['-n', R, 'link', 'set', 'lan2', 'up']);
  for (const h of HOSTS) {
    await runOk(ip(), ['netns', 'add', h.ns]);
    await runOk(ip(), ['-n', h.ns, 'link', 'set', 'lo', 'up']);
    await runOk(ip(), ['-n', R, 'link', 'add', h.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
    if (h.id === 'a') await runOk(ip(), ['-n', R, 'addr', 'add', 'fd00:99:6::1/64', 'dev', h.port, 'nodad']);
    else await runOk(ip(), ['-n', R, 'link', 'set', h.port, 'master', 'lan2']);
    await runOk(ip(), ['-n', R, 'link', 'set', h.port, 'up']);
    // nodad: usable at once instead of after duplicate address detection.
    await runOk(ip(), ['-n', h.ns, 'addr', 'add', `${h.addr}/64`, 'dev', 'eth0', 'nodad']);
    await runOk(ip(), ['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    await runOk(ip(), ['-n', h.ns, '-6', 'route', 'add', 'default', 'via', h.gw]);
  }
}

const topology: Topology = TopologySchema.parse({
  format: CURRENT_FORMAT,
  id: 'v6mesh',
  name: 'IPv6 underlay mesh',
  hosts: HOSTS.map((h) => ({
    id: h.id,
    name: h.id,
    ssh: { host: h.addr },
    underlay: { interface: 'eth0', address: h.addr, mtu: 'auto' },
    bridges: ['br210'],
  })),
  segments: [{ id: 's', name: 'overlay 210', vni: 210, mtu: 'auto', flood: { mode: 'unicast-mesh' } }],
  memberships: HOSTS.map((h) => ({ id: `m${h.id}`, hostId: h.id, segmentId: 's', bridge: 'br210', address: `${h.overlay}/24` })),
});

const facts: Record<string, HostFacts> = Object.fromEntries(
  HOSTS.map((h) => [h.id, { underlayInterface: 'eth0', underlayAddress: h.addr, underlayMtu: 1500 }]),
);

suite('a unicast mesh over an IPv6 underlay on real kernels', () => {
  beforeAll(async () => {
    await build();
    const plan = compilePlan(topology, { facts });
    expect([...plan.diagnostics, ...plan.hosts.flatMap((h) => h.diagnostics)].filter((d) => d.severity === 'error')).toEqual([]);
    for (const hp of plan.hosts) await applyHostPlan(HOSTS.find((h) => h.id === hp.hostId)?.ns ?? '', hp);
  }, 60_000);

  afterAll(async () => {
    for (const ns of [...HOSTS.map((h) => h.ns), R]) await deleteNamespace(ip(), ns).catch(() => undefined);
  });

  it('binds the IPv6 local address, uses MTU 1500 - 70 = 1430, and floods to each IPv6 peer', () => {
    const a = compilePlan(topology, { facts }).hosts.find((h) => h.hostId === 'a');
    const shell = (a?.steps ?? []).map((s) => argvToShell(s.argv));
    expect(shell).toEqual(
      expect.arrayContaining([
        'ip link add vxlan210 type vxlan id 210 local fd00:99:6::2 dev eth0 dstport 4789',
        'ip link set vxlan210 mtu 1430',
        'bridge fdb append 00:00:00:00:00:00 dev vxlan210 dst fd00:99:2::2',
        'bridge fdb append 00:00:00:00:00:00 dev vxlan210 dst fd00:99:2::3',
      ]),
    );
  });

  it('lets every overlay address ping every other, routed and same-subnet pairs alike', async () => {
    const failing: string[] = [];
    for (const from of HOSTS)
      for (const to of HOSTS.filter((x) => x !== from)) {
        const ok =
          (await pingFrom(from.ns, to.overlay, { count: 1, waitSeconds: 2 })).ok ||
          (await pingFrom(from.ns, to.overlay, { count: 2, waitSeconds: 2 })).ok;
        if (!ok) failing.push(`${from.id} -> ${to.id}`);
      }
    expect(failing).toEqual([]);
  });

  it('carries 1430-byte DF packets over the IPv6 underlay and refuses 1431 locally', async () => {
    const fits = await pingFrom(HOSTS[0].ns, HOSTS[1].overlay, { size: 1430 - 28, dontFragment: true, count: 2 });
    expect(fits.ok, fits.output).toBe(true);
    const tooBig = await pingFrom(HOSTS[0].ns, HOSTS[1].overlay, { size: 1430 - 27, dontFragment: true });
    expect({ ok: tooBig.ok, messageTooLong: tooBig.messageTooLong }).toEqual({ ok: false, messageTooLong: true });
  });

  it('reads back as converged on every host, then tears down to nothing of ours', async () => {
    for (const h of HOSTS) {
      const observed = await observeNamespace(h.ns, h.id);
      const desired = desiredHostState(topology, h.id, facts);
      expect({ host: h.id, steps: diffHost(desired, observed).steps.map((s) => argvToShell(s.argv)) }).toEqual({
        host: h.id,
        steps: [],
      });
    }
    for (const h of HOSTS) await applySteps(h.ns, teardownHost(topology.id, await observeNamespace(h.ns, h.id)), h.id);
    for (const h of HOSTS) {
      const after = await observeNamespace(h.ns, h.id);
      expect({ host: h.id, ours: after.links.filter((l) => isStudioMark(l.alias)).map((l) => l.name) }).toEqual({
        host: h.id,
        ours: [],
      });
      expect(after.addresses.filter((x) => x.ifname === 'eth0').map((x) => x.cidr)).toContain(`${h.addr}/64`);
    }
  });
});
