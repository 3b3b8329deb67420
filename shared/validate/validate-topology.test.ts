import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, parseTopologyText, type Host, type Membership, type Topology } from '../model';
import { fileIssuesToDiagnostics, validateTopology } from './validate-topology';
import type { Diagnostic } from './diagnostic';
import { VALIDATION_CODES } from './codes';

/** Two hosts on one unicast-mesh segment with bridges and addresses: no findings at all. */
function base(): Topology {
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: 'test',
    name: 'Test',
    hosts: [
      {
        id: 'a',
        name: 'A',
        ssh: { host: 'a' },
        underlay: { interface: 'eth0', address: '192.168.1.10', mtu: 1500 },
        bridges: ['br0'],
      },
      {
        id: 'b',
        name: 'B',
        ssh: { host: 'b' },
        underlay: { interface: 'eth0', address: '192.168.1.20', mtu: 1500 },
        bridges: ['br0'],
      },
    ],
    segments: [{ id: 's1', name: 'blue', vni: 100, subnet: '10.0.0.0/24' }],
    memberships: [
      { id: 'm1', hostId: 'a', segmentId: 's1', bridge: 'br0', address: '10.0.0.1/24' },
      { id: 'm2', hostId: 'b', segmentId: 's1', bridge: 'br0', address: '10.0.0.2/24' },
    ],
  });
}

function host(id: string, address: string, extra: Partial<Host> = {}): Host {
  return TopologySchema.shape.hosts.parse([
    { id, name: id, ssh: { host: id }, underlay: { interface: 'eth0', address, mtu: 1500 }, bridges: ['br0'], ...extra },
  ])[0] as Host;
}

function member(id: string, hostId: string, segmentId: string, extra: Partial<Membership> = {}): Membership {
  return { id, hostId, segmentId, bridgePorts: [], ...extra };
}

const m = (t: Topology, i: number): Membership => t.memberships[i] as Membership;
const h = (t: Topology, i: number): Host => t.hosts[i] as Host;
const seg = (t: Topology, i: number) => t.segments[i] as Topology['segments'][number];

function only(t: Topology, code: string): Diagnostic[] {
  return validateTopology(t).filter((d) => d.code === code);
}

function readExample(name: string): Topology {
  const r = parseTopologyText(readFileSync(new URL(`../../examples/${name}.vxlan.json`, import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.topology;
}

describe('validateTopology: the shipped examples', () => {
  it('finds nothing wrong with the textbook example', () => {
    expect(validateTopology(readExample('textbook'))).toEqual([]);
  });

  it('finds nothing wrong with the mesh example', () => {
    expect(validateTopology(readExample('mesh'))).toEqual([]);
  });

  it('finds nothing wrong with a clean two-host mesh', () => {
    expect(validateTopology(base())).toEqual([]);
  });
});

describe('validateTopology: structure (schema) problems in an unparsed drawing', () => {
  it('reports a VNI of 0 on the segment with its field path', () => {
    const t = base();
    seg(t, 0).vni = 0;
    expect(only(t, 'VNI_INVALID')).toEqual([
      expect.objectContaining({
        severity: 'error',
        elementId: 's1',
        elementKind: 'segment',
        path: 'segments[0].vni',
        message: 'vni must be 1-16777215 (got 0)',
      }),
    ]);
  });

  it('reports a 16-byte bridge name as too long for Linux', () => {
    const t = base();
    h(t, 1).bridges = ['br-0123456789abc'];
    const [d] = only(t, 'IFNAME_TOO_LONG');
    expect(d).toMatchObject({ elementId: 'b', elementKind: 'host', path: 'hosts[1].bridges[0]' });
  });

  it('reports an out-of-range port', () => {
    const t = base();
    seg(t, 0).port = 70000;
    expect(only(t, 'PORT_INVALID')[0]?.path).toBe('segments[0].port');
  });

  it('can skip the schema pass for a topology that was just parsed', () => {
    const t = base();
    seg(t, 0).vni = 0;
    expect(validateTopology(t, { schema: false }).map((d) => d.code)).not.toContain('VNI_INVALID');
  });
});

describe('validateTopology: identity', () => {
  it('reports a duplicate element id on the second element', () => {
    const t = base();
    seg(t, 0).id = 'a';
    for (const x of t.memberships) x.segmentId = 'a';
    expect(only(t, 'ID_DUPLICATE')).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'segments[0].id',
        elementKind: 'segment',
        message: 'Id "a" is already used by hosts[0]',
      }),
    ]);
  });

  it('reports two hosts with the same name, since the CLI selects hosts by name', () => {
    const t = base();
    h(t, 1).name = 'A';
    expect(only(t, 'HOST_NAME_DUPLICATE')[0]).toMatchObject({ path: 'hosts[1].name', elementId: 'b', severity: 'error' });
  });

  it('warns about two segments with the same name', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', vni: 200, subnet: '10.0.1.0/24' });
    expect(only(t, 'SEGMENT_NAME_DUPLICATE')[0]).toMatchObject({ path: 'segments[1].name', severity: 'warning' });
  });
});

