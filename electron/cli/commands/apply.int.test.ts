/**
 * `vxlan-studio apply|status|destroy --lab NAME --yes --json` as a user runs it: the real bin script
 * in a child process, deploying over SSH to a lab through its controller namespace. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onlyJson, runBin, runBinOnTerminal, type BinResult } from './run-bin.testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import type { DeployJson } from '../../core/deploy';
import { overlayPingFailures, removeLockFiles } from '../../core/lab/lab-check';
import {
  blockUdp,
  isRoot,
  labDown,
  labUp,
  randomLabName,
  unblockUdp,
  writeLabTopology,
  type LabState,
} from '../../core/lab/index';

const root = isRoot();
if (!root)
  console.log('apply.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);

suite('vxlan-studio apply/status/destroy against a lab over SSH', () => {
  const name = randomLabName('cli');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-apply-int-'));
  const file = path.join(scratch, 'lab.vxlan.json');
  let lab: LabState;
  let topology: Topology;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    topology = await writeLabTopology(lab, file);
  }, 120_000);
  afterAll(async () => {
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('on a terminal, apply shows the per-host diff and asks first; answering "n" changes nothing', async () => {
    // On a pseudo-terminal, as when a person runs it; "n" is typed at the prompt.
    const r = await runBinOnTerminal(['apply', file, '--lab', name], '[y/N]', () => Promise.resolve('n\n'));
    expect(r.out).toContain('h1: 11 changes');
    expect(r.out).toContain('+ ip link add br100 type bridge');
    expect(r.out).toContain('Apply 33 changes on 3 host(s)? [y/N]');
    expect(r.out).toContain('cancelled, nothing was changed');
    expect(r.status).toBe(1);
    const s = await cli('status', file, '--lab', name, '--json');
    expect(onlyJson<DeployJson>(s).hosts.map((h) => h.outcome)).toEqual(['pending', 'pending', 'pending']);
  }, 120_000);

  it('apply --yes --json converges every host (exit 0, one JSON object) and the overlay pings', async () => {
    const r = await cli('apply', file, '--lab', name, '--yes', '--json');
    expect(r.status).toBe(0);
    const out = onlyJson<DeployJson>(r);
    expect(out).toMatchObject({ version: 1, action: 'apply', topology: topology.id, ok: true, exitCode: 0, error: null });
    expect(out.hosts.map((h) => [h.name, h.outcome])).toEqual([
      ['h1', 'applied'],
      ['h2', 'applied'],
      ['h3', 'applied'],
    ]);
    expect(out.hosts[0]?.steps.map((s) => s.shell)).toContain('ip link add br100 type bridge');
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 120_000);

  it('status --json then reports every host converged with nothing pending (exit 0)', async () => {
    const r = await cli('status', file, '--lab', name, '--json');
    expect(r.status).toBe(0);
    expect(onlyJson<DeployJson>(r).hosts.map((h) => [h.outcome, h.steps.length])).toEqual([
      ['unchanged', 0],
      ['unchanged', 0],
      ['unchanged', 0],
    ]);
  }, 120_000);

  it('status names a firewall dropping VXLAN on a converged host, with the rule, and exits 1', async () => {
    const rule = await blockUdp(lab, 'h2');
    try {
      const r = await cli('status', file, '--lab', name);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('ERROR FIREWALL_BLOCKS_VXLAN');
      expect(r.stdout).toContain(`nftables rule (table inet ${rule.table}, chain ${rule.chain}): ${rule.rule}`);
      const j = await cli('status', file, '--lab', name, '--json');
      expect(j.status).toBe(1);
      const findings = (JSON.parse(j.stdout.trim()) as { findings: { code: string; hosts: string[] }[] }).findings;
      expect(findings.filter((f) => f.code === 'FIREWALL_BLOCKS_VXLAN').map((f) => f.hosts)).toContainEqual(['h2']);
    } finally {
      await unblockUdp(lab, 'h2');
    }
  }, 120_000);

  it('destroy --yes removes it all, after which status shows the changes pending (exit 1)', async () => {
    const d = await cli('destroy', file, '--lab', name, '--yes', '--json');
    expect(d.status).toBe(0);
    expect(onlyJson<DeployJson>(d).hosts.map((h) => h.outcome)).toEqual(['applied', 'applied', 'applied']);
    const s = await cli('status', file, '--lab', name);
    expect(s.status).toBe(1);
    expect(s.stdout).toContain('h1: 11 changes');
    expect(s.stdout).toMatch(/h1\s+11 changes pending/);
  }, 120_000);

  it('refuses an unknown host key unless --accept-new-host-keys, then trusts it', async () => {
    const known = path.join(scratch, 'empty_known_hosts');
    const refused = await cli('status', file, '--lab', name, '--json', '--known-hosts', known);
    expect(refused.status).toBe(1);
    const out = onlyJson<DeployJson>(refused);
    expect(out.hosts.map((h) => [h.outcome, h.error?.code])).toEqual([
      ['unreachable', 'SSH_HOST_KEY_UNKNOWN'],
      ['unreachable', 'SSH_HOST_KEY_UNKNOWN'],
      ['unreachable', 'SSH_HOST_KEY_UNKNOWN'],
    ]);
    const accepted = await cli('status', file, '--lab', name, '--json', '--known-hosts', known, '--accept-new-host-keys');
    expect(onlyJson<DeployJson>(accepted).hosts.map((h) => h.error?.code ?? null)).toEqual([null, null, null]);
    const again = await cli('status', file, '--lab', name, '--json', '--known-hosts', known);
    expect(onlyJson<DeployJson>(again).hosts.map((h) => h.error?.code ?? null)).toEqual([null, null, null]);
  }, 120_000);
});
