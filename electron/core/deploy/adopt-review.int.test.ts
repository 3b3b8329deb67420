/**
 * Adopting an overlay an admin built by hand with the primer's recipe, and applying exactly what was
 * reviewed, on real kernels in lab namespaces reached over SSH. Root only.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../../../shared/model';
import { ownerMark } from '../../../shared/plan';
import { labDown, labHost, labUp } from '../lab/lab';
import { overlayPingFailures, removeLockFiles } from '../lab/lab-check';
import { nsArgv, nsRunOk } from '../lab/netns-exec';
import { observeNamespace } from '../lab/plan-exec';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { randomLabName } from '../lab/with-lab';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';
import type { DeployResult } from './types';

const root = isRoot();
if (!root) console.log('adopt-review.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
const suite = root ? describe : describe.skip;

const outcomes = (r: DeployResult): Record<string, string> => Object.fromEntries(r.hosts.map((h) => [h.hostName, h.outcome]));
const host = (r: DeployResult, name: string) => r.hosts.find((h) => h.hostName === name);

/** The review's digests, as the CLI and the UI send them back with the apply. */
const digests = (r: DeployResult): Record<string, string> =>
  Object.fromEntries(r.hosts.flatMap((h) => (h.digest === undefined ? [] : [[h.hostId, h.digest]])));

