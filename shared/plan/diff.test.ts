/**
 * diffHost and teardownHost on state recorded from a real kernel (shared/observe/fixtures/record.sh):
 * the mixed topology's plan for h1 was applied in a scratch namespace, then one drift was made by hand.
 * Every namespace also holds a tap port, an admin's own interface and a device of another topology.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import { emptyObserved, parseObserved, type ObservedHostState } from '../observe';
import { argvToShell, compilePlan, desiredHostState, diffHost, planTeardown, teardownHost, type Step } from './index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'shared/observe/fixtures');

function observed(name: string): ObservedHostState {
  const read = (kind: string): string => readFileSync(path.join(FIXTURES, `${name}.${kind}.json`), 'utf8');
  return parseObserved({ link: read('link'), addr: read('addr'), fdb: read('fdb') }, { host: name });
}

function topology(rel: string): Topology {
  const r = parseTopologyText(readFileSync(path.join(ROOT, rel), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.topology;
}

const lines = (steps: Step[]): string[] => steps.map((s) => argvToShell(s.argv));

const mixed = topology('shared/observe/fixtures/mixed.vxlan.json');
const desired = desiredHostState(mixed, 'h1');

/** Names of links a step list acts on. */
const targets = (steps: Step[]): string[] => [...new Set(steps.map((s) => s.target))];

describe('diffHost on recorded kernel state', () => {
  it('gives no steps for a converged host (all three flood modes, bridges, tap port, IPv6 address)', () => {
    expect(diffHost(desired, observed('mixed-h1'))).toEqual({ steps: [], diagnostics: [] });
  });

  it('gives no steps for the converged textbook host A', () => {
    expect(diffHost(desiredHostState(topology('examples/textbook.vxlan.json'), 'host-a'), observed('textbook-a'))).toEqual({
      steps: [],
      diagnostics: [],
    });
  });

  it('re-creates a deleted device with its mark, MTU, address and up state, and nothing else', () => {
    expect(lines(diffHost(desired, observed('drift-missing-device')).steps)).toEqual([
      'ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4790',
      'ip link set vxlan300 alias vxlan-studio:fixture-mixed',
      'ip link set vxlan300 mtu 1450',
      'ip addr add 10.3.0.1/24 dev vxlan300',
      'ip link set vxlan300 up',
    ]);
  });

  it('fixes a wrong MTU in place, with the old MTU as inverse', () => {
    const { steps } = diffHost(desired, observed('drift-mtu'));
    expect(lines(steps)).toEqual(['ip link set vxlan200 mtu 1400']);
    expect(steps[0]?.inverse).toEqual([['ip', 'link', 'set', 'vxlan200', 'mtu', '1300']]);
  });

  it('appends a missing head-end FDB entry', () => {
    expect(lines(diffHost(desired, observed('drift-fdb-missing')).steps)).toEqual([
      'bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.2.30',
    ]);
  });

  it('deletes a stray head-end FDB entry but keeps the kernel default entry of the point-to-point remote', () => {
    expect(lines(diffHost(desired, observed('drift-fdb-stray')).steps)).toEqual([
      'bridge fdb del 00:00:00:00:00:00 dev vxlan200 dst 192.168.9.99',
    ]);
  });

  it('deletes a stale device that carries our mark, with a re-create as inverse', () => {
    const { steps } = diffHost(desired, observed('drift-stale-marked'));
    expect(lines(steps)).toEqual(['ip link del vxlan999']);
    expect(steps[0]?.inverse.map((a) => argvToShell(a))).toEqual([
      'ip link add vxlan999 type vxlan id 999 local 192.168.1.10 dev eth0 dstport 4789',
      'ip link set vxlan999 alias vxlan-studio:fixture-mixed',
      'ip link set vxlan999 mtu 1450',
    ]);
  });

  it('leaves a foreign interface with our device name untouched and reports the clash', () => {
    const { steps, diagnostics } = diffHost(desired, observed('drift-foreign-clash'));
    expect(steps).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PLAN_NAME_CLASH',
        severity: 'error',
        elementId: 'h1-mc',
        path: 'memberships[5]',
        message: expect.stringContaining('vxlan300') as string,
      }),
    ]);
  });

  it('re-creates a device whose remote was changed by hand (VXLAN parameters cannot be set in place)', () => {
    const { steps } = diffHost(desired, observed('drift-remote'));
    expect(lines(steps)).toEqual([
      'ip link del vxlan100',
      'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789',
      'ip link set vxlan100 alias vxlan-studio:fixture-mixed',
      'ip link set vxlan100 mtu 1450',
      'ip link set vxlan100 master br-overlay',
      'ip link set vxlan100 up',
    ]);
    expect(steps[0]?.description).toContain('remote 192.168.1.99 -> 192.168.1.20');
  });

  it('removes a stray address from our bridge and brings a downed device back up', () => {
    expect(lines(diffHost(desired, observed('drift-address-down')).steps)).toEqual([
      'ip addr del 10.2.0.99/24 dev br200',
      'ip link set vxlan200 up',
    ]);
  });

  it('never touches the underlay, the tap port, the admin interface or another topology, whatever the drift', () => {
    for (const name of [
      'drift-missing-device',
      'drift-mtu',
      'drift-fdb-missing',
      'drift-fdb-stray',
      'drift-stale-marked',
      'drift-foreign-clash',
      'drift-remote',
      'drift-address-down',
    ]) {
      const touched = targets(diffHost(desired, observed(name)).steps);
      for (const foreign of ['eth0', 'uplink0', 'tap0', 'foreign0', 'vxlan400', 'lo'])
        expect(touched, name).not.toContain(foreign);
    }
  });

  it('honours the protect list: an address carrying the SSH session keeps its device alive, a warning since removing it was optional', () => {
    const { steps, diagnostics } = diffHost(desired, observed('drift-stale-marked'), { protect: { addresses: ['10.9.9.1'] } });
    expect(steps).toEqual([]);
    // Removing a device no longer drawn only runs with prune; left in place it blocks nothing else on the host.
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'PLAN_PROTECTED', severity: 'warning' })]);
  });

  it('honours the protect list: a protected interface name is never created, changed or used', () => {
    const { steps, diagnostics } = diffHost(desired, observed('drift-mtu'), { protect: { interfaces: ['vxlan200'] } });
    expect(targets(steps)).not.toContain('vxlan200');
    expect(diagnostics.map((d) => d.code)).toEqual(['PLAN_PROTECTED']);
  });

  it('raises nothing for a converged device that carries the SSH session (SSH over the overlay stays possible)', () => {
    expect(diffHost(desired, observed('mixed-h1'), { protect: { addresses: ['10.2.0.1'] } })).toEqual({
      steps: [],
      diagnostics: [],
    });
  });

  it('refuses to add an overlay subnet that covers the SSH client address (its connected route would capture the session)', () => {
    const { steps, diagnostics } = diffHost(desired, observed('drift-missing-device'), { protect: { addresses: ['10.3.0.77'] } });
    expect(lines(steps)).not.toContain('ip addr add 10.3.0.1/24 dev vxlan300');
    expect(lines(steps)).toContain('ip link set vxlan300 up');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'PLAN_PROTECTED',
        path: 'memberships[5].address',
        message: expect.stringContaining('10.3.0.77') as string,
      }),
    ]);
  });

  it('from an empty host gives exactly the compiled plan (one code path)', () => {
    const fromScratch = compilePlan(mixed, { hostIds: ['h1'] }).hosts[0]?.steps;
    expect(diffHost(desired, emptyObserved()).steps).toEqual(fromScratch);
    // The recorded host after teardown has only foreign interfaces left (tap0 still exists): same plan.
    expect(diffHost(desired, observed('mixed-h1-after-teardown')).steps).toEqual(fromScratch);
  });

  it('warns about a named bridge port that does not exist on a live host instead of failing the apply', () => {
    const live = observed('mixed-h1-after-teardown');
    live.links = live.links.filter((l) => l.name !== 'tap0');
    const { steps, diagnostics } = diffHost(desired, live);
    expect(targets(steps)).not.toContain('tap0');
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'PLAN_PORT_MISSING', severity: 'warning', path: 'memberships[2].bridgePorts[0]' }),
    ]);
  });
});

