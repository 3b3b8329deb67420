/**
 * For the CLI tests: runs the real `bin/vxlan-studio.mjs` in a child process, as a user runs it,
 * from the repository root unless `cwd` says otherwise. Test code only (excluded from the CLI build).
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO_ROOT, 'bin', 'vxlan-studio.mjs');

export interface BinResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI and waits for it (60 s at most); stdin is closed. */
export function runBinSync(args: readonly string[], cwd: string = REPO_ROOT): BinResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI without blocking the test's event loop (for commands that take a while, e.g. over SSH). */
export function runBin(args: readonly string[], cwd: string = REPO_ROOT): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The CLI's `--json` answer: exactly one line of JSON on stdout (stderr shown when not). */
export function onlyJson<T>(r: BinResult): T {
  const lines = r.stdout.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as T;
}

/**
 * Runs the CLI on a pseudo-terminal (`script`), as a person at a terminal does: the first time
 * `prompt` shows in its output, `answer()` says what to type (the test may act first); the
 * terminal's whole output and the exit status come back.
 */
export function runBinOnTerminal(
  args: readonly string[],
  prompt: string,
  answer: () => Promise<string>,
): Promise<{ status: number | null; out: string }> {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let answered = false;
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!answered && out.includes(prompt)) {
        answered = true;
        answer().then(
          (typed) => child.stdin.write(typed),
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      }
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}