describe('validateTopology: memberships', () => {
  it('reports a membership to a host that does not exist', () => {
    const t = base();
    m(t, 1).hostId = 'ghost';
    expect(only(t, 'MEMBERSHIP_HOST_MISSING')[0]).toMatchObject({
      path: 'memberships[1].hostId',
      elementId: 'm2',
      elementKind: 'membership',
    });
  });

  it('reports a membership to a segment that does not exist', () => {
    const t = base();
    m(t, 0).segmentId = 'nope';
    expect(only(t, 'MEMBERSHIP_SEGMENT_MISSING')[0]).toMatchObject({ path: 'memberships[0].segmentId', elementId: 'm1' });
  });

  it('reports the same host joining the same segment twice', () => {
    const t = base();
    t.memberships.push(member('m3', 'a', 's1', { bridge: 'br0', address: '10.0.0.3/24' }));
    expect(only(t, 'MEMBERSHIP_DUPLICATE')[0]).toMatchObject({ path: 'memberships[2].segmentId', elementId: 'm3' });
  });

  it('notes a membership with neither bridge nor address', () => {
    const t = base();
    delete m(t, 0).bridge;
    delete m(t, 0).address;
    expect(only(t, 'MEMBERSHIP_UNUSED')[0]).toMatchObject({ severity: 'info', elementId: 'm1' });
  });
});

describe('validateTopology: segments', () => {
  it('reports a VNI used by two segments on the later one', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', subnet: '10.0.1.0/24' });
    expect(only(t, 'VNI_DUPLICATE')).toEqual([expect.objectContaining({ path: 'segments[1].vni', elementId: 's2' })]);
  });

  it('reports a point-to-point segment with three members', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'point-to-point' };
    t.hosts.push(host('c', '192.168.1.30'));
    t.memberships.push(member('m3', 'c', 's1', { bridge: 'br0', address: '10.0.0.3/24' }));
    const [d] = only(t, 'P2P_MEMBER_COUNT');
    expect(d).toMatchObject({ path: 'segments[0].flood.mode', severity: 'error' });
    expect(d?.message).toMatch(/3 members; it needs exactly 2/);
  });

  it('reports a point-to-point segment with one member', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'point-to-point' };
    t.memberships.pop();
    expect(only(t, 'P2P_MEMBER_COUNT')).toHaveLength(1);
  });

  it('warns about a segment with a single member', () => {
    const t = base();
    t.memberships.pop();
    expect(only(t, 'SEGMENT_FEW_MEMBERS')[0]).toMatchObject({ severity: 'warning', elementId: 's1' });
  });

  it('warns about a unicast mesh of more than 100 members, and not at 100', () => {
    const t = base();
    t.hosts = [];
    t.memberships = [];
    seg(t, 0).subnet = '10.0.0.0/16';
    for (let i = 0; i < 101; i++) {
      t.hosts.push(host(`h${i}`, `192.168.${Math.floor(i / 200)}.${(i % 200) + 1}`));
      t.memberships.push(member(`m${i}`, `h${i}`, 's1', { bridge: 'br0', address: `10.0.1.${i + 1}/16` }));
    }
    expect(only(t, 'MESH_TOO_LARGE')[0]?.message).toMatch(/101 members.*N squared/);
    t.memberships.pop();
    expect(only(t, 'MESH_TOO_LARGE')).toEqual([]);
  });

  it('warns about a UDP port in the well-known range', () => {
    const t = base();
    seg(t, 0).port = 53;
    expect(only(t, 'PORT_WELL_KNOWN')[0]).toMatchObject({ path: 'segments[0].port', severity: 'warning' });
  });

  it('reports an overlay subnet that is not CIDR', () => {
    const t = base();
    seg(t, 0).subnet = '10.0.0.0';
    expect(only(t, 'SUBNET_INVALID')[0]).toMatchObject({ path: 'segments[0].subnet', severity: 'error' });
  });

  it('warns about a subnet written with host bits and says the network it means', () => {
    const t = base();
    seg(t, 0).subnet = '10.0.0.1/24';
    expect(only(t, 'SUBNET_HOST_BITS')[0]?.hint).toBe('Write it as 10.0.0.0/24.');
  });

  it('warns about two segments with overlapping subnets', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', vni: 200, subnet: '10.0.0.0/16' });
    expect(only(t, 'OVERLAY_SUBNET_OVERLAP')[0]).toMatchObject({ path: 'segments[1].subnet', elementId: 's2' });
  });
});

