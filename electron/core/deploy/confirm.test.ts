import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ObservedHostState } from '../../../shared/observe';
import { controlLine, parseControl, settleRestored, type ControlReport } from './confirm';
import { filesKey, stateKey } from './steps';

const before: ObservedHostState = {
  links: [{ name: 'eth0', ifindex: 2, mtu: 1500, up: true }],
  addresses: [{ ifname: 'eth0', cidr: '172.30.1.11/24', family: 'inet' }],
  fdb: [],
};
const reloading: ObservedHostState = { ...before, addresses: [] };
const admin = { marked: [], foreign: ['/etc/systemd/network/10-eth0.network'] };

function report(snapshot: string): ControlReport {
  return {
    armed: [],
    confirmed: [],
    reverting: [],
    complete: true,
    reverted: [{ runId: 'r1', atEpoch: 0, at: '12:00:00', by: 'timer', undone: [], failed: 0, restored: false }],
    snapshots: new Map([['r1', snapshot]]),
    withFiles: new Set(),
  };
}

describe('a revert whose read-back raced the network manager', () => {
  it('counts as restored when the host found at the next contact equals the snapshot, files included', () => {
    const withFiles = report(`${stateKey(before)}\n${filesKey(admin.marked, admin.foreign)}`);
    settleRestored(withFiles, before, admin);
    expect(withFiles.reverted[0]?.restored).toBe(true);
    const runtimeOnly = report(stateKey(before));
    settleRestored(runtimeOnly, before, admin);
    expect(runtimeOnly.reverted[0]?.restored).toBe(true);
  });

  it('stays not restored while the host differs from the snapshot, in links or in files', () => {
    const r = report(`${stateKey(before)}\n${filesKey(admin.marked, admin.foreign)}`);
    settleRestored(r, reloading, admin);
    expect(r.reverted[0]?.restored).toBe(false);
    settleRestored(r, before, { marked: [], foreign: [] });
    expect(r.reverted[0]?.restored).toBe(false);
    settleRestored(r, undefined, admin);
    expect(r.reverted[0]?.restored).toBe(false);
  });
});

describe("round trip 1's confirm read on a host with no run of the topology", () => {
  it('answers complete without a readlink process (the network namespace inode names nothing then)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-ctl-'));
    try {
      // A readlink first in PATH that logs each run, then runs the real one.
      const log = path.join(dir, 'runs');
      writeFileSync(log, '');
      const wrapper = path.join(dir, 'readlink');
      writeFileSync(
        wrapper,
        `#!/bin/sh\necho "$*" >>${log}\nexec ${execFileSync('sh', ['-c', 'command -v readlink'], { encoding: 'utf8' }).trim()} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      const m = `M${randomBytes(4).toString('hex')}`;
      // A topology id no run on this machine can have: the read finds no runs directory of it.
      const line = controlLine(`none-${randomBytes(4).toString('hex')}`, 'read', false, m);
      const out = execFileSync('sh', ['-c', `PATH=${dir}:$PATH\n${line}`], { encoding: 'utf8' });
      const report = parseControl(out, m, 'local');
      expect(report.complete).toBe(true);
      expect(report.armed).toEqual([]);
      expect(readFileSync(log, 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
