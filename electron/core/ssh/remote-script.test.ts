/**
 * The output sections of remote scripts: only lines that start with the script's own nonce open one;
 * and a root script's line (`rootShellLine`), run by the real sh.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { argvToShell } from '../../../shared/plan';
import { rootShellLine, sections } from './remote-script';

describe('remote script sections', () => {
  it('ignores marker-like text that does not carry the run nonce', () => {
    const s = sections('noise\nM1 R 0 0\nM2 R 1 1\nbody\nM1 END', 'M1');
    expect(s.map((x) => [x.tag, x.args])).toEqual([
      ['R', '0 0'],
      ['END', ''],
    ]);
    expect(s[0]?.body).toBe('M2 R 1 1\nbody');
  });
});

describe('rootShellLine', () => {
  const script = `printf '%s|%s|%s\\n' "$1" "$2" "$#"; exit 3`;
  const argv = ['sh', '-c', script, 'vxs-test', 'it\'s a "quoted" $arg', 'two words'];
  const run = (line: string): { stdout: string; status: number | null } => {
    // The caller goes on after the line: its `exit` ends only the subshell, as it ended the sh -c.
    const r = spawnSync('sh', ['-c', `${line}; echo "rc=$?"; echo after`], { encoding: 'utf8' });
    return { stdout: r.stdout, status: r.status };
  };

  it('runs the same script with the same arguments in a subshell for a root login, as `sh -c` would', () => {
    const line = rootShellLine(argv, false);
    expect(line).not.toMatch(/^sh -c|\bsudo\b/);
    expect(run(line)).toEqual(run(argvToShell(argv)));
    expect(run(line).stdout).toBe(`it's a "quoted" $arg|two words|2\nrc=3\nafter\n`);
  });

  it('keeps its own process under sudo, and anything that is not an `sh -c` unchanged', () => {
    expect(rootShellLine(argv, true)).toBe(argvToShell(['sudo', '-n', ...argv]));
    expect(rootShellLine(['ip', '-j', 'link', 'show'], false)).toBe('ip -j link show');
  });
});
