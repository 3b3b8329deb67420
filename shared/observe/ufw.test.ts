/**
 * ufw status parser. The fixture is HAND-WRITTEN (ufw is not installed where the others were
 * recorded) from ufw(8)'s documented `status verbose` output; see fixtures/README-diagnose.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseUfwStatus } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const text = readFileSync(path.join(FIXTURES, 'ufw-handwritten.txt'), 'utf8');

describe('parseUfwStatus', () => {
  it('reads status, the default incoming policy and its line', () => {
    const st = parseUfwStatus(text, 'h2');
    expect([st.active, st.defaultIncoming, st.defaultText]).toEqual([
      true,
      'deny',
      'Default: deny (incoming), allow (outgoing), disabled (routed)',
    ]);
  });

  it('reads rules in order with ports, ranges, sources, direction, IPv6 flag and the printed line', () => {
    const rules = parseUfwStatus(text, 'h2').rules;
    expect(rules.map((r) => [r.number, r.action, r.direction, r.v6, r.to, r.from])).toEqual([
      [1, 'ALLOW', 'IN', false, { ports: [[22, 22]], protocol: 'tcp' }, {}],
      [2, 'DENY', 'IN', false, { ports: [[4789, 4789]], protocol: 'udp' }, { address: '10.99.5.0/24' }],
      [3, 'ALLOW', 'IN', false, { ports: [[4789, 4789]], protocol: 'udp' }, { address: '10.99.1.0/24' }],
      [4, 'REJECT', 'IN', false, { ports: [[4000, 5000]], protocol: 'udp' }, {}],
      [5, 'ALLOW', 'IN', true, { ports: [[22, 22]], protocol: 'tcp' }, {}],
    ]);
    expect(rules[3]?.text).toBe('4000:5000/udp              REJECT IN   Anywhere                   # old overlay');
  });

  it('reads an inactive firewall as having no rules', () => {
    expect(parseUfwStatus('Status: inactive\n', 'h2')).toEqual({ backend: 'ufw', active: false, rules: [] });
  });

  it('refuses output without a Status line, naming host and command', () => {
    expect(() => parseUfwStatus('ERROR: You need to be root to run this script', 'web-1')).toThrow(
      'host web-1: output of `ufw status verbose` has no "Status:" line (is this ufw output?)',
    );
  });
});
