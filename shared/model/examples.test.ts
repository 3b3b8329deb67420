import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, serializeTopology, bridgeNodeId, type Topology } from './index';

function load(name: string): { text: string; topology: Topology } {
  const text = readFileSync(new URL(`../../examples/${name}.vxlan.json`, import.meta.url), 'utf8');
  const r = parseTopologyText(text);
  if (!r.ok) throw new Error(`${name}: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return { text, topology: r.topology };
}

describe.each(['textbook', 'mesh'])('examples/%s.vxlan.json', (name) => {
  it('is in canonical form: parse then serialize gives the same bytes', () => {
    const { text, topology } = load(name);
    expect(serializeTopology(topology)).toBe(text);
  });

  it('has a canvas position for every host, segment and bridge', () => {
    const { topology } = load(name);
    const nodes = [
      ...topology.hosts.map((h) => h.id),
      ...topology.segments.map((s) => s.id),
      ...topology.hosts.flatMap((h) => h.bridges.map((b) => bridgeNodeId(h.id, b))),
    ];
    expect(Object.keys(topology.layout.positions).sort()).toEqual(nodes.sort());
  });
});

describe('the textbook example', () => {
  it("is the primer's two-host setup: 192.168.1.10/.20 on eth0, VNI 100, port 4789, point-to-point, MTU 1450", () => {
    const { topology } = load('textbook');
    expect(
      topology.hosts.map((h) => [h.ssh.host, h.ssh.user, h.ssh.auth.type, h.underlay.interface, h.underlay.address, h.bridges]),
    ).toEqual([
      ['192.168.1.10', 'root', 'agent', 'eth0', '192.168.1.10', ['br-overlay']],
      ['192.168.1.20', 'root', 'agent', 'eth0', '192.168.1.20', ['br-overlay']],
    ]);
    expect(topology.segments).toEqual([
      expect.objectContaining({ vni: 100, port: 4789, mtu: 1450, flood: { mode: 'point-to-point' }, subnet: '10.0.0.0/24' }),
    ]);
    expect(topology.memberships.map((m) => [m.bridge, m.address])).toEqual([
      ['br-overlay', '10.0.0.1/24'],
      ['br-overlay', '10.0.0.2/24'],
    ]);
  });
});

describe('the mesh example', () => {
  it('has four hosts on two underlay subnets in one unicast-mesh segment with bridges', () => {
    const { topology } = load('mesh');
    expect(topology.hosts).toHaveLength(4);
    expect(new Set(topology.hosts.map((h) => h.underlay.address.split('.').slice(0, 3).join('.')))).toEqual(
      new Set(['192.168.1', '192.168.2']),
    );
    expect(topology.segments.map((s) => s.flood.mode)).toEqual(['unicast-mesh']);
    expect(topology.memberships.every((m) => m.bridge !== undefined && m.address !== undefined)).toBe(true);
  });
});