suite("adopting the primer's hand-made overlay, and applying only what was reviewed", () => {
  const name = randomLabName('adopt');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  const ns = (hostName: string): string => labHost(lab, hostName).namespace;
  const sh = (hostName: string, ...argv: string[]): Promise<string> => nsRunOk(ns(hostName), argv);
  const link = async (hostName: string, dev: string) =>
    (await observeNamespace(ns(hostName), hostName)).links.find((l) => l.name === dev);

  /** The primer's recipe, typed by the admin inside the host (bridge variant, as the drawing has it). */
  async function byHand(hostName: string, peer: string, address: string, vni = 100): Promise<void> {
    await sh(
      hostName,
      'ip',
      'link',
      'add',
      'vxlan100',
      'type',
      'vxlan',
      'id',
      String(vni),
      'remote',
      peer,
      'dev',
      'eth0',
      'dstport',
      '4789',
    );
    await sh(hostName, 'ip', 'link', 'set', 'vxlan100', 'mtu', '1450');
    await sh(hostName, 'ip', 'link', 'add', 'br-overlay', 'type', 'bridge');
    await sh(hostName, 'ip', 'link', 'set', 'br-overlay', 'up');
    await sh(hostName, 'ip', 'link', 'set', 'vxlan100', 'master', 'br-overlay');
    await sh(hostName, 'ip', 'addr', 'add', address, 'dev', 'br-overlay');
    await sh(hostName, 'ip', 'link', 'set', 'vxlan100', 'up');
  }
  async function removeByHand(hostName: string): Promise<void> {
    for (const dev of ['vxlan100', 'br-overlay']) await nsRunOk(ns(hostName), ['ip', 'link', 'del', dev]).catch(() => '');
  }

  /** Pings host-b's overlay address from host-a every 0.2 s while `during` runs; resolves with sent/received. */
  async function pingThrough(during: () => Promise<void>): Promise<{ sent: number; received: number }> {
    const [file, ...args] = nsArgv(ns('host-a'), ['ping', '-n', '-i', '0.2', '-c', '40', '10.0.0.2']);
    const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      await during();
    } finally {
      await exited;
    }
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    if (!m) throw new Error(`ping printed no summary: ${out}`);
    return { sent: Number(m[1]), received: Number(m[2]) };
  }

  beforeAll(async () => {
    const parsed = parseTopologyText(await readFile(new URL('../../../examples/textbook.vxlan.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error(`examples/textbook.vxlan.json does not parse: ${JSON.stringify(parsed.issues)}`);
    // An id of this run's own, so its lock files and marks are told apart from other runs of the textbook.
    topology = { ...parsed.topology, id: `adopt-${name}` };
    lab = (await labUp({ name, hosts: topology.hosts.map((h) => ({ name: h.name, address: `${h.ssh.host}/24` })) })).state;
    ssh = createDeploySsh({ ...labSshOptions(lab), identity: lab.keys.clientKey });
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    if (lab) await labDown(name);
    await removeLockFiles([topology.id]);
  }, 120_000);

  it('adopts the matching hand-made devices: marked ours, same ifindexes, and the overlay ping never stops', async () => {
    await byHand('host-a', '192.168.1.20', '10.0.0.1/24');
    await byHand('host-b', '192.168.1.10', '10.0.0.2/24');
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
    const before = { a: (await link('host-a', 'vxlan100'))?.ifindex, b: (await link('host-b', 'br-overlay'))?.ifindex };

    let review: DeployResult | undefined;
    let result: DeployResult | undefined;
    const ping = await pingThrough(async () => {
      review = await runDeploy({ action: 'apply', topology, connect: ssh.connect, dryRun: true });
      result = await runDeploy({ action: 'apply', topology, connect: ssh.connect, reviewed: digests(review) });
    });

    expect(review?.hosts.map((h) => h.steps.map((s) => s.description))).toEqual([
      [
        'adopt br-overlay (made by hand): mark as ours, no change to the link',
        'adopt vxlan100 (made by hand): mark as ours, no change to the link',
      ],
      [
        'adopt br-overlay (made by hand): mark as ours, no change to the link',
        'adopt vxlan100 (made by hand): mark as ours, no change to the link',
      ],
    ]);
    expect(outcomes(result as DeployResult)).toEqual({ 'host-a': 'applied', 'host-b': 'applied' });
    expect(ping.sent).toBeGreaterThan(0);
    expect(ping.received).toBe(ping.sent);
    expect({ a: (await link('host-a', 'vxlan100'))?.ifindex, b: (await link('host-b', 'br-overlay'))?.ifindex }).toEqual(before);
    expect((await link('host-a', 'vxlan100'))?.alias).toBe(ownerMark(topology.id));
    // Adopted means ours: the next apply has nothing to do.
    expect(outcomes(await runDeploy({ action: 'apply', topology, connect: ssh.connect }))).toEqual({
      'host-a': 'unchanged',
      'host-b': 'unchanged',
    });
  }, 180_000);

  it('leaves a host changed by hand after the review untouched and reports it with its new plan; the other host applies', async () => {
    // Something for host-a to do, so the review has a change there.
    await sh('host-a', 'ip', 'addr', 'del', '10.0.0.1/24', 'dev', 'br-overlay');
    const review = await runDeploy({ action: 'apply', topology, connect: ssh.connect, dryRun: true });
    expect(outcomes(review)).toEqual({ 'host-a': 'pending', 'host-b': 'unchanged' });

    // Between the review and the apply, an admin changes host-b.
    await sh('host-b', 'ip', 'link', 'set', 'vxlan100', 'mtu', '1400');
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect, reviewed: digests(review) });

    expect(outcomes(r)).toEqual({ 'host-a': 'applied', 'host-b': 'failed' });
    expect(host(r, 'host-b')?.error?.code).toBe('CHANGED_SINCE_REVIEW');
    expect(host(r, 'host-b')?.applied).toBe(0);
    expect(host(r, 'host-b')?.steps.map((s) => s.shell)).toEqual(['ip link set vxlan100 mtu 1450']);
    expect((await link('host-b', 'vxlan100'))?.mtu).toBe(1400);

    // A new review shows it and applies.
    const again = await runDeploy({ action: 'apply', topology, connect: ssh.connect, dryRun: true });
    const r2 = await runDeploy({ action: 'apply', topology, connect: ssh.connect, reviewed: digests(again) });
    expect(outcomes(r2)).toEqual({ 'host-a': 'unchanged', 'host-b': 'applied' });
    expect((await link('host-b', 'vxlan100'))?.mtu).toBe(1450);
  }, 180_000);

  it('refuses a hand-made device that differs, naming the field, and replaces it only with replaceForeign', async () => {
    await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
    await removeByHand('host-a');
    await removeByHand('host-b');
    await byHand('host-a', '192.168.1.20', '10.0.0.1/24');
    await byHand('host-b', '192.168.1.10', '10.0.0.2/24', 101);
    const handMade = (await link('host-b', 'vxlan100'))?.ifindex;

    const refused = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(outcomes(refused)).toEqual({ 'host-a': 'applied', 'host-b': 'failed' });
    const clash = host(refused, 'host-b')?.diagnostics.find((d) => d.code === 'PLAN_NAME_CLASH');
    expect(clash?.message).toContain('VNI 101 on the host, 100 drawn');
    expect(await link('host-b', 'vxlan100')).toMatchObject({ ifindex: handMade, vxlan: { vni: 101 } });
    expect((await link('host-b', 'vxlan100'))?.alias).toBeUndefined();

    const replaced = await runDeploy({ action: 'apply', topology, connect: ssh.connect, replaceForeign: true });
    expect(outcomes(replaced)).toEqual({ 'host-a': 'unchanged', 'host-b': 'applied' });
    expect(host(replaced, 'host-b')?.steps[1]?.shell).toBe('ip link del vxlan100');
    expect(await link('host-b', 'vxlan100')).toMatchObject({ alias: ownerMark(topology.id), vxlan: { vni: 100 } });
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 180_000);

  it('gives an adopted device back to the admin (alias cleared, same link) when a later step fails and the host rolls back', async () => {
    await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
    await byHand('host-a', '192.168.1.20', '10.0.0.1/24');
    await sh('host-a', 'ip', 'addr', 'del', '10.0.0.1/24', 'dev', 'br-overlay');
    const before = (await link('host-a', 'vxlan100'))?.ifindex;

    const r = await runDeploy({
      action: 'apply',
      topology,
      connect: ssh.connect,
      hostIds: ['host-a'],
      // The address appears by hand just before our step adds it, so that step fails ("File exists").
      beforeStep: async (_host, _i, step) => {
        if (step.kind === 'addr-add') await sh('host-a', 'ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'br-overlay');
      },
    });
    expect(host(r, 'host-a')?.steps.map((s) => s.kind)).toEqual(['link-adopt', 'link-adopt', 'addr-add']);
    expect(host(r, 'host-a')?.outcome).toBe('rolled-back');
    expect(host(r, 'host-a')?.rollback?.ok).toBe(true);
    expect(await link('host-a', 'vxlan100')).toMatchObject({ ifindex: before });
    expect((await link('host-a', 'vxlan100'))?.alias).toBeUndefined();
    expect((await link('host-a', 'br-overlay'))?.alias).toBeUndefined();
  }, 180_000);
});
