/**
 * The deploy runner against real hosts: lab namespaces with their own sshd, reached over SSH (the
 * pool in ../ssh) from the lab's controller namespace, applying on real kernels. Root only.
 */
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopologyText, serializeTopology, TopologySchema, type Topology } from '../../../shared/model';
import { isStudioMark } from '../../../shared/plan';
import { freezeHostSshd, thawHostSshd } from '../lab/faults';
import { labDown, labHost, labUp, restartSshd, rotateHostKey } from '../lab/lab';
import { nsRunOk } from '../lab/netns-exec';
import { observeNamespace } from '../lab/plan-exec';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import type { SshEvent } from '../ssh';
import { addForeignLink, killHostSshd, overlayPingFailures, ownedIfindexes, removeLockFiles } from '../lab/lab-check';
import { CANCEL_GRACE_MS, runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';
import type { DeployResult } from './types';

const root = isRoot();
if (!root)
  console.log('deploy.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

const outcomes = (r: DeployResult): Record<string, string> => Object.fromEntries(r.hosts.map((h) => [h.hostName, h.outcome]));

/** What a host looks like apart from our devices' ifindexes: every link, every address, every FDB entry with a dst. */
async function snapshot(lab: LabState, host: string): Promise<{ links: string[]; addresses: string[]; fdb: string[] }> {
  const o = await observeNamespace(labHost(lab, host).namespace, host);
  return {
    links: o.links
      .map((l) => `${l.name} ${l.kind ?? '-'} ${l.alias ?? '-'} mtu ${l.mtu} master ${l.master ?? '-'} ${l.up ? 'up' : 'down'}`)
      .sort(),
    addresses: o.addresses
      .filter((a) => a.scope !== 'link')
      .map((a) => `${a.ifname} ${a.cidr}`)
      .sort(),
    fdb: o.fdb
      .filter((f) => f.dst !== undefined)
      .map((f) => `${f.ifname} ${f.mac} ${f.dst ?? ''}`)
      .sort(),
  };
}

suite('deploying the textbook topology (192.168.1.10/24 and 192.168.1.20/24) over SSH', () => {
  const name = randomLabName('dtb');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;

  beforeAll(async () => {
    const parsed = parseTopologyText(await readFile(new URL('../../../examples/textbook.vxlan.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error(`examples/textbook.vxlan.json does not parse: ${JSON.stringify(parsed.issues)}`);
    topology = parsed.topology;
    lab = (await labUp({ name, hosts: topology.hosts.map((h) => ({ name: h.name, address: `${h.ssh.host}/24` })) })).state;
    // The example logs in with ssh-agent; the lab authorizes its own client key.
    ssh = createDeploySsh({ ...labSshOptions(lab), identity: lab.keys.clientKey });
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles(['textbook']);
  }, 120_000);

  it('applies on both hosts, and host A pings host B over the overlay and back', async () => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(outcomes(r)).toEqual({ 'host-a': 'applied', 'host-b': 'applied' });
    expect(r.hosts.map((h) => h.steps.map((s) => s.shell)).flat()).toContain(
      'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789',
    );
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 120_000);

  it('reports both hosts unchanged on a second apply and keeps every device (same ifindexes)', async () => {
    const before = { a: await ownedIfindexes(lab, 'host-a'), b: await ownedIfindexes(lab, 'host-b') };
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(outcomes(r)).toEqual({ 'host-a': 'unchanged', 'host-b': 'unchanged' });
    expect(r.hosts.every((h) => h.steps.length === 0)).toBe(true);
    expect({ a: await ownedIfindexes(lab, 'host-a'), b: await ownedIfindexes(lab, 'host-b') }).toEqual(before);
    expect(Object.keys(before.a).sort()).toEqual(['br-overlay', 'vxlan100']);
  }, 120_000);
});

suite('deploying a 5-host unicast mesh over SSH', () => {
  const name = randomLabName('dmesh');
  let lab: LabState;
  let mesh: Topology;
  let ssh: DeploySsh;
  const events: SshEvent[] = [];

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 5 })).state;
    mesh = labTopology(lab);
    ssh = createDeploySsh({ ...labSshOptions(lab), log: (e) => events.push(e) });
  }, 180_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`, 'rollback', 'cancel', 'hung', 'locking', 'killed', 'auto']);
  }, 120_000);

  it('converges all five hosts, and every overlay address pings every other', async () => {
    const r = await runDeploy({ action: 'apply', topology: mesh, connect: ssh.connect, concurrency: 5 });
    expect(outcomes(r)).toEqual({ h1: 'applied', h2: 'applied', h3: 'applied', h4: 'applied', h5: 'applied' });
    expect(r.ok).toBe(true);
    expect(await overlayPingFailures(lab, mesh)).toEqual([]);
  }, 180_000);

  it('reports every host unchanged on a second apply and changes nothing (same ifindexes)', async () => {
    const before = await Promise.all(lab.hosts.map((h) => ownedIfindexes(lab, h.name)));
    const r = await runDeploy({ action: 'apply', topology: mesh, connect: ssh.connect });
    expect(Object.values(outcomes(r))).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await Promise.all(lab.hosts.map((h) => ownedIfindexes(lab, h.name)))).toEqual(before);
  }, 120_000);

  it('undoes the applied steps when a step fails, leaving the host exactly as before', async () => {
    const t = labTopology(lab, { id: 'rollback', vni: 200, bridge: 'br200', subnet: '10.200.0.0/24' });
    const before = await snapshot(lab, 'h1');
    let sabotaged: string | undefined;
    const r = await runDeploy({
      action: 'apply',
      topology: t,
      connect: ssh.connect,
      hostIds: ['h1'],
      // Just before the VXLAN device is created, something else takes its name: `ip link add` fails.
      beforeStep: async (_host, _i, step) => {
        if (step.kind === 'link-add' && step.argv.includes('vxlan')) {
          sabotaged = step.target;
          await addForeignLink(lab, 'h1', step.target);
        }
      },
    });
    const h1 = r.hosts[0];
    expect(h1?.outcome).toBe('rolled-back');
    expect(sabotaged).toBe('vxlan200');
    expect(h1?.failure?.argv.slice(0, 4)).toEqual(['ip', 'link', 'add', 'vxlan200']);
    expect(h1?.failure?.exitCode).not.toBe(0);
    expect(h1?.failure?.stderrTail).toMatch(/exists/i);
    expect(h1?.applied).toBeGreaterThan(0);
    expect(h1?.rollback?.ok).toBe(true);
    await nsRunOk(labHost(lab, 'h1').namespace, ['ip', 'link', 'del', 'vxlan200']);
    expect(await snapshot(lab, 'h1')).toEqual(before);
  }, 120_000);

  it('stops at cancel before the next step and rolls back what the host applied', async () => {
    const t = labTopology(lab, { id: 'cancel', vni: 201, bridge: 'br201', subnet: '10.201.0.0/24' });
    const before = await snapshot(lab, 'h2');
    const controller = new AbortController();
    const ran: number[] = [];
    const r = await runDeploy({
      action: 'apply',
      topology: t,
      connect: ssh.connect,
      hostIds: ['h2'],
      signal: controller.signal,
      beforeStep: (_host, i) => {
        ran.push(i);
        // Rounds: [add br201 + its mark], [add vxlan201 + its mark], then one step each.
        if (i === 4) controller.abort();
      },
    });
    const h2 = r.hosts[0];
    expect(h2?.outcome).toBe('rolled-back');
    expect(h2?.error?.code).toBe('CANCELLED');
    expect(ran).toEqual([0, 2, 4]);
    expect(h2?.applied).toBe(4);
    expect(h2?.steps.length).toBeGreaterThan(5);
    expect(await snapshot(lab, 'h2')).toEqual(before);
  }, 120_000);

  it("lets go of a host that hangs mid-step once Cancel's grace has passed, says its state is unknown, and a re-run after it answers converges", async () => {
    const t = labTopology(lab, { id: 'hung', vni: 203, bridge: 'br203', subnet: '10.203.0.0/24' });
    const hosts = ['h1', 'h2'];
    const controller = new AbortController();
    let cancelledAt = 0;
    try {
      const r = await runDeploy({
        action: 'apply',
        topology: t,
        connect: ssh.connect,
        hostIds: hosts,
        signal: controller.signal,
        beforeStep: async (host, i) => {
          // Round 2 creates the VXLAN device (round 1 made the bridge and marked it ours).
          if (host !== 'h2' || i !== 2) return;
          // Every sshd process of h2 stops (SIGSTOP): the step sent next never answers.
          await freezeHostSshd(lab, 'h2');
          setTimeout(() => {
            cancelledAt = performance.now();
            controller.abort();
          }, 300);
        },
      });
      const lettingGo = performance.now() - cancelledAt;
      const h2 = r.hosts.find((h) => h.hostName === 'h2');
      expect(h2?.outcome).toBe('failed');
      expect(h2?.error?.code).toBe('CANCELLED');
      expect(h2?.error?.message).toMatch(/step 3 of \d+ .* state is unknown/);
      expect(h2?.applied).toBe(2);
      expect(h2?.rollback).toBeUndefined();
      // Let go after the grace, not after the 120 s script timeout.
      expect(lettingGo).toBeGreaterThanOrEqual(CANCEL_GRACE_MS - 50);
      expect(lettingGo).toBeLessThan(30_000);
      // h1 answered: it either finished before Cancel or was rolled back cleanly.
      expect(['applied', 'rolled-back']).toContain(r.hosts.find((h) => h.hostName === 'h1')?.outcome);
    } finally {
      await thawHostSshd(lab, 'h2');
    }
    const again = await runDeploy({ action: 'apply', topology: t, connect: ssh.connect, hostIds: hosts });
    const h2again = again.hosts.find((h) => h.hostName === 'h2');
    expect(h2again?.outcome, JSON.stringify(h2again?.error ?? null)).toMatch(/^(applied|unchanged)$/);
    expect(again.ok).toBe(true);
    await runDeploy({ action: 'destroy', topology: t, connect: ssh.connect, hostIds: hosts });
  }, 120_000);

  it('refuses a second deploy of the same topology on a host while the first holds its lock', async () => {
    const t = labTopology(lab, { id: 'locking', vni: 202, bridge: 'br202', subnet: '10.202.0.0/24' });
    let second: DeployResult | undefined;
    const other = createDeploySsh(labSshOptions(lab));
    try {
      const first = await runDeploy({
        action: 'apply',
        topology: t,
        connect: ssh.connect,
        hostIds: ['h3'],
        beforeStep: async (_host, i) => {
          if (i === 0) second = await runDeploy({ action: 'apply', topology: t, connect: other.connect, hostIds: ['h3'] });
        },
      });
      expect(first.hosts[0]?.outcome).toBe('applied');
      expect(second?.hosts[0]?.outcome).toBe('failed');
      expect(second?.hosts[0]?.error?.code).toBe('LOCKED');
      expect(second?.hosts[0]?.applied).toBe(0);
      // Released at the end: a third run gets the lock and finds nothing to do.
      const third = await runDeploy({ action: 'apply', topology: t, connect: other.connect, hostIds: ['h3'] });
      expect(third.hosts[0]?.outcome).toBe('unchanged');
      await runDeploy({ action: 'destroy', topology: t, connect: ssh.connect, hostIds: ['h3'] });
    } finally {
      await other.close();
    }
  }, 120_000);

  it('passes a hostile bridge-port name as one word: it joins the bridge and runs nothing', async () => {
    // Valid for the file format and the kernel, but a shell would run the backquoted part (`>q9` makes a file).
    const port = 'p`>q9`;';
    const marker = path.join(homedir(), 'q9');
    const text = serializeTopology({
      ...mesh,
      memberships: mesh.memberships.map((m) => (m.hostId === 'h1' ? { ...m, bridgePorts: [port] } : m)),
    });
    const parsed = parseTopologyText(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    await addForeignLink(lab, 'h1', port);
    try {
      const r = await runDeploy({ action: 'apply', topology: parsed.topology, connect: ssh.connect });
      const h1 = r.hosts.find((h) => h.hostName === 'h1');
      expect(h1?.outcome).toBe('applied');
      expect(h1?.steps.map((s) => s.shell)).toEqual(["ip link set 'p`>q9`;' master br100"]);
      const observed = await observeNamespace(labHost(lab, 'h1').namespace);
      expect(observed.links.find((l) => l.name === port)?.master).toBe('br100');
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(marker, { force: true });
      await nsRunOk(labHost(lab, 'h1').namespace, ['ip', 'link', 'del', 'dev', port]);
    }
  }, 120_000);

  it('refuses, before running anything, a topology that would enslave the interface carrying the SSH session', async () => {
    // With the underlay interface "auto", the file alone cannot tell that eth0 matters: the host's facts do.
    const t = {
      ...mesh,
      hosts: mesh.hosts.map((h) => (h.id === 'h1' ? { ...h, underlay: { ...h.underlay, interface: 'auto' as const } } : h)),
      memberships: mesh.memberships.map((m) => (m.hostId === 'h1' ? { ...m, bridgePorts: ['eth0'] } : m)),
    };
    const before = await snapshot(lab, 'h1');
    const r = await runDeploy({ action: 'apply', topology: TopologySchema.parse(t), connect: ssh.connect });
    const h1 = r.hosts.find((h) => h.hostName === 'h1');
    expect(h1?.outcome).toBe('failed');
    expect(h1?.applied).toBe(0);
    expect(h1?.diagnostics.map((d) => d.code)).toContain('PLAN_PROTECTED');
    expect(h1?.error?.message).toMatch(/eth0/);
    expect(r.hosts.filter((h) => h.hostName !== 'h1').every((h) => h.outcome === 'unchanged')).toBe(true);
    expect(await snapshot(lab, 'h1')).toEqual(before);
  }, 120_000);

  it('never lets a name that validation refuses reach the runner', () => {
    const text = serializeTopology(mesh).replace('"bridgePorts": []', '"bridgePorts": ["a;reboot now"]');
    const parsed = parseTopologyText(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path)).toContain('memberships[0].bridgePorts[0]');
    expect(() => TopologySchema.parse(JSON.parse(text))).toThrow(/whitespace/);
  });

  it('leaves the other hosts converged when a host loses sshd mid-deploy, reports that host failed at its step, and a re-run converges', async () => {
    const t = labTopology(lab, { id: 'killed', vni: 300, bridge: 'br300', subnet: '10.30.0.0/24' });
    const r = await runDeploy({
      action: 'apply',
      topology: t,
      connect: ssh.connect,
      beforeStep: async (host, i) => {
        if (host === 'h4' && i === 2) await killHostSshd(lab, 'h4');
      },
    });
    expect(outcomes(r)).toEqual({ h1: 'applied', h2: 'applied', h3: 'applied', h4: 'failed', h5: 'applied' });
    const h4 = r.hosts.find((h) => h.hostName === 'h4');
    expect(h4?.failure?.step).toBe(2);
    expect(h4?.applied).toBe(2);
    expect(h4?.error?.code).toMatch(/^SSH_|DISCONNECTED/);
    await restartSshd(lab, 'h4');
    const again = await runDeploy({ action: 'apply', topology: t, connect: ssh.connect });
    const h4again = again.hosts.find((h) => h.hostName === 'h4');
    expect(outcomes(again), `h4: ${JSON.stringify(h4again?.error ?? h4again?.failure ?? null)}`).toEqual({
      h1: 'unchanged',
      h2: 'unchanged',
      h3: 'unchanged',
      h4: 'applied',
      h5: 'unchanged',
    });
    expect(await overlayPingFailures(lab, t)).toEqual([]);
  }, 180_000);

  it('reads "auto" underlay interface, address and MTU from the hosts and still converges the mesh', async () => {
    const base = labTopology(lab, { id: 'auto', vni: 400, bridge: 'br400', subnet: '10.40.0.0/24' });
    const t = TopologySchema.parse({
      ...base,
      hosts: base.hosts.map((h) => ({ ...h, underlay: { interface: 'auto', address: 'auto', mtu: 'auto' } })),
      segments: base.segments.map((sg) => ({ ...sg, mtu: 'auto' })),
    });
    const r = await runDeploy({ action: 'apply', topology: t, connect: ssh.connect });
    expect(Object.values(outcomes(r))).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    const h1 = r.hosts[0]?.steps.map((s) => s.shell) ?? [];
    expect(h1).toContain(`ip link add vxlan400 type vxlan id 400 local ${labHost(lab, 'h1').address} dev eth0 dstport 4789`);
    expect(h1).toContain('ip link set vxlan400 mtu 1450');
    expect(await overlayPingFailures(lab, t)).toEqual([]);
    await runDeploy({ action: 'destroy', topology: t, connect: ssh.connect });
  }, 120_000);

  it('refuses a host whose key changed before authenticating, even with accept-new, and the other hosts go on', async () => {
    await rotateHostKey(lab, 'h5');
    const log: SshEvent[] = [];
    const fresh = createDeploySsh({ ...labSshOptions(lab), hostKeyPolicy: 'accept-new', log: (e) => log.push(e) });
    try {
      const r = await runDeploy({ action: 'apply', topology: mesh, connect: fresh.connect });
      const h5 = r.hosts.find((h) => h.hostName === 'h5');
      expect(h5?.outcome).toBe('unreachable');
      expect(h5?.error?.code).toBe('SSH_HOST_KEY_CHANGED');
      expect(r.hosts.filter((h) => h.hostName !== 'h5').every((h) => h.outcome === 'unchanged')).toBe(true);
      const h5Address = labHost(lab, 'h5').address;
      const about = log.filter((e) => 'endpoint' in e && e.endpoint.includes(h5Address));
      expect(about.some((e) => e.kind === 'host-key' && e.status === 'changed' && e.decision === 'refused')).toBe(true);
      expect(about.filter((e) => e.kind === 'auth-attempt')).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it('destroys only what the topology created', async () => {
    const before = await snapshot(lab, 'h1');
    const r = await runDeploy({ action: 'destroy', topology: mesh, connect: ssh.connect, hostIds: ['h1', 'h2', 'h3'] });
    expect(Object.values(outcomes(r))).toEqual(['applied', 'applied', 'applied']);
    const after = await snapshot(lab, 'h1');
    expect(after.links.filter((l) => l.includes('vxlan-studio:lab-'))).toEqual([]);
    expect(after.links.filter((l) => !l.startsWith('br100 ') && !l.startsWith('vxlan100 '))).toEqual(
      before.links.filter((l) => !l.startsWith('br100 ') && !l.startsWith('vxlan100 ')),
    );
    expect(
      (await observeNamespace(labHost(lab, 'h1').namespace)).links.some(
        (l) => isStudioMark(l.alias) && l.alias === `vxlan-studio:${mesh.id}`,
      ),
    ).toBe(false);
  }, 120_000);
});
