import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../shared/model';
import { readFileSync } from 'node:fs';
import { DeployMemory, drawingDigest } from './memory';

const textbook = (() => {
  const p = parseTopologyText(readFileSync('examples/textbook.vxlan.json', 'utf8'));
  if (!p.ok) throw new Error('examples/textbook.vxlan.json does not parse');
  return p.topology;
})();

describe('DeployMemory', () => {
  it('expects a host converged only with the very drawing it was last left converged with', () => {
    const m = new DeployMemory();
    const d = drawingDigest(textbook);
    expect(m.expectsConverged(textbook.id, 'h1', d)).toBe(false);
    m.record(textbook.id, 'h1', d, 'apply', 'applied');
    expect(m.expectsConverged(textbook.id, 'h1', d)).toBe(true);
    expect(m.expectsConverged(textbook.id, 'h2', d)).toBe(false);
    expect(m.expectsConverged('other-topology', 'h1', d)).toBe(false);
    const edited = { ...textbook, segments: textbook.segments.map((s) => ({ ...s, mtu: 1400 })) };
    expect(drawingDigest(edited)).not.toBe(d);
    expect(m.expectsConverged(textbook.id, 'h1', drawingDigest(edited))).toBe(false);
    m.record(textbook.id, 'h1', d, 'status', 'unchanged');
    expect(m.expectsConverged(textbook.id, 'h1', d)).toBe(true);
  });

  it('forgets a host on any other outcome and after a destroy', () => {
    const d = drawingDigest(textbook);
    for (const [action, outcome] of [
      ['apply', 'failed'],
      ['apply', 'rolled-back'],
      ['apply', 'unreachable'],
      ['status', 'pending'],
      ['destroy', 'applied'],
      ['destroy', 'unchanged'],
    ] as const) {
      const m = new DeployMemory();
      m.record(textbook.id, 'h1', d, 'apply', 'applied');
      m.record(textbook.id, 'h1', d, action, outcome);
      expect(m.expectsConverged(textbook.id, 'h1', d), `${action} ${outcome}`).toBe(false);
    }
  });
});
