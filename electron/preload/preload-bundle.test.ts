import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isBuiltin } from 'node:module';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeFunctionName } from '../../shared/api/bridge';
import { methods, type MethodName } from '../../shared/api/contract';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let out: string;

beforeAll(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-bundle-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.mjs'), '--outdir', out], { cwd: ROOT });
}, 60_000);

afterAll(async () => {
  await fs.rm(out, { recursive: true, force: true });
});

function requires(code: string): string[] {
  return [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? ''))].sort();
}

describe('build-electron bundles', () => {
  it("leaves only electron, Node built-ins and ssh2's optional native addons to be required by main", async () => {
    const main = await fs.readFile(path.join(out, 'main.cjs'), 'utf8');
    // ssh2 requires sshcrypto.node and cpu-features inside try/catch and falls back to pure JS.
    for (const name of requires(main)) {
      expect(name === 'electron' || isBuiltin(name) || name.endsWith('.node'), name).toBe(true);
    }
  });

  it('runs the preload in a bare sandbox-like context where only electron can be required', async () => {
    const code = await fs.readFile(path.join(out, 'preload.cjs'), 'utf8');
    const exposed = new Map<string, unknown>();
    const invoked: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: (channel: string) => {
          invoked.push(channel);
          return Promise.resolve({ ok: true, value: {} });
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const module = { exports: {} };
    const sandboxRequire = (name: string): unknown => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports });

    expect([...exposed.keys()]).toEqual(['vxlanStudio']);
    const bridge = exposed.get('vxlanStudio') as Record<string, (request: unknown) => Promise<unknown>>;
    const names = (Object.keys(methods) as MethodName[]).map(bridgeFunctionName);
    expect(Object.keys(bridge).sort()).toEqual([...names, 'onEvent'].sort());
    await bridge.fileRead?.({ path: 'a' });
    expect(invoked).toEqual(['api:file.read']);
  });
});
