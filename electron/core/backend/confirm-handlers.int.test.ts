/**
 * `deploy.apply` with `confirmWithin`, then `deploy.revert` and `deploy.confirm`, called the way
 * every transport calls them (`dispatch` validates requests and responses), against a lab. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeTopology, type Topology } from '../../../shared/model';
import { CONFIRM_DIR } from '../deploy';
import { removeLockFiles } from '../lab/lab-check';
import { isRoot, labDown, labSshOptions, labTopology, labUp, randomLabName, type LabState } from '../lab/index';
import { createDeployService } from './deploy-handlers';
import { dispatch, type Handlers } from './dispatch';

const root = isRoot();
if (!root) console.log('confirm-handlers.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
const suite = root ? describe : describe.skip;

interface Reply<T> {
  ok: boolean;
  value: T;
}
type Applied = { runId: string; hosts: Array<{ outcome: string; confirm?: { runId: string } }> };
type Settled = {
  ok: boolean;
  hosts: Array<{ outcome: string; confirmed: string[]; reverted: Array<{ by: string; restored: boolean }> }>;
};

suite('deploy.confirm and deploy.revert over the API contract', () => {
  const name = randomLabName('capi');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-confirm-api-'));
  let lab: LabState;
  let text: string;
  let topology: Topology;
  let service: ReturnType<typeof createDeployService>;
  const call = async <T>(method: string, request: unknown): Promise<Reply<T>> =>
    (await dispatch(service.handlers as unknown as Handlers, method, request)) as Reply<T>;
  const leftovers = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const n of await readdir(CONFIRM_DIR).catch(() => [] as string[]))
      out.push(...(await readdir(`${CONFIRM_DIR}/${n}/${topology.id}`).catch(() => [] as string[])));
    return out;
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = labTopology(lab);
    text = serializeTopology(topology);
    service = createDeployService(labSshOptions(lab));
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await labDown(name);
    await removeLockFiles([topology.id]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('refuses a window outside 10-3600 s as a bad request, before any host is contacted', async () => {
    const r = (await dispatch(service.handlers as unknown as Handlers, 'deploy.apply', { topology: text, confirmWithin: 5 })) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('BAD_REQUEST');
    expect(r.error.message).toContain('confirmWithin');
  });

  it('arms a revert on every host with confirmWithin; Revert now undoes the change everywhere', async () => {
    const applied = await call<Applied>('deploy.apply', { topology: text, confirmWithin: 60 });
    expect(applied.value.hosts.map((h) => [h.outcome, h.confirm?.runId])).toEqual([
      ['applied', applied.value.runId],
      ['applied', applied.value.runId],
    ]);
    const reverted = await call<Settled>('deploy.revert', { topology: text });
    expect(reverted.value.ok).toBe(true);
    expect(reverted.value.hosts.map((h) => [h.outcome, h.reverted.map((r) => [r.by, r.restored])])).toEqual([
      ['reverted', [['request', true]]],
      ['reverted', [['request', true]]],
    ]);
    const preview = await call<Applied>('deploy.preview', { topology: text, action: 'apply' });
    expect(preview.value.hosts.map((h) => h.outcome)).toEqual(['pending', 'pending']);
    expect(await leftovers()).toEqual([]);
  }, 120_000);

  it('Confirm keeps the change and disarms every host', async () => {
    const applied = await call<Applied>('deploy.apply', { topology: text, confirmWithin: 60 });
    const confirmed = await call<Settled>('deploy.confirm', { topology: text });
    expect(confirmed.value.ok).toBe(true);
    expect(confirmed.value.hosts.map((h) => [h.outcome, h.confirmed])).toEqual([
      ['confirmed', [applied.value.runId]],
      ['confirmed', [applied.value.runId]],
    ]);
    expect(await leftovers()).toEqual([]);
    const preview = await call<Applied>('deploy.preview', { topology: text, action: 'apply' });
    expect(preview.value.hosts.map((h) => [h.outcome, h.confirm])).toEqual([
      ['unchanged', undefined],
      ['unchanged', undefined],
    ]);
  }, 120_000);
});
