/**
 * Command framing against a real local `sh` (the same text the pool writes to a remote shell):
 * output, stderr, exit codes and stdin come back byte for byte, whatever the script prints.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FrameReader, framedCommand, newNonce, printfFormat } from './framing';

/** Runs framed commands one after the other through ONE long-lived /bin/sh, like the pool does. */
async function throughOneShell(
  cmds: { script: string; stdin?: string; inShell?: boolean }[],
): Promise<{ code: number; stdout: string; stderr: string }[]> {
  const sh = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const results = [];
  try {
    for (const c of cmds) {
      const nonce = newNonce();
      const reader = new FrameReader(nonce);
      const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const check = (): void => {
          const r = reader.result();
          if (r) {
            sh.stdout.off('data', onOut);
            sh.stderr.off('data', onErr);
            resolve(r);
          }
        };
        const onOut = (d: Buffer): void => {
          reader.pushStdout(d);
          check();
        };
        const onErr = (d: Buffer): void => {
          reader.pushStderr(d);
          check();
        };
        sh.stdout.on('data', onOut);
        sh.stderr.on('data', onErr);
      });
      sh.stdin.write(framedCommand(c.script, nonce, c.stdin, c.inShell === true));
      results.push(await done);
    }
  } finally {
    sh.kill();
  }
  return results;
}

describe('command framing through one long-lived shell', () => {
  it('separates stdout, stderr and exit status of consecutive commands', async () => {
    const r = await throughOneShell([
      { script: 'echo out; echo err >&2; exit 7' },
      { script: 'printf no-newline' },
      { script: 'true' },
    ]);
    expect(r).toEqual([
      { code: 7, stdout: 'out\n', stderr: 'err\n' },
      { code: 0, stdout: 'no-newline', stderr: '' },
      { code: 0, stdout: '', stderr: '' },
    ]);
  });

  it('is not fooled by output that looks like a marker, quotes, or control characters', async () => {
    const tricky = 'x END 0\nvxs0 BEGIN\n\' " $HOME `id` \\ %s %%\n\x01\x1b[31m\t';
    const r = await throughOneShell([{ script: `printf ${printfFormat(Buffer.from(tricky))}` }]);
    expect(r[0]).toEqual({ code: 0, stdout: tricky, stderr: '' });
  });

  it("runs an in-shell script in the long-lived shell itself: its variables and its $$ are that shell's, and no subshell starts", async () => {
    const [first, second, third] = await throughOneShell([
      { script: 'vxs_x=kept; echo $$' },
      { script: 'echo "${vxs_x-unset}" $$', inShell: true },
      { script: 'vxs_y=in; echo "$vxs_y"', inShell: true },
    ]);
    // The subshell's variable is gone; the in-shell one stays for the next command.
    expect(second?.stdout).toBe(`unset ${first?.stdout.trim()}\n`);
    expect(third?.stdout).toBe('in\n');
    const [, after] = await throughOneShell([{ script: 'vxs_z=1', inShell: true }, { script: 'echo "${vxs_z-unset}"' }]);
    expect(after?.stdout).toBe('1\n');
    // With stdin it cannot be in the shell (a pipe runs it in a subshell): it is framed as before.
    expect(framedCommand('cat', 'vxsN', 'x', true)).toBe(framedCommand('cat', 'vxsN', 'x'));
  });

  it('keeps the long-lived shell alive when a script exits, sets -e, or changes directory', async () => {
    const r = await throughOneShell([
      { script: 'cd /; set -e; false; echo not-reached' },
      { script: 'exit 42' },
      { script: 'pwd' },
    ]);
    expect(r.map((x) => x.code)).toEqual([1, 42, 0]);
    expect(r[0]?.stdout).toBe('');
    expect(r[2]?.stdout).toBe(`${process.cwd()}\n`);
  });

  it('gives the script exactly the stdin bytes, also without a trailing newline, and never the command stream', async () => {
    const input = "line1\nl'i%n\\e2\n\u00e9\u4e2d no newline";
    const r = await throughOneShell([{ script: 'cat', stdin: input }, { script: 'cat; echo done' }]);
    expect(r[0]).toEqual({ code: 0, stdout: input, stderr: '' });
    expect(r[1]).toEqual({ code: 0, stdout: 'done\n', stderr: '' });
  });

  it('finds the markers and keeps multi-byte characters whole when the stream arrives one byte at a time', () => {
    const reader = new FrameReader('vxsN');
    const out = Buffer.from('vxsN BEGIN\n\u00e9t\u00e9 \u4e2d\n\nvxsN END 12\n');
    const err = Buffer.from('vxsN BEGIN\nw\u00e4rn\nvxsN END\n');
    for (const b of err) reader.pushStderr(Buffer.from([b]));
    for (let i = 0; i < out.length; i++) {
      expect(reader.result()).toBeUndefined();
      reader.pushStdout(out.subarray(i, i + 1));
    }
    expect(reader.result()).toEqual({ code: 12, stdout: '\u00e9t\u00e9 \u4e2d\n', stderr: 'w\u00e4rn' });
  });

  it('drops shell noise printed before the command began', () => {
    const reader = new FrameReader('vxsN');
    reader.pushStdout(Buffer.from('motd junk\nvxsN BEGIN\nhello\n\nvxsN END 3\n'));
    expect(reader.result()).toBeUndefined();
    reader.pushStderr(Buffer.from('bashrc noise\nvxsN BEGIN\n\nvxsN END\n'));
    expect(reader.result()).toEqual({ code: 3, stdout: 'hello\n', stderr: '' });
  });
});
