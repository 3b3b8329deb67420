/**
 * `vxlan-studio demo` as a newcomer runs it: the real bin script brings up the lab, writes the
 * topology, opens a browser (a stand-in xdg-open that records its command line) and serves the app;
 * a WebSocket client logged in like a browser deploys through it; SIGTERM stops the server and
 * removes the lab. Root only; skipped when a lab named "demo" is already up (the test must not take
 * down someone's running demo).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isRoot, listLabs, listNamespaces, labDown } from '../../core/lab/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = isRoot();
const demoUp = root && (await listLabs()).includes('demo');
if (!root) console.log('demo.int.test.ts skipped: the demo lab needs root; run the integration tests with sudo');
else if (demoUp) console.log('demo.int.test.ts skipped: a lab named "demo" is up already (sudo npm run lab -- down --name demo)');
const suite = root && !demoUp ? describe : describe.skip;

const LOGIN_URL = /^http:\/\/127\.0\.0\.1:\d+\/\?login=[0-9a-f]{64}$/;

/** GETs a URL as a browser would: the status and the cookie it sets (name=value). */
function browse(url: string): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';', 1)[0] });
      })
      .on('error', reject);
  });
}

/** The argv the stand-in xdg-open was started with (it runs detached, so wait for its file). */
async function openedWith(file: string): Promise<string[]> {
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

suite('sudo npm run demo', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-demo-'));
  afterAll(async () => {
    await labDown('demo');
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('opens the browser with a one-time login URL, deploys the demo topology to 3 lab hosts over SSH, and removes the lab on SIGTERM', async () => {
    // A stand-in browser: xdg-open on PATH that writes down its command line (what `ps` shows).
    const bin = path.join(scratch, 'bin');
    const opened = path.join(scratch, 'xdg-open.argv');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${opened}'\n`);
    chmodSync(path.join(bin, 'xdg-open'), 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: ':99', PATH: `${bin}:${process.env.PATH ?? ''}` };
    delete env.SUDO_USER;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/vxlan-studio.mjs'), 'demo'], {
      cwd: scratch,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Every exit from here, a failed expectation included, stops the demo (and so removes its lab).
    let ws: WebSocket | undefined;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /^VXLAN Studio demo: (http:\/\/.*)$/.exec(line);
          if (m?.[1]) resolve(m[1]);
        });
        void exited.then((code) => reject(new Error(`demo exited (${String(code)}) before printing its URL`)));
      });
      expect(url).toMatch(LOGIN_URL);
      // The browser got its own code on its command line; once spent, what ps showed is worthless.
      const argv = await openedWith(opened);
      expect(argv).toHaveLength(1);
      expect(argv[0]).toMatch(LOGIN_URL);
      expect(argv[0]).not.toBe(url);
      expect((await browse(argv[0] as string)).status).toBe(303);
      expect((await browse(argv[0] as string)).status).toBe(403);
      // The printed URL logs in a second browser (this test's client) once.
      const { status, cookie } = await browse(url);
      expect(status).toBe(303);
      const u = new URL(url);
      const socket = new WebSocket(`ws://${u.host}/api`, {
        headers: { origin: `http://${u.host}`, cookie: cookie ?? '' },
      });
      ws = socket;
      const answers = new Map<number, (r: { ok: boolean; value?: unknown; error?: unknown }) => void>();
      const progress: Array<{ hostId: string; phase: string }> = [];
      socket.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as {
          id?: number;
          result?: { ok: boolean };
          event?: string;
          payload?: { hostId: string; phase: string };
        };
        if (m.event === 'deploy.progress' && m.payload) progress.push(m.payload);
        else if (typeof m.id === 'number' && m.result) answers.get(m.id)?.(m.result);
      });
      await new Promise((resolve) => socket.once('open', resolve));
      let id = 0;
      const call = <T>(method: string, request: unknown): Promise<{ ok: boolean; value: T }> =>
        new Promise((resolve) => {
          answers.set(++id, resolve as never);
          socket.send(JSON.stringify({ id, method, request }));
        });
      const info = await call<{ initialFile: string }>('app.info', {});
      expect(info.value.initialFile).toBe(path.join(scratch, 'demo.vxlan.json'));
      const file = await call<{ text: string }>('file.read', { path: info.value.initialFile });
      // The demo runs as root, yet the page reaches only the demo's own folder.
      const system = await call<unknown>('file.read', { path: '/etc/hostname' });
      expect(system).toMatchObject({ ok: false, error: { code: 'FILE_OUTSIDE_WORKSPACE' } });
      const applied = await call<{ hosts: Array<{ hostName: string; outcome: string }> }>('deploy.apply', {
        topology: file.value.text,
      });
      expect(applied.value.hosts.map((h) => [h.hostName, h.outcome])).toEqual([
        ['h1', 'applied'],
        ['h2', 'applied'],
        ['h3', 'applied'],
      ]);
      expect(new Set(progress.filter((p) => p.phase === 'done').map((p) => p.hostId))).toEqual(new Set(['h1', 'h2', 'h3']));
    } finally {
      ws?.close();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect((await listNamespaces()).filter((n) => n.startsWith('vxsdemo-'))).toEqual([]);
  }, 180_000);
});
