import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../bin/vxlan-studio.mjs', import.meta.url));
const isRoot = process.geteuid?.() === 0;

/** Runs the real CLI as an unprivileged user: directly when we are not root, via setpriv as nobody when we are. */
function runUnprivileged(args: string[]): { status: number | null; stderr: string } {
  const argv = isRoot
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args]
    : [process.execPath, bin, ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
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
