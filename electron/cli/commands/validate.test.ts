import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBinSync, type BinResult } from './run-bin.testing';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const textbook = readFileSync(join(repo, 'examples/textbook.vxlan.json'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'vxs-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real CLI entry (`bin/vxlan-studio.mjs`) as a user would. */
const cli = (...args: string[]): BinResult => runBinSync(['validate', ...args]);

function brokenCopy(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('vxlan-studio validate', { timeout: 60_000 }, () => {
  it('exits 0 and says ok for both shipped examples', () => {
    const r = cli('examples/textbook.vxlan.json', 'examples/mesh.vxlan.json');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('examples/textbook.vxlan.json: ok');
    expect(r.stdout).toContain('examples/mesh.vxlan.json: ok');
    expect(r.stdout).toContain('2 files checked: 0 errors, 0 warnings, 0 notes');
  });

  it('exits 2 for a VNI of 0 and names the field segments[0].vni', () => {
    const file = brokenCopy('vni0.vxlan.json', textbook.replace('"vni": 100', '"vni": 0'));
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`${file}: segments[0].vni: error: must be 1-16777215 (got 0) (VNI_INVALID)`);
  });

  it('exits 2 for a 16-byte bridge name and names each field that holds it', () => {
    const file = brokenCopy('long.vxlan.json', textbook.replaceAll('"br-overlay"', '"br-0123456789abc"'));
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/hosts\[0\]\.bridges\[0\]: error: must be at most 15 bytes .*\(IFNAME_TOO_LONG\)/);
    expect(r.stdout).toContain('memberships[1].bridge: error');
  });

  it('exits 2 for broken JSON and gives the line and column', () => {
    const file = brokenCopy('broken.vxlan.json', textbook.replace('"vni": 100,', '"vni": 100'));
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/broken\.vxlan\.json: \(file\) line \d+, column \d+: error: is not valid JSON.*\(JSON_INVALID\)/);
  });

  it('exits 2 naming a missing file, and still checks the other files given', () => {
    const r = cli('no/such/file.vxlan.json', 'examples/textbook.vxlan.json');
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('no/such/file.vxlan.json: (file): error: the file does not exist (FILE_NOT_FOUND)');
    expect(r.stdout).toContain('examples/textbook.vxlan.json: ok');
  });

  it('exits 2 for a cross-field error (duplicate overlay address) with its path', () => {
    const file = brokenCopy('dup.vxlan.json', textbook.replace('10.0.0.2/24', '10.0.0.1/24'));
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(
      'memberships[1].address: error: Overlay address 10.0.0.1 is also used in this segment by memberships[0] (OVERLAY_ADDRESS_DUPLICATE)',
    );
  });

  it('exits 0 when a file has only warnings, and prints them', () => {
    const file = brokenCopy('warn.vxlan.json', textbook.replace('"port": 4789', '"port": 53'));
    const r = cli(file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('segments[0].port: warning:');
    expect(r.stdout).toContain('0 errors, 1 warning, 0 notes');
  });

  it('prints one JSON object with --json', () => {
    const file = brokenCopy('vni0-json.vxlan.json', textbook.replace('"vni": 100', '"vni": 0'));
    const r = cli('--json', file, 'examples/mesh.vxlan.json');
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      files: Array<{ file: string; ok: boolean; diagnostics: unknown[] }>;
      summary: unknown;
    };
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => f.ok)).toEqual([false, true]);
    expect(report.files[0]?.diagnostics).toEqual([
      expect.objectContaining({ code: 'VNI_INVALID', path: 'segments[0].vni', elementKind: 'segment', elementId: 'seg-100' }),
    ]);
    expect(report.summary).toEqual({ files: 2, invalid: 1, errors: 1, warnings: 0, infos: 0 });
  });

  it('exits 2 with usage when no file is given', () => {
    const r = cli();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give at least one topology file');
  });
});
