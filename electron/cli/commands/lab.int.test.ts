/**
 * `vxlan-studio lab up|status|down --json` as a user runs it: the real bin script in a child process.
 * The lab users' passwords stay in the lab's state file (mode 0600): the CLI says where, never what.
 * Root only.
 */
import { readFileSync, statSync } from 'node:fs';
import { runBin, type BinResult } from './run-bin.testing';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, labDown, randomLabName } from '../../core/lab/index';

const root = isRoot();
if (!root)
  console.log(
    'lab.int.test.ts (cli) skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

const cli = (...args: string[]): Promise<BinResult> => runBin(args);

interface UserJson {
  name: string;
  hasPassword: boolean;
  password?: unknown;
}

suite('vxlan-studio lab up/status/down --json', () => {
  const name = randomLabName('cli');
  afterAll(async () => {
    await labDown(name);
  }, 120_000);

  it('prints the lab with its users, says which have a password and where it is kept, and never prints one', async () => {
    const up = await cli('lab', 'up', '2', '--name', name, '--json');
    expect(up.status, up.stderr).toBe(0);
    const out = JSON.parse(up.stdout) as { lab: { hosts: unknown[]; users: UserJson[]; stateDir: string }; passwordFile: string };
    expect(out.lab.hosts).toHaveLength(2);
    const passwordFile = out.passwordFile;
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(passwordFile, 'utf8')) as { users: Array<{ name: string; password?: string }> };
    const secrets = kept.users.flatMap((u) => (u.password === undefined ? [] : [u.password]));
    expect(secrets.length).toBeGreaterThan(0);
    expect(out.lab.users.find((u) => u.name === 'vxsadmin')).toMatchObject({ hasPassword: true });
    expect(out.lab.users.every((u) => u.password === undefined)).toBe(true);

    const status = await cli('lab', 'status', '--name', name, '--json');
    expect(status.status, status.stderr).toBe(0);
    for (const secret of secrets) {
      expect(up.stdout).not.toContain(secret);
      expect(status.stdout).not.toContain(secret);
    }
    expect(status.stdout).toContain(passwordFile);

    const down = await cli('lab', 'down', '--name', name);
    expect(down.status, down.stderr).toBe(0);
    expect(down.stdout).toContain(`lab "${name}" removed`);
  }, 120_000);
});
