import { describe, expect, it } from 'vitest';
import type { ObservedHostState } from '../observe';
import { canonicalJson, linkMtu, reviewDigestText } from './index';

const state = (): ObservedHostState => ({
  links: [
    { name: 'eth0', ifindex: 2, kind: 'veth', mtu: 1500, up: true, operstate: 'UP' },
    {
      name: 'vxlan100',
      ifindex: 7,
      kind: 'vxlan',
      mtu: 1450,
      up: true,
      operstate: 'UNKNOWN',
      vxlan: { vni: 100, port: 4789, remote: '192.168.1.20', learning: true },
    },
  ],
  addresses: [
    { ifname: 'vxlan100', cidr: '10.0.0.1/24', family: 'inet', scope: 'global' },
    { ifname: 'vxlan100', cidr: 'fe80::1/64', family: 'inet6', scope: 'link' },
  ],
  fdb: [{ ifname: 'vxlan100', mac: '00:00:00:00:00:00', dst: '192.168.1.20', flags: ['self'], state: 'permanent' }],
});

describe('the text a review digest is taken of', () => {
  it('writes objects with sorted keys and without undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: undefined, c: 'x' }] })).toBe('{"a":[true,{"c":"x"}],"b":1}');
  });

  it('is the same whatever order the keys and links were read in', () => {
    const a = state();
    const b: ObservedHostState = {
      fdb: a.fdb.map((e) => ({ state: e.state, flags: e.flags, dst: e.dst, mac: e.mac, ifname: e.ifname })),
      addresses: [...a.addresses].reverse(),
      links: [...a.links].reverse().map((l) => Object.fromEntries(Object.entries(l).reverse()) as typeof l),
    };
    expect(reviewDigestText(b, [])).toBe(reviewDigestText(a, []));
  });

  it('ignores what moves by itself: operational state, link-local addresses, MACs learned from traffic', () => {
    const moved = state();
    moved.links = moved.links.map((l) => ({ ...l, operstate: 'DOWN' }));
    moved.addresses = moved.addresses.filter((a) => a.scope !== 'link');
    moved.fdb.push({ ifname: 'vxlan100', mac: '6a:11:22:33:44:55', dst: '192.168.1.20', flags: [] });
    expect(reviewDigestText(moved, [])).toBe(reviewDigestText(state(), []));
  });

  it('changes with a device changed by hand, a device added, or another plan', () => {
    const base = reviewDigestText(state(), []);
    const mtu = state();
    mtu.links = mtu.links.map((l) => (l.name === 'vxlan100' ? { ...l, mtu: 1400 } : l));
    const added = state();
    added.links.push({ name: 'dummy0', ifindex: 9, kind: 'dummy', mtu: 1500, up: false });
    expect(reviewDigestText(mtu, [])).not.toBe(base);
    expect(reviewDigestText(added, [])).not.toBe(base);
    expect(reviewDigestText(state(), [linkMtu('vxlan100', 1450, 1400)])).not.toBe(base);
  });
});