describe('teardownHost on recorded kernel state', () => {
  it('detaches the tap port, then deletes our VXLAN devices and bridges, and nothing else', () => {
    expect(lines(teardownHost('fixture-mixed', observed('mixed-h1')))).toEqual([
      'ip link set tap0 nomaster',
      'ip link del vxlan100',
      'ip link del vxlan200',
      'ip link del vxlan300',
      'ip link del br-overlay',
      'ip link del br200',
    ]);
  });

  it('finds nothing of ours after the guarded teardown script ran on the kernel, and every foreign interface survived', () => {
    const after = observed('mixed-h1-after-teardown');
    expect(teardownHost('fixture-mixed', after)).toEqual([]);
    expect(after.links.map((l) => l.name).sort()).toEqual(['eth0', 'foreign0', 'lo', 'tap0', 'uplink0', 'vxlan400']);
  });

  it('the guarded teardown script changed nothing on a host that never had the topology', () => {
    expect(
      observed('teardown-on-clean-host')
        .links.map((l) => l.name)
        .sort(),
    ).toEqual(['eth0', 'foreign0', 'lo', 'tap0', 'uplink0', 'vxlan400']);
  });

  it('leaves the other topology alone: its teardown only removes its own device', () => {
    expect(lines(teardownHost('another-topology', observed('mixed-h1')))).toEqual(['ip link del vxlan400']);
  });

  it('keeps a protected device and says so', () => {
    const { steps, diagnostics } = planTeardown('fixture-mixed', observed('mixed-h1'), { protect: { addresses: ['10.3.0.1'] } });
    expect(targets(steps)).not.toContain('vxlan300');
    expect(diagnostics.map((d) => d.code)).toEqual(['PLAN_PROTECTED']);
  });
});
