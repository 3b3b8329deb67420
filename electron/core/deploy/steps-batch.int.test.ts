/**
 * The one step executor with the real iproute2: runs of `ip`/`bridge` steps go through one
 * `-batch` process (scripts.ts `stepBatches`), and a failure inside a batch must still name its own
 * step, exit code and stderr, stop there (apply) or go on past it (undo), exactly as one process per
 * step did. Root only: it makes a scratch network namespace.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fdbAppend, type Step } from '../../../shared/plan';
import { runOk } from '../lab/exec';
import { deleteNamespace } from '../lab/netns';
import { nsRunOk } from '../lab/netns-exec';
import { NetnsShell } from '../lab/netns-executor';
import { findExecutable, isRoot } from '../lab/preflight';
import { runSteps, undoSteps } from './steps';

const root = isRoot();
if (!root) console.log('steps-batch.int.test.ts skipped: it makes a network namespace, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const NS = `vxsbt-${randomBytes(3).toString('hex')}`;
const ip = (): string => findExecutable('ip') ?? 'ip';

const step = (argv: string[], inverse: string[][] = []): Step => ({
  argv,
  description: argv.join(' '),
  inverse,
  kind: 'link-add',
  target: argv[3] ?? '',
});
const addBridge = (name: string): Step => step(['ip', 'link', 'add', name, 'type', 'bridge'], [['ip', 'link', 'del', name]]);

async function links(): Promise<string[]> {
  const all = JSON.parse(await nsRunOk(NS, ['ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
  return all.map((l) => l.ifname).filter((n) => n !== 'lo');
}

suite('runs of ip/bridge steps through one -batch process, with the real iproute2', () => {
  let sh: NetnsShell;
  beforeAll(async () => {
    await runOk(ip(), ['netns', 'add', NS]);
    sh = new NetnsShell(NS);
  });
  afterAll(async () => {
    await sh?.release();
    await deleteNamespace(ip(), NS).catch(() => undefined);
  });

  it('stops at the failing line of a batch, names that step with its exit code and stderr, and runs nothing after it', async () => {
    const steps = [addBridge('a0'), addBridge('b0'), step(['ip', 'link', 'set', 'nope0', 'up']), addBridge('c0')];
    const r = await runSteps(sh, steps, { host: { name: 'h', sudo: false }, timeoutMs: 20_000 });
    expect(r.applied).toBe(2);
    expect(r.failure).toMatchObject({ step: 2, argv: ['ip', 'link', 'set', 'nope0', 'up'], exitCode: 1 });
    expect(r.failure?.stderrTail).toMatch(/Cannot find device "nope0"/);
    expect(r.failure?.stderrTail).not.toMatch(/Command failed/);
    expect(r.error?.message).toMatch(/step 3 of 4 `ip link set nope0 up` exited with 1/);
    expect(await links()).toEqual(['a0', 'b0']);
    // The undo runs the applied steps' inverses, newest first, through a -force batch.
    const u = await undoSteps(sh, steps.slice(0, r.applied), { host: { name: 'h', sudo: false }, timeoutMs: 20_000 });
    expect(u).toMatchObject({ ok: true, commands: 2, failures: [], broke: false });
    expect(await links()).toEqual([]);
  });

  it('finds the line of a malformed argument, which iproute2 exits on without naming its line', async () => {
    const addr = (cidr: string): Step => ({ ...step(['ip', 'addr', 'add', cidr, 'dev', 'lo']), kind: 'addr-add', target: 'lo' });
    const steps = [addr('192.0.2.77/32'), addr('192.0.2.78/33'), addr('192.0.2.79/32')];
    const r = await runSteps(sh, steps, { host: { name: 'h', sudo: false }, timeoutMs: 20_000 });
    expect(r.applied).toBe(1);
    expect(r.failure).toMatchObject({ step: 1, exitCode: 1 });
    expect(r.failure?.stderrTail).toContain('192.0.2.78/33');
    const lo = await nsRunOk(NS, ['ip', '-o', 'addr', 'show', 'dev', 'lo']);
    expect(lo).toContain('192.0.2.77/32');
    expect(lo).not.toContain('192.0.2.79');
    await nsRunOk(NS, ['ip', 'addr', 'del', '192.0.2.77/32', 'dev', 'lo']);
  });

  it('goes on past failing lines when undoing, and names each failed one with its own stderr', async () => {
    const applied = [
      addBridge('d0'),
      step(['ip', 'link', 'add', 'x0', 'type', 'bridge'], [['ip', 'link', 'del', 'gone1']]),
      step(['ip', 'link', 'add', 'e0', 'type', 'bridge'], [['ip', 'link', 'del', 'gone2']]),
    ];
    await nsRunOk(NS, ['ip', 'link', 'add', 'd0', 'type', 'bridge']);
    // Inverses newest first: del gone2 (fails), del gone1 (fails), del d0 (runs after both failures).
    const u = await undoSteps(sh, applied, { host: { name: 'h', sudo: false }, timeoutMs: 20_000 });
    expect(u.ok).toBe(false);
    expect(u.commands).toBe(3);
    expect(u.failures.map((f) => [f.step, f.exitCode, f.argv.join(' ')])).toEqual([
      [0, 1, 'ip link del gone2'],
      [1, 1, 'ip link del gone1'],
    ]);
    expect(u.failures[0]?.stderrTail).toMatch(/gone2/);
    expect(u.failures[0]?.stderrTail).not.toMatch(/gone1/);
    expect(u.failures[1]?.stderrTail).toMatch(/gone1/);
    expect(await links()).toEqual([]);
  });

  it('adds 99 head-end flood entries as one batch, every one on the device', async () => {
    await nsRunOk(NS, ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '7', 'dstport', '4789', 'local', '10.9.0.1']);
    const peers = Array.from({ length: 99 }, (_, i) => `10.9.${Math.floor(i / 50) + 1}.${(i % 50) + 2}`);
    const r = await runSteps(
      sh,
      peers.map((p) => fdbAppend('vx0', p)),
      { host: { name: 'h', sudo: false }, timeoutMs: 20_000 },
    );
    expect(r).toMatchObject({ applied: 99, interrupted: false });
    expect(r.error).toBeUndefined();
    const fdb = JSON.parse(await nsRunOk(NS, ['bridge', '-j', 'fdb', 'show', 'dev', 'vx0'])) as Array<{ dst?: string }>;
    expect(fdb.map((e) => e.dst).sort()).toEqual([...peers].sort());
    await nsRunOk(NS, ['ip', 'link', 'del', 'vx0']);
  });
});
