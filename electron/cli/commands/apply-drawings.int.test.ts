/**
 * Two drawings on the same hosts, as two users (or two File > New drawings) deploy them with
 * `vxlan-studio apply --lab NAME --yes`: the real bin script over SSH to a lab. Each drawing's
 * devices carry its own mark; neither drawing's apply touches the other's devices, and a device a
 * drawing no longer has stays until an apply with --prune. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTopology, type Topology } from '../../../shared/model';
import { isStudioMark } from '../../../shared/plan';
import type { DeployJson } from '../../core/deploy';
import { overlayPingFailures, removeLockFiles } from '../../core/lab/lab-check';
import {
  isRoot,
  labDown,
  labHost,
  labTopology,
  labUp,
  observeNamespace,
  randomLabName,
  type LabState,
} from '../../core/lab/index';
import { onlyJson, runBin, type BinResult } from './run-bin.testing';

const root = isRoot();
if (!root)
  console.log(
    'apply-drawings.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);

/** `device -> alias` of every link carrying a VXLAN Studio mark on a lab host. */
async function marks(lab: LabState, host: string): Promise<Record<string, string>> {
  const observed = await observeNamespace(labHost(lab, host).namespace, host);
  return Object.fromEntries(observed.links.filter((l) => isStudioMark(l.alias)).map((l) => [l.name, l.alias ?? '']));
}

/** Drawing B: the lab's segment on VNI 200 (bridge br200) plus a bridgeless VNI 300 segment. */
function drawingB(lab: LabState, id: string): Topology {
  const t = labTopology(lab, { id, name: 'Drawing B', vni: 200, subnet: '10.200.0.0/24' });
  return {
    ...t,
    segments: [
      ...t.segments,
      {
        id: 'seg300',
        name: 'overlay 300',
        vni: 300,
        port: 4789,
        mtu: 1450,
        flood: { mode: 'unicast-mesh' },
        learning: true,
        subnet: '10.30.0.0/24',
      },
    ],
    memberships: [
      ...t.memberships,
      ...t.hosts.map((h, i) => ({
        id: `m300-${h.id}`,
        hostId: h.id,
        segmentId: 'seg300',
        address: `10.30.0.${i + 1}/24`,
        bridgePorts: [],
      })),
    ],
    layout: { positions: { ...t.layout.positions, seg300: { x: 560, y: 240 } } },
  };
}

suite('two drawings deployed to the same hosts', () => {
  const name = randomLabName('drw');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-drawings-int-'));
  // Ids as File > New now makes them: one per drawing, never a shared "untitled".
  const idA = 'untitled-0a1b2c3d';
  const idB = 'untitled-4e5f6a7b';
  const fileA = path.join(scratch, 'a.vxlan.json');
  const fileB = path.join(scratch, 'b.vxlan.json');
  let lab: LabState;
  let a: Topology;
  let b: Topology;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    a = labTopology(lab, { id: idA, name: 'Drawing A' });
    b = drawingB(lab, idB);
    await writeFile(fileA, serializeTopology(a));
    await writeFile(fileB, serializeTopology(b));
  }, 120_000);
  afterAll(async () => {
    await labDown(name);
    await removeLockFiles([idA, idB]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it("B's apply leaves A's devices alone and names them as A's, and both overlays ping", async () => {
    expect((await cli('apply', fileA, '--lab', name, '--yes', '--json')).status).toBe(0);
    const rb = await cli('apply', fileB, '--lab', name, '--yes', '--json');
    expect(rb.status, rb.stdout).toBe(0);
    const out = onlyJson<DeployJson>(rb);
    expect(out.hosts.map((h) => h.outcome)).toEqual(['applied', 'applied']);
    expect(out.hosts.flatMap((h) => h.steps.map((s) => s.shell)).filter((s) => /\b(br100|vxlan100)\b/.test(s))).toEqual([]);
    expect(out.hosts[0]?.diagnostics.filter((d) => d.code === 'PLAN_OTHER_DRAWING').map((d) => [d.severity, d.message])).toEqual([
      ['info', `br100 belongs to drawing ${idA}; left alone`],
      ['info', `vxlan100 belongs to drawing ${idA}; left alone`],
    ]);
    for (const h of ['h1', 'h2']) {
      expect(await marks(lab, h)).toEqual({
        br100: `vxlan-studio:${idA}`,
        vxlan100: `vxlan-studio:${idA}`,
        br200: `vxlan-studio:${idB}`,
        vxlan200: `vxlan-studio:${idB}`,
        vxlan300: `vxlan-studio:${idB}`,
      });
    }
    expect(await overlayPingFailures(lab, a)).toEqual([]);
    expect(await overlayPingFailures(lab, b)).toEqual([]);
    // And A's re-apply has nothing to do: B's devices are not A's stale ones.
    const again = onlyJson<DeployJson>(await cli('apply', fileA, '--lab', name, '--yes', '--json'));
    expect(again.hosts.map((h) => [h.outcome, h.stale])).toEqual([
      ['unchanged', []],
      ['unchanged', []],
    ]);
  }, 240_000);

  it('after a segment is removed from B, apply leaves its devices and says so; apply --prune removes them and only them', async () => {
    const fewer: Topology = {
      ...b,
      segments: b.segments.filter((s) => s.id !== 'seg300'),
      memberships: b.memberships.filter((m) => m.segmentId !== 'seg300'),
    };
    await writeFile(fileB, serializeTopology(fewer));

    const kept = await cli('apply', fileB, '--lab', name, '--yes');
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('left: vxlan300 (no longer drawn; use --prune to remove)');
    for (const h of ['h1', 'h2'])
      expect(Object.keys(await marks(lab, h)).sort()).toEqual(['br100', 'br200', 'vxlan100', 'vxlan200', 'vxlan300']);

    const pruned = await cli('apply', fileB, '--lab', name, '--yes', '--prune', '--json');
    expect(pruned.status, pruned.stdout).toBe(0);
    const out = onlyJson<DeployJson>(pruned);
    expect(out.prune).toBe(true);
    expect(out.hosts.map((h) => [h.outcome, h.stale, h.steps.map((s) => [s.shell, s.prune])])).toEqual([
      ['applied', ['vxlan300'], [['ip link del vxlan300', true]]],
      ['applied', ['vxlan300'], [['ip link del vxlan300', true]]],
    ]);
    for (const h of ['h1', 'h2'])
      expect(Object.keys(await marks(lab, h)).sort()).toEqual(['br100', 'br200', 'vxlan100', 'vxlan200']);
    expect(await overlayPingFailures(lab, a)).toEqual([]);
    expect(await overlayPingFailures(lab, fewer)).toEqual([]);
  }, 240_000);
});
