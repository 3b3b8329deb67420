import { describe, expect, it } from 'vitest';
import { parseTopologyText, serializeTopology } from './file';

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
