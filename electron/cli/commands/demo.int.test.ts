/**
 * `vxlan-studio demo` as a newcomer runs it: the real bin script brings up the lab, writes the
 * topology, serves the app; a WebSocket client (what the page does) deploys through it; SIGTERM
 * stops the server and removes the lab. Root only; skipped when a lab named "demo" is already up
 * (the test must not take down someone's running demo).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isRoot, listLabs, labDown } from '../../core/lab/index';
import { netnsList } from './demo-test-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = isRoot();
const demoUp = root && (await listLabs()).includes('demo');
if (!root) console.log('demo.int.test.ts skipped: the demo lab needs root; run the integration tests with sudo');
else if (demoUp) console.log('demo.int.test.ts skipped: a lab named "demo" is up already (sudo npm run lab -- down --name demo)');
const suite = root && !demoUp ? describe : describe.skip;

suite('sudo npm run demo', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-demo-'));
  afterAll(async () => {
    await labDown('demo');
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('serves the app with the demo topology, deploys it to 3 lab hosts over SSH, and removes the lab on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/vxlan-studio.mjs'), 'demo', '--no-open'], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^VXLAN Studio demo: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/.exec(line);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`demo exited (${String(code)}) before printing its URL`)));
    });
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token') ?? ''}`, {
      headers: { origin: `http://${u.host}` },
    });
    const answers = new Map<number, (r: { ok: boolean; value?: unknown; error?: unknown }) => void>();
    const progress: Array<{ hostId: string; phase: string }> = [];
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as {
        id?: number;
        result?: { ok: boolean };
        event?: string;
        payload?: { hostId: string; phase: string };
      };
      if (m.event === 'deploy.progress' && m.payload) progress.push(m.payload);
      else if (typeof m.id === 'number' && m.result) answers.get(m.id)?.(m.result);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    let id = 0;
    const call = <T>(method: string, request: unknown): Promise<{ ok: boolean; value: T }> =>
      new Promise((resolve) => {
        answers.set(++id, resolve as never);
        ws.send(JSON.stringify({ id, method, request }));
      });
    try {
      const info = await call<{ initialFile: string }>('app.info', {});
      expect(info.value.initialFile).toBe(path.join(scratch, 'demo.vxlan.json'));
      const file = await call<{ text: string }>('file.read', { path: info.value.initialFile });
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
      ws.close();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect((await netnsList()).filter((n) => n.startsWith('vxsdemo-'))).toEqual([]);
  }, 180_000);
});
