/**
 * importDrawing on state recorded from a real kernel (shared/import/fixtures/record.sh: the
 * primer's hand-made recipe, a hand-made mesh with the things a drawing cannot say) and on the
 * state every example and template leaves behind.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import { parseObserved, type ObservedHostState } from '../observe';
import { desiredHostState, diffHost, observedAfterApply, ownerMark, type HostFacts } from '../plan';
import { meshTemplate, textbookTemplate } from '../../renderer/src/files/templates';
import { importDrawing, type ImportHostInput } from './import';
import { formatImportReport, type ImportCode } from './report';

const ROOT = path.resolve(__dirname, '../..');

function recorded(dir: string, name: string): ObservedHostState {
  const read = (kind: string): string => readFileSync(path.join(ROOT, dir, `${name}.${kind}.json`), 'utf8');
  return parseObserved({ link: read('link'), addr: read('addr'), fdb: read('fdb') }, { host: name });
}

const fixture = (name: string): ImportHostInput => ({
  name,
  ssh: { host: name },
  observed: recorded('shared/import/fixtures', name),
});

const codes = (warnings: ReadonlyArray<{ code: ImportCode }>): ImportCode[] => warnings.map((w) => w.code);

/** The observed state with every drawn device marked as `t`'s: what the diff sees once they are its own. */
function markedAs(t: Topology, hostId: string, observed: ObservedHostState): ObservedHostState {
  const names = new Set(desiredHostState(t, hostId).links.map((l) => l.name));
  return { ...observed, links: observed.links.map((l) => (names.has(l.name) ? { ...l, alias: ownerMark(t.id) } : l)) };
}

