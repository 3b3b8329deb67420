/**
 * nftables parser on rulesets recorded from nft 1.0.6 (fixtures/record-diagnose.sh), and on bad output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ObserveParseError, parseNftJson, parseNftRuleset, parseNftText } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const ruleset = (name: string): ReturnType<typeof parseNftRuleset> =>
  parseNftRuleset({ json: read(`nft-${name}.json`), text: read(`nft-${name}.txt`) }, 'h2');

describe('parseNftRuleset on recorded nft output', () => {
  it('gives every rule the exact text nft prints for it, matched by handle', () => {
    const rs = ruleset('server');
    const byHandle = Object.fromEntries(rs.rules.map((r) => [r.handle, r.text]));
    expect(byHandle).toEqual({
      5: 'ct state established,related accept',
      6: 'iifname "lo" accept',
      7: 'tcp dport 22 accept',
      8: 'meta l4proto icmp accept',
      9: 'udp dport 4789 ip saddr @peers4 accept',
      11: 'ip saddr 10.99.5.0/24 udp dport { 53, 4789 } counter packets 0 bytes 0 reject with icmp port-unreachable',
      12: 'udp dport 4000-5000 drop',
      13: 'th dport != 4789 drop',
      14: 'udp dport @vxlan_ports jump guard',
      15: 'ip6 saddr fd00::/64 return',
      16: 'udp sport 1-1023 drop',
    });
  });

  it('reads base chains with hook, priority, policy and the header line, and user chains without', () => {
    const rs = ruleset('policy-drop');
    expect(rs.chains.map((c) => [c.family, c.table, c.name, c.hook, c.priority, c.policy, c.headerText])).toEqual([
      ['ip', 'legacy', 'INPUT', 'input', 10, 'accept', 'type filter hook input priority filter + 10; policy accept;'],
      ['ip', 'legacy', 'FORWARD', 'forward', 0, 'drop', 'type filter hook forward priority filter; policy drop;'],
      ['inet', 'host', 'in', 'input', 0, 'drop', 'type filter hook input priority filter; policy drop;'],
      ['ip6', 'six', 'input', 'input', 0, 'accept', 'type filter hook input priority filter; policy accept;'],
    ]);
    expect(ruleset('server').chains.find((c) => c.name === 'guard')).toEqual({
      family: 'inet',
      table: 'filter',
      name: 'guard',
      handle: 2,
    });
  });

  it('keeps named sets with their elements, prefixes included', () => {
    expect(ruleset('server').sets.map((s) => [s.name, s.type, s.elements])).toEqual([
      ['vxlan_ports', 'inet_service', [4789, 8472]],
      ['peers4', 'ipv4_addr', [{ prefix: { addr: '10.99.1.0', len: 24 } }, '10.99.3.7']],
    ]);
  });

  it('summarises expressions in nft-like words when the text listing is missing', () => {
    const rs = parseNftJson(read('nft-server.json'), 'h2');
    expect(rs.rules.map((r) => r.summary)).toContain('ip saddr 10.99.5.0/24 udp dport { 53, 4789 } counter reject');
    expect(rs.rules.map((r) => r.summary)).toContain('udp dport 4000-5000 drop');
    expect(parseNftJson(read('nft-policy-drop.json'), 'h2').rules.map((r) => r.summary)).toContain(
      'ct state vmap { invalid : drop, established : accept, related : accept }',
    );
    expect(parseNftJson(read('nft-policy-drop.json'), 'h2').rules[0]?.summary).toBe('udp dport 4789 accept');
  });

  it('reads an empty ruleset as no tables, chains or rules', () => {
    expect(ruleset('empty')).toEqual({ backend: 'nftables', tables: [], chains: [], sets: [], rules: [] });
  });
});

describe('parseNftRuleset on bad output', () => {
  it('names the host and the command when the JSON is not JSON', () => {
    expect(() => parseNftJson('Error: Could not process rule: Operation not permitted', 'web-1')).toThrow(
      /^host web-1: output of `nft -j list ruleset` is not JSON/,
    );
  });

  it('names the field when the JSON is not nft-shaped', () => {
    expect(() =>
      parseNftJson('{"nftables":[{"rule":{"family":"inet","table":"t","chain":"c","handle":"x","expr":[]}}]}', 'web-1'),
    ).toThrow(ObserveParseError);
    expect(() => parseNftJson('[1,2]', 'web-1')).toThrow(
      /host web-1: output of `nft -j list ruleset` is not an nftables JSON document/,
    );
  });

  it('says the text listing was cut short when braces do not balance', () => {
    const cut = read('nft-server.txt').split('\n').slice(0, 15).join('\n');
    expect(() => parseNftText(cut, 'web-1')).toThrow(/host web-1: output of `nft -a list ruleset` ends inside a table/);
  });
});

describe("nft's warnings around a listing", () => {
  it('skips `# Warning: table ip filter is managed by iptables-nft` lines, as nft prints them over SSH with 2>&1', () => {
    const json = '{"nftables": [{"table": {"family": "ip", "name": "filter", "handle": 1}}]}';
    const text = 'table ip filter { # handle 1\n}\n';
    const warn = '# Warning: table ip filter is managed by iptables-nft, do not touch!\n';
    expect(parseNftRuleset({ json: warn + json, text: warn + text }, 'h2').tables).toEqual([
      { family: 'ip', name: 'filter', handle: 1 },
    ]);
  });
});
