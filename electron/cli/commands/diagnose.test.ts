/**
 * `vxlan-studio diagnose` input handling, as a user runs it (the real bin script in a child
 * process): bad input is refused with exit 2 before any host is contacted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBinSync, type BinResult } from './run-bin.testing';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-diagnose-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (...args: string[]): BinResult => runBinSync([...args]);

describe('vxlan-studio diagnose input checks', () => {
  it('exits 2 naming the file when it cannot be read', () => {
    const r = cli('diagnose', path.join(scratch, 'missing.vxlan.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing.vxlan.json: ENOENT');
  });

  it('exits 2 with the field path when the topology is invalid, as one JSON object with --json', () => {
    const file = path.join(scratch, 'bad.vxlan.json');
    writeFileSync(file, JSON.stringify({ format: 1, id: 'bad', name: 'bad', segments: [{ id: 's', name: 's', vni: 0 }] }));
    const r = cli('diagnose', file, '--json');
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; error: { message: string } };
    expect(out.ok).toBe(false);
    expect(out.exitCode).toBe(2);
    expect(out.error.message).toContain('segments[0].vni');
  });

  it('exits 2 on a --timeout that is not a number of milliseconds', () => {
    const r = cli('diagnose', 'examples/textbook.vxlan.json', '--timeout', 'soon');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--timeout must be a number of milliseconds');
  });
});