describe('validateTopology: multicast', () => {
  it('reports a group that is not an IP address', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: '239.1.1' };
    expect(only(t, 'MULTICAST_GROUP_INVALID')[0]).toMatchObject({ path: 'segments[0].flood.group' });
  });

  it('reports a unicast address given as the group', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: '10.1.1.1' };
    expect(only(t, 'MULTICAST_GROUP_NOT_MULTICAST')[0]?.message).toMatch(/10\.1\.1\.1 is not a multicast address/);
  });

  it('reports an IPv6 group over an IPv4 underlay', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: 'ff05::100' };
    expect(only(t, 'MULTICAST_GROUP_FAMILY_MISMATCH')[0]?.message).toMatch(/IPv6 but host "A" has an IPv4 underlay/);
  });

  it('accepts an IPv4 group over an IPv4 underlay', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: '239.1.1.1', ttl: 5 };
    expect(validateTopology(t)).toEqual([]);
  });
});

describe('validateTopology: underlay', () => {
  it('reports an invalid underlay address', () => {
    const t = base();
    h(t, 0).underlay.address = '192.168.1.300';
    expect(only(t, 'UNDERLAY_ADDRESS_INVALID')[0]).toMatchObject({
      path: 'hosts[0].underlay.address',
      elementId: 'a',
      elementKind: 'host',
    });
  });

  it('reports a multicast underlay address', () => {
    const t = base();
    h(t, 0).underlay.address = '239.0.0.1';
    expect(only(t, 'UNDERLAY_ADDRESS_NOT_UNICAST')).toHaveLength(1);
  });

  it('reports two hosts with the same underlay address', () => {
    const t = base();
    h(t, 1).underlay.address = '192.168.1.10';
    expect(only(t, 'UNDERLAY_ADDRESS_DUPLICATE')[0]).toMatchObject({ path: 'hosts[1].underlay.address' });
  });

  it('reports a segment whose members mix IPv4 and IPv6 underlays', () => {
    const t = base();
    h(t, 1).underlay.address = '2001:db8::20';
    expect(only(t, 'UNDERLAY_FAMILY_MIXED')[0]).toMatchObject({ elementId: 's1', severity: 'error' });
  });

  it('notes an "auto" underlay address on a unicast-mesh peer, once per host', () => {
    const t = base();
    h(t, 1).underlay.address = 'auto';
    expect(only(t, 'UNDERLAY_ADDRESS_AUTO')).toEqual([
      expect.objectContaining({ severity: 'info', path: 'hosts[1].underlay.address', elementId: 'b' }),
    ]);
  });

  it('does not note an "auto" underlay address on a multicast member', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: '239.1.1.1' };
    h(t, 1).underlay.address = 'auto';
    expect(only(t, 'UNDERLAY_ADDRESS_AUTO')).toEqual([]);
  });

  it('reports an overlay subnet containing a host underlay address', () => {
    const t = base();
    seg(t, 0).subnet = '192.168.0.0/16';
    m(t, 0).address = '192.168.5.1/16';
    m(t, 1).address = '192.168.5.2/16';
    expect(only(t, 'OVERLAY_OVERLAPS_UNDERLAY').map((d) => d.message)).toEqual([
      'Overlay subnet 192.168.0.0/16 contains the underlay address 192.168.1.10 of host "A"',
      'Overlay subnet 192.168.0.0/16 contains the underlay address 192.168.1.20 of host "B"',
    ]);
  });

  it('reports a member network containing an underlay address when the segment has no subnet', () => {
    const t = base();
    delete seg(t, 0).subnet;
    m(t, 0).address = '192.168.1.100/24';
    m(t, 1).address = '192.168.1.101/24';
    const found = only(t, 'OVERLAY_OVERLAPS_UNDERLAY');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ elementKind: 'membership', elementId: 'm1', path: 'memberships[0].address' });
  });
});

