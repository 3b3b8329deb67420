/**
 * `vxlan-studio apply|destroy|status` input handling, as a user runs it (the real bin script in a
 * child process, no terminal): everything here is refused before any host is contacted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBinSync, type BinResult } from './run-bin.testing';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-apply-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (...args: string[]): BinResult => runBinSync([...args]);

describe('vxlan-studio apply / destroy / status input checks', () => {
  it('reads -F FILE like ssh: a missing file or a bad line is exit 2 naming the file (and line), for every host verb', () => {
    const missing = path.join(scratch, 'no-such-config');
    const bad = path.join(scratch, 'bad-config');
    writeFileSync(bad, 'Host web\n  HostName 10.0.0.1\n  Port many\n  User "open\n');
    for (const verb of ['apply', 'destroy', 'status', 'diagnose']) {
      const yes = verb === 'status' || verb === 'diagnose' ? [] : ['--yes'];
      const r = cli(verb, 'examples/textbook.vxlan.json', ...yes, '-F', missing);
      expect({ verb, status: r.status }).toEqual({ verb, status: 2 });
      expect(r.stderr).toContain(`cannot read the SSH config ${missing}: ENOENT`);
      const b = cli(verb, 'examples/textbook.vxlan.json', ...yes, '-F', bad);
      expect({ verb, status: b.status }).toEqual({ verb, status: 2 });
      expect(b.stderr).toContain(`${bad}:4: cannot parse`);
    }
  });

  it('refuses to apply without --yes when there is no terminal to confirm on (exit 2)', () => {
    const r = cli('apply', 'examples/textbook.vxlan.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('add --yes to apply without asking');
    expect(r.stdout).toBe('');
  });

  it('refuses destroy --json without --yes and still prints exactly one JSON object', () => {
    const r = cli('destroy', 'examples/textbook.vxlan.json', '--json');
    expect(r.status).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? '') as {
      version: number;
      action: string;
      ok: boolean;
      exitCode: number;
      hosts: unknown[];
      error: { message: string };
    };
    expect(out).toMatchObject({ version: 1, action: 'destroy', ok: false, exitCode: 2, hosts: [] });
    expect(out.error.message).toContain('--json allows no prompt');
  });

  it('names the field when a bridge-port name would not be one safe word (exit 2, nothing contacted)', () => {
    const text = readFileSync(path.join(ROOT, 'examples/textbook.vxlan.json'), 'utf8').replace(
      '"bridgePorts": []',
      '"bridgePorts": ["tap0; reboot"]',
    );
    const file = path.join(scratch, 'hostile.vxlan.json');
    writeFileSync(file, text);
    const r = cli('apply', file, '--yes', '--json');
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout) as { error: { message: string } };
    expect(out.error.message).toContain('memberships[0].bridgePorts[0]');
    expect(out.error.message).toContain('whitespace');
  });

  it('rejects a bad --concurrency with the allowed range (exit 2)', () => {
    const r = cli('status', 'examples/textbook.vxlan.json', '--concurrency', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--concurrency must be a number 1-256, got "0"');
  });

  it('takes --prune only on apply: destroy and status refuse it before contacting any host (exit 2)', () => {
    for (const action of ['destroy', 'status']) {
      const r = cli(action, 'examples/textbook.vxlan.json', '--prune', '--yes');
      expect(r.status, action).toBe(2);
      expect(r.stderr, action).toContain('--prune is an option of apply only');
    }
    expect(cli('apply', '--help').stdout).toContain(
      '--prune                 also remove the devices this topology created that it no longer has',
    );
  });

  it('rejects a --confirm-within outside 10-3600 s, naming the option and the range (exit 2, nothing contacted)', () => {
    for (const bad of ['5', '3601', 'soon']) {
      const r = cli('apply', 'examples/textbook.vxlan.json', '--yes', '--confirm-within', bad);
      expect(r.status, bad).toBe(2);
      expect(r.stderr, bad).toContain(`--confirm-within must be a number 10-3600, got "${bad}"`);
    }
    const r = cli('destroy', 'examples/textbook.vxlan.json', '--yes', '--confirm-within', '60');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--confirm-within is an option of apply only');
  });

  it('confirm and revert have --help with their exit codes and refuse a missing file (exit 2)', () => {
    for (const verb of ['confirm', 'revert']) {
      const help = cli(verb, '--help');
      expect(help.status, verb).toBe(0);
      expect(help.stdout, verb).toContain(`Usage: vxlan-studio ${verb} <file> [--json]`);
      expect(help.stdout, verb).toContain('Exit codes: 0 every host');
      const missing = cli(verb, '--json');
      expect(missing.status, verb).toBe(2);
      expect((JSON.parse(missing.stdout) as { error: { message: string } }).error.message).toContain('missing the topology file');
    }
  });

  it('documents the --json schema and the exit codes in --help', () => {
    const r = cli('apply', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Exit codes: 0 every host converged');
    expect(r.stdout).toContain('"outcome": "unchanged"|"applied"|"pending"|"failed"|"rolled-back"|"unreachable"');
  });
});
