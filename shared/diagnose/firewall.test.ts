/**
 * Which rule drops VXLAN, on rulesets recorded from nft 1.0.6 (shared/observe/fixtures/record-diagnose.sh)
 * and on the hand-written iptables-save, ufw and firewalld fixtures (those tools are not installed
 * where the others were recorded). Each drop's fix is checked as the command line it runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFirewalldListAll, parseIptablesSave, parseNftRuleset, parseUfwStatus } from '../observe';
import { argvToShell } from '../plan';
import { findVxlanDrops, firewallFixSteps, type FirewallRuleset, type VxlanDropQuery } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'observe', 'fixtures');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const nft = (name: string): FirewallRuleset =>
  parseNftRuleset({ json: read(`nft-${name}.json`), text: read(`nft-${name}.txt`) }, 'b');
const iptables = (): FirewallRuleset => parseIptablesSave(read('iptables-save-handwritten.txt'), 'b');
const ufw = (): FirewallRuleset => parseUfwStatus(read('ufw-handwritten.txt'), 'b');
const firewalld = (): FirewallRuleset => parseFirewalldListAll(read('firewalld-handwritten.txt'), 'b');

/** Drops as [kind, exact text, certain], and the fix of each as shell lines. */
function judge(rs: FirewallRuleset, q: VxlanDropQuery): Array<{ drop: [string, string, boolean]; fix: string[] }> {
  return findVxlanDrops(rs, q).map((d) => ({
    drop: [d.kind, d.text, d.certain],
    // The runtime change; the step that keeps it across reboots is checked on its own below.
    fix: firewallFixSteps(d, q.peers ?? [], q.port)
      .filter((s) => s.kind !== 'firewall-persist')
      .map((s) => argvToShell(s.argv)),
  }));
}

const COMMENT = `comment '"vxlan-studio: VXLAN from segment peers"'`;

describe('findVxlanDrops on recorded nftables rulesets', () => {
  it("names the lab's `udp dport 4789 drop` and inserts the peers' accept right before it", () => {
    expect(judge(nft('lab-block'), { port: 4789, peers: ['10.99.1.2', '10.99.3.2'] })).toEqual([
      {
        drop: ['rule', 'udp dport 4789 drop', true],
        fix: [
          `nft insert rule inet vxlan_studio_lab input position 2 ip saddr '{ 10.99.1.2, 10.99.3.2 }' udp dport 4789 accept ${COMMENT}`,
        ],
      },
    ]);
  });

  it('lets through a peer that a named interval set accepts before any drop', () => {
    expect(judge(nft('server'), { port: 4789, peers: ['10.99.1.2', '10.99.3.7'], iifname: 'eth0' })).toEqual([]);
  });

  it('names the reject of an anonymous port set scoped by source subnet, and a port range for other peers', () => {
    const drops = findVxlanDrops(nft('server'), { port: 4789, peers: ['10.99.5.9', '10.99.7.7'], iifname: 'eth0' });
    expect(drops.map((d) => [d.text, d.peers, d.nft?.handle])).toEqual([
      [
        'ip saddr 10.99.5.0/24 udp dport { 53, 4789 } counter packets 0 bytes 0 reject with icmp port-unreachable',
        ['10.99.5.9'],
        11,
      ],
      ['udp dport 4000-5000 drop', ['10.99.7.7'], 12],
    ]);
  });

  it('reads a negated port match: `th dport != 4789 drop` drops VXLAN on port 8472', () => {
    expect(judge(nft('server'), { port: 8472, peers: ['10.99.7.7'], iifname: 'eth0' }).map((j) => j.drop)).toEqual([
      ['rule', 'th dport != 4789 drop', true],
    ]);
  });

  it('applies `ip saddr` scopes only to IPv4: an IPv6 peer falls through to the range drop', () => {
    expect(judge(nft('server'), { port: 4789, peers: ['fd00::5'], iifname: 'eth0' })).toEqual([
      {
        drop: ['rule', 'udp dport 4000-5000 drop', true],
        fix: [`nft insert rule inet filter input position 12 ip6 saddr '{ fd00::5 }' udp dport 4789 accept ${COMMENT}`],
      },
    ]);
  });

  it("names a default-drop policy with no accept for the port, although another table's base chain accepts it", () => {
    expect(judge(nft('policy-drop'), { port: 4789, peers: ['10.99.1.2'], iifname: 'eth0' })).toEqual([
      {
        drop: ['policy', 'type filter hook input priority filter; policy drop;', true],
        fix: [`nft add rule inet host 'in' ip saddr '{ 10.99.1.2 }' udp dport 4789 accept ${COMMENT}`],
      },
    ]);
  });

  it('ignores the forward hook and finds the ip6-only table for IPv6 peers', () => {
    const drops = findVxlanDrops(nft('policy-drop'), { port: 4789, peers: ['fd00::5'], iifname: 'eth0' });
    expect(drops.map((d) => [d.where, d.text])).toEqual([
      ['table inet host, chain in', 'type filter hook input priority filter; policy drop;'],
      ['table ip6 six, chain input', 'udp dport 4789 drop'],
    ]);
  });

  it('marks drops uncertain when the source is unknown and an accept or reject depends on it', () => {
    // Without peers `udp dport 4789 ip saddr @peers4 accept` may or may not match, and so may the subnet reject.
    expect(judge(nft('server'), { port: 4789, iifname: 'eth0' }).map((j) => j.drop)).toEqual([
      ['rule', 'udp dport 4000-5000 drop', false],
      ['rule', 'ip saddr 10.99.5.0/24 udp dport { 53, 4789 } counter packets 0 bytes 0 reject with icmp port-unreachable', false],
    ]);
  });

  it('finds nothing in an empty ruleset', () => {
    expect(findVxlanDrops(nft('empty'), { port: 4789, peers: ['10.99.1.2'] })).toEqual([]);
  });

  it('refuses a peer that is not an address', () => {
    expect(() => findVxlanDrops(nft('empty'), { port: 4789, peers: ['h1'] })).toThrow(/peer address "h1" is not an IP address/);
  });
});

