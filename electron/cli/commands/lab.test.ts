import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-bin.testing';

const isRoot = process.geteuid?.() === 0;

/**
 * The CLI (electron/cli/main.ts and everything it imports, node_modules included) bundled into one
 * file in a folder anyone can read. As root the test must run the CLI as an unprivileged user, and
 * that user cannot read a checkout in a private home folder (mode 0700 or 0750), nor its
 * node_modules. esbuild makes the same transform tsx does for bin/vxlan-studio.mjs; the banner
 * gives the bundled CommonJS packages (ssh2) the require, __filename and __dirname they expect.
 */
let dir = '';
let cli = '';
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vxs-cli-'));
  chmodSync(dir, 0o755);
  cli = path.join(dir, 'vxlan-studio.mjs');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['electron/cli/main.ts'],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['*.node'],
    logLevel: 'warning',
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        "import { dirname as __pathDirname } from 'node:path';",
        'const require = __createRequire(import.meta.url);',
        'const __filename = __fileURLToPath(import.meta.url);',
        'const __dirname = __pathDirname(__filename);',
      ].join('\n'),
    },
  });
  chmodSync(cli, 0o644);
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI as an unprivileged user: directly when we are not root, via setpriv as nobody when we are. */
function runUnprivileged(args: string[]): { status: number | null; stderr: string } {
  const argv = isRoot
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, ...args]
    : [process.execPath, cli, ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('vxlan-studio lab', () => {
  it.each([['up', '3'], ['down', '--all'], ['status'], ['fault', 'block', 'h1']])(
    'refuses to run without root and says to use sudo (lab %s)',
    (...args) => {
      const r = runUnprivileged(['lab', ...args]);
      expect(r.stderr).toContain('the lab needs root: run with sudo');
      expect(r.status).toBe(1);
    },
  );
});