describe('importing the primer recipe made by hand on two hosts', () => {
  const r = importDrawing([fixture('primer-a'), fixture('primer-b')], { id: 'imported-1' });

  it('draws the textbook segment: point-to-point VNI 100 on 4789, MTU 1450, br-overlay with 10.0.0.x/24 and the VM tap', () => {
    const t = r.topology;
    expect(t.id).toBe('imported-1');
    expect(t.hosts.map((h) => [h.name, h.ssh, h.underlay, h.bridges])).toEqual([
      [
        'primer-a',
        { host: 'primer-a', port: 22, user: 'root', auth: { type: 'agent' } },
        { interface: 'eth0', address: '192.168.1.10', mtu: 'auto' },
        ['br-overlay'],
      ],
      [
        'primer-b',
        { host: 'primer-b', port: 22, user: 'root', auth: { type: 'agent' } },
        { interface: 'eth0', address: '192.168.1.20', mtu: 'auto' },
        ['br-overlay'],
      ],
    ]);
    expect(t.segments).toEqual([
      {
        id: 'seg-100',
        name: 'overlay-100',
        vni: 100,
        port: 4789,
        mtu: 1450,
        flood: { mode: 'point-to-point' },
        learning: true,
        subnet: '10.0.0.0/24',
      },
    ]);
    expect(t.memberships.map((m) => [m.hostId, m.device, m.bridge, m.address, m.bridgePorts])).toEqual([
      ['primer-a', undefined, 'br-overlay', '10.0.0.1/24', ['tap0']],
      ['primer-b', undefined, 'br-overlay', '10.0.0.2/24', ['tap0']],
    ]);
    expect(r.report.warnings).toEqual([]);
    expect(formatImportReport(r.report)).toBe(
      'Imported 2 hosts, 1 segment into drawing imported-1 (new id):\n  VNI 100 (port 4789, point-to-point): primer-a, primer-b\nNo warnings.',
    );
  });

  it('wants exactly what the hosts have: once the devices were its own, the diff has no step', () => {
    for (const h of r.topology.hosts) {
      const observed = recorded('shared/import/fixtures', h.name);
      const desired = desiredHostState(r.topology, h.id);
      expect(desired.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // Unmarked, they are an admin's devices that match the drawing exactly: adopted (marked ours), nothing else.
      const unmarked = diffHost(desired, observed);
      expect(unmarked.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      expect(unmarked.steps.map((s) => [s.kind, s.target])).toEqual([
        ['link-adopt', 'br-overlay'],
        ['link-adopt', 'vxlan100'],
      ]);
      expect(diffHost(desired, markedAs(r.topology, h.id, observed)).steps).toEqual([]);
    }
  });

  it('lays the hosts out in a column, their bridges beside them, the segment between, no two nodes on one spot', () => {
    const spots = Object.values(r.topology.layout.positions).map((p) => `${p.x},${p.y}`);
    expect(new Set(spots).size).toBe(spots.length);
    expect(r.topology.layout.positions).toEqual({
      'primer-a': { x: 0, y: 0 },
      'bridge:primer-a:br-overlay': { x: 320, y: 16 },
      'primer-b': { x: 0, y: 160 },
      'bridge:primer-b:br-overlay': { x: 320, y: 176 },
      'seg-100': { x: 576, y: 80 },
    });
  });
});

describe('importing a hand-made mesh with things a drawing cannot say', () => {
  const r = importDrawing([fixture('mesh-1'), fixture('mesh-2'), fixture('mesh-3')], { id: 'imported-2' });

  it('draws the head-end-replication mesh from the all-zero FDB entries, with its MTU, nolearning and subnet', () => {
    expect(r.topology.segments[0]).toEqual({
      id: 'seg-200',
      name: 'overlay-200',
      vni: 200,
      port: 4789,
      mtu: 1400,
      flood: { mode: 'unicast-mesh' },
      learning: false,
      subnet: '10.20.0.0/24',
    });
    expect(r.topology.memberships.filter((m) => m.segmentId === 'seg-200').map((m) => [m.hostId, m.bridge, m.address])).toEqual([
      ['mesh-1', undefined, '10.20.0.1/24'],
      ['mesh-2', undefined, '10.20.0.2/24'],
      ['mesh-3', undefined, '10.20.0.3/24'],
    ]);
  });

  it('draws the multicast device with its group, and one segment per port of VNI 300', () => {
    expect(r.report.segments.map((s) => [s.id, s.vni, s.port, s.flood, s.members])).toEqual([
      ['seg-200', 200, 4789, 'unicast-mesh', ['mesh-1', 'mesh-2', 'mesh-3']],
      ['seg-300-4789', 300, 4789, 'point-to-point', ['mesh-2']],
      ['seg-300-8472', 300, 8472, 'point-to-point', ['mesh-1']],
      ['seg-400', 400, 4789, 'multicast', ['mesh-2']],
    ]);
    expect(r.topology.segments.find((s) => s.id === 'seg-400')?.flood).toEqual({ mode: 'multicast', group: '239.1.1.4' });
  });

  it('warns about every thing it leaves out or changes, naming host and device', () => {
    expect(r.report.warnings.map((w) => [w.code, w.host, w.device])).toEqual([
      ['IMPORT_EXTERNAL_DEVICE', 'mesh-2', 'vxmeta'],
      ['IMPORT_VNI_PORTS_DIFFER', undefined, undefined],
      ['IMPORT_PEER_NOT_IMPORTED', 'mesh-3', 'vxlan200'],
      ['IMPORT_POINT_TO_POINT_MEMBERS', undefined, undefined],
      ['IMPORT_PEER_NOT_IMPORTED', 'mesh-2', 'vxlan300'],
      ['IMPORT_POINT_TO_POINT_MEMBERS', undefined, undefined],
      ['IMPORT_PEER_NOT_IMPORTED', 'mesh-1', 'vxlan300'],
      ['IMPORT_PARAMETER_DIFFERS', undefined, undefined],
    ]);
    const text = formatImportReport(r.report);
    expect(text).toContain('vxlan200 on mesh-3 floods to 192.168.1.99, which is not an imported host; not drawn');
    expect(text).toContain('VNI 300 uses UDP ports 4789 (mesh-2) and 8472 (mesh-1)');
    expect(text).toContain('the multicast devices of VNI 400 have TTL auto');
  });

  it('names the missing flood entry when one mesh member does not flood to another', () => {
    const m1 = fixture('mesh-1');
    const observed = { ...m1.observed, fdb: m1.observed.fdb.filter((e) => e.dst !== '192.168.1.13') };
    const missing = importDrawing([{ ...m1, observed }, fixture('mesh-2'), fixture('mesh-3')], { id: 'imported-3' });
    expect(missing.report.warnings.filter((w) => w.code === 'IMPORT_PEER_MISSING').map((w) => w.message)).toEqual([
      'vxlan200 on mesh-1 has no flood entry to mesh-3 (192.168.1.13); deploying the drawing adds it',
    ]);
  });
});

describe('what the drawing cannot hold becomes a warning', () => {
  const a = fixture('primer-a');
  const b = fixture('primer-b');
  const edit = (h: ImportHostInput, f: (o: ObservedHostState) => ObservedHostState): ImportHostInput => ({
    ...h,
    observed: f(h.observed),
  });

  it('a VLAN-aware bridge', () => {
    const vlan = edit(a, (o) => ({
      ...o,
      links: o.links.map((l) => (l.name === 'br-overlay' ? { ...l, vlanFiltering: true } : l)),
    }));
    const r = importDrawing([vlan, b], { id: 'i' });
    expect(r.report.warnings.map((w) => [w.code, w.message])).toEqual([
      ['IMPORT_VLAN_AWARE_BRIDGE', 'br-overlay on primer-a is VLAN-aware; its VLAN mappings are not drawn'],
    ]);
  });

  it('members with different MTUs: the most common is drawn, the other named', () => {
    const c = { ...fixture('mesh-1'), name: 'x' };
    const r = importDrawing(
      [edit(a, (o) => ({ ...o, links: o.links.map((l) => (l.name === 'vxlan100' ? { ...l, mtu: 1400 } : l)) })), b, c],
      { id: 'i' },
    );
    expect(r.topology.segments[0]?.mtu).toBe(1400);
    expect(r.report.warnings.filter((w) => w.code === 'IMPORT_VALUE_MIXED').map((w) => w.message)).toEqual([
      'vxlan100 on primer-b has MTU 1450, the drawing gives VNI 100 1400',
    ]);
  });

  it('a second address on the bridge and an address on the bridged device', () => {
    const extra = edit(a, (o) => ({
      ...o,
      addresses: [
        ...o.addresses,
        { ifname: 'br-overlay', cidr: '10.0.0.11/24', family: 'inet' as const, scope: 'global' },
        { ifname: 'vxlan100', cidr: '10.9.0.1/24', family: 'inet' as const, scope: 'global' },
      ],
    }));
    const r = importDrawing([extra, b], { id: 'i' });
    expect(r.topology.memberships[0]?.address).toBe('10.0.0.1/24');
    expect(r.report.warnings.map((w) => w.message)).toEqual([
      '10.9.0.1/24 on vxlan100 (primer-a), a bridged device, is not drawn',
      '10.0.0.11/24 on br-overlay (primer-a) is not drawn; a membership has one address (10.0.0.1/24)',
    ]);
  });

  it('devices marked by two drawings keep neither id; one host alone has a peer that is not imported', () => {
    const tb: ImportHostInput = {
      name: 'host-a',
      ssh: { host: '192.168.1.10' },
      observed: recorded('shared/observe/fixtures', 'textbook-a'),
    };
    const r = importDrawing([tb], { id: 'imported-4' });
    expect([r.topology.id, r.report.idFrom]).toEqual(['imported-4', 'new']);
    expect(codes(r.report.warnings)).toEqual(
      expect.arrayContaining(['IMPORT_MARKS_DISAGREE', 'IMPORT_PEER_NOT_IMPORTED', 'IMPORT_POINT_TO_POINT_MEMBERS']),
    );
    expect(r.report.warnings.find((w) => w.code === 'IMPORT_MARKS_DISAGREE')?.message).toBe(
      'the devices carry the marks of 2 drawings (another-topology: vxlan400 on host-a; textbook: vxlan100 on host-a, br-overlay on host-a); the drawing gets the new id imported-4',
    );
  });
});

/** The facts a deploy reads on a host whose underlay is eth0 (MTU 1500) with its drawn address. */
function factsOf(t: Topology): Record<string, HostFacts> {
  return Object.fromEntries(
    t.hosts.map((h) => [
      h.id,
      {
        underlayInterface: 'eth0',
        underlayAddress: h.underlay.address === 'auto' ? h.ssh.host : h.underlay.address,
        underlayMtu: 1500,
      },
    ]),
  );
}

/** What a host looks like after a deploy of `t`: eth0 with the underlay address, plus our devices. */
function deployed(t: Topology, hostId: string): ObservedHostState {
  const address = factsOf(t)[hostId]?.underlayAddress ?? '';
  const base: ObservedHostState = {
    links: [
      { name: 'lo', ifindex: 1, mtu: 65536, up: true },
      { name: 'eth0', ifindex: 2, kind: 'veth', mtu: 1500, up: true },
    ],
    addresses: [
      {
        ifname: 'eth0',
        cidr: `${address}/${address.includes(':') ? 64 : 24}`,
        family: address.includes(':') ? 'inet6' : 'inet',
        scope: 'global',
      },
    ],
    fdb: [],
  };
  return observedAfterApply(desiredHostState(t, hostId, factsOf(t)), base);
}

function examples(): Array<[string, Topology]> {
  const dir = path.join(ROOT, 'examples');
  const out: Array<[string, Topology]> = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.vxlan.json'))
    .sort()) {
    const p = parseTopologyText(readFileSync(path.join(dir, f), 'utf8'));
    if (!p.ok) throw new Error(`${f}: ${JSON.stringify(p.issues)}`);
    out.push([f, p.topology]);
  }
  return [...out, ['textbook template', textbookTemplate()], ['mesh template (5)', meshTemplate(5)]];
}

describe.each(examples())('importing the hosts %s was deployed to', (_label, t) => {
  const inputs: ImportHostInput[] = t.hosts.map((h) => ({ name: h.name, ssh: h.ssh, observed: deployed(t, h.id) }));
  const r = importDrawing(inputs, { id: 'fresh-id' });

  it('keeps the drawing id from the mark, warns about nothing, and plans no change on any host', () => {
    expect([r.topology.id, r.report.idFrom, r.report.warnings]).toEqual([t.id, 'mark', []]);
    for (const h of r.topology.hosts) {
      const original = t.hosts.find((o) => o.name === h.name);
      const observed = deployed(t, original?.id ?? '');
      expect({ host: h.name, steps: diffHost(desiredHostState(r.topology, h.id), observed).steps }).toEqual({
        host: h.name,
        steps: [],
      });
    }
  });

  it('draws the same segments and memberships', () => {
    const shape = (x: Topology): unknown[] =>
      x.segments.map((s) => ({
        vni: s.vni,
        port: s.port,
        flood: s.flood,
        learning: s.learning,
        members: x.memberships
          .filter((m) => m.segmentId === s.id)
          .map((m) => [
            x.hosts.find((h) => h.id === m.hostId)?.name,
            m.device ?? `vxlan${s.vni}`,
            m.bridge,
            m.address,
            m.bridgePorts,
          ])
          .sort(),
      }));
    expect(shape(r.topology)).toEqual(shape(t));
  });
});
