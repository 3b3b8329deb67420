/**
 * The deploy methods of the API contract, called the way every transport calls them (`dispatch`,
 * which validates requests and responses), against a lab over SSH. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventOf } from '../../../shared/api/contract';
import { serializeTopology, type Topology } from '../../../shared/model';
import { overlayPingFailures, removeLockFiles } from '../lab/lab-check';
import { isRoot, labDown, labSshOptions, labTopology, labUp, randomLabName, type LabState } from '../lab/index';
import { createDeployService } from './deploy-handlers';
import { createHealthService, type HealthService } from './health-handlers';
import { createSshService, type SshService } from './ssh-service';
import { dispatch, type Handlers } from './dispatch';

const root = isRoot();
if (!root)
  console.log(
    'deploy-handlers.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

type Emitted = { [E in EventName]: { event: E; payload: EventOf<E> } }[EventName];

suite('deploy.* over the API contract against a lab', () => {
  const name = randomLabName('api');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-deploy-api-'));
  let lab: LabState;
  let topology: Topology;
  const emitted: Emitted[] = [];
  let onEmit: ((event: string, payload: unknown) => void) | undefined;
  let service: ReturnType<typeof createDeployService>;
  let ssh: SshService;
  const call = (method: string, request: unknown): Promise<unknown> =>
    dispatch(service.handlers as unknown as Handlers, method, request);

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = labTopology(lab);
    // An empty known_hosts: every host key is new, so the UI gets asked.
    const knownHostsFile = path.join(scratch, 'known_hosts');
    // The app's one pool, shared by deploy and (in the last test) health.
    // What the UI is sent, from the pool (questions) and the deploy service (progress) alike.
    const emit = <E extends EventName>(event: E, payload: EventOf<E>): void => {
      emitted.push({ event, payload } as Emitted);
      onEmit?.(event, payload);
      // The "user" accepts every fingerprint the UI is shown.
      if (event === 'hosts.hostKeyPrompt')
        void call('hosts.confirmHostKey', { promptId: (payload as EventOf<'hosts.hostKeyPrompt'>).promptId, accept: true });
    };
    ssh = createSshService({ ...labSshOptions(lab), knownHostsFile, emit });
    service = createDeployService({ ...labSshOptions(lab), knownHostsFile, emit, ssh });
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('asks about each unknown host key with its SHA256 fingerprint, then previews the per-host diff without changing anything', async () => {
    const r = (await call('deploy.preview', { topology: serializeTopology(topology), action: 'apply' })) as {
      ok: boolean;
      value: { hosts: Array<{ outcome: string; steps: unknown[] }> };
    };
    expect(r.ok).toBe(true);
    expect(r.value.hosts.map((h) => [h.outcome, h.steps.length])).toEqual([
      ['pending', 10],
      ['pending', 10],
    ]);
    const prompts = emitted.filter((e) => e.event === 'hosts.hostKeyPrompt').map((e) => e.payload);
    expect(prompts.map((p) => p.host).sort()).toEqual(lab.hosts.map((h) => h.address).sort());
    expect(prompts.every((p) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(p.fingerprint))).toBe(true);
  }, 120_000);

  it('applies with live per-host progress events under the caller-chosen run id', async () => {
    emitted.length = 0;
    const runId = 'run-apply-0001';
    const r = (await call('deploy.apply', { topology: serializeTopology(topology), runId })) as {
      ok: boolean;
      value: { runId: string; ok: boolean; hosts: Array<{ outcome: string }> };
    };
    expect(r.ok).toBe(true);
    expect(r.value.runId).toBe(runId);
    expect(r.value.hosts.map((h) => h.outcome)).toEqual(['applied', 'applied']);
    const progress = emitted.filter((e) => e.event === 'deploy.progress').map((e) => e.payload);
    expect(progress.every((p) => p.runId === runId)).toBe(true);
    for (const h of topology.hosts) {
      const phases = progress.filter((p) => p.hostId === h.id).map((p) => p.phase);
      expect(phases[0]).toBe('connect');
      expect(phases).toContain('apply');
      expect(phases.at(-1)).toBe('done');
    }
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
    // No prompt the second time: accepted keys were recorded.
    expect(emitted.some((e) => e.event === 'hosts.hostKeyPrompt')).toBe(false);
  }, 120_000);

  it('cancels a running deploy before the next step and rolls every host back', async () => {
    await call('deploy.destroy', { topology: serializeTopology(topology) });
    emitted.length = 0;
    const runId = 'run-cancel-0001';
    let cancel: Promise<unknown> | undefined;
    const stopAtFirstStep = (event: string, payload: unknown): void => {
      const p = payload as EventOf<'deploy.progress'>;
      if (event === 'deploy.progress' && p.phase === 'apply' && (p.step ?? 0) >= 1 && cancel === undefined)
        cancel = call('deploy.cancel', { runId });
    };
    onEmit = stopAtFirstStep;
    try {
      const r = (await call('deploy.apply', { topology: serializeTopology(topology), runId })) as {
        value: { hosts: Array<{ outcome: string; applied: number; error?: { code: string } }> };
      };
      expect(await cancel).toEqual({ ok: true, value: { cancelled: true } });
      expect(r.value.hosts.map((h) => [h.outcome, h.error?.code])).toEqual([
        ['rolled-back', 'CANCELLED'],
        ['rolled-back', 'CANCELLED'],
      ]);
      expect(r.value.hosts.every((h) => h.applied < 10)).toBe(true);
      const after = (await call('deploy.preview', { topology: serializeTopology(topology), action: 'destroy' })) as {
        value: { hosts: Array<{ outcome: string }> };
      };
      expect(after.value.hosts.map((h) => h.outcome)).toEqual(['unchanged', 'unchanged']);
    } finally {
      onEmit = undefined;
    }
    await call('deploy.apply', { topology: serializeTopology(topology) });
  }, 120_000);

  it('answers a bad topology with TOPOLOGY_INVALID naming the field, and an unknown run with cancelled: false', async () => {
    const bad = serializeTopology(topology).replace('"vni": 100', '"vni": 99999999');
    const r = (await call('deploy.apply', { topology: bad })) as { ok: boolean; error: { code: string; message: string } };
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('TOPOLOGY_INVALID');
    expect(r.error.message).toContain('segments[0].vni');
    expect(await call('deploy.cancel', { runId: 'no-such-run' })).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('destroys what the topology created', async () => {
    const r = (await call('deploy.destroy', { topology: serializeTopology(topology) })) as {
      ok: boolean;
      value: { hosts: Array<{ outcome: string }> };
    };
    expect(r.value.hosts.map((h) => h.outcome)).toEqual(['applied', 'applied']);
    const again = (await call('deploy.preview', { topology: serializeTopology(topology), action: 'destroy' })) as {
      value: { hosts: Array<{ outcome: string }> };
    };
    expect(again.value.hosts.map((h) => h.outcome)).toEqual(['unchanged', 'unchanged']);
  }, 120_000);

  it('shares one connection per host with health, whose poller pauses while a deploy runs and resumes after it unless the user paused it', async () => {
    let health: HealthService | undefined;
    try {
      health = createHealthService({ ...labSshOptions(lab), ssh });
      const hcall = (method: string, request: unknown): Promise<unknown> =>
        dispatch(health?.handlers as unknown as Handlers, method, request);
      const dialsBefore = ssh.connection().pool.stats().dials;
      expect(await hcall('health.start', { topology: serializeTopology(topology), intervalMs: 500 })).toMatchObject({ ok: true });
      const round = (await hcall('health.snapshot', { now: true })) as { ok: boolean; value: { hosts: Record<string, unknown> } };
      expect(round.ok).toBe(true);
      // Health used the connections the deploys opened: no new SSH connection.
      expect(ssh.connection().pool.stats()).toEqual({ open: 2, dials: dialsBefore });

      const seen: boolean[] = [];
      onEmit = (event, payload) => {
        if (event === 'deploy.progress' && (payload as EventOf<'deploy.progress'>).phase === 'apply')
          seen.push(health?.state().paused ?? false);
      };
      await call('deploy.apply', { topology: serializeTopology(topology) });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((paused) => paused)).toBe(true);
      expect(health.state()).toEqual({ polling: true, paused: false, deploying: false });

      // Paused by the user: a deploy's end leaves it paused.
      await hcall('health.pause', {});
      await call('deploy.destroy', { topology: serializeTopology(topology) });
      expect(health.state()).toEqual({ polling: true, paused: true, deploying: false });
      await hcall('health.resume', {});
      expect(health.state().paused).toBe(false);
    } finally {
      onEmit = undefined;
      await health?.close();
    }
  }, 120_000);
});
