/**
 * `vxlan-studio apply` holds to what the user confirmed, and `--replace-foreign`: the real bin
 * script in a child process, over SSH to a lab through its controller namespace. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceName, type Topology } from '../../../shared/model';
import type { DeployJson } from '../../core/deploy';
import { addForeignLink, overlayPingFailures, removeLockFiles } from '../../core/lab/lab-check';
import { isRoot, labDown, labHost, labUp, randomLabName, writeLabTopology, type LabState } from '../../core/lab/index';
import { nsRunOk } from '../../core/lab/netns-exec';
import { onlyJson, runBin, runBinOnTerminal } from './run-bin.testing';

const root = isRoot();
if (!root) console.log('apply-review.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
const suite = root ? describe : describe.skip;

suite('vxlan-studio apply: what was confirmed, and devices made by hand', () => {
  const name = randomLabName('cliadopt');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-apply-review-'));
  const file = path.join(scratch, 'lab.vxlan.json');
  let lab: LabState;
  let topology: Topology;
  const sh = (host: string, ...argv: string[]): Promise<string> => nsRunOk(labHost(lab, host).namespace, argv);

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = await writeLabTopology(lab, file);
  }, 120_000);
  afterAll(async () => {
    if (lab) await labDown(name);
    await removeLockFiles([`lab-${name}`]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('on a terminal, a host changed between the printed diff and "y" is not touched and is reported with its new plan', async () => {
    // On a pseudo-terminal; while the prompt waits, an admin adds a device on h2.
    const r = await runBinOnTerminal(['apply', file, '--lab', name], '[y/N]', async () => {
      await addForeignLink(lab, 'h2', 'admin0');
      return 'y\n';
    });
    expect(r.out).toMatch(/Apply \d+ changes on 2 host\(s\)\? \[y\/N\]/);
    expect(r.out).toMatch(/h1\s+applied \d+ steps/);
    expect(r.out).toMatch(/h2\s+failed/);
    expect(r.out).toContain('CHANGED_SINCE_REVIEW: h2 changed since the review');
    expect(r.out).toContain('now planned: ip link add br100 type bridge');
    expect(r.status).toBe(1);
    const s = onlyJson<DeployJson>(await runBin(['status', file, '--lab', name, '--json']));
    expect(s.hosts.map((h) => [h.name, h.outcome])).toEqual([
      ['h1', 'unchanged'],
      ['h2', 'pending'],
    ]);
  }, 120_000);

  it('refuses a device made by hand that differs, naming the field, and replaces it with --replace-foreign', async () => {
    const member = topology.memberships.find((m) => m.hostId === 'h2');
    const segment = topology.segments.find((s) => s.id === member?.segmentId);
    if (!member || !segment) throw new Error('the lab topology has no membership on h2');
    const device = deviceName(member, segment);
    await sh('h2', 'ip', 'link', 'add', device, 'type', 'vxlan', 'id', String(segment.vni + 1), 'dstport', String(segment.port));

    const refused = await runBin(['apply', file, '--lab', name, '--yes', '--json']);
    expect(refused.status).toBe(1);
    const h2 = onlyJson<DeployJson>(refused).hosts.find((h) => h.name === 'h2');
    expect(h2?.outcome).toBe('failed');
    expect(h2?.diagnostics.find((d) => d.code === 'PLAN_NAME_CLASH')?.message).toContain(
      `VNI ${segment.vni + 1} on the host, ${segment.vni} drawn`,
    );

    const replaced = await runBin(['apply', file, '--lab', name, '--yes', '--json', '--replace-foreign']);
    expect(replaced.status).toBe(0);
    const out = onlyJson<DeployJson>(replaced);
    expect(out.hosts.map((h) => [h.name, h.outcome])).toEqual([
      ['h1', 'unchanged'],
      ['h2', 'applied'],
    ]);
    expect(out.hosts[1]?.steps[0]?.description).toContain(`replace the one made by hand: VNI ${segment.vni + 1} on the host`);
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 120_000);
});