describe('validateTopology: overlay addresses', () => {
  it('reports an overlay address without a prefix length', () => {
    const t = base();
    m(t, 1).address = '10.0.0.2';
    expect(only(t, 'MEMBER_ADDRESS_INVALID')[0]).toMatchObject({ path: 'memberships[1].address', elementId: 'm2' });
  });

  it('reports an overlay address outside the segment subnet', () => {
    const t = base();
    m(t, 1).address = '10.0.1.2/24';
    expect(only(t, 'MEMBER_ADDRESS_OUTSIDE_SUBNET')[0]?.message).toBe(
      'Overlay address 10.0.1.2/24 is outside the segment subnet 10.0.0.0/24',
    );
  });

  it('warns when a member prefix differs from the subnet prefix', () => {
    const t = base();
    m(t, 1).address = '10.0.0.2/16';
    expect(only(t, 'MEMBER_PREFIX_MISMATCH')[0]?.hint).toMatch(/10\.0\.0\.2\/24/);
  });

  it('warns about the network or broadcast address used as a host address', () => {
    const t = base();
    m(t, 0).address = '10.0.0.0/24';
    m(t, 1).address = '10.0.0.255/24';
    expect(only(t, 'MEMBER_ADDRESS_NOT_HOST').map((d) => d.message)).toEqual([
      'Overlay address 10.0.0.0/24 is the network address of 10.0.0.0/24',
      'Overlay address 10.0.0.255/24 is the broadcast address of 10.0.0.0/24',
    ]);
  });

  it('reports the same overlay IP twice in one segment, even written differently', () => {
    const t = base();
    seg(t, 0).subnet = 'fd00::/64';
    m(t, 0).address = 'fd00::1/64';
    m(t, 1).address = 'fd00:0::0:1/64';
    expect(only(t, 'OVERLAY_ADDRESS_DUPLICATE')[0]).toMatchObject({ path: 'memberships[1].address', elementId: 'm2' });
  });

  it('allows the same overlay IP in two different segments', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', vni: 200 });
    t.memberships.push(member('m3', 'a', 's2', { address: '10.0.0.1/24' }), member('m4', 'b', 's2', { address: '10.0.0.2/24' }));
    expect(only(t, 'OVERLAY_ADDRESS_DUPLICATE')).toEqual([]);
  });

  it('warns when members of a segment without subnet are in different networks', () => {
    const t = base();
    delete seg(t, 0).subnet;
    m(t, 1).address = '10.9.0.2/24';
    expect(only(t, 'MEMBER_NETWORK_MISMATCH')[0]).toMatchObject({ path: 'memberships[1].address', severity: 'warning' });
  });
});

