/**
 * `vxlan-studio diagnose` against a real lab (the bin script in a child process, dialling through
 * the lab's controller namespace): exit 0 on a healthy mesh, exit 1 with the firewall finding once
 * UDP 4789 is dropped on a host. Root only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin, type BinResult } from './run-bin.testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTopology } from '../../../shared/model';
import { removeLockFiles } from '../../core/lab/lab-check';
import { runDeploy } from '../../core/deploy';
import { netnsConnector } from '../../core/lab/netns-executor';
import { blockUdp, isRoot, labDown, labTopology, labUp, randomLabName, type LabState } from '../../core/lab/index';

const root = isRoot();
if (!root)
  console.log('diagnose.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);

interface Out {
  ok: boolean;
  exitCode: number;
  round: { hosts: Array<{ hostId: string; state: string }> };
  findings: Array<{
    code: string;
    hosts: string[];
    evidence: Array<{ value: string }>;
    fix?: { hosts: Array<{ steps: Array<{ shell: string }> }> };
  }>;
}

suite('vxlan-studio diagnose on a deployed 3-host lab', () => {
  const name = randomLabName('dcli');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-diagnose-int-'));
  const file = path.join(scratch, 'lab.vxlan.json');
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
    const t = labTopology(lab);
    writeFileSync(file, serializeTopology(t));
    const r = await runDeploy({ action: 'apply', topology: t, connect: netnsConnector(lab) });
    if (!r.ok) throw new Error(`deploy failed: ${JSON.stringify(r.hosts.map((h) => [h.hostName, h.outcome]))}`);
  }, 180_000);
  afterAll(async () => {
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('exits 0 with no findings when every tunnel works', async () => {
    const r = await cli('diagnose', file, '--lab', name, '--json');
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings.map((f) => f.code)).toEqual([]);
    expect(out.round.hosts.map((h) => h.state)).toEqual(['ok', 'ok', 'ok']);
    expect(r.status).toBe(0);
  }, 60_000);

  it('exits 1 and prints the nftables rule and the accept rule to add once h2 drops UDP 4789', async () => {
    await blockUdp(lab, 'h2');
    const r = await cli('diagnose', file, '--lab', name);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('ERROR FIREWALL_BLOCKS_VXLAN');
    expect(r.stdout).toContain('udp dport 4789 drop');
    expect(r.stdout).toMatch(/on h2: nft insert rule inet vxlan_studio_lab input position \d+ ip saddr/);
    const j = JSON.parse((await cli('diagnose', file, '--lab', name, '--json')).stdout) as Out;
    expect(j.exitCode).toBe(1);
    expect(j.findings.find((f) => f.code === 'FIREWALL_BLOCKS_VXLAN')?.hosts).toEqual(['h2']);
  }, 60_000);
});
