/**
 * The skip rule of scripts/skip-policy.ts, proven on the real runners: each case writes a small
 * project (config using our reporter, test files that skip the way the repo's tests do), runs the
 * real vitest or Playwright CLI on it, and checks the exit code and what the log names.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeSkips, skipsFailRun } from './skip-policy';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITEST_CLI = path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules', '@playwright', 'test', 'cli.js');

const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway project folder that resolves packages from the repo's node_modules. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vxs-skipguard-'));
  scratches.push(dir);
  symlinkSync(realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

interface Run {
  status: number | null;
  out: string;
}

/** Runs a CLI in `cwd` with CI set or unset, outside this vitest run (its VITEST_* variables removed). */
function run(argv: string[], cwd: string, ci: boolean): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI'));
  if (ci) env['CI'] = 'true';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd,
      env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

const vitestConfig = `export default { test: { include: ['**/*.test.mjs'], exclude: ['node_modules/**'], reporters: ['default', ${JSON.stringify(path.join(REPO, 'scripts', 'vitest-skip-guard.ts'))}] } };
`;

/** The repo's own pattern for root-only suites: the describe is chosen when the file loads. */
const vitestSkipping = `import { describe, it } from 'vitest';
const root = false;
const suite = root ? describe : describe.skip;
it('runs', () => {});
suite('lab', () => {
  it('builds namespaces', () => {});
});
it.skipIf(!root)('pings over the overlay', () => {});
it.todo('drains the fdb');
`;

const vitestGreen = `import { it, expect } from 'vitest';
it('runs', () => { expect(1 + 1).toBe(2); });
`;

function runVitest(dir: string, ci: boolean): Promise<Run> {
  return run([VITEST_CLI, 'run', '--config', path.join(dir, 'vitest.config.mjs'), '--root', dir], dir, ci);
}

describe('vitest skip guard', () => {
  it('fails a CI run with skipped tests and names each one with its file', async () => {
    const dir = project({ 'vitest.config.mjs': vitestConfig, 'lab.test.mjs': vitestSkipping });
    const r = await runVitest(dir, true);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('skip check (vitest): FAILED: 3 test(s) skipped');
    expect(r.out).toContain('lab.test.mjs > lab > builds namespaces');
    expect(r.out).toContain('lab.test.mjs > pings over the overlay');
    expect(r.out).toContain('lab.test.mjs > drains the fdb');
  });

  it('lets the same run pass outside CI, saying how many skipped', async () => {
    const dir = project({ 'vitest.config.mjs': vitestConfig, 'lab.test.mjs': vitestSkipping });
    const r = await runVitest(dir, false);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('skip check (vitest): 3 test(s) in 1 file(s) skipped; allowed outside CI');
  });

  it('leaves a CI run without skips green', async () => {
    const dir = project({ 'vitest.config.mjs': vitestConfig, 'green.test.mjs': vitestGreen });
    const r = await runVitest(dir, true);
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toContain('skip check');
  });
});

const playwrightConfig = `export default { testDir: 'e2e', workers: 1, reporter: [['list'], [${JSON.stringify(path.join(REPO, 'scripts', 'playwright-skip-guard.ts'))}]] };
`;

/** Skips as e2e/electron.spec.ts does when Electron's binary is missing. */
const electronSpec = `import { test } from '@playwright/test';
test.describe('desktop app (Electron)', () => {
  test.skip(true, 'the Electron binary is not installed');
  test('opens the window', () => {});
});
`;

/** Skips as e2e/deploy.spec.ts does when not root. */
const rootOnlySpec = `import { test } from '@playwright/test';
test.skip(true, 'the deploy e2e builds a lab of network namespaces with sshd, which needs root');
test('deploys to the lab', () => {});
`;

const greenSpec = `import { test, expect } from '@playwright/test';
test('adds', () => { expect(1 + 1).toBe(2); });
`;

function runPlaywright(dir: string, ci: boolean): Promise<Run> {
  return run([PLAYWRIGHT_CLI, 'test', '--config', path.join(dir, 'playwright.config.mjs')], dir, ci);
}

describe('Playwright skip guard', () => {
  it("passes a CI run whose only skip is the Electron spec's, and prints its reason", async () => {
    const dir = project({
      'playwright.config.mjs': playwrightConfig,
      'e2e/electron.spec.ts': electronSpec,
      'e2e/green.spec.ts': greenSpec,
    });
    const r = await runPlaywright(dir, true);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('skip check (playwright): 1 allowed skip(s):');
    expect(r.out).toContain(
      'e2e/electron.spec.ts > desktop app (Electron) > opens the window (the Electron binary is not installed)',
    );
    expect(r.out).not.toContain('FAILED');
  });

  it('fails a CI run where another spec skipped, naming it with its file and reason', async () => {
    const dir = project({
      'playwright.config.mjs': playwrightConfig,
      'e2e/electron.spec.ts': electronSpec,
      'e2e/deploy.spec.ts': rootOnlySpec,
    });
    const r = await runPlaywright(dir, true);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('skip check (playwright): FAILED: 1 test(s) skipped');
    expect(r.out).toContain(
      'e2e/deploy.spec.ts > deploys to the lab (the deploy e2e builds a lab of network namespaces with sshd, which needs root)',
    );
  });

  it('lets that run pass outside CI', async () => {
    const dir = project({ 'playwright.config.mjs': playwrightConfig, 'e2e/deploy.spec.ts': rootOnlySpec });
    const r = await runPlaywright(dir, false);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('skip check (playwright): 1 test(s) in 1 file(s) skipped; allowed outside CI');
  });
});

describe('skip policy', () => {
  it('refuses an Electron spec skip that gives no reason', () => {
    const verdict = judgeSkips('playwright', [{ file: 'e2e/electron.spec.ts', name: 'opens the window' }], true);
    expect(verdict.ok).toBe(false);
    expect(verdict.lines).toContain('  e2e/electron.spec.ts > opens the window');
  });

  it('allows only the Electron spec by its path, not a file of the same name elsewhere', () => {
    const verdict = judgeSkips('playwright', [{ file: 'other/e2e/electron.spec.ts', name: 'opens', reason: 'no binary' }], true);
    expect(verdict.ok).toBe(false);
  });

  it('tells a CI run that is not root why the lab tests skipped', () => {
    const verdict = judgeSkips('vitest', [{ file: 'electron/core/lab/lab.int.test.ts', name: 'lab > up' }], true, {
      isRoot: false,
    });
    expect(verdict.lines).toContain('skip check: this run is not root, so the lab tests skipped; CI runs as root (.ci/run).');
  });

  it('enforces whenever CI is set, as CI services set it, and not for "", "false" or "0"', () => {
    expect(['true', '1', 'yes'].map((CI) => skipsFailRun({ CI }))).toEqual([true, true, true]);
    expect([undefined, '', 'false', '0'].map((CI) => skipsFailRun(CI === undefined ? {} : { CI }))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
