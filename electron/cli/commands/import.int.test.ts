/**
 * Import round trip on real kernels and sshd, through the real bin script: every example and
 * template is deployed by hand (the script `vxlan-studio plan --host NAME --format sh` prints, run
 * on its host), imported with `vxlan-studio import --lab NAME`, and the imported drawing plans no
 * change (`vxlan-studio status`). The primer's recipe typed by hand (no marks) imports too, and
 * the imported drawing wants exactly what the hosts have, field by field. Root only.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../shared/import';
import { parseTopologyText, serializeTopology, type Topology } from '../../../shared/model';
import { desiredHostState, diffHost, ownerMark } from '../../../shared/plan';
import type { ObservedHostState } from '../../../shared/observe';
import type { DeployJson } from '../../core/deploy';
import { removeLockFiles } from '../../core/lab/lab-check';
import {
  applyScript,
  isRoot,
  labDown,
  labFacts,
  labHost,
  labUp,
  nsRunOk,
  observeNamespace,
  randomLabName,
  type LabState,
} from '../../core/lab/index';
import { meshTemplate, textbookTemplate } from '../../../renderer/src/files/templates';
import { onlyJson, REPO_ROOT, runBin, type BinResult } from './run-bin.testing';

const root = isRoot();
if (!root)
  console.log('import.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);

interface ImportJson {
  exitCode: number;
  out: string | null;
  report: ImportReport | null;
  unreachable: unknown[];
}

function readDrawing(file: string): Topology {
  const parsed = parseTopologyText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.issues)}`);
  return parsed.topology;
}

function drawings(): Array<[string, Topology]> {
  const dir = path.join(REPO_ROOT, 'examples');
  const out: Array<[string, Topology]> = readdirSync(dir)
    .filter((f) => f.endsWith('.vxlan.json'))
    .sort()
    .map((f) => [`examples/${f}`, readDrawing(path.join(dir, f))]);
  return [...out, ['the textbook template', textbookTemplate()], ['the 3-host mesh template', meshTemplate(3)]];
}

/** An Ansible INI inventory naming the lab hosts as the drawing does, logging in with the lab's key. */
function inventory(t: Topology, key: string): string {
  return `[vteps]\n${t.hosts.map((h) => `${h.name} ansible_host=${h.ssh.host} ansible_user=root ansible_ssh_private_key_file=${key}`).join('\n')}\n`;
}

