/**
 * Golden persist files: every manager x the three example drawings (point-to-point, unicast mesh,
 * and the fixture with all three flood modes, an IPv6 overlay address and a foreign bridge port),
 * compared byte for byte with shared/plan/golden/persist/. After an intended change regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run shared/plan/persist/golden.test.ts` and review the diff like code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../../model';
import { desiredHostState } from '../desired';
import { PERSIST_MANAGERS, PERSIST_MARK_PREFIX, renderPersist, type PersistRender } from './index';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

function load(rel: string): Topology {
  const r = parseTopologyText(readFileSync(path.join(ROOT, rel), 'utf8'));
  if (!r.ok) throw new Error(`${rel}: ${JSON.stringify(r.issues)}`);
  return r.topology;
}

/** One text per render: each file under a header naming path and mode, then reload and diagnostics. */
function text(r: PersistRender): string {
  const parts = r.files.map((f) => `==> ${f.path} (mode ${f.mode.toString(8)}): ${f.description}\n${f.content}`);
  parts.push(`==> reload\n${r.reload.map((a) => a.join(' ')).join('\n')}\n`);
  parts.push(`==> diagnostics\n${r.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`).join('\n')}\n`);
  return parts.join('\n');
}

function expectGolden(name: string, actual: string): void {
  const file = path.join(HERE, '..', 'golden', 'persist', name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const CASES = [
  { file: 'examples/textbook.vxlan.json', host: 'host-a', name: 'textbook-host-a' },
  { file: 'examples/mesh.vxlan.json', host: 'host-1', name: 'mesh-host-1' },
  { file: 'shared/observe/fixtures/mixed.vxlan.json', host: 'h1', name: 'mixed-h1' },
] as const;

describe.each(CASES)('$name', ({ file, host, name }) => {
  const desired = desiredHostState(load(file), host);

  it.each(PERSIST_MANAGERS)('matches the golden %s files', (manager) => {
    const r = renderPersist(desired, manager);
    expect(r.manager).toBe(manager);
    for (const f of r.files) {
      const lines = f.content.split('\n');
      // The mark is the first line, or the second after a script's shebang.
      expect(lines[0]?.startsWith('#!') ? lines[1] : lines[0]).toBe(
        `${PERSIST_MARK_PREFIX} (${desired.mark}); do not edit, changes are overwritten`,
      );
    }
    expectGolden(`${name}.${manager}.txt`, text(r));
  });
});

describe('what each flood mode becomes', () => {
  const mixed = desiredHostState(load('shared/observe/fixtures/mixed.vxlan.json'), 'h1');
  const file = (manager: (typeof PERSIST_MANAGERS)[number], end: string): string => {
    const f = renderPersist(mixed, manager).files.find((x) => x.path.endsWith(end));
    if (!f) throw new Error(`${manager}: no file ending ${end}`);
    return f.content;
  };

  it('networkd: Remote= for point-to-point, Local= and one [BridgeFDB] per peer for the mesh, Group= and TTL= for multicast', () => {
    expect(file('systemd-networkd', 'vxlan100.netdev')).toContain('[VXLAN]\nVNI=100\nRemote=192.168.1.20\n');
    expect(file('systemd-networkd', 'vxlan200.netdev')).toContain('Local=192.168.1.10\nDestinationPort=4789\nMacLearning=no\n');
    expect(
      file('systemd-networkd', 'vxlan200.network').match(/\[BridgeFDB\]\nMACAddress=00:00:00:00:00:00\nDestination=/g),
    ).toHaveLength(2);
    expect(file('systemd-networkd', 'vxlan300.netdev')).toContain('Group=239.1.1.1\nTTL=5\nDestinationPort=4790\n');
  });

  it('networkd: binds the devices to the underlay with a drop-in of ours when the host names its .network file', () => {
    const r = renderPersist(mixed, 'systemd-networkd', { underlayNetworkFile: '/etc/systemd/network/10-eth0.network' });
    const dropIn = r.files.find((f) => f.path === '/etc/systemd/network/10-eth0.network.d/60-vxlan-studio-fixture-mixed.conf');
    expect(dropIn?.content).toContain('[Network]\nVXLAN=vxlan100\nVXLAN=vxlan200\nVXLAN=vxlan300\n');
    expect(r.files.some((f) => f.content.includes('Independent=yes'))).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).not.toContain('PERSIST_UNDERLAY_UNBOUND');
  });

  it('ifupdown (classic): the runtime plan lines themselves, quoted, under pre-up/up/post-down', () => {
    const f = file('ifupdown', 'vxlan-studio-fixture-mixed');
    expect(f).toContain('    pre-up ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4790\n');
    expect(f).toContain('    up bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.2.30\n');
    expect(f).toContain('    up ip link set tap0 master br200 || true\n');
  });

  it('ifupdown2: service node for point-to-point, one vxlan-remoteip per peer for the mesh, mcastgrp for multicast', () => {
    const f = file('ifupdown2', 'vxlan-studio-fixture-mixed');
    expect(f).toContain('vxlan-svcnodeip 192.168.1.20\n');
    expect(f.match(/vxlan-remoteip /g)).toHaveLength(2);
    expect(f).toContain('vxlan-mcastgrp 239.1.1.1\n');
    expect(f).toContain('bridge-ports vxlan200 tap0\n');
  });

  it('NetworkManager: keyfiles 0600, FDB entries and foreign ports in a dispatcher script, with a diagnostic each', () => {
    const r = renderPersist(mixed, 'networkmanager');
    expect(r.files.filter((f) => f.path.endsWith('.nmconnection')).every((f) => f.mode === 0o600)).toBe(true);
    expect(file('networkmanager', 'vxlan-studio-vxlan300.nmconnection')).toContain('[vxlan]\nid=300\nremote=239.1.1.1\n');
    const hook = file('networkmanager', 'dispatcher.d/60-vxlan-studio-fixture-mixed');
    expect(hook).toContain('bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.1.20 2>/dev/null || true');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['PERSIST_FDB_HOOK', 'PERSIST_PORTS_HOOK']);
  });
});
