import { describe, expect, it } from 'vitest';
import type { ObservedHostState } from '../../../shared/observe';
import { settleRestored, type ControlReport } from './confirm';
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