suite.each(drawings())('importing the hosts %s was deployed to by hand', (_label, t) => {
  const name = randomLabName('imp');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-import-int-'));
  const drawn = path.join(scratch, 'drawn.vxlan.json');
  const imported = path.join(scratch, 'imported.vxlan.json');
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: t.hosts.map((h) => ({ name: h.name, address: `${h.ssh.host}/24` })) })).state;
    await writeFile(drawn, serializeTopology(t));
    // By hand: the script `plan` prints for each host, run on that host.
    for (const h of t.hosts) {
      const plan = await cli('plan', drawn, '--host', h.name, '--format', 'sh');
      expect(plan.status, plan.stderr).toBe(0);
      await applyScript(labHost(lab, h.name).namespace, plan.stdout);
    }
  }, 240_000);
  afterAll(async () => {
    await labDown(name);
    await removeLockFiles([t.id]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('imports from an Ansible inventory with no warning and the drawing id of the marks, and status finds nothing to change', async () => {
    const inv = path.join(scratch, 'hosts.ini');
    await writeFile(inv, inventory(t, lab.keys.clientKey));
    const r = await cli('import', '--inventory', inv, '--lab', name, '--out', imported, '--json');
    const out = onlyJson<ImportJson>(r);
    expect([r.status, out.unreachable, out.report?.warnings]).toEqual([0, [], []]);
    expect([out.report?.topologyId, out.report?.idFrom]).toEqual([t.id, 'mark']);

    const st = await cli('status', imported, '--lab', name, '--json');
    const status = onlyJson<DeployJson>(st);
    expect(status.hosts.map((h) => [h.name, h.outcome, h.steps.map((s) => s.shell), h.error])).toEqual(
      t.hosts.map((h) => [h.name, 'unchanged', [], null]),
    );
    const back = readDrawing(imported);
    expect(back.segments.map((s) => [s.vni, s.port, s.flood, s.learning])).toEqual(
      t.segments.map((s) => [s.vni, s.port, s.flood, s.learning]),
    );
  }, 240_000);
});

/** The observed state with the drawn devices marked as the drawing's own (what adoption would leave). */
function markedAs(t: Topology, hostId: string, observed: ObservedHostState): ObservedHostState {
  const names = new Set(desiredHostState(t, hostId).links.map((l) => l.name));
  return { ...observed, links: observed.links.map((l) => (names.has(l.name) ? { ...l, alias: ownerMark(t.id) } : l)) };
}

suite("importing the primer's recipe typed by hand on two hosts (no marks)", () => {
  const name = randomLabName('impp');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-import-int-'));
  const imported = path.join(scratch, 'imported.vxlan.json');
  const hosts = [
    { name: 'host-a', address: '192.168.1.10', peer: '192.168.1.20', overlay: '10.0.0.1/24' },
    { name: 'host-b', address: '192.168.1.20', peer: '192.168.1.10', overlay: '10.0.0.2/24' },
  ];
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: hosts.map((h) => ({ name: h.name, address: `${h.address}/24` })) })).state;
    for (const h of hosts) {
      const ns = labHost(lab, h.name).namespace;
      for (const argv of [
        ['ip', 'link', 'add', 'vxlan100', 'type', 'vxlan', 'id', '100', 'remote', h.peer, 'dev', 'eth0', 'dstport', '4789'],
        ['ip', 'link', 'set', 'vxlan100', 'up'],
        ['ip', 'link', 'add', 'br-overlay', 'type', 'bridge'],
        ['ip', 'link', 'set', 'br-overlay', 'up'],
        ['ip', 'link', 'set', 'vxlan100', 'master', 'br-overlay'],
        ['ip', 'addr', 'add', h.overlay, 'dev', 'br-overlay'],
      ])
        await nsRunOk(ns, argv);
    }
  }, 240_000);
  afterAll(async () => {
    await labDown(name);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('draws them with no warning, and the drawing wants exactly what each host has, field by field', async () => {
    const r = await cli(
      'import',
      ...hosts.flatMap((h) => ['--ssh', `root@${h.address}`]),
      '--identity',
      lab.keys.clientKey,
      '--lab',
      name,
      '--out',
      imported,
      '--json',
    );
    const out = onlyJson<ImportJson>(r);
    expect([r.status, out.report?.warnings, out.report?.idFrom]).toEqual([0, [], 'new']);
    expect(out.report?.segments).toEqual([
      { id: 'seg-100', vni: 100, port: 4789, flood: 'point-to-point', members: ['192.168.1.10', '192.168.1.20'] },
    ]);
    const t = readDrawing(imported);
    const facts = labFacts(lab, { ...t, hosts: t.hosts.map((h, i) => ({ ...h, name: hosts[i]?.name ?? h.name })) });
    for (const [i, h] of t.hosts.entries()) {
      const labName = hosts[i]?.name ?? '';
      const observed = await observeNamespace(labHost(lab, labName).namespace, labName);
      const desired = desiredHostState(t, h.id, { [h.id]: facts[h.id] ?? {} });
      const link = (n: string): unknown => {
        const l = observed.links.find((x) => x.name === n);
        return l && { name: l.name, kind: l.kind, mtu: l.mtu, master: l.master, vxlan: l.vxlan };
      };
      // Field by field: each device the drawing wants, as the kernel reports it.
      for (const want of desired.links)
        expect({ host: labName, ...(link(want.name) as object) }).toMatchObject({
          host: labName,
          name: want.name,
          kind: want.kind,
          ...(want.mtu === undefined ? {} : { mtu: want.mtu }),
          ...(want.master === undefined ? {} : { master: want.master }),
          ...(want.vxlan === undefined ? {} : { vxlan: want.vxlan }),
        });
      expect(desired.addresses.map((a) => `${a.ifname} ${a.cidr}`)).toEqual([`br-overlay ${hosts[i]?.overlay ?? ''}`]);
      expect(observed.addresses.filter((a) => a.ifname === 'br-overlay' && a.scope !== 'link').map((a) => a.cidr)).toEqual([
        hosts[i]?.overlay,
      ]);
      // Unmarked, they are the admin's devices and match the drawing exactly: adopted (marked ours, no
      // other step, no clash); marked, nothing to do.
      const today = diffHost(desired, observed);
      expect(today.steps.map((st) => [st.kind, st.target])).toEqual([
        ['link-adopt', 'br-overlay'],
        ['link-adopt', 'vxlan100'],
      ]);
      expect(today.diagnostics.filter((d) => d.code === 'PLAN_NAME_CLASH')).toEqual([]);
      expect(diffHost(desired, markedAs(t, h.id, observed)).steps).toEqual([]);
    }
  }, 240_000);
});
