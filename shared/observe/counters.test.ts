/**
 * Counter parser on `ip -j -s link show` recorded from iproute2 6.1 (fixtures/record-diagnose.sh).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { counterDelta, parseLinkCounters } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('parseLinkCounters on recorded output', () => {
  it('reads packets, bytes, errors and drops per direction for every link', () => {
    const links = parseLinkCounters(read('links-stats-a-after.json'), 'a');
    expect(links.map((l) => l.name)).toEqual(['lo', 'eth0', 'vxlan100']);
    const eth0 = links.find((l) => l.name === 'eth0');
    expect(eth0?.rx.packets).toBeGreaterThan(0);
    expect(eth0?.tx.bytes).toBeGreaterThan(0);
    expect(Object.keys(eth0?.rx ?? {})).toEqual(['packets', 'bytes', 'errors', 'dropped']);
  });

  it('measures growth between two readings around a probe', () => {
    const before = parseLinkCounters(read('diag-fw-b-before.counters.json'), 'b');
    const after = parseLinkCounters(read('diag-fw-b-after.counters.json'), 'b');
    const d = counterDelta(before, after);
    // b received the three encapsulated echo requests on eth0; its firewall dropped them before vxlan100.
    expect(d.find((l) => l.name === 'eth0')?.rx.packets).toBeGreaterThanOrEqual(3);
    expect(d.find((l) => l.name === 'vxlan100')?.rx.packets).toBe(0);
  });

  it('refuses `ip -j link` without -s, naming host, command and link', () => {
    expect(() => parseLinkCounters('[{"ifindex":1,"ifname":"lo","flags":[],"mtu":65536}]', 'web-1')).toThrow(
      'host web-1: output of `ip -j -s link show` has no counters for lo at [0] (expected stats64; run with -s)',
    );
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseLinkCounters('1: lo: <LOOPBACK,UP>', 'web-1')).toThrow(
      /^host web-1: output of `ip -j -s link show` is not JSON/,
    );
  });
});
