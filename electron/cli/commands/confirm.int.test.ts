/**
 * `apply --confirm-within`, `confirm` and `revert` as a user runs them (the real bin script) against
 * a lab over SSH, with SSH to a host cut by nftables in its namespace. What the hosts end up with
 * is read from inside their namespaces, never through the tool under test. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTopology, TopologySchema, type Topology } from '../../../shared/model';
import { CONFIRM_DIR, type DeployJson } from '../../core/deploy';
import { overlayPingFailures, removeLockFiles } from '../../core/lab/lab-check';
import { cutSsh, isRoot, labDown, labUp, randomLabName, restoreSsh, writeLabTopology, type LabState } from '../../core/lab/index';
import { allStates, hostState, settledStates, until } from '../../core/lab/host-state.testing';
import { onlyJson, runBin, type BinResult } from './run-bin.testing';

const root = isRoot();
if (!root) console.log('confirm.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run it with sudo');
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);
/**
 * Windows: 10 s where nobody confirms (the test waits it out); 40 s where the test confirms or
 * reverts first, so that a loaded machine running the CLI twice cannot pass the deadline.
 */
const SHORT = '10';
const LONG = '40';

interface ConfirmJson {
  ok: boolean;
  exitCode: number;
  hosts: Array<{
    name: string;
    outcome: string;
    confirmed: string[];
    reverted: Array<{ by: string; restored: boolean; at: string; undone: string[] }>;
  }>;
}

/** The change: the lab's segment with a smaller MTU (links modified) plus a second segment (links added). */
function changed(base: Topology): Topology {
  const seg = base.segments[0] as Topology['segments'][number];
  return TopologySchema.parse({
    ...base,
    hosts: base.hosts.map((h) => ({ ...h, bridges: [...h.bridges, 'br200'] })),
    segments: [
      { ...seg, mtu: 1400 },
      { ...seg, id: 'seg200', name: 'overlay 200', vni: 200, subnet: '10.200.0.0/24' },
    ],
    memberships: [
      ...base.memberships,
      ...base.hosts.map((h, i) => ({
        id: `m2-${h.id}`,
        hostId: h.id,
        segmentId: 'seg200',
        bridge: 'br200',
        address: `10.200.0.${i + 1}/24`,
        bridgePorts: [],
      })),
    ],
  });
}

/** Live processes (not zombies) whose command line names this topology's confirm directories. */
async function confirmProcesses(topologyId: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (cmd.includes(`${CONFIRM_DIR}/net`) && cmd.includes(`/${topologyId}/`) && !/\) Z /.test(stat)) out.push(cmd);
  }
  return out;
}

/** Files and directories of this topology left under CONFIRM_DIR on any lab host (they share /run). */
async function confirmFiles(topologyId: string): Promise<string[]> {
  const nets = await readdir(CONFIRM_DIR).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of nets) {
    const runs = await readdir(`${CONFIRM_DIR}/${n}/${topologyId}`).catch(() => undefined);
    if (runs !== undefined) out.push(`${n}/${topologyId}/${runs.join(',')}`);
  }
  return out;
}

