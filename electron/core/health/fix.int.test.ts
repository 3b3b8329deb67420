/**
 * A firewall-style fix (steps outside the plan) on a real lab host over its real sshd, in the cases
 * where the deploy's step executor and the fix's own copy of it used to part: the session dying
 * while the applied steps are undone, and a fix cancelled before it starts. The result must say what
 * is on the host. Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixStep } from '../../../shared/diagnose/firewall-fix';
import type { Finding } from '../../../shared/diagnose/types';
import type { Topology } from '../../../shared/model';
import { createDeploySsh, type DeploySsh } from '../deploy/ssh-setup';
import { labDown, labHost, labUp } from '../lab/lab';
import { nsRun } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { labSshOptions } from '../lab/ssh-options';
import { randomLabName } from '../lab/with-lab';
import { applyFindingFix } from './fix';

const root = isRoot();
if (!root)
  console.log('fix.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

/**
 * Ends the host's persistent shell, as a dropped connection would: the step runs in the framing's
 * subshell, whose parent is that shell.
 */
const END_OWN_SHELL = ['sh', '-c', `kill -9 "$(awk '/^PPid:/ { print $2 }' /proc/$PPID/status)"`];

function addressStep(cidr: string, inverse: string[][]): FixStep {
  return {
    argv: ['ip', 'addr', 'add', cidr, 'dev', 'lo'],
    description: `add ${cidr} to lo`,
    inverse,
    kind: 'firewall-allow',
    target: 'lo',
  };
}

function findingWith(steps: FixStep[]): Finding {
  return {
    code: 'FIREWALL_BLOCKS_VXLAN',
    severity: 'error',
    title: 'test fix on h1',
    message: 'steps chosen by the test',
    hosts: ['h1'],
    evidence: [],
    fix: { description: 'test fix', hosts: [{ hostId: 'h1', steps }] },
  };
}

suite('a fix outside the plan on a real host (h1)', () => {
  const name = randomLabName('fix');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;

  const addressesOfLo = async (): Promise<string> =>
    (await nsRun(labHost(lab, 'h1').namespace, ['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 1 })).state;
    topology = labTopology(lab);
    ssh = createDeploySsh(labSshOptions(lab));
  }, 120_000);

  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
  }, 120_000);

  it('reports the failed step and the step it could not undo when the shell dies during the undo, as the host shows', async () => {
    const fixed = await applyFindingFix(
      topology,
      findingWith([addressStep('192.0.2.77/32', [END_OWN_SHELL]), addressStep('192.0.2.78/33', [])]),
      ssh.connect,
    );
    expect(fixed.ok).toBe(false);
    expect(fixed.hosts).toHaveLength(1);
    const h1 = fixed.hosts[0];
    expect(h1?.outcome).toBe('failed');
    // Step 1 went in and stays (its undo never ran through); step 2 is the one that failed, with its own stderr.
    expect(h1?.applied).toBe(1);
    expect(h1?.failure).toMatchObject({ step: 1, argv: ['ip', 'addr', 'add', '192.0.2.78/33', 'dev', 'lo'], exitCode: 1 });
    expect(h1?.failure?.stderrTail).toContain('192.0.2.78/33');
    expect(h1?.error?.code).toBe('COMMAND_FAILED');
    const lo = await addressesOfLo();
    expect(lo).toContain('192.0.2.77/32');
    expect(lo).not.toContain('192.0.2.78');
  }, 60_000);

  it('runs nothing of a fix cancelled before it starts, and says so', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    const fixed = await applyFindingFix(topology, findingWith([addressStep('192.0.2.79/32', [])]), ssh.connect, {
      signal: cancelled.signal,
    });
    expect(fixed.ok).toBe(false);
    expect(fixed.hosts).toHaveLength(1);
    expect(fixed.hosts[0]).toMatchObject({ hostId: 'h1', outcome: 'rolled-back', applied: 0, error: { code: 'CANCELLED' } });
    expect(await addressesOfLo()).not.toContain('192.0.2.79');
  }, 60_000);
});
