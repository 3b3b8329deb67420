/**
 * iptables-save parser. The main fixture was HAND-WRITTEN from iptables-save(8)'s format; the same
 * ruleset loaded into real iptables and saved again (`iptables-legacy-save`, `iptables-nft-save`
 * 1.8.9) is recorded beside it and must read the same. See fixtures/README-diagnose.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const text = readFileSync(path.join(FIXTURES, 'iptables-save-handwritten.txt'), 'utf8');

describe('parseIptablesSave', () => {
  it('reads tables, chains with policies, and user chains without', () => {
    expect(parseIptablesSave(text, 'h2').chains).toEqual([
      { table: 'raw', name: 'PREROUTING', policy: 'ACCEPT' },
      { table: 'raw', name: 'OUTPUT', policy: 'ACCEPT' },
      { table: 'filter', name: 'INPUT', policy: 'DROP' },
      { table: 'filter', name: 'FORWARD', policy: 'DROP' },
      { table: 'filter', name: 'OUTPUT', policy: 'ACCEPT' },
      { table: 'filter', name: 'vxlan-guard' },
    ]);
  });

  it('keeps each rule line verbatim with its number in the chain and unquoted words', () => {
    const rules = parseIptablesSave(text, 'h2').rules;
    const legacy = rules.find((r) => r.text.includes('legacy'));
    expect(legacy).toEqual({
      table: 'filter',
      chain: 'INPUT',
      position: 7,
      args: [
        '-p',
        'udp',
        '-m',
        'comment',
        '--comment',
        'legacy overlay ports',
        '-m',
        'udp',
        '--dport',
        '4000:4799',
        '-j',
        'DROP',
      ],
      text: '-A INPUT -p udp -m comment --comment "legacy overlay ports" -m udp --dport 4000:4799 -j DROP',
    });
    expect(rules.filter((r) => r.chain === 'vxlan-guard').map((r) => r.position)).toEqual([1, 2]);
  });

  it('refuses a rule for an undeclared chain, naming host, command and line', () => {
    expect(() => parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j DROP\nCOMMIT\n', 'web-1')).toThrow(
      'host web-1: output of `iptables-save` line 3: appends to chain NOPE, which table filter does not declare',
    );
  });

  it('refuses output cut short before COMMIT', () => {
    expect(() => parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n', 'web-1')).toThrow(/table filter has no COMMIT/);
  });

  it('reads the same rules and chains from what real iptables (legacy and nft backends) saved for this ruleset', () => {
    const byTable = (r: ReturnType<typeof parseIptablesSave>) => ({
      chains: [...r.chains].sort((a, b) => `${a.table}/${a.name}`.localeCompare(`${b.table}/${b.name}`)),
      rules: r.rules,
    });
    const written = byTable(parseIptablesSave(text, 'h2'));
    for (const recorded of ['iptables-legacy-save-recorded.txt', 'iptables-nft-save-recorded.txt']) {
      expect(byTable(parseIptablesSave(readFileSync(path.join(FIXTURES, recorded), 'utf8'), 'h2')), recorded).toEqual(written);
    }
  });
});