describe('validateTopology: interface names on one host', () => {
  it('reports two memberships on one host using the same device name', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', vni: 200, subnet: '10.0.1.0/24' });
    h(t, 0).bridges.push('br1');
    m(t, 0).device = 'vx-main';
    t.memberships.push(member('m3', 'a', 's2', { device: 'vx-main', bridge: 'br1' }));
    expect(only(t, 'DEVICE_NAME_DUPLICATE')[0]).toMatchObject({ path: 'memberships[2].device', elementId: 'm3' });
  });

  it('reports a device named like a bridge on the host', () => {
    const t = base();
    m(t, 0).device = 'br0';
    expect(only(t, 'DEVICE_NAME_IS_BRIDGE')[0]).toMatchObject({ path: 'memberships[0].device' });
  });

  it('reports a device named like the underlay interface', () => {
    const t = base();
    m(t, 0).device = 'eth0';
    expect(only(t, 'DEVICE_NAME_IS_UNDERLAY')).toHaveLength(1);
  });

  it('reports a bridge named like the underlay interface', () => {
    const t = base();
    h(t, 0).bridges.push('eth0');
    expect(only(t, 'BRIDGE_IS_UNDERLAY')[0]).toMatchObject({ path: 'hosts[0].bridges[1]', elementId: 'a' });
  });

  it('reports a bridge declared twice on a host', () => {
    const t = base();
    h(t, 0).bridges.push('br0');
    expect(only(t, 'BRIDGE_DUPLICATE')[0]?.path).toBe('hosts[0].bridges[1]');
  });

  it('reports a membership bridge that the host does not declare, with the fix', () => {
    const t = base();
    m(t, 1).bridge = 'br-other';
    expect(only(t, 'BRIDGE_UNDECLARED')[0]).toMatchObject({
      path: 'memberships[1].bridge',
      hint: 'Add "br-other" to hosts[1].bridges, or pick one of the host\'s bridges.',
    });
  });

  it('warns when two segments share one bridge on a host', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', vni: 200, subnet: '10.0.1.0/24' });
    t.memberships.push(member('m3', 'a', 's2', { bridge: 'br0' }));
    expect(only(t, 'BRIDGE_SHARED')[0]).toMatchObject({ severity: 'warning', path: 'memberships[2].bridge' });
  });

  it('reports bridge ports on a membership without a bridge', () => {
    const t = base();
    delete m(t, 0).bridge;
    m(t, 0).bridgePorts = ['tap0'];
    expect(only(t, 'BRIDGE_PORTS_WITHOUT_BRIDGE')[0]?.path).toBe('memberships[0].bridgePorts');
  });

  it('reports the underlay interface listed as a bridge port', () => {
    const t = base();
    m(t, 0).bridgePorts = ['tap0', 'eth0'];
    expect(only(t, 'BRIDGE_PORT_IS_UNDERLAY')[0]?.path).toBe('memberships[0].bridgePorts[1]');
  });

  it('reports a VXLAN device of this host listed as a bridge port', () => {
    const t = base();
    m(t, 0).bridgePorts = ['vxlan100'];
    expect(only(t, 'BRIDGE_PORT_CONFLICT')).toHaveLength(1);
  });

  it('reports one interface listed as a bridge port by two memberships on a host', () => {
    const t = base();
    t.segments.push({ ...seg(t, 0), id: 's2', name: 'red', vni: 200, subnet: '10.0.1.0/24' });
    h(t, 0).bridges.push('br1');
    m(t, 0).bridgePorts = ['tap0'];
    t.memberships.push(member('m3', 'a', 's2', { bridge: 'br1', bridgePorts: ['tap0'] }));
    expect(only(t, 'BRIDGE_PORT_DUPLICATE')[0]?.path).toBe('memberships[2].bridgePorts[0]');
  });

  it('allows the same bridge port name on two different hosts', () => {
    const t = base();
    m(t, 0).bridgePorts = ['tap0'];
    m(t, 1).bridgePorts = ['tap0'];
    expect(validateTopology(t)).toEqual([]);
  });
});

