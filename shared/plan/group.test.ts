/**
 * Review grouping of planned steps (moved here from the renderer's deploy-slice tests): it reads the
 * steps' typed kind and target, so it is built from the plan's own step builders.
 */
import { describe, expect, it } from 'vitest';
import { addrAdd, addrDel, bridgeAdd, fdbDel, linkAlias, linkDel, linkMaster, linkMtu, linkUp, vxlanAdd } from './commands';
import { groupSteps, stepsToRun } from './group';
import { argvToShell } from './shell';
import type { Step } from './types';

const vx = { vni: 100, port: 4789, remote: '192.0.2.2', local: '192.0.2.1', dev: 'eth0', learning: false };
const shell = (steps: readonly Step[]) => steps.map((s) => argvToShell(s.argv));

describe('groupSteps', () => {
  it('groups steps into added (with settings of the new device), changed and removed', () => {
    const steps = [
      vxlanAdd('vxlan100', vx),
      linkAlias('vxlan100', 'vxlan-studio:t'),
      linkMtu('br100', 1450, 1500),
      addrAdd('10.0.0.1/24', 'br100'),
      fdbDel('vxlan100', '192.0.2.9'),
    ];
    const g = groupSteps(steps);
    expect(g.add).toEqual([steps[0], steps[1], steps[3]]);
    expect(g.change).toEqual([steps[2]]);
    expect(g.remove).toEqual([steps[4]]);
  });

  it('counts every setting of a device the plan creates as adding it, and the same settings on an existing device as changes', () => {
    const created = groupSteps([bridgeAdd('br100'), linkMtu('br100', 1450), linkUp('br100'), linkMaster('vxlan100', 'br100')]);
    expect(created.add.map((s) => s.kind)).toEqual(['link-add', 'link-mtu', 'link-up', 'link-master']);
    expect(created.change).toEqual([]);
    const existing = groupSteps([linkMtu('br100', 1450, 1500), linkUp('br100'), linkAlias('br100', 'vxlan-studio:t')]);
    expect(existing.change.map((s) => s.kind)).toEqual(['link-mtu', 'link-up', 'link-alias']);
    expect(existing.add).toEqual([]);
  });

  it('keeps prune steps out of every group; stepsToRun drops them unless the review prunes', () => {
    const stale = { ...linkDel('vxlan300', 'no longer drawn'), prune: true as const };
    const addr = addrDel('10.0.0.9/24', 'br100');
    const g = groupSteps([stale, addr]);
    expect(shell(g.remove)).toEqual(['ip addr del 10.0.0.9/24 dev br100']);
    expect(g.add).toEqual([]);
    expect(g.change).toEqual([]);
    expect(shell(stepsToRun([stale, addr], true))).toEqual(['ip link del vxlan300', 'ip addr del 10.0.0.9/24 dev br100']);
    expect(shell(stepsToRun([stale, addr], false))).toEqual(['ip addr del 10.0.0.9/24 dev br100']);
  });

  it('keeps the network manager file steps out of the link groups (the review shows them as diffs)', () => {
    const file: Step = {
      argv: ['true'],
      description: 'write f',
      inverse: [],
      kind: 'file-write',
      target: '/etc/systemd/network/x',
    };
    const reload: Step = {
      argv: ['networkctl', 'reload'],
      description: 'reload',
      inverse: [],
      kind: 'persist-reload',
      target: 'systemd-networkd',
    };
    const g = groupSteps([bridgeAdd('br100'), file, reload]);
    expect(g.add.map((s) => s.kind)).toEqual(['link-add']);
    expect([...g.change, ...g.remove]).toEqual([]);
  });
});
