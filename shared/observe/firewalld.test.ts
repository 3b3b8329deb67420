/**
 * firewall-cmd --list-all parser. The fixture is HAND-WRITTEN (firewalld is not installed where the
 * others were recorded) from firewall-cmd(1)'s documented output; see fixtures/README-diagnose.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFirewalldListAll } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const text = readFileSync(path.join(FIXTURES, 'firewalld-handwritten.txt'), 'utf8');

describe('parseFirewalldListAll', () => {
  it('reads each zone: target, interfaces, sources, services, ports', () => {
    const zones = parseFirewalldListAll(text, 'h2').zones;
    expect(
      zones.map((z) => [z.name, z.active, z.target, z.interfaces, z.sources, z.services, z.ports.map((p) => p.text)]),
    ).toEqual([
      ['public', true, 'default', ['eth0'], [], ['dhcpv6-client', 'ssh'], ['8080/tcp']],
      ['trusted', true, 'ACCEPT', [], ['10.99.9.0/24'], [], []],
    ]);
  });

  it('reads rich rules: family, source, port, action, priority and the printed rule', () => {
    expect(parseFirewalldListAll(text, 'h2').zones[0]?.richRules).toEqual([
      {
        family: 'ipv4',
        priority: 0,
        source: '10.99.5.0/24',
        sourceInvert: false,
        port: { ports: [4789, 4789], protocol: 'udp' },
        action: 'reject',
        text: 'rule family="ipv4" source address="10.99.5.0/24" port port="4789" protocol="udp" reject',
      },
      {
        family: 'ipv4',
        priority: 0,
        source: '10.99.1.0/24',
        sourceInvert: false,
        port: { ports: [4789, 4789], protocol: 'udp' },
        action: 'accept',
        text: 'rule family="ipv4" source address="10.99.1.0/24" port port="4789" protocol="udp" accept',
      },
    ]);
  });

  it('refuses output without a zone, naming host and command', () => {
    expect(() => parseFirewalldListAll('  target: default\n', 'web-1')).toThrow(
      'host web-1: output of `firewall-cmd --list-all-zones` line 1 "target: default" comes before any zone name',
    );
    expect(() => parseFirewalldListAll('FirewallD is not running\n', 'web-1')).toThrow(
      /zone FirewallD has no "target:" line|FirewallD/,
    );
  });
});

describe('parseFirewalldListAll with the default zone', () => {
  it('marks the zone `firewall-cmd --get-default-zone` named, since --list-all-zones marks none', () => {
    const st = parseFirewalldListAll('block\n  target: %%REJECT%%\n\npublic\n  target: default\n', 'h2', undefined, 'public\n');
    expect(st.zones.map((z) => [z.name, z.isDefault])).toEqual([
      ['block', false],
      ['public', true],
    ]);
  });
});
