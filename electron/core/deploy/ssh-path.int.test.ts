/**
 * The interface, address and route carrying the SSH session are never changed, on real kernels and
 * over a real sshd: not when the SSH address sits on an admin's bridge whose port the drawing lists
 * as a bridge port (apply), and not when the SSH address has moved onto our own bridge (destroy).
 * Each case checks the host's state before and after and that the same pooled session still answers.
 * Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labHost, labUp } from '../lab/lab';
import { nsRunOk, nsShell } from '../lab/netns-exec';
import { observeNamespace } from '../lab/plan-exec';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { removeLockFiles } from '../lab/lab-check';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root)
  console.log('ssh-path.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

/** Moves a lab host's SSH address (and its default route) from eth0 onto `bridge`, with eth0 as the bridge's port, as an admin would. */
async function sshOntoBridge(lab: LabState, host: string, bridge: string, create: boolean): Promise<void> {
  const h = labHost(lab, host);
  const cidr = `${h.address}/${h.prefixLength}`;
  // The bridge takes eth0's MAC so the router's ARP entry stays right and the session carries on.
  const script = [
    'set -e',
    create ? `ip link add "$1" type bridge` : ':',
    `ip link set "$1" address "$(cat /sys/class/net/eth0/address)"`,
    `ip link set "$1" up`,
    `ip addr del "$2" dev eth0`,
    `ip link set eth0 master "$1"`,
    `ip addr add "$2" dev "$1"`,
    `ip route replace default via "$3" dev "$1"`,
  ].join('\n');
  const r = await nsShell(h.namespace, script, [bridge, cidr, h.gateway]);
  if (r.code !== 0) throw new Error(`moving the SSH address of ${host} onto ${bridge} failed: ${r.stderr}`);
}

/** The part of a host's state the SSH path depends on: every link's master, and every address. */
async function pathState(lab: LabState, host: string): Promise<{ masters: string[]; addresses: string[]; route: string }> {
  const ns = labHost(lab, host).namespace;
  const o = await observeNamespace(ns, host);
  return {
    masters: o.links.map((l) => `${l.name}>${l.master ?? '-'}`).sort(),
    addresses: o.addresses
      .filter((a) => a.scope !== 'link')
      .map((a) => `${a.ifname} ${a.cidr}`)
      .sort(),
    route: (await nsRunOk(ns, ['ip', 'route', 'show', 'default'])).trim(),
  };
}

suite('the SSH path is never cut', () => {
  const name = randomLabName('dsshp');
  let lab: LabState;
  let ssh: DeploySsh;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    ssh = createDeploySsh(labSshOptions(lab));
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles(['sshpath-apply', 'sshpath-destroy']);
  }, 120_000);

  it('apply refuses to move eth0 into our bridge when eth0 is a port of the bridge carrying the SSH address, and the session lives on', async () => {
    await sshOntoBridge(lab, 'h1', 'br0', true);
    const t: Topology = labTopology(lab, { id: 'sshpath-apply' });
    const h1 = t.hosts.find((h) => h.id === 'h1') as Topology['hosts'][number];
    h1.underlay.interface = 'auto';
    const m1 = t.memberships.find((m) => m.hostId === 'h1') as Topology['memberships'][number];
    m1.bridgePorts = ['eth0'];
    const before = await pathState(lab, 'h1');
    expect(before.masters).toContain('eth0>br0');

    const r = await runDeploy({ action: 'apply', topology: t, connect: ssh.connect, hostIds: ['h1'] });
    const host = r.hosts[0];
    expect(host?.outcome).toBe('failed');
    const protectedDiag = host?.diagnostics.find((d) => d.code === 'PLAN_PROTECTED');
    expect(protectedDiag?.message).toMatch(/eth0.*port of br0/);
    expect(host?.error?.message).toMatch(/eth0/);

    // Nothing of the path changed, and the pooled session still runs commands.
    expect(await pathState(lab, 'h1')).toEqual(before);
    const again = await runDeploy({ action: 'status', topology: t, connect: ssh.connect, hostIds: ['h1'] });
    expect(again.hosts[0]?.error?.code).not.toBe('SSH_UNREACHABLE');
    expect(again.hosts[0]?.diagnostics.some((d) => d.code === 'PLAN_PROTECTED')).toBe(true);
  }, 120_000);

  it('destroy refuses to detach ports of our bridge once it carries the SSH address, says why, and the session lives on', async () => {
    const t: Topology = labTopology(lab, { id: 'sshpath-destroy' });
    const applied = await runDeploy({ action: 'apply', topology: t, connect: ssh.connect, hostIds: ['h2'] });
    expect(applied.hosts[0]?.outcome).toBe('applied');
    // The admin then puts the SSH address on our bridge br100, eth0 becoming its port.
    await sshOntoBridge(lab, 'h2', 'br100', false);
    const before = await pathState(lab, 'h2');
    expect(before.masters).toEqual(expect.arrayContaining(['eth0>br100', 'vxlan100>br100']));

    const r = await runDeploy({ action: 'destroy', topology: t, connect: ssh.connect, hostIds: ['h2'] });
    const host = r.hosts[0];
    expect(host?.outcome).toBe('failed');
    const messages = host?.diagnostics.filter((d) => d.code === 'PLAN_PROTECTED').map((d) => d.message) ?? [];
    expect(messages.join('\n')).toMatch(/detach eth0 from bridge br100/);
    expect(messages.join('\n')).toMatch(/br100 would be deleted/);

    expect(await pathState(lab, 'h2')).toEqual(before);
    const again = await runDeploy({ action: 'status', topology: t, connect: ssh.connect, hostIds: ['h2'] });
    expect(again.hosts[0]?.error?.code).not.toBe('SSH_UNREACHABLE');
  }, 120_000);
});
