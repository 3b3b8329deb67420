import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const BIN = fileURLToPath(new URL('../../../bin/vxlan-studio.mjs', import.meta.url));
const LINE = /^VXLAN Studio web mode: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))$/;

let tmp: string;
let web: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-serve-'));
  web = path.join(tmp, 'renderer');
  await fs.mkdir(web);
  await fs.writeFile(path.join(web, 'index.html'), '<!doctype html><title>VXLAN Studio</title>');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[]): { child: ChildProcess; firstLine: Promise<string>; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: tmp, env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg') } });
  let stdout = '';
  let stderr = '';
  let gotLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('\n')) gotLine(stdout.split('\n')[0] ?? '');
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, firstLine, finished };
}

describe('vxlan-studio serve', () => {
  it('prints exactly one URL line, serves the API with its token, and stops cleanly on SIGTERM', async () => {
    const { child, firstLine, finished } = startCli(['--static', web, '--data-dir', path.join(tmp, 'data')]);
    try {
      const line = await firstLine;
      const match = LINE.exec(line);
      expect(match, `unexpected line: ${line}`).not.toBeNull();
      const [, , port, token] = match as RegExpExecArray;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
      const answer = await new Promise<unknown>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'app.info', request: {} })));
        ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8'))));
      });
      expect(answer).toMatchObject({ id: 1, result: { ok: true, value: { transport: 'ws', workingDirectory: tmp, version: expect.any(String) as string } } });
      ws.close();
    } finally {
      child.kill('SIGTERM');
    }
    const done = await finished;
    expect(done.code).toBe(0);
    expect(done.stdout.trim().split('\n')).toHaveLength(1);
  }, 30_000);

  it('uses the given port and token', async () => {
    const { child, firstLine, finished } = startCli(['--static', web, '--port', '0', '--token', 'a-fixed-token-for-tests']);
    try {
      expect(await firstLine).toMatch(/^VXLAN Studio web mode: http:\/\/127\.0\.0\.1:\d+\/\?token=a-fixed-token-for-tests$/);
    } finally {
      child.kill('SIGINT');
    }
    expect((await finished).code).toBe(0);
  }, 30_000);

  it('refuses a non-loopback --host without --allow-remote (exit 2)', async () => {
    const done = await startCli(['--static', web, '--host', '0.0.0.0']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('--allow-remote');
    expect(done.stdout).toBe('');
  }, 30_000);

  it('explains how to build the renderer when it is missing (exit 1)', async () => {
    const done = await startCli(['--static', path.join(tmp, 'nope')]).finished;
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('run npm run build:renderer');
  }, 30_000);

  it('rejects a bad --port value with the flag named (exit 2)', async () => {
    const done = await startCli(['--static', web, '--port', '70000']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('--port must be a number 0-65535');
  }, 30_000);
});
