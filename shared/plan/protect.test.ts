import { describe, expect, it } from 'vitest';
import { parseLinks } from '../observe/parse';
import type { ObservedHostState } from '../observe/state';
import { linkDel, linkMaster, linkNomaster, linkUp } from './commands';
import { protectedChange, protectedPath } from './protect';

/** `ip -j -d link show` as iproute2 prints it for a bond with two slaves and a VLAN on the bond (fields trimmed). */
const LINKS = JSON.stringify([
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'UP', 'SLAVE'], mtu: 1500, master: 'bond0', operstate: 'UP' },
  { ifindex: 3, ifname: 'eth1', flags: ['BROADCAST', 'UP', 'SLAVE'], mtu: 1500, master: 'bond0', operstate: 'UP' },
  {
    ifindex: 4,
    ifname: 'bond0',
    flags: ['BROADCAST', 'UP', 'MASTER'],
    mtu: 1500,
    operstate: 'UP',
    linkinfo: { info_kind: 'bond' },
  },
  {
    ifindex: 5,
    ifname: 'bond0.10',
    link: 'bond0',
    flags: ['BROADCAST', 'UP'],
    mtu: 1500,
    operstate: 'UP',
    linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 10 } },
  },
  {
    ifindex: 6,
    ifname: 'veth-a',
    link: 'veth-b',
    flags: ['BROADCAST', 'UP'],
    mtu: 1500,
    operstate: 'UP',
    linkinfo: { info_kind: 'veth' },
  },
  {
    ifindex: 7,
    ifname: 'veth-b',
    link: 'veth-a',
    flags: ['BROADCAST', 'UP'],
    mtu: 1500,
    operstate: 'UP',
    linkinfo: { info_kind: 'veth' },
  },
]);

const observed: ObservedHostState = {
  links: parseLinks(LINKS, 'h'),
  addresses: [{ ifname: 'bond0.10', cidr: '192.0.2.5/24', family: 'inet' }],
  fdb: [],
};

describe('protectedPath', () => {
  it('follows the SSH address down a VLAN to its bond and the bond slaves, and not to unrelated veths', () => {
    const path = protectedPath(observed, { addresses: ['192.0.2.5'] });
    expect([...path.interfaces.keys()].sort()).toEqual(['bond0', 'bond0.10', 'eth0', 'eth1']);
    expect(path.interfaces.get('bond0')).toBe('it is the parent of bond0.10, which is protected');
    expect(path.interfaces.get('eth1')).toBe('it is a port of bond0, which is protected');
  });

  it('judges steps by where devices end up: a slave leaving or joining, the bond deleted', () => {
    const path = protectedPath(observed, { addresses: ['192.0.2.5'] });
    expect(protectedChange(linkMaster('eth1', 'br-ov', 'bond0'), path)).toMatch(/^eth1 would move to br-ov/);
    expect(protectedChange(linkNomaster('eth0', 'bond0'), path)).toMatch(/^eth0 would leave bond0/);
    expect(protectedChange(linkMaster('veth-a', 'bond0'), path)).toMatch(/^veth-a would join bond0/);
    expect(protectedChange(linkDel('bond0', 'x'), path)).toMatch(/^bond0 would be deleted/);
    expect(protectedChange(linkUp('veth-b'), path)).toBeUndefined();
    expect(protectedChange(linkMaster('veth-a', 'br-ov'), path)).toBeUndefined();
  });
});
