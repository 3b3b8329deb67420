/**
 * Persistent configuration against real hosts: lab namespaces reached over SSH. A host with no
 * network manager gets the overlay at runtime only, with the warning, and nothing is written.
 * Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labUp } from '../lab/lab';
import { removeLockFiles } from '../lab/lab-check';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root)
  console.log('persist.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

suite('a host whose underlay no network manager configures', () => {
  const name = randomLabName('prt');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = labTopology(lab);
    ssh = createDeploySsh(labSshOptions(lab));
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([topology?.id ?? '']);
  }, 120_000);

  it('gets the overlay at runtime only, with a warning saying why, and no file is planned', async () => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(r.hosts.map((h) => h.outcome)).toEqual(['applied', 'applied']);
    for (const h of r.hosts) {
      expect(h.persist?.manager).toBeUndefined();
      expect(h.persist?.runtimeOnly).toMatch(/^no manager can be trusted: runtime only \(no network manager configures /);
      expect(h.diagnostics.filter((d) => d.code === 'PERSIST_RUNTIME_ONLY').map((d) => d.severity)).toEqual(['warning']);
      expect(h.steps.filter((s) => s.kind.startsWith('file-') || s.kind === 'persist-reload')).toEqual([]);
    }
  }, 120_000);
});
