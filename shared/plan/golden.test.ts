/**
 * Golden scripts: the plan for fixed topologies, compared byte for byte with files in golden/.
 * After an intended change, regenerate with `UPDATE_GOLDEN=1 npx vitest run shared/plan/golden.test.ts`
 * and review the diff like code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import { compilePlan, compileTeardown, hostScript, type Plan } from './index';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

function load(rel: string): Topology {
  const r = parseTopologyText(readFileSync(path.join(ROOT, rel), 'utf8'));
  if (!r.ok) throw new Error(`${rel}: ${JSON.stringify(r.issues)}`);
  return r.topology;
}

function script(plan: Plan, hostId: string): string {
  const host = plan.hosts.find((h) => h.hostId === hostId);
  if (!host) throw new Error(`no host ${hostId}`);
  return hostScript(host);
}

function expectGolden(name: string, actual: string): void {
  const file = path.join(HERE, 'golden', `${name}.sh`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('the textbook topology (examples/textbook.vxlan.json)', () => {
  const t = load('examples/textbook.vxlan.json');
  const plan = compilePlan(t);

  it('compiles without diagnostics', () => {
    expect(plan.diagnostics).toEqual([]);
    expect(plan.hosts.map((h) => h.diagnostics)).toEqual([[], []]);
  });

  it("gives host A the primer's commands, the add line exactly", () => {
    const lines = script(plan, 'host-a').split('\n');
    expect(lines).toContain('ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789');
    expect(lines).toContain('ip link add br-overlay type bridge');
    expect(lines).toContain('ip link set vxlan100 master br-overlay');
    expect(lines).toContain('ip addr add 10.0.0.1/24 dev br-overlay');
    expect(lines).toContain('ip link set vxlan100 up');
    expect(lines).toContain('ip link set br-overlay up');
    expect(lines).toContain('ip link set vxlan100 mtu 1450');
    expect(lines.slice(0, 1)).toEqual(['#!/bin/sh']);
    expect(lines).toContain('set -e');
  });

  it('gives host B the mirror image (remote 192.168.1.10, address 10.0.0.2/24)', () => {
    const lines = script(plan, 'host-b').split('\n');
    expect(lines).toContain('ip link add vxlan100 type vxlan id 100 remote 192.168.1.10 dev eth0 dstport 4789');
    expect(lines).toContain('ip addr add 10.0.0.2/24 dev br-overlay');
  });

  it('matches the golden scripts byte for byte', () => {
    expectGolden('textbook-host-a', script(plan, 'host-a'));
    expectGolden('textbook-host-b', script(plan, 'host-b'));
    expectGolden('textbook-host-a-teardown', script(compileTeardown(t), 'host-a'));
  });
});

describe('the four-host mesh (examples/mesh.vxlan.json)', () => {
  it('matches the golden script of host-1: local address, one all-zero FDB entry per peer', () => {
    const s = script(compilePlan(load('examples/mesh.vxlan.json')), 'host-1');
    expect(s.match(/^bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst /gm)).toHaveLength(3);
    expectGolden('mesh-host-1', s);
  });
});

describe('all three flood modes on one host (shared/observe/fixtures/mixed.vxlan.json)', () => {
  const t = load('shared/observe/fixtures/mixed.vxlan.json');

  it('matches the golden plan and teardown of h1 (the scripts the observe fixtures were recorded from)', () => {
    const s = script(compilePlan(t), 'h1');
    expect(s).toContain('ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4790\n');
    expect(s).toContain('ip link add vxlan200 type vxlan id 200 local 192.168.1.10 dev eth0 dstport 4789 nolearning\n');
    expect(s).toContain('ip link set tap0 master br200\n');
    expectGolden('mixed-h1', s);
    expectGolden('mixed-h1-teardown', script(compileTeardown(t), 'h1'));
  });
});