suite('apply --confirm-within: hosts revert by themselves unless confirmed', () => {
  const name = randomLabName('conf');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-confirm-int-'));
  const baseFile = path.join(scratch, 'base.vxlan.json');
  const changeFile = path.join(scratch, 'change.vxlan.json');
  let lab: LabState;
  let base: Topology;
  let before: Record<string, unknown>;

  const applyWithWindow = async (seconds: string): Promise<DeployJson> => {
    const r = await cli('apply', changeFile, '--lab', name, '--yes', '--json', '--confirm-within', seconds);
    expect(r.status, r.stdout).toBe(0);
    const out = onlyJson<DeployJson>(r);
    expect(out.hosts.map((h) => [h.name, h.outcome, h.confirm?.runId])).toEqual(
      lab.hosts.map((h) => [h.name, 'applied', out.runId]),
    );
    return out;
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    base = await writeLabTopology(lab, baseFile);
    await writeFile(changeFile, serializeTopology(changed(base)));
    const r = await cli('apply', baseFile, '--lab', name, '--yes', '--json');
    expect(r.status, r.stdout).toBe(0);
    before = await settledStates(lab);
  }, 180_000);

  afterAll(async () => {
    for (const h of lab.hosts) await restoreSsh(lab, h.name).catch(() => undefined);
    await labDown(name);
    await removeLockFiles([base.id]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('with nobody confirming, every host, also one cut off from SSH, goes back to its exact snapshot by itself; the next deploy says so and the overlay pings', async () => {
    await applyWithWindow(SHORT);
    expect(await allStates(lab)).not.toEqual(before);
    await cutSsh(lab, 'h2');
    try {
      // Each host's own timer reverts it; the test only watches, from inside the namespaces.
      await until(async () => JSON.stringify(await allStates(lab)) === JSON.stringify(before), 60_000);
      expect(await allStates(lab)).toEqual(before);
      expect(await confirmProcesses(base.id)).toEqual([]);
    } finally {
      await restoreSsh(lab, 'h2');
    }
    // The next contact (a deploy here: status would add a health round, slow on a loaded machine) reports it.
    const s = await cli('apply', baseFile, '--lab', name, '--yes');
    expect(s.status, s.stdout).toBe(0);
    for (const h of ['h1', 'h2', 'h3'])
      expect(s.stdout).toMatch(
        new RegExp(
          `^${h} +unchanged.*\\n(?: +.*\\n)*? +reverted on its own at \\d\\d:\\d\\d:\\d\\d \\(run [0-9a-f-]+\\): undid \\d+ commands, back to the snapshot`,
          'm',
        ),
      );
    // Read once, then cleared: the next contact has nothing more to report.
    const again = onlyJson<DeployJson>(await cli('status', baseFile, '--lab', name, '--json'));
    expect(again.hosts.map((h) => h.reverted)).toEqual([[], [], []]);
    expect(await confirmFiles(base.id)).toEqual([]);
    expect(await overlayPingFailures(lab, base)).toEqual([]);
  }, 180_000);

  it('apply refuses a host while its revert is armed, and revert puts every host back now', async () => {
    const armed = await applyWithWindow(LONG);
    const refused = await cli('apply', changeFile, '--lab', name, '--yes', '--json');
    expect(refused.status).toBe(1);
    expect(onlyJson<DeployJson>(refused).hosts.map((h) => [h.outcome, h.error?.code])).toEqual([
      ['failed', 'CONFIRM_PENDING'],
      ['failed', 'CONFIRM_PENDING'],
      ['failed', 'CONFIRM_PENDING'],
    ]);
    const r = await cli('revert', changeFile, '--lab', name, '--json');
    expect(r.status, r.stdout).toBe(0);
    const out = onlyJson<ConfirmJson>(r);
    expect(out.hosts.map((h) => [h.name, h.outcome, h.reverted.map((x) => [x.by, x.restored])])).toEqual([
      ['h1', 'reverted', [['request', true]]],
      ['h2', 'reverted', [['request', true]]],
      ['h3', 'reverted', [['request', true]]],
    ]);
    expect(armed.runId).not.toBeNull();
    expect(await allStates(lab)).toEqual(before);
    expect(await confirmProcesses(base.id)).toEqual([]);
    expect(await confirmFiles(base.id)).toEqual([]);
  }, 180_000);

  it('a confirmed run stays applied and leaves no process, file or directory behind', async () => {
    const out = await applyWithWindow(LONG);
    expect(await confirmProcesses(base.id)).toHaveLength(3);
    const r = await cli('confirm', changeFile, '--lab', name, '--json');
    expect(r.status, r.stdout).toBe(0);
    expect(onlyJson<ConfirmJson>(r).hosts.map((h) => [h.outcome, h.confirmed])).toEqual([
      ['confirmed', [out.runId]],
      ['confirmed', [out.runId]],
      ['confirmed', [out.runId]],
    ]);
    expect(await confirmProcesses(base.id)).toEqual([]);
    expect(await confirmFiles(base.id)).toEqual([]);
    expect(await settledStates(lab)).not.toEqual(before);
    // That a confirmed host stays so past its deadline is shown by the next test, whose window runs out anyway.
    const s = onlyJson<DeployJson>(await cli('status', changeFile, '--lab', name, '--json'));
    expect(s.hosts.map((h) => [h.outcome, h.reverted, h.confirm])).toEqual([
      ['unchanged', [], null],
      ['unchanged', [], null],
      ['unchanged', [], null],
    ]);
    const back = await cli('apply', baseFile, '--lab', name, '--yes', '--prune', '--json');
    expect(back.status, back.stdout).toBe(0);
    expect(await allStates(lab)).toEqual(before);
  }, 180_000);

  it('confirm names a host it cannot reach (exit 1); that host reverts by itself at its deadline while the confirmed others keep the change past it', async () => {
    const out = await applyWithWindow(LONG);
    // What the change made, read before any deadline: the confirmed hosts must still hold it after theirs.
    const applied = await settledStates(lab);
    expect([applied['h1'], applied['h2']]).not.toEqual([before['h1'], before['h2']]);
    await cutSsh(lab, 'h3');
    try {
      const r = await cli('confirm', changeFile, '--lab', name);
      expect(r.status, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/^h1 +confirmed/m);
      expect(r.stdout).toMatch(/^h2 +confirmed/m);
      expect(r.stdout).toMatch(/^h3 +unreachable/m);
      expect(r.stdout).toContain('NOT confirmed on h3: not reached; an armed revert there runs by itself at its deadline.');
      const h3Back = await until(async () => JSON.stringify(await hostState(lab, 'h3')) === JSON.stringify(before['h3']), 90_000);
      expect(h3Back).toBe(true);
    } finally {
      await restoreSsh(lab, 'h3');
    }
    // Past every host's deadline (the hosts' clock is this machine's), nothing has reverted on the confirmed hosts.
    const deadline = Math.max(...out.hosts.map((h) => h.confirm?.deadlineEpoch ?? 0));
    await until(() => Promise.resolve(Date.now() / 1000 > deadline + 3), 90_000);
    expect([await hostState(lab, 'h1'), await hostState(lab, 'h2')]).toEqual([applied['h1'], applied['h2']]);
    // h1 and h2 keep the change (converged on it, nothing armed); h3 is back where it was and says why.
    const s = onlyJson<DeployJson>(await cli('status', changeFile, '--lab', name, '--json'));
    expect(s.hosts.map((h) => [h.name, h.outcome, h.reverted.map((x) => [x.by, x.restored]), h.confirm])).toEqual([
      ['h1', 'unchanged', [], null],
      ['h2', 'unchanged', [], null],
      ['h3', 'pending', [['timer', true]], null],
    ]);
    const back = await cli('apply', baseFile, '--lab', name, '--yes', '--prune', '--json');
    expect(back.status, back.stdout).toBe(0);
  }, 240_000);
});
