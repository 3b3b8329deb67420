import { describe, expect, it } from 'vitest';
import { detectManager, managerMissing, sourcesInterfacesD, type PersistProbe } from './persist-probe';

/** A state file as systemd-networkd 252 writes it to /run/systemd/netif/links/<ifindex>. */
const NETWORKD_CONFIGURED = `# This is private data. Do not parse.
ADMIN_STATE=configured
OPER_STATE=routable
CARRIER_STATE=carrier
ADDRESS_STATE=routable
IPV4_ADDRESS_STATE=routable
IPV6_ADDRESS_STATE=degraded
ONLINE_STATE=online
REQUIRED_FOR_ONLINE=yes
REQUIRED_OPER_STATE_FOR_ONLINE=degraded:routable
REQUIRED_FAMILY_FOR_ONLINE=any
ACTIVATION_POLICY=up
NETWORK_FILE=/etc/systemd/network/10-eth0.network
NETWORK_FILE_DROPINS=""
DNS=
NTP=
`;
const NETWORKD_UNMANAGED = `# This is private data. Do not parse.
ADMIN_STATE=unmanaged
OPER_STATE=routable
`;

const DEBIAN_INTERFACES = `# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet static
    address 192.168.1.10/24
`;

function probe(p: Partial<PersistProbe>): PersistProbe {
  return { networkdRunning: false, networkdLinks: {}, netplan: [], interfacesD: [], tools: [], ...p };
}

