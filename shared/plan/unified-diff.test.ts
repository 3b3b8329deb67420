import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff';

const dir = mkdtempSync(join(tmpdir(), 'vxs-udiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GNU diff's own unified diff of two texts, with the same labels. */
function gnuDiff(before: string, after: string): string {
  writeFileSync(join(dir, 'a'), before);
  writeFileSync(join(dir, 'b'), after);
  const r = spawnSync('diff', ['-u', '--label', 'a/f', '--label', 'b/f', join(dir, 'a'), join(dir, 'b')], {
    encoding: 'utf8',
  });
  return r.stdout;
}

/** Applies a unified diff to `before` with the real `patch` tool and returns the result. */
function applyPatch(before: string, diff: string): string {
  const file = join(dir, 'target');
  writeFileSync(file, before);
  writeFileSync(join(dir, 'p.diff'), diff);
  execFileSync('patch', ['--quiet', '--force', file, join(dir, 'p.diff')], { stdio: 'pipe' });
  return readFileSync(file, 'utf8');
}

/** A deterministic pseudo-random generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { fromLabel: 'a/f', toLabel: 'b/f' })).toBe('');
  });

  it.each([
    ['one changed line in the middle', 'a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nd\nX\nf\ng\nh\n'],
    ['a line added at the end', '[Match]\nName=eth0\n', '[Match]\nName=eth0\n\n[Network]\nVXLAN=vxlan100\n'],
    ['a line removed at the start', '# head\nkeep\nkeep2\n', 'keep\nkeep2\n'],
    [
      'two changes far apart (two hunks)',
      'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\n',
      'L1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nL12\n',
    ],
    ['two changes close together (one hunk)', 'l1\nl2\nl3\nl4\nl5\nl6\nl7\n', 'l1\nX\nl3\nl4\nl5\nY\nl7\n'],
    ['a missing final newline', 'a\nb', 'a\nb\n'],
    ['a file that appears', '', 'new\nfile\n'],
    ['a file that goes', 'old\nfile\n', ''],
  ])('matches GNU diff -u for %s', (_, before, after) => {
    expect(unifiedDiff(before, after, { fromLabel: 'a/f', toLabel: 'b/f' })).toBe(gnuDiff(before, after));
  });

  it('produces diffs that the patch tool applies exactly, for random edits', () => {
    const next = rng(11);
    const words = ['[Match]', 'Name=eth0', '[Network]', 'VXLAN=vxlan100', 'Address=10.0.0.1/24', '', 'MTUBytes=1450'];
    const pick = (): string => words[Math.floor(next() * words.length)] as string;
    for (let round = 0; round < 60; round++) {
      const before = Array.from({ length: Math.floor(next() * 25) }, pick);
      const after = before.flatMap((w) => {
        const r = next();
        if (r < 0.15) return [];
        if (r < 0.3) return [pick()];
        if (r < 0.4) return [w, pick()];
        return [w];
      });
      const a = before.map((l) => `${l}\n`).join('');
      const b = after.map((l) => `${l}\n`).join('');
      if (a === b || a === '') continue;
      const d = unifiedDiff(a, b, { fromLabel: 'a/f', toLabel: 'b/f' });
      expect(applyPatch(a, d), `round ${round}:\n${d}`).toBe(b);
    }
  });
});
