import { describe, expect, it } from 'vitest';
import { managerEtcFiles, networkdUnderlayText, type UnderlayConfig } from './managers';

const underlay: UnderlayConfig = {
  interface: 'eth0',
  address: '172.30.1.11',
  prefixLength: 24,
  gateway: '172.30.1.1',
  mtu: 1500,
  neighbours: [
    { address: '172.30.1.1', mac: '02:76:78:03:00:01' },
    { address: '172.30.1.13', mac: '02:76:78:01:00:03' },
  ],
};

describe('the underlay as network manager config', () => {
  it('is a systemd.network file with the static address, default route, MTU and one permanent [Neighbor] per lab neighbour', () => {
    expect(networkdUnderlayText(underlay).split('\n')).toEqual([
      '# VXLAN Studio lab: the underlay, as the lab set it up',
      '[Match]',
      'Name=eth0',
      '',
      '[Link]',
      'MTUBytes=1500',
      '',
      '[Network]',
      'Address=172.30.1.11/24',
      'Gateway=172.30.1.1',
      'DHCP=no',
      'IPv6AcceptRA=no',
      'LinkLocalAddressing=ipv6',
      '',
      '[Neighbor]',
      'Address=172.30.1.1',
      'LinkLayerAddress=02:76:78:03:00:01',
      '',
      '[Neighbor]',
      'Address=172.30.1.13',
      'LinkLayerAddress=02:76:78:01:00:03',
      '',
    ]);
  });

  it("goes to /etc/systemd/network for networkd, and nowhere for 'none'", () => {
    expect(managerEtcFiles('networkd', underlay).map((f) => f.path)).toEqual(['systemd/network/10-lab-eth0.network']);
    expect(managerEtcFiles('none', underlay)).toEqual([]);
  });
});
