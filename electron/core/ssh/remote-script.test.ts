/**
 * The output sections of remote scripts: only lines that start with the script's own nonce open one.
 */
import { describe, expect, it } from 'vitest';
import { sections } from './remote-script';

describe('remote script sections', () => {
  it('ignores marker-like text that does not carry the run nonce', () => {
    const s = sections('noise\nM1 R 0 0\nM2 R 1 1\nbody\nM1 END', 'M1');
    expect(s.map((x) => [x.tag, x.args])).toEqual([
      ['R', '0 0'],
      ['END', ''],
    ]);
    expect(s[0]?.body).toBe('M2 R 1 1\nbody');
  });
});
