import { describe, expect, it } from 'vitest';
import { LabError } from './preflight';
import { labPrefix, planLab, underlayNeighbours } from './spec';

describe('planLab', () => {
  it('puts odd hosts on subnet 1 and even hosts on subnet 2, each behind its gateway .1', () => {
    const plan = planLab({ name: 'demo', hosts: 4 });
    expect(
      plan.hosts.map((h) => `${h.name} ${h.namespace} ${h.interface} ${h.address}/${h.prefixLength} via ${h.gateway}`),
    ).toEqual([
      'h1 vxsdemo-h1 eth0 172.30.1.11/24 via 172.30.1.1',
      'h2 vxsdemo-h2 eth0 172.30.2.12/24 via 172.30.2.1',
      'h3 vxsdemo-h3 eth0 172.30.1.13/24 via 172.30.1.1',
      'h4 vxsdemo-h4 eth0 172.30.2.14/24 via 172.30.2.1',
    ]);
    expect(plan.subnets.map((s) => `${s.bridge} ${s.network}/${s.prefixLength} gw ${s.gateway}`)).toEqual([
      'br1 172.30.1.0/24 gw 172.30.1.1',
      'br2 172.30.2.0/24 gw 172.30.2.1',
    ]);
    expect(plan.routerNamespace).toBe('vxsdemo-rt');
    expect(plan.controller).toMatchObject({
      namespace: 'vxsdemo-ctl',
      address: '172.30.0.10',
      gateway: '172.30.0.1',
      prefixLength: 24,
    });
  });

  it('keeps every interface name the lab creates within 15 bytes, even for 128 hosts', () => {
    const plan = planLab({ name: 'abcdefghijkl', hosts: 128 });
    const names = [
      ...plan.hosts.flatMap((h) => [h.routerPort, h.interface]),
      ...plan.subnets.map((s) => s.bridge),
      plan.controller.routerPort,
    ];
    expect(Math.max(...names.map((n) => Buffer.byteLength(n)))).toBeLessThanOrEqual(15);
    expect(plan.hosts[63]?.address).toBe('172.30.2.74');
    expect(plan.hosts[127]?.address).toBe('172.30.2.138');
  });

  it('fits 128 hosts in the two /24 underlay subnets, each address and MAC used once', () => {
    const plan = planLab({ name: 'big', hosts: 128 });
    expect(plan.subnets.map((s) => `${s.network}/${s.prefixLength}`)).toEqual(['172.30.1.0/24', '172.30.2.0/24']);
    expect(new Set(plan.hosts.map((h) => h.address)).size).toBe(128);
    const macs = [
      ...plan.hosts.map((h) => h.mac),
      ...plan.subnets.map((s) => s.mac),
      plan.controller.mac,
      plan.controller.gatewayMac,
    ];
    expect(new Set(macs).size).toBe(macs.length);
    expect(macs.every((m) => /^02(:[0-9a-f]{2}){5}$/.test(m))).toBe(true);
  });

  it('plans static underlay neighbours: each host its gateway and its subnet peers, the router every host', () => {
    const plan = planLab({ name: 'demo', hosts: 5 });
    const n = underlayNeighbours(plan);
    const show = (ns: string): string[] => (n.get(ns) ?? []).map((e) => `${e.address} ${e.mac} ${e.device}`);
    expect(show('vxsdemo-h1')).toEqual([
      '172.30.1.1 02:76:78:03:00:01 eth0',
      '172.30.1.13 02:76:78:01:00:03 eth0',
      '172.30.1.15 02:76:78:01:00:05 eth0',
    ]);
    expect(show('vxsdemo-h2')).toEqual(['172.30.2.1 02:76:78:03:00:02 eth0', '172.30.2.14 02:76:78:01:00:04 eth0']);
    expect(show('vxsdemo-rt')).toEqual([
      '172.30.1.11 02:76:78:01:00:01 br1',
      '172.30.2.12 02:76:78:01:00:02 br2',
      '172.30.1.13 02:76:78:01:00:03 br1',
      '172.30.2.14 02:76:78:01:00:04 br2',
      '172.30.1.15 02:76:78:01:00:05 br1',
      '172.30.0.10 02:76:78:04:00:01 ctl',
    ]);
    expect(show('vxsdemo-ctl')).toEqual(['172.30.0.1 02:76:78:02:00:00 eth0']);
  });

  it('takes explicit addresses literally, e.g. the textbook hosts on one subnet', () => {
    const plan = planLab({
      name: 'tb',
      hosts: [
        { name: 'host-a', address: '192.168.1.10/24' },
        { name: 'host-b', address: '192.168.1.20/24' },
      ],
    });
    expect(plan.subnets).toEqual([
      { index: 1, network: '192.168.1.0', prefixLength: 24, gateway: '192.168.1.1', bridge: 'br1', mac: '02:76:78:03:00:01' },
    ]);
    expect(plan.hosts.map((h) => [h.namespace, h.address, h.subnetIndex])).toEqual([
      ['vxstb-host-a', '192.168.1.10', 1],
      ['vxstb-host-b', '192.168.1.20', 1],
    ]);
  });

  it('gives the router the last usable address when a host has the first', () => {
    const plan = planLab({ name: 'x', hosts: [{ address: '10.9.0.1/29' }, { address: '10.9.0.2/29' }] });
    expect(plan.subnets[0]?.gateway).toBe('10.9.0.6');
  });

  it.each([
    [{ name: 'Demo', hosts: 1 }, 'lab name "Demo" is invalid'],
    [{ name: 'a-b', hosts: 1 }, 'lab name "a-b" is invalid'],
    [{ name: 'x', hosts: 0 }, 'a lab has 1-128 hosts, not 0'],
    [{ name: 'x', hosts: 129 }, 'a lab has 1-128 hosts, not 129'],
    [{ name: 'x', hosts: [{ name: 'rt' }] }, 'host 1: name "rt" is invalid'],
    [{ name: 'x', hosts: [{ name: 'a' }, { name: 'a' }] }, 'host 2: name "a" is used twice'],
    [{ name: 'x', hosts: [{ address: '10.0.0.5' }] }, 'host 1 (h1) address: "10.0.0.5" is not an IPv4 address in CIDR form'],
    [{ name: 'x', hosts: [{ address: '10.0.0.300/24' }] }, 'is not an IPv4 address in CIDR form'],
    [{ name: 'x', hosts: [{ address: '10.0.0.0/24' }] }, 'is the network or broadcast address'],
    [
      { name: 'x', hosts: [{ address: '10.0.0.5/24' }, { address: '10.0.0.5/24' }] },
      'host 2 (h2) address 10.0.0.5 is used twice',
    ],
    [{ name: 'x', hosts: [{ address: '10.0.0.5/24' }, { address: '10.0.1.5/16' }] }, 'subnet 10.0.0.0/16 overlaps 10.0.0.0/24'],
    [{ name: 'x', hosts: [{ address: '172.30.0.5/24' }] }, 'controller subnet 172.30.0.0/24 overlaps host subnet 172.30.0.0/24'],
  ])('refuses a bad spec with a message saying what and where (%j)', (spec, message) => {
    expect(() => planLab(spec)).toThrow(LabError);
    expect(() => planLab(spec)).toThrow(message);
  });

  it('uses a prefix no other lab name can share', () => {
    expect(labPrefix('a')).toBe('vxsa-');
    expect(labPrefix('ab').startsWith(labPrefix('a'))).toBe(false);
  });
});