describe('validateTopology: MTU (RFC 7348 overhead)', () => {
  it('accepts 1450 over a 1500-byte IPv4 underlay', () => {
    const t = base();
    seg(t, 0).mtu = 1450;
    expect(validateTopology(t)).toEqual([]);
  });

  it('reports 1451 over a 1500-byte IPv4 underlay, once per host, with the limit', () => {
    const t = base();
    seg(t, 0).mtu = 1451;
    const found = only(t, 'MTU_EXCEEDS_UNDERLAY');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ path: 'segments[0].mtu', elementId: 's1' });
    expect(found[0]?.message).toBe(
      'MTU 1451 is too large for host "A": underlay MTU 1500 minus 50 bytes of VXLAN over IPv4 leaves 1450',
    );
  });

  it('uses the 70-byte overhead for an IPv6 underlay', () => {
    const t = base();
    h(t, 0).underlay.address = '2001:db8::10';
    h(t, 1).underlay.address = '2001:db8::20';
    seg(t, 0).mtu = 1431;
    expect(only(t, 'MTU_EXCEEDS_UNDERLAY')[0]?.hint).toMatch(/to 1430 or less/);
    seg(t, 0).mtu = 1430;
    expect(only(t, 'MTU_EXCEEDS_UNDERLAY')).toEqual([]);
  });

  it('does not judge an explicit MTU against an unknown ("auto") underlay MTU', () => {
    const t = base();
    h(t, 0).underlay.mtu = 'auto';
    seg(t, 0).mtu = 1451;
    expect(only(t, 'MTU_EXCEEDS_UNDERLAY')).toHaveLength(1);
  });

  it('warns when "auto" would give members different overlay MTUs', () => {
    const t = base();
    h(t, 1).underlay.mtu = 9000;
    expect(only(t, 'MTU_AUTO_DIFFERS')[0]?.hint).toBe('Set the segment MTU explicitly to 1450.');
  });

  it('warns about an MTU below 1280 with IPv6 overlay addresses', () => {
    const t = base();
    seg(t, 0).subnet = 'fd00::/64';
    seg(t, 0).mtu = 1200;
    m(t, 0).address = 'fd00::1/64';
    m(t, 1).address = 'fd00::2/64';
    expect(only(t, 'MTU_TOO_SMALL_FOR_IPV6')).toHaveLength(1);
  });
});

describe('validateTopology: ordering', () => {
  it('lists errors before warnings and infos', () => {
    const t = base();
    seg(t, 0).port = 53;
    h(t, 1).underlay.address = 'auto';
    m(t, 1).address = '10.0.1.2/24';
    expect(validateTopology(t).map((d) => d.severity)).toEqual(['error', 'warning', 'info']);
  });
});

describe('fileIssuesToDiagnostics: a file that cannot be read', () => {
  it('gives a VNI of 0 the code VNI_INVALID and pins it to the segment when the JSON decoded', () => {
    const text = JSON.stringify({ format: 1, id: 'x', name: 'X', segments: [{ id: 'seg-a', name: 'a', vni: 0 }] });
    const r = parseTopologyText(text);
    if (r.ok) throw new Error('expected a VNI of 0 to be refused');
    expect(fileIssuesToDiagnostics(r.issues, JSON.parse(text))).toEqual([
      expect.objectContaining({
        code: 'VNI_INVALID',
        severity: 'error',
        path: 'segments[0].vni',
        elementKind: 'segment',
        elementId: 'seg-a',
      }),
    ]);
  });

  it('gives a 16-byte interface name the code IFNAME_TOO_LONG', () => {
    const r = parseTopologyText(
      JSON.stringify({
        format: 1,
        id: 'x',
        name: 'X',
        hosts: [{ id: 'h', name: 'h', ssh: { host: 'h' }, bridges: ['br-0123456789abc'] }],
      }),
    );
    if (r.ok) throw new Error('expected a 16-byte name to be refused');
    expect(fileIssuesToDiagnostics(r.issues).map((d) => [d.code, d.path, d.elementKind])).toEqual([
      ['IFNAME_TOO_LONG', 'hosts[0].bridges[0]', 'host'],
    ]);
  });

  it('gives broken JSON the code JSON_INVALID with line and column in the path', () => {
    const r = parseTopologyText('{\n  "format": 1,\n  "id": \n}');
    if (r.ok) throw new Error('expected broken JSON to be refused');
    const [d] = fileIssuesToDiagnostics(r.issues);
    expect(d?.code).toBe('JSON_INVALID');
    expect(d?.path).toBe('(file) line 4, column 1');
  });

  it('gives a file from a newer version the code FORMAT_UNSUPPORTED', () => {
    const r = parseTopologyText('{"format": 99, "id": "x", "name": "X"}');
    if (r.ok) throw new Error('expected format 99 to be refused');
    expect(fileIssuesToDiagnostics(r.issues)[0]).toMatchObject({ code: 'FORMAT_UNSUPPORTED', path: 'format' });
  });
});

