/**
 * `vxlan-studio import` without hosts that answer: bad input exits 2 naming what is wrong (and
 * writes nothing), a host that cannot be reached exits 1. Importing from real hosts is in
 * import.int.test.ts.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBinSync, type BinResult } from './run-bin.testing';

const dir = mkdtempSync(join(tmpdir(), 'vxs-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]): BinResult => runBinSync(['import', ...args]);

describe('vxlan-studio import', { timeout: 60_000 }, () => {
  it('exits 2 for a bad target, a missing --out, or --group without --inventory', () => {
    const out = join(dir, 'a.vxlan.json');
    expect([cli('--ssh', 'root@', '--out', out).status, cli('--ssh', 'root@', '--out', out).stderr]).toEqual([
      2,
      expect.stringContaining('vxlan-studio import: --ssh "root@" is not [USER@]HOST[:PORT]'),
    ]);
    expect(cli('--ssh', 'h1').stderr).toContain('missing --out FILE');
    expect(cli('--ssh', 'h1', '--group', 'web', '--out', out).stderr).toContain('--group needs --inventory');
    expect(cli('--out', out).stderr).toContain('no hosts: give --ssh [USER@]HOST[:PORT] or --inventory FILE');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to overwrite an existing --out without --force', () => {
    const out = join(dir, 'exists.vxlan.json');
    writeFileSync(out, 'mine');
    const r = cli('--ssh', 'h1', '--out', out, '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: 'BAD_INPUT', message: `${out} exists; give --force to overwrite it` },
    });
  });

  it('exits 2 for a bad inventory and names file and line', () => {
    const inv = join(dir, 'hosts.ini');
    writeFileSync(inv, '[vteps]\nvtep-a ansible_host=192.168.1.10\nvtep-b ansible_port\n');
    const r = cli('--inventory', inv, '--out', join(dir, 'b.vxlan.json'), '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      exitCode: 2,
      error: { code: 'INVENTORY_INVALID', message: `${inv} line 3: "ansible_port" is not key=value` },
    });
    const text = cli('--inventory', inv, '--group', 'web', '--out', join(dir, 'b.vxlan.json'));
    expect([text.status, text.stderr]).toEqual([2, expect.stringContaining(`${inv} line 3: "ansible_port" is not key=value`)]);
  });

  it('exits 1 and writes nothing when no host answers, naming the host and the SSH error', () => {
    const out = join(dir, 'c.vxlan.json');
    // Port 1 on this machine's loopback: refused at once, nothing is sent anywhere.
    const r = cli('--ssh', 'root@127.0.0.1:1', '--out', out, '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      version: 1,
      ok: false,
      exitCode: 1,
      out: null,
      report: null,
      unreachable: [
        { name: '127.0.0.1', error: { code: 'SSH_UNREACHABLE', message: 'cannot reach root@127.0.0.1:1: ECONNREFUSED' } },
      ],
      error: null,
    });
    expect(existsSync(out)).toBe(false);
  });
});