describe('detectManager', () => {
  it('finds systemd-networkd when it runs and its state file for the underlay says configured', () => {
    const d = detectManager(probe({ networkdRunning: true, networkdLinks: { '2': NETWORKD_CONFIGURED } }), 'eth0', 2);
    expect(d.manager).toBe('systemd-networkd');
    expect(d.networkFile).toBe('/etc/systemd/network/10-eth0.network');
  });

  it('does not trust a state file left behind when no networkd process runs in the namespace', () => {
    const d = detectManager(probe({ networkdRunning: false, networkdLinks: { '2': NETWORKD_CONFIGURED } }), 'eth0', 2);
    expect(d.manager).toBeUndefined();
    expect(d.problems).toEqual(['no network manager configures eth0']);
  });

  it('does not take networkd for the manager of a link it leaves unmanaged', () => {
    const d = detectManager(probe({ networkdRunning: true, networkdLinks: { '2': NETWORKD_UNMANAGED } }), 'eth0', 2);
    expect(d.manager).toBeUndefined();
  });

  it('reads another interface state file by its own index, not the underlay one', () => {
    const d = detectManager(probe({ networkdRunning: true, networkdLinks: { '3': NETWORKD_CONFIGURED } }), 'eth0', 2);
    expect(d.manager).toBeUndefined();
  });

  it('says netplan when a netplan file names the underlay and networkd (its renderer) manages it', () => {
    const yaml = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.168.1.10/24]\n';
    const d = detectManager(
      probe({
        networkdRunning: true,
        networkdLinks: { '2': NETWORKD_CONFIGURED },
        netplan: [{ path: '/etc/netplan/50-cloud-init.yaml', text: yaml }],
      }),
      'eth0',
      2,
    );
    expect(d.manager).toBe('netplan');
  });

  it('matches a netplan device by match: name: with a glob', () => {
    const yaml = 'network:\n  ethernets:\n    uplink:\n      match:\n        name: "en*"\n      dhcp4: true\n';
    const d = detectManager(
      probe({
        networkdRunning: true,
        networkdLinks: { '2': NETWORKD_CONFIGURED },
        netplan: [{ path: '/etc/netplan/a.yaml', text: yaml }],
      }),
      'enp1s0',
      2,
    );
    expect(d.manager).toBe('netplan');
    expect(detectManager(probe({ netplan: [{ path: '/etc/netplan/a.yaml', text: yaml }] }), 'eth0', 2).manager).toBeUndefined();
  });

  it('says netplan for a NetworkManager-rendered netplan device that NM has connected', () => {
    const yaml = 'network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0: {dhcp4: true}\n';
    const d = detectManager(
      probe({ nmcli: 'eth0:connected\nlo:connected (externally)\n', netplan: [{ path: '/etc/netplan/01-nm.yaml', text: yaml }] }),
      'eth0',
      2,
    );
    expect(d.manager).toBe('netplan');
  });

  it('finds NetworkManager only for a device it has connected, not one it merely watches', () => {
    expect(detectManager(probe({ nmcli: 'eth0:connected\n' }), 'eth0', 2).manager).toBe('networkmanager');
    expect(detectManager(probe({ nmcli: 'eth0:connected (externally)\n' }), 'eth0', 2).manager).toBeUndefined();
    expect(detectManager(probe({ nmcli: 'eth0:unmanaged\n' }), 'eth0', 2).manager).toBeUndefined();
  });

  it('reports a netplan file whose renderer does not run instead of trusting it', () => {
    const yaml = 'network:\n  ethernets:\n    eth0: {dhcp4: true}\n';
    const d = detectManager(probe({ netplan: [{ path: '/etc/netplan/a.yaml', text: yaml }] }), 'eth0', 2);
    expect(d.manager).toBeUndefined();
    expect(d.problems[0]).toContain('/etc/netplan/a.yaml configures eth0 for networkd, which does not manage it now');
  });

  it('tells ifupdown2 from classic ifupdown for an interfaces stanza', () => {
    expect(detectManager(probe({ interfaces: DEBIAN_INTERFACES, ifup: 'ifupdown2' }), 'eth0', 2).manager).toBe('ifupdown2');
    expect(detectManager(probe({ interfaces: DEBIAN_INTERFACES, ifup: 'ifupdown' }), 'eth0', 2).manager).toBe('ifupdown');
  });

  it('finds the stanza in interfaces.d too', () => {
    const d = detectManager(
      probe({
        interfaces: 'source-directory /etc/network/interfaces.d\n',
        interfacesD: [{ path: '/etc/network/interfaces.d/eth0', text: 'auto eth0\niface eth0 inet dhcp\n' }],
        ifup: 'ifupdown2',
      }),
      'eth0',
      2,
    );
    expect(d.manager).toBe('ifupdown2');
  });

  it('refuses ifupdown when /etc/network/interfaces does not source interfaces.d', () => {
    const d = detectManager(probe({ interfaces: 'auto eth0\niface eth0 inet dhcp\n', ifup: 'ifupdown' }), 'eth0', 2);
    expect(d.manager).toBeUndefined();
    expect(d.problems).toEqual(['/etc/network/interfaces does not source interfaces.d (we never edit it)']);
  });

  it('prefers networkd when it manages the link even if an interfaces stanza names it', () => {
    const d = detectManager(
      probe({
        networkdRunning: true,
        networkdLinks: { '2': NETWORKD_CONFIGURED },
        interfaces: DEBIAN_INTERFACES,
        ifup: 'ifupdown',
      }),
      'eth0',
      2,
    );
    expect(d.manager).toBe('systemd-networkd');
  });
});

describe('sourcesInterfacesD', () => {
  it.each([
    ['source /etc/network/interfaces.d/*', true],
    ['source-directory /etc/network/interfaces.d', true],
    ['source-directory interfaces.d', true],
    ['source interfaces.d/*.cfg', true],
    ['# source /etc/network/interfaces.d/*', false],
    ['source /etc/network/other/*', false],
    ['source /etc/network/interfaces.d/eth0', false],
  ])('%s -> %s', (line, expected) => {
    expect(sourcesInterfacesD(`auto lo\niface lo inet loopback\n${line}\n`)).toBe(expected);
  });
});

describe('managerMissing', () => {
  it('names what is missing for a manager the drawing asks for', () => {
    expect(managerMissing(probe({}), 'systemd-networkd')).toBe('no systemd-networkd process runs on the host');
    expect(managerMissing(probe({ ifup: 'ifupdown' }), 'ifupdown2')).toBe('the installed ifup is ifupdown, not ifupdown2');
    expect(managerMissing(probe({ ifup: 'ifupdown2', interfaces: DEBIAN_INTERFACES }), 'ifupdown2')).toBeUndefined();
    expect(managerMissing(probe({ tools: ['netplan'] }), 'netplan')).toBeUndefined();
  });
});
