/**
 * Running the lab's tools (ip, nft, ssh-keygen, sshd) as child processes with argv arrays: no shell
 * is involved unless a caller passes `sh -c` on purpose, so lab names and addresses are never parsed
 * by a shell.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  /** Exit code, or null when the process was killed by a signal (e.g. the timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when `timeoutMs` elapsed and the process was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Text written to the child's stdin (then closed). */
  input?: string;
  /** Kill the child with SIGKILL after this many milliseconds. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A lab command that failed: says which command, its exit status and the tail of its stderr. */
export class LabCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    const status = result.timedOut
      ? 'timed out'
      : result.code === null
        ? `was killed by ${result.signal ?? 'a signal'}`
        : `exited with ${result.code}`;
    const tail = tailOf(result.stderr || result.stdout);
    super(`\`${argv.join(' ')}\` ${status}${tail ? `: ${tail}` : ''}`);
    this.name = 'LabCommandError';
  }
}

/** Last few lines of a tool's output, trimmed, for error messages. */
export function tailOf(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs `file args...` and resolves with its exit status and output; never rejects for a non-zero exit. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // A child that exits before reading stdin makes the write fail with EPIPE; its exit status is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like `run`, but rejects with a `LabCommandError` unless the command exits 0. Resolves with stdout. */
export async function runOk(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new LabCommandError([file, ...args], result);
  return result.stdout;
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
