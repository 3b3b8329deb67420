/**
 * One unreachable mesh member does not block everyone: the reachable hosts converge with the peers
 * they know, each says once that the flood entry to the unknown peer is pending, and a later deploy
 * that reaches the peer adds it. Real sshd and kernels in a lab; root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologySchema, type Topology } from '../../../shared/model';
import { labDown, labHost, labUp } from '../lab/lab';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { overlayPingFailures, removeLockFiles } from '../lab/lab-check';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root)
  console.log(
    'unreachable-peer.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

suite('a mesh with one unreachable member whose underlay address is "auto"', () => {
  const name = randomLabName('dpend');
  let lab: LabState;
  let ssh: DeploySsh;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    ssh = createDeploySsh(labSshOptions(lab));
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles(['pending-peer']);
  }, 120_000);

  /** The lab mesh where h3 has underlay "auto" and, while `reachable` is false, an SSH port nothing listens on (refused at once). */
  function drawing(reachable: boolean): Topology {
    const t = labTopology(lab, { id: 'pending-peer' });
    const h3 = t.hosts.find((h) => h.id === 'h3') as Topology['hosts'][number];
    h3.underlay.address = 'auto';
    if (!reachable) h3.ssh.port = 2;
    return TopologySchema.parse(t);
  }

  it('converges the reachable hosts, says once per host that the entry to h3 is pending, and adds it once h3 answers', async () => {
    const r = await runDeploy({ action: 'apply', topology: drawing(false), connect: ssh.connect });
    const byName = Object.fromEntries(r.hosts.map((h) => [h.hostName, h]));
    expect(byName['h1']?.outcome).toBe('applied');
    expect(byName['h2']?.outcome).toBe('applied');
    expect(byName['h3']?.error?.code).toBe('SSH_UNREACHABLE');
    for (const h of ['h1', 'h2']) {
      const pending = byName[h]?.diagnostics.filter((d) => d.code === 'PLAN_PEER_PENDING') ?? [];
      expect(pending.map((d) => d.path)).toEqual(['hosts[2].underlay.address']);
      expect(byName[h]?.error).toBeUndefined();
    }
    // h1 and h2 reach each other over the overlay already.
    const two = drawing(false);
    two.memberships = two.memberships.filter((m) => m.hostId !== 'h3');
    expect(await overlayPingFailures(lab, two)).toEqual([]);

    // h3 answers now: the next deploy adds the pending entries and the whole mesh works.
    const again = await runDeploy({ action: 'apply', topology: drawing(true), connect: ssh.connect });
    expect(Object.fromEntries(again.hosts.map((h) => [h.hostName, h.outcome]))).toEqual({
      h1: 'applied',
      h2: 'applied',
      h3: 'applied',
    });
    const h3Address = labHost(lab, 'h3').address;
    for (const h of again.hosts.filter((x) => x.hostName !== 'h3')) {
      expect(h.steps.map((s) => s.shell)).toEqual([`bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst ${h3Address}`]);
      expect(h.diagnostics.filter((d) => d.code === 'PLAN_PEER_PENDING')).toEqual([]);
    }
    expect(await overlayPingFailures(lab, drawing(true))).toEqual([]);
  }, 180_000);
});
