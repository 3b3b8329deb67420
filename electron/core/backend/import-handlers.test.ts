/**
 * The import methods through the real dispatch and backend: an inventory file is confined to the
 * web-mode workspace like file.read, a pasted one is read as is, and bad input comes back coded.
 * Importing from real hosts is in e2e/import.spec.ts and electron/cli/commands/import.int.test.ts.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/api/contract';
import { createBackend } from './backend';
import { dispatch, type Handlers } from './dispatch';

let tmp: string;
let work: string;
let backend: Handlers;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-import-backend-'));
  work = path.join(tmp, 'work');
  await fs.mkdir(work);
  backend = createBackend({
    dataDir: path.join(tmp, 'data'),
    version: '9.9.9',
    transport: 'ws',
    workingDirectory: work,
    workspace: work,
  });
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const call = (method: string, request: unknown): Promise<Result<unknown>> => dispatch(backend, method, request);

function errorOf(r: Result<unknown>): { code: string; message: string } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return { code: r.error.code, message: r.error.message };
}

describe('import.readInventory', () => {
  it('reads an inventory file in the workspace (a relative path lands there) and one group of it', async () => {
    await fs.writeFile(path.join(work, 'hosts.ini'), '[a]\nvtep-a ansible_host=192.168.1.10\n[b]\nvtep-b ansible_user=ops\n');
    const r = await call('import.readInventory', { path: 'hosts.ini', group: 'b', identity: '/keys/lab' });
    expect(r).toEqual({
      ok: true,
      value: {
        hosts: [
          {
            name: 'vtep-b',
            ssh: { host: 'vtep-b', port: 22, user: 'ops', auth: { type: 'identity-file', path: '/keys/lab' } },
            sudo: true,
          },
        ],
      },
    });
  });

  it('refuses an inventory file outside the workspace, as file.read does', async () => {
    const outside = path.join(tmp, 'hosts.ini');
    await fs.writeFile(outside, 'vtep-a\n');
    expect(errorOf(await call('import.readInventory', { path: outside })).code).toBe('FILE_OUTSIDE_WORKSPACE');
  });

  it('names the line of a bad pasted inventory, and wants a file or text but not both', async () => {
    expect(errorOf(await call('import.readInventory', { text: '[a\n' }))).toEqual({
      code: 'INVENTORY_INVALID',
      message: 'pasted inventory line 1: "[a" is not a section header ([group], [group:vars] or [group:children])',
    });
    expect(errorOf(await call('import.readInventory', { text: 'a', path: 'hosts.ini' })).code).toBe('BAD_REQUEST');
  });
});

describe('import.fromHosts', () => {
  it('names a target that is not [USER@]HOST[:PORT] before connecting anywhere', async () => {
    expect(errorOf(await call('import.fromHosts', { targets: ['root@'] }))).toEqual({
      code: 'SSH_HOST_INVALID',
      message: '"root@" is not [USER@]HOST[:PORT]',
    });
  });
});
