import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const BIN = fileURLToPath(new URL('../../../bin/vxlan-studio.mjs', import.meta.url));
const LINE = /^VXLAN Studio web mode: (http:\/\/127\.0\.0\.1:(\d+)\/\?login=([0-9a-f]{64}))$/;

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

/** GETs a URL as a browser would and returns the status and the cookie it sets (name=value). */
function browse(url: string, cookie?: string): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, cookie === undefined ? {} : { headers: { cookie } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';', 1)[0] });
      })
      .on('error', reject);
  });
}

/** One API call over a WebSocket opened with `headers`; rejects with the HTTP status when refused. */
function callOnce(port: string, headers: Record<string, string>, method: string, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers, origin: `http://127.0.0.1:${port}` });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, request })));
    ws.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
      ws.close();
    });
  });
}

function startCli(args: string[]): { child: ChildProcess; firstLine: Promise<string>; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: tmp,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg') },
  });
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
  it('prints exactly one one-time login URL, serves the API to the browser it logged in, and stops cleanly on SIGTERM', async () => {
    const { child, firstLine, finished } = startCli(['--static', web, '--data-dir', path.join(tmp, 'data')]);
    try {
      const line = await firstLine;
      const match = LINE.exec(line);
      expect(match, `unexpected line: ${line}`).not.toBeNull();
      const [, url, port] = match as RegExpExecArray;
      const browser = await browse(url as string);
      expect(browser.status).toBe(303);
      expect(browser.cookie).toMatch(/^vxlan-studio-session-\d+=/);
      expect((await browse(url as string)).status).toBe(403);
      const answer = await callOnce(port as string, { cookie: browser.cookie ?? '' }, 'app.info', {});
      expect(answer).toMatchObject({
        id: 1,
        result: {
          ok: true,
          value: { transport: 'ws', workingDirectory: tmp, workspace: tmp, version: expect.any(String) as string },
        },
      });
      await expect(callOnce(port as string, {}, 'app.info', {})).rejects.toThrow('HTTP 401');
    } finally {
      child.kill('SIGTERM');
    }
    const done = await finished;
    expect(done.code).toBe(0);
    expect(done.stdout.trim().split('\n')).toHaveLength(1);
  }, 30_000);

  it('takes a --token for scripts as a Bearer secret and never prints it', async () => {
    const { child, firstLine, finished } = startCli(['--static', web, '--port', '0', '--token', 'a-fixed-token-for-tests']);
    try {
      const line = await firstLine;
      expect(line).toMatch(LINE);
      expect(line).not.toContain('a-fixed-token-for-tests');
      const port = (LINE.exec(line) as RegExpExecArray)[2] as string;
      expect(await callOnce(port, { authorization: 'Bearer a-fixed-token-for-tests' }, 'app.info', {})).toMatchObject({
        result: { ok: true },
      });
    } finally {
      child.kill('SIGINT');
    }
    expect((await finished).code).toBe(0);
  }, 30_000);

  it('confines files to --workspace: a file beside it is refused with FILE_OUTSIDE_WORKSPACE naming the workspace', async () => {
    const workspace = path.join(tmp, 'ws');
    await fs.mkdir(workspace, { recursive: true });
    await fs.writeFile(path.join(tmp, 'beside.vxlan.json'), '{}');
    await fs.writeFile(path.join(workspace, 'in.vxlan.json'), '{"in":1}');
    const { child, firstLine, finished } = startCli(['--static', web, '--workspace', 'ws', '--data-dir', path.join(tmp, 'data')]);
    try {
      const [, url, port] = LINE.exec(await firstLine) as RegExpExecArray;
      const headers = { cookie: (await browse(url as string)).cookie ?? '' };
      expect(await callOnce(port as string, headers, 'file.read', { path: path.join(tmp, 'beside.vxlan.json') })).toMatchObject({
        result: { ok: false, error: { code: 'FILE_OUTSIDE_WORKSPACE', message: expect.stringContaining(workspace) as string } },
      });
      expect(await callOnce(port as string, headers, 'file.read', { path: 'in.vxlan.json' })).toMatchObject({
        result: { ok: true, value: { text: '{"in":1}' } },
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect((await finished).code).toBe(0);
  }, 30_000);

  it.each([
    ['a missing folder', 'no-such-folder', 'does not exist'],
    ['a file', 'renderer/index.html', 'is not a folder'],
  ])(
    'refuses --workspace naming %s with a usage error (exit 2)',
    async (_what, given, says) => {
      const done = await startCli(['--static', web, '--workspace', given]).finished;
      expect(done.code).toBe(2);
      expect(done.stderr).toContain(`--workspace ${path.join(tmp, given)} ${says}`);
      expect(done.stdout).toBe('');
    },
    30_000,
  );

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
