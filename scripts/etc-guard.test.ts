/**
 * The /etc guard (etc-guard.ts, wired as the integration project's globalSetup): the fingerprint
 * sees every kind of change, and on the real vitest CLI a run whose test writes into the guarded
 * directory fails while an identical run that only reads it passes. The guarded directory here is
 * a scratch copy (VXS_ETC_GUARD_DIR), never the machine's /etc.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { diffFingerprints, fingerprintTree } from './etc-guard';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITEST_CLI = path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
const GLOBAL_SETUP = path.join(REPO, 'scripts', 'etc-guard.global-setup.ts');

const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vxs-etcguard-'));
  scratches.push(dir);
  return dir;
}

/** A small /etc look-alike: files, a subdirectory, a symlink. */
function fakeEtc(): string {
  const etc = path.join(scratch(), 'etc');
  mkdirSync(path.join(etc, 'network'), { recursive: true });
  writeFileSync(path.join(etc, 'hostname'), 'box\n');
  writeFileSync(path.join(etc, 'network', 'interfaces'), 'auto lo\niface lo inet loopback\n');
  symlinkSync('/proc/self/mounts', path.join(etc, 'mtab'));
  return etc;
}

describe('the /etc fingerprint', () => {
  it('is unchanged when nothing changed, and names added, removed and changed paths', async () => {
    const etc = fakeEtc();
    const before = await fingerprintTree(etc);
    expect(diffFingerprints(before, await fingerprintTree(etc))).toEqual([]);

    writeFileSync(path.join(etc, 'network', 'interfaces.d'), '');
    rmSync(path.join(etc, 'mtab'));
    chmodSync(path.join(etc, 'hostname'), 0o600);
    expect(diffFingerprints(before, await fingerprintTree(etc)).map((l) => l.split(' (')[0])).toEqual([
      'changed: ' + path.join(etc, 'hostname'),
      'removed: ' + path.join(etc, 'mtab'),
      'added:   ' + path.join(etc, 'network', 'interfaces.d'),
    ]);
  });

  it('sees a rewrite with the same size and the old mtime put back (by the content hash)', async () => {
    const etc = fakeEtc();
    const file = path.join(etc, 'hostname');
    const before = await fingerprintTree(etc);
    const then = new Date(Date.now() - 60_000);
    utimesSync(file, then, then);
    const stamped = await fingerprintTree(etc);
    writeFileSync(file, 'bad\n');
    utimesSync(file, then, then);
    expect(diffFingerprints(before, stamped)).toHaveLength(1);
    expect(diffFingerprints(stamped, await fingerprintTree(etc))).toEqual([
      expect.stringMatching(new RegExp(`^changed: ${file} \\(was .*sha256=[0-9a-f]{64}; now .*sha256=[0-9a-f]{64}\\)$`)),
    ]);
  });
});

interface Run {
  status: number | null;
  out: string;
}

function runVitest(cwd: string, guarded: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST_CLI, 'run'], {
      cwd,
      env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', VXS_ETC_GUARD_DIR: guarded },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** A throwaway vitest project using the guard, with one test that runs `body` (given the guarded dir). */
function project(body: string): string {
  const dir = scratch();
  symlinkSync(realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    path.join(dir, 'vitest.config.mjs'),
    `export default { test: { include: ['*.test.mjs'], globalSetup: [${JSON.stringify(GLOBAL_SETUP)}] } };\n`,
  );
  writeFileSync(
    path.join(dir, 'touch.test.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';\nimport { it } from 'vitest';\nconst dir = process.env.VXS_ETC_GUARD_DIR;\nit('acts on the guarded dir', () => { ${body} });\n`,
  );
  return dir;
}

describe('the /etc guard on the real vitest CLI', () => {
  it('fails a run whose test wrote into the guarded directory, naming the path', async () => {
    const etc = fakeEtc();
    const r = await runVitest(project("writeFileSync(dir + '/leak.conf', 'x');"), etc);
    expect(r.out).toContain('1 passed');
    expect(r.out).toContain(`added:   ${path.join(etc, 'leak.conf')}`);
    expect(r.status).toBe(1);
  });

  it('passes an identical run that only read it', async () => {
    const etc = fakeEtc();
    const r = await runVitest(project("readFileSync(dir + '/hostname', 'utf8');"), etc);
    expect(r.out).toContain('1 passed');
    expect(r.status).toBe(0);
  });
});
