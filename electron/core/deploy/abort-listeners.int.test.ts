/**
 * One AbortSignal (the CLI's Ctrl-C, the app's Cancel) is shared by every host of a run: the runner
 * must not leave a listener on it per host, nor add one per host running at once (Node warns past
 * ten: MaxListenersExceededWarning). Real SSH to a lab; the refused hosts are lab addresses on a
 * port where nothing listens. Root only.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labUp } from '../lab/lab';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { removeLockFiles } from '../lab/lab-check';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root) console.log('abort-listeners.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
const suite = root ? describe : describe.skip;

suite("the deploy runner and the caller's AbortSignal", () => {
  const name = randomLabName('abort');
  let lab: LabState;
  let ssh: DeploySsh;
  let topology: Topology;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    ssh = createDeploySsh(labSshOptions(lab));
    const t = labTopology(lab, { id: `abort-${name}` });
    const [h1] = t.hosts;
    if (!h1) throw new Error('the lab topology has no host');
    // 12 hosts: the 2 lab hosts and 10 that refuse SSH (h1's address, a port nothing listens on).
    const refused = Array.from({ length: 10 }, (_, i) => ({
      ...h1,
      id: `refused${i}`,
      name: `refused${i}`,
      ssh: { ...h1.ssh, port: 2 },
      underlay: { ...h1.underlay, address: `172.30.9.${i + 1}` },
    }));
    topology = { ...t, hosts: [...t.hosts, ...refused] };
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`abort-${name}`]);
  }, 120_000);

  it('leaves no listener on the signal after runs over 12 hosts at once, and Node never warns', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const controller = new AbortController();
    try {
      for (const action of ['apply', 'status', 'destroy'] as const) {
        const r = await runDeploy({ action, topology, connect: ssh.connect, signal: controller.signal, concurrency: 12 });
        expect(r.hosts.filter((h) => h.outcome === 'unreachable')).toHaveLength(10);
        expect(getEventListeners(controller.signal, 'abort'), action).toHaveLength(0);
      }
      // A warning is emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
