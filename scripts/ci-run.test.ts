/**
 * `.ci/run` with CI set refuses at once when it is not root, before installing anything: the lab
 * tests need root, and with CI set their skips would fail the run only after a long install.
 * The real script runs from a copy in a folder an unprivileged user can read (a checkout in a
 * private home folder is not readable by nobody); the copy has no scripts/setup.sh, so a script
 * that went on past the check would fail differently (exit 127) and this test would say so.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = process.geteuid?.() === 0;

const dir = mkdtempSync(path.join(tmpdir(), 'vxs-cirun-'));
chmodSync(dir, 0o755);
mkdirSync(path.join(dir, '.ci'), { mode: 0o755 });
const script = path.join(dir, '.ci', 'run');
copyFileSync(path.join(REPO, '.ci', 'run'), script);
chmodSync(script, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the copy as an unprivileged user (nobody when we are root) with the given CI value. */
function runUnprivileged(ci: string): { status: number | null; stdout: string; stderr: string } {
  const argv = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', script] : [script];
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CI: ci };
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('.ci/run', () => {
  it.each(['true', '1'])('refuses at once with CI=%s when not root, saying to run it as root', (ci) => {
    const r = runUnprivileged(ci);
    expect(r.stderr).toMatch(new RegExp(`^ci: CI=${ci} needs root \\(this is uid \\d+\\): .*run \\.ci/run as root\\n$`));
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
  });

  it('goes on past the check when CI is "false", as a developer runs it (here: to the missing setup.sh)', () => {
    const r = runUnprivileged('false');
    expect(r.stderr).toContain('scripts/setup.sh');
    expect(r.status).toBe(127);
  });
});
