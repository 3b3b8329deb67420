import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, serializeTopology } from './file';
import { CURRENT_FORMAT, PERSIST_MANAGERS } from './topology';

const minimal = { format: 1, id: 'lab', name: 'Lab' };

describe('topology files', () => {
  it('fills defaults and round-trips to identical text', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, segments: [{ id: 's1', name: 'blue', vni: 100 }] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.topology.segments[0]?.port).toBe(4789);
    const text = serializeTopology(r.topology);
    const again = parseTopologyText(text);
    expect(again.ok && serializeTopology(again.topology)).toBe(text);
  });

  it('names the field of a VNI of 0', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, segments: [{ id: 's1', name: 'blue', vni: 0 }] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toContainEqual({ path: 'segments[0].vni', message: 'must be 1-16777215' });
  });

  it('names the field of a 16-byte interface name', () => {
    const r = parseTopologyText(
      JSON.stringify({
        ...minimal,
        hosts: [{ id: 'a', name: 'A', ssh: { host: 'a' }, bridges: ['br-0123456789abc'] }],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.path).toBe('hosts[0].bridges[0]');
    expect(r.issues[0]?.message).toMatch(/15 bytes/);
  });

  it('gives line and column for broken JSON', () => {
    const r = parseTopologyText('{\n  "format": 1,\n  "id": \n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.path).toMatch(/line 4/);
  });

  it('refuses a misspelt field instead of silently dropping it on save', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, segments: [{ id: 's1', name: 'blue', vni: 100, mtuu: 1400 }] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.path).toBe('segments[0]');
    expect(r.issues[0]?.message).toMatch(/mtuu/);
  });

  it('refuses a file from a newer format version', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, format: 9 }));
    expect(!r.ok && r.issues[0]?.message).toMatch(/newer VXLAN Studio/);
  });
});

describe('format 2: where a host keeps its overlay across reboots', () => {
  const readFixture = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

  it('upgrades a real format-1 file: every host gets persist "auto", the rest is the format-2 example', () => {
    const old = parseTopologyText(readFixture('./fixtures/textbook-format-1.vxlan.json'));
    const current = parseTopologyText(readFixture('../../examples/textbook.vxlan.json'));
    if (!old.ok || !current.ok) throw new Error('fixture does not parse');
    expect(old.migratedFrom).toBe(1);
    expect(current.migratedFrom).toBeUndefined();
    expect(old.topology.hosts.map((h) => h.persist)).toEqual(['auto', 'auto']);
    expect(old.topology).toEqual(current.topology);
  });

  it('saves a migrated format-1 file as format 2 with the field written out', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, hosts: [{ id: 'a', name: 'A', ssh: { host: 'a' } }] }));
    if (!r.ok) throw new Error('does not parse');
    const saved = JSON.parse(serializeTopology(r.topology)) as { format: number; hosts: { persist: string }[] };
    expect(CURRENT_FORMAT).toBe(2);
    expect(saved.format).toBe(2);
    expect(saved.hosts[0]?.persist).toBe('auto');
  });

  it('keeps a manager named in a format-2 file, and fills "auto" when a host omits it', () => {
    const hosts = [
      ...PERSIST_MANAGERS.map((m) => ({ id: `h-${m}`, name: m, ssh: { host: m }, persist: m })),
      { id: 'h-none', name: 'none', ssh: { host: 'n' }, persist: 'none' },
      { id: 'h-default', name: 'default', ssh: { host: 'd' } },
    ];
    const r = parseTopologyText(JSON.stringify({ ...minimal, format: 2, hosts }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.topology.hosts.map((h) => h.persist)).toEqual([...PERSIST_MANAGERS, 'none', 'auto']);
  });

  it('names the field and the choices for an unknown manager', () => {
    const r = parseTopologyText(
      JSON.stringify({ ...minimal, format: 2, hosts: [{ id: 'a', name: 'A', ssh: { host: 'a' }, persist: 'wicked' }] }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.path).toBe('hosts[0].persist');
    expect(r.issues[0]?.message).toMatch(/"auto", "none" or one of "systemd-networkd", "netplan"/);
  });

  it('leaves a malformed host list of a format-1 file to the schema, which names the field', () => {
    const r = parseTopologyText(JSON.stringify({ ...minimal, hosts: ['not a host'] }));
    expect(!r.ok && r.issues[0]?.path).toBe('hosts[0]');
  });
});
