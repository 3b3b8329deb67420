/**
 * Adopting devices made by hand: the textbook drawing's converged state (`observedAfterApply`)
 * without our mark is what an admin gets from the primer's recipe.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import type { ObservedHostState, ObservedLink } from '../observe';
import { argvToShell, desiredHostState, diffHost, observedAfterApply, type Step } from './index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function textbook(): Topology {
  const r = parseTopologyText(readFileSync(path.join(ROOT, 'examples/textbook.vxlan.json'), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.topology;
}

const desired = desiredHostState(textbook(), 'host-a', {
  'host-a': { underlayInterface: 'eth0', underlayAddress: '192.168.1.10', underlayMtu: 1500 },
  'host-b': { underlayInterface: 'eth0', underlayAddress: '192.168.1.20', underlayMtu: 1500 },
});

/** The converged host as built by hand: the same devices, without our mark (or with the admin's own alias). */
function byHand(change: (l: ObservedLink) => ObservedLink = (l) => l, alias?: string): ObservedHostState {
  const base: ObservedHostState = {
    links: [{ name: 'eth0', ifindex: 2, kind: 'veth', mtu: 1500, up: true }],
    addresses: [{ ifname: 'eth0', cidr: '192.168.1.10/24', family: 'inet', scope: 'global' }],
    fdb: [],
  };
  const state = observedAfterApply(desired, base);
  return {
    ...state,
    links: state.links.map((l) => {
      if (l.name === 'eth0') return l;
      const { alias: _mark, ...rest } = l;
      return change(alias === undefined ? rest : { ...rest, alias });
    }),
  };
}

const lines = (steps: Step[]): string[] => steps.map((s) => argvToShell(s.argv));

describe('devices made by hand with a drawn name', () => {
  it('are adopted when they match the drawing exactly: only our mark is set, nothing is re-created', () => {
    const { steps, diagnostics } = diffHost(desired, byHand());
    expect(diagnostics).toEqual([]);
    expect(lines(steps)).toEqual([
      'ip link set br-overlay alias vxlan-studio:textbook',
      'ip link set vxlan100 alias vxlan-studio:textbook',
    ]);
    expect(steps.map((s) => s.kind)).toEqual(['link-adopt', 'link-adopt']);
    expect(steps[1]?.description).toBe('adopt vxlan100 (made by hand): mark as ours, no change to the link');
    // Undo clears the alias again: the device goes back to being the admin's.
    expect(steps[1]?.inverse.map((a) => argvToShell(a))).toEqual(["ip link set vxlan100 alias ''"]);
  });

  it("put back the admin's own alias when an adoption is undone", () => {
    const { steps } = diffHost(desired, byHand(undefined, 'lab uplink'));
    expect(steps[1]?.inverse.map((a) => argvToShell(a))).toEqual(["ip link set vxlan100 alias 'lab uplink'"]);
  });

  it('keep their matching addresses and get the missing ones added as usual', () => {
    const state = byHand();
    const { steps } = diffHost(desired, { ...state, addresses: state.addresses.filter((a) => a.ifname === 'eth0') });
    expect(lines(steps)).toEqual([
      'ip link set br-overlay alias vxlan-studio:textbook',
      'ip link set vxlan100 alias vxlan-studio:textbook',
      'ip addr add 10.0.0.1/24 dev br-overlay',
    ]);
  });

  it('that differ are left alone, with every differing field named (host value, drawn value)', () => {
    const state = byHand((l) => (l.vxlan ? { ...l, mtu: 1400, vxlan: { ...l.vxlan, vni: 101 } } : l));
    const { steps, diagnostics } = diffHost(desired, state);
    expect(steps.map((s) => s.target)).not.toContain('vxlan100');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PLAN_NAME_CLASH',
        severity: 'error',
        path: 'memberships[0]',
        message:
          'host-a already has an interface vxlan100 (vxlan) that VXLAN Studio did not create and that differs from the drawing (VNI 101 on the host, 100 drawn; MTU 1400 on the host, 1450 drawn); it is left alone',
        hint: expect.stringContaining('--replace-foreign') as string,
      }),
    ]);
  });

  it('count an overlay address the drawing does not have as a difference (adopting would remove it)', () => {
    const state = byHand();
    state.addresses.push({ ifname: 'br-overlay', cidr: '10.0.0.9/24', family: 'inet', scope: 'global' });
    const { diagnostics } = diffHost(desired, state);
    expect(diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('address 10.0.0.9/24 on the host, none drawn')]);
  });

  it('that differ are deleted and re-created as drawn with replaceForeign, the delete undone by re-making the old one', () => {
    const state = byHand((l) => (l.vxlan ? { ...l, vxlan: { ...l.vxlan, vni: 101 } } : l));
    const { steps, diagnostics } = diffHost(desired, state, { replaceForeign: true });
    expect(diagnostics).toEqual([]);
    // The bridge matches: adopted, and the new vxlan100 joins it.
    expect(lines(steps)).toEqual([
      'ip link set br-overlay alias vxlan-studio:textbook',
      'ip link del vxlan100',
      'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789',
      'ip link set vxlan100 alias vxlan-studio:textbook',
      'ip link set vxlan100 mtu 1450',
      'ip link set vxlan100 master br-overlay',
      'ip link set vxlan100 up',
    ]);
    expect(steps[1]?.description).toBe('delete vxlan100 (replace the one made by hand: VNI 101 on the host, 100 drawn)');
    expect(steps[1]?.inverse.map((a) => argvToShell(a))).toEqual([
      'ip link add vxlan100 type vxlan id 101 remote 192.168.1.20 dev eth0 dstport 4789',
      'ip link set vxlan100 mtu 1450',
    ]);
  });

  it("are never another drawing's devices: those are neither adopted nor replaced", () => {
    const state = byHand(undefined, 'vxlan-studio:other-drawing');
    for (const replaceForeign of [false, true]) {
      const { steps, diagnostics } = diffHost(desired, state, { replaceForeign });
      expect(steps).toEqual([]);
      expect(diagnostics.map((d) => d.message)).toEqual([
        expect.stringContaining('belongs to drawing other-drawing') as string,
        expect.stringContaining('belongs to drawing other-drawing') as string,
      ]);
    }
  });
});
