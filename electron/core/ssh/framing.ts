/**
 * Framing of commands sent to a long-lived remote `sh` (one per host): each command is wrapped so
 * its stdout, stderr and exit status can be cut back out of the shell's two continuous streams.
 *
 * Every command gets a fresh random nonce. The wrapper prints `<nonce> BEGIN` on both streams, runs
 * the script in a subshell (`exit`, `set -e` or `cd` in it cannot touch the long-lived shell) with
 * stdin never inherited from the command stream, then prints `\n<nonce> END <status>` on stdout and
 * `\n<nonce> END` on stderr. The leading newline makes the marker start a line even when the
 * command's output does not end with one; the parser removes exactly that newline. A script cannot
 * fake an end marker because it cannot know the nonce.
 */
import { randomBytes } from 'node:crypto';
import { quoteShellArg } from '../../../shared/plan';

/** A random marker no script can guess (96 bits). */
export function newNonce(): string {
  return `vxs${randomBytes(12).toString('hex')}`;
}

/**
 * A `printf` format (already single-quoted) that prints exactly `bytes`: printable ASCII as is,
 * everything else (newlines, NUL, 8-bit, `'`, `%`, `\`) as a POSIX octal escape, so any input,
 * also without a trailing newline, arrives byte for byte.
 *
 * @example
 * printfFormat(Buffer.from("a'b\n"))  // 'a\047b\012'
 */
export function printfFormat(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x25 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `'${out}'`;
}

/**
 * The text written to the persistent shell for one command (ends with a newline). `script` is any
 * POSIX sh script; it is passed as one single-quoted word to `eval` inside a subshell (`inShell`:
 * in the shell itself, see RunOptions.inShell).
 *
 * @example
 * framedCommand('hostname', 'vxs0123')
 * // printf '%s BEGIN\n' vxs0123; printf '%s BEGIN\n' vxs0123 >&2; ( eval hostname ) </dev/null; vxs_s=$?; printf '\n%s END %d\n' vxs0123 "$vxs_s"; printf '\n%s END\n' vxs0123 >&2
 */
export function framedCommand(script: string, nonce: string, stdin?: string | Buffer, inShell = false): string {
  // In the shell itself (`{ ...; }`) only without stdin: a pipe would run it in a subshell anyway.
  const body = inShell && stdin === undefined ? `{ eval ${quoteShellArg(script)}; }` : `( eval ${quoteShellArg(script)} )`;
  const run =
    stdin === undefined
      ? `${body} </dev/null`
      : `printf ${printfFormat(typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin)} | ${body}`;
  return [
    `printf '%s BEGIN\\n' ${nonce}`,
    `printf '%s BEGIN\\n' ${nonce} >&2`,
    run,
    'vxs_s=$?',
    `printf '\\n%s END %d\\n' ${nonce} "$vxs_s"`,
    `printf '\\n%s END\\n' ${nonce} >&2`,
  ]
    .join('; ')
    .concat('\n');
}

export interface FramedResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Cuts one framed command's output out of the shell's stdout and stderr streams. */
export class FrameReader {
  private stdout = Buffer.alloc(0);
  private stderr = Buffer.alloc(0);
  private readonly begin: Buffer;
  private readonly endOut: Buffer;
  private readonly endErr: Buffer;
  /** Bytes the stream carried after this command's end marker (belong to nobody; kept for diagnosis). */
  trailing = 0;

  constructor(readonly nonce: string) {
    this.begin = Buffer.from(`${nonce} BEGIN\n`);
    this.endOut = Buffer.from(`\n${nonce} END `);
    this.endErr = Buffer.from(`\n${nonce} END\n`);
  }

  pushStdout(chunk: Buffer): void {
    this.stdout = Buffer.concat([this.stdout, chunk]);
  }

  pushStderr(chunk: Buffer): void {
    this.stderr = Buffer.concat([this.stderr, chunk]);
  }

  /** The result once both end markers have arrived, else undefined. Text before BEGIN (shell noise) is dropped. */
  result(): FramedResult | undefined {
    const out = this.cut(this.stdout, true);
    const err = this.cut(this.stderr, false);
    if (out === undefined || err === undefined) return undefined;
    return { code: out.code, stdout: out.body.toString('utf8'), stderr: err.body.toString('utf8') };
  }

  private cut(buf: Buffer, withCode: boolean): { body: Buffer; code: number } | undefined {
    const start = buf.indexOf(this.begin);
    if (start < 0) return undefined;
    const from = start + this.begin.length;
    if (withCode) {
      const end = buf.indexOf(this.endOut, from);
      if (end < 0) return undefined;
      const statusFrom = end + this.endOut.length;
      const newline = buf.indexOf(0x0a, statusFrom);
      if (newline < 0) return undefined;
      const status = buf.toString('latin1', statusFrom, newline);
      if (!/^\d+$/.test(status)) return undefined;
      this.trailing += buf.length - newline - 1;
      return { body: buf.subarray(from, end), code: Number(status) };
    }
    const end = buf.indexOf(this.endErr, from);
    if (end < 0) return undefined;
    return { body: buf.subarray(from, end), code: 0 };
  }
}