describe('validateTopology: robustness while a drawing is being edited', () => {
  it('reports a field the schema refused once, not again as a semantic finding', () => {
    const t = base();
    seg(t, 0).flood = { mode: 'multicast', group: '' };
    expect(
      validateTopology(t)
        .filter((d) => d.path === 'segments[0].flood.group')
        .map((d) => d.code),
    ).toEqual(['FIELD_INVALID']);
  });

  it('reports a field holding an object that cannot be printed, and never prints it in another finding', () => {
    // Found by the property below: `${value}` throws on { toString: '' }.
    const t = base();
    (m(t, 1) as unknown as Record<string, unknown>)['segmentId'] = { toString: '' };
    const found = validateTopology(t);
    expect(found.filter((d) => d.path === 'memberships[1].segmentId').map((d) => d.code)).toEqual(['ID_INVALID']);
    expect(found.some((d) => d.code === 'MEMBERSHIP_SEGMENT_MISSING')).toBe(false);
  });

  it('never throws, and always answers with known codes, whatever value a field holds', () => {
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, path: Array<string | number>): void => {
      if (path.length > 0) paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(base(), []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const t = base();
        let target = t as unknown as Record<string | number, unknown>;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
        target[path[path.length - 1] as string | number] = value;
        const found = validateTopology(t);
        return found.every(
          (d) =>
            d.code in VALIDATION_CODES &&
            typeof d.path === 'string' &&
            d.message.length > 0 &&
            (d.elementId === undefined || typeof d.elementId === 'string'),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('free text and SSH hosts', () => {
  const CONTROLS = ['\n', '\r', '\t', '\0', '\x1b', '\x7f', '\u0085', '\u2028', '\u2029'];

  it.each(CONTROLS.map((c) => [JSON.stringify(c), c]))(
    'refuses the control character %s in a host, segment or topology name, with the field path',
    (_, c) => {
      const t = base();
      t.name = `lab${c}x`;
      (t.hosts[0] as Host).name = `host-a${c}touch /tmp/x/PWNED #`;
      (t.segments[0] as Topology['segments'][number]).name = `blue${c}`;
      const found = validateTopology(t).filter((d) => d.code === 'TEXT_CONTROL_CHARACTER');
      expect(found.map((d) => [d.path, d.severity, d.elementKind, d.elementId])).toEqual([
        ['name', 'error', 'topology', undefined],
        ['hosts[0].name', 'error', 'host', 'a'],
        ['segments[0].name', 'error', 'segment', 's1'],
      ]);
      expect(found[1]?.message).toMatch(/name holds the control character U\+[0-9A-F]{4}/);
    },
  );

  it('refuses a control character in any other text a person types (identity file path)', () => {
    const t = base();
    (t.hosts[1] as Host).ssh.auth = { type: 'identity-file', path: '/root/.ssh/id\n_ed25519' };
    expect(
      validateTopology(t)
        .filter((d) => d.code === 'TEXT_CONTROL_CHARACTER')
        .map((d) => d.path),
    ).toEqual(['hosts[1].ssh.auth.path']);
  });

  it('accepts printable Unicode names (accents, CJK, emoji)', () => {
    const t = base();
    (t.hosts[0] as Host).name = 'hôte-東京 🚀 "a" $(b) `c`';
    expect(validateTopology(t)).toEqual([]);
  });

  it.each(['a,b', 'a b', '*', 'web?', '!host', '[10.0.0.1]', '-oProxyCommand=x', 'a..b', '10.0.0.1:22', 'host\nb'])(
    'refuses the SSH host %j (one host name or address, never a pattern or list)',
    (target) => {
      const t = base();
      (t.hosts[0] as Host).ssh.host = target;
      const codes = validateTopology(t)
        .filter((d) => d.path === 'hosts[0].ssh.host')
        .map((d) => d.code);
      expect(codes).toEqual([target.includes('\n') ? 'TEXT_CONTROL_CHARACTER' : 'SSH_HOST_INVALID']);
    },
  );

  it.each(['192.168.1.10', 'fe80::1', '2001:db8::10', 'web1', 'web-1.example.com', 'web1.example.com.', 'my_alias'])(
    'accepts the SSH host %j',
    (target) => {
      const t = base();
      (t.hosts[0] as Host).ssh.host = target;
      expect(validateTopology(t)).toEqual([]);
    },
  );
});
