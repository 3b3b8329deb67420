import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ifupdown2ConfText, managerEtcFiles, networkdUnderlayText, type UnderlayConfig } from './managers';

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

describe('ifupdown2 and netplan files for the underlay', () => {
  it('describes eth0 statically for ifupdown2, its neighbours as an ip batch, and reads interfaces.d', () => {
    const files = managerEtcFiles('ifupdown2', underlay, 'use_daemon=no\nstate_dir=/var/tmp/network/\nlink_master_slave=1\n');
    const text = (path: string): string => files.find((f) => f.path === path)?.text ?? '';
    expect(text('network/interfaces')).toContain(
      'auto eth0\niface eth0 inet static\n    address 172.30.1.11/24\n    gateway 172.30.1.1\n    mtu 1500\n    post-up /sbin/ip -batch /etc/network/lab-underlay-neighbours\n',
    );
    expect(text('network/interfaces').trim().split('\n').pop()).toBe('source /etc/network/interfaces.d/*');
    expect(text('network/lab-underlay-neighbours')).toBe(
      'neigh replace 172.30.1.1 lladdr 02:76:78:03:00:01 dev eth0 nud permanent\n' +
        'neigh replace 172.30.1.13 lladdr 02:76:78:01:00:03 dev eth0 nud permanent\n',
    );
  });

  it("moves ifupdown2's state_dir from this machine's /var/tmp into the host's /run, keeping every other setting", () => {
    expect(ifupdown2ConfText('use_daemon=no\nstate_dir=/var/tmp/network/\nlink_master_slave=1\n').split('\n')).toEqual([
      'use_daemon=no',
      'link_master_slave=1',
      "# VXLAN Studio lab: state in the host's private /run",
      'state_dir=/run/network/state/',
      '',
    ]);
  });

  it('renders the underlay as netplan YAML for networkd (mode 0600), with the neighbours in a networkd drop-in', () => {
    const files = managerEtcFiles('netplan', underlay);
    expect(files.map((f) => `${f.path} ${(f.mode ?? 0o644).toString(8)}`)).toEqual([
      'netplan/01-lab.yaml 600',
      'systemd/network/10-netplan-eth0.network.d/lab-neighbours.conf 644',
    ]);
    expect(parse(files[0]?.text ?? '')).toEqual({
      network: {
        version: 2,
        renderer: 'networkd',
        ethernets: {
          eth0: {
            addresses: ['172.30.1.11/24'],
            routes: [{ to: 'default', via: '172.30.1.1' }],
            mtu: 1500,
            dhcp4: false,
            dhcp6: false,
            'accept-ra': false,
          },
        },
      },
    });
    expect(files[1]?.text).toContain('[Neighbor]\nAddress=172.30.1.13\nLinkLayerAddress=02:76:78:01:00:03\n');
  });
});