describe('findVxlanDrops on iptables-save (hand-written fixture)', () => {
  it('lets through a peer accepted by source subnet', () => {
    expect(judge(iptables(), { port: 4789, peers: ['10.99.1.2'], iifname: 'eth0' })).toEqual([]);
  });

  it('names a multiport REJECT and inserts the accept at its rule number', () => {
    expect(judge(iptables(), { port: 4789, peers: ['10.99.5.9'], iifname: 'eth0' })).toEqual([
      {
        drop: [
          'rule',
          '-A INPUT -s 10.99.5.0/24 -p udp -m multiport --dports 53,4789 -j REJECT --reject-with icmp-port-unreachable',
          true,
        ],
        fix: ['iptables -I INPUT 5 -s 10.99.5.9 -p udp -m udp --dport 4789 -j ACCEPT'],
      },
    ]);
  });

  it('names a port-range DROP carrying a quoted comment, exactly as iptables-save prints it', () => {
    expect(judge(iptables(), { port: 4789, peers: ['10.99.6.6'], iifname: 'eth0' }).map((j) => j.drop[1])).toEqual([
      '-A INPUT -p udp -m comment --comment "legacy overlay ports" -m udp --dport 4000:4799 -j DROP',
    ]);
  });

  it('follows a jump into a user chain', () => {
    expect(judge(iptables(), { port: 8472, peers: ['10.99.7.7'], iifname: 'eth0' })).toEqual([
      {
        drop: ['rule', '-A vxlan-guard -s 10.99.7.0/24 -j DROP', true],
        fix: ['iptables -I vxlan-guard 1 -s 10.99.7.7 -p udp -m udp --dport 8472 -j ACCEPT'],
      },
    ]);
  });

  it('names the chain policy when no rule decides, and appends the accept', () => {
    expect(judge(iptables(), { port: 9999, peers: ['10.99.6.6'], iifname: 'eth0' })).toEqual([
      { drop: ['policy', ':INPUT DROP', true], fix: ['iptables -A INPUT -s 10.99.6.6 -p udp -m udp --dport 9999 -j ACCEPT'] },
    ]);
  });
});

describe('findVxlanDrops on ufw status (hand-written fixture)', () => {
  it('names the DENY rule and inserts an allow per peer before it', () => {
    expect(judge(ufw(), { port: 4789, peers: ['10.99.5.9'] })).toEqual([
      {
        drop: ['rule', '4789/udp                   DENY IN     10.99.5.0/24', true],
        fix: ['ufw prepend allow proto udp from 10.99.5.9 to any port 4789'],
      },
    ]);
  });

  it('lets through a peer an ALLOW rule covers', () => {
    expect(judge(ufw(), { port: 4789, peers: ['10.99.1.2'] })).toEqual([]);
  });

  it('names a REJECT on a port range', () => {
    expect(judge(ufw(), { port: 4500, peers: ['10.99.6.6'] }).map((j) => j.fix)).toEqual([
      ['ufw prepend allow proto udp from 10.99.6.6 to any port 4500'],
    ]);
  });

  it('names the default incoming deny when no rule matches', () => {
    expect(judge(ufw(), { port: 9999, peers: ['10.99.6.6'] })).toEqual([
      {
        drop: ['policy', 'Default: deny (incoming), allow (outgoing), disabled (routed)', true],
        fix: ['ufw allow proto udp from 10.99.6.6 to any port 9999'],
      },
    ]);
  });
});

describe('findVxlanDrops on firewalld (hand-written fixture)', () => {
  it('names a rich reject rule and out-prioritises it with a rich accept, at runtime and permanently', () => {
    const rich = 'rule priority="-1" family="ipv4" source address="10.99.5.9" port port="4789" protocol="udp" accept';
    expect(judge(firewalld(), { port: 4789, peers: ['10.99.5.9'], iifname: 'eth0' })).toEqual([
      {
        drop: ['rule', 'rule family="ipv4" source address="10.99.5.0/24" port port="4789" protocol="udp" reject', true],
        fix: [`firewall-cmd --permanent '--zone=public' '--add-rich-rule=${rich}'`, 'firewall-cmd --reload'],
      },
    ]);
  });

  it("names the zone's default target when the port is not open", () => {
    expect(judge(firewalld(), { port: 4789, peers: ['10.99.6.6'], iifname: 'eth0' }).map((j) => j.drop)).toEqual([
      ['policy', 'target: default', true],
    ]);
  });

  it('lets through a peer a rich accept covers, and one bound to an ACCEPT zone by source', () => {
    expect(judge(firewalld(), { port: 4789, peers: ['10.99.1.2', '10.99.9.9'], iifname: 'eth0' })).toEqual([]);
  });
});
