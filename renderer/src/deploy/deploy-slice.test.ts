import { describe, expect, it } from 'vitest';
import type { DeployResultData } from '../../../shared/api/contract';
import { meshTemplate } from '../files/templates';
import { groupSteps, stepsToRun } from '../../../shared/plan';
import { hostBadge, noLongerDrawn, summarizeDeploy, summaryText } from './deploy-slice';
import { createStudioStore } from '../store/store';
import type { DeployProgressEvent } from './types';

type HostResult = DeployResultData['hosts'][number];

function hostResult(hostId: string, outcome: HostResult['outcome'], extra: Partial<HostResult> = {}): HostResult {
  return {
    hostId,
    hostName: hostId,
    outcome,
    steps: [],
    applied: 0,
    diagnostics: [],
    timings: { connectMs: 1, observeMs: 1, applyMs: 1, verifyMs: 0, totalMs: 3 },
    ...extra,
  };
}

function result(runId: string, hosts: HostResult[], action: DeployResultData['action'] = 'apply'): DeployResultData {
  return {
    action,
    topologyId: 't',
    runId,
    ok: hosts.every((h) => h.outcome === 'applied' || h.outcome === 'unchanged'),
    hosts,
    diagnostics: [],
    durationMs: 1234,
  };
}

function storeWithThreeHosts() {
  const store = createStudioStore();
  store.getState().loadDocument(meshTemplate(3), null);
  const ids = store.getState().topology.hosts.map((h) => h.id);
  return { store, s: () => store.getState(), ids: ids as [string, string, string] };
}

const progress = (runId: string, hostId: string, e: Partial<DeployProgressEvent>): DeployProgressEvent => ({
  runId,
  hostId,
  phase: 'connect',
  status: 'running',
  ...e,
});

describe('deploy progress events', () => {
  it('update only the host they name, leaving every other host entry the same object', () => {
    const { s, ids } = storeWithThreeHosts();
    const [a, b, c] = ids;
    s().beginDeployRun('apply', 'run-0001', 'run');
    s().applyDeployProgress(progress('run-0001', a, {}));
    s().applyDeployProgress(progress('run-0001', b, {}));
    const before = s().hostProgress;
    s().applyDeployProgress(progress('run-0001', a, { phase: 'apply', step: 3, total: 7 }));
    const after = s().hostProgress;
    expect(after[b]).toBe(before[b]);
    expect(after[c]).toBeUndefined();
    expect(after[a]).not.toBe(before[a]);
    expect(hostBadge(after[a] as NonNullable<(typeof after)[string]>).label).toBe('applying 3/7');
  });

  it('of another run are ignored', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0002', 'run');
    const before = s().hostProgress;
    s().applyDeployProgress(progress('stale-run-1', ids[0], { phase: 'done', status: 'ok', outcome: 'applied' }));
    expect(s().hostProgress).toBe(before);
    expect(s().deployLog.filter((l) => l.hostId !== null)).toHaveLength(0);
  });

  it('write one log line per event under the host name', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0003', 'run');
    s().applyDeployProgress(progress('run-0003', ids[1], { phase: 'apply', step: 0, total: 5 }));
    const line = s().deployLog.at(-1);
    expect(line?.hostId).toBe(ids[1]);
    expect(line?.hostName).toBe(s().topology.hosts[1]?.name);
    expect(line?.message).toBe('applying 5 steps');
  });

  it('show the badges a user reads while a host converges', () => {
    const { s, ids } = storeWithThreeHosts();
    const id = ids[0];
    const label = () => hostBadge(s().hostProgress[id] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>).label;
    s().beginDeployRun('apply', 'run-0004', 'run');
    s().applyDeployProgress(progress('run-0004', id, { phase: 'connect' }));
    expect(label()).toBe('connecting');
    s().applyDeployProgress(progress('run-0004', id, { phase: 'lock' }));
    expect(label()).toBe('observing');
    s().applyDeployProgress(progress('run-0004', id, { phase: 'apply', step: 0, total: 7 }));
    expect(label()).toBe('applying 0/7');
    s().applyDeployProgress(progress('run-0004', id, { phase: 'done', status: 'ok', outcome: 'applied' }));
    expect(label()).toBe('applied');
  });
});

describe('a finished run', () => {
  it('counts applied, unchanged and failed hosts for the summary', () => {
    const r = result('run-0005', [
      hostResult('a', 'applied'),
      hostResult('b', 'applied'),
      hostResult('c', 'unchanged'),
      hostResult('d', 'failed'),
      hostResult('e', 'rolled-back'),
      hostResult('f', 'unreachable'),
    ]);
    expect(summarizeDeploy(r)).toEqual({ applied: 2, unchanged: 1, failed: 1, rolledBack: 1, unreachable: 1, pending: 0 });
    expect(summaryText(summarizeDeploy(r), 'apply')).toBe('2 applied · 1 unchanged · 1 failed · 1 rolled back · 1 unreachable');
  });

  it('marks a host that failed at a step with that step, its shell line, exit code and stderr in the log', () => {
    const { s, ids } = storeWithThreeHosts();
    const [a, b, c] = ids;
    s().beginDeployRun('apply', 'run-0006', 'run');
    const step = {
      index: 0,
      argv: ['ip', 'link', 'add', 'br100', 'type', 'bridge'],
      shell: 'ip link add br100 type bridge',
      description: 'create bridge br100',
      kind: 'link-add' as const,
      target: 'br100',
    };
    const steps = [step, { ...step, index: 1 }, { ...step, index: 2 }, { ...step, index: 3 }];
    s().finishDeployRun(
      result('run-0006', [
        hostResult(a, 'applied', { steps, applied: 4 }),
        hostResult(b, 'unchanged'),
        hostResult(c, 'rolled-back', {
          steps,
          applied: 2,
          failure: { step: 2, argv: step.argv, shell: step.shell, exitCode: 2, stderrTail: 'RTNETLINK answers: File exists' },
          error: { code: 'COMMAND_FAILED', message: 'step 3 failed', hint: 'Read the stderr shown.' },
        }),
      ]),
    );
    expect(s().deployPhase).toBe('failed');
    expect(hostBadge(s().hostProgress[c] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>).label).toBe(
      'rolled back (step 3)',
    );
    const failure = s().deployLog.find((l) => l.hostId === c && l.level === 'error');
    expect(failure?.message).toBe('step 3 of 4 failed');
    expect(failure?.detail).toEqual(['$ ip link add br100 type bridge', 'exit code 2', 'RTNETLINK answers: File exists']);
    expect(s().deployLog.at(-1)?.message).toMatch(/^Done: 1 applied · 1 unchanged · 0 failed · 1 rolled back/);
  });

  it('ends "done" when every host converged, and "cancelled" after a cancel', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0007', 'run');
    s().finishDeployRun(
      result(
        'run-0007',
        ids.map((id) => hostResult(id, 'applied')),
      ),
    );
    expect(s().deployPhase).toBe('done');
    s().beginDeployRun('apply', 'run-0008', 'run');
    s().requestDeployCancel();
    s().finishDeployRun(
      result(
        'run-0008',
        ids.map((id) => hostResult(id, 'rolled-back')),
      ),
    );
    expect(s().deployPhase).toBe('cancelled');
  });

  it('keeps the "applied" badge of a host that a later, cancelled run never touched', () => {
    const { s, ids } = storeWithThreeHosts();
    const [a, b, c] = ids;
    s().beginDeployRun('apply', 'run-0010', 'run');
    s().finishDeployRun(
      result(
        'run-0010',
        ids.map((id) => hostResult(id, 'applied', { applied: 4 })),
      ),
    );
    s().beginDeployRun('apply', 'run-0011', 'run');
    s().requestDeployCancel();
    const cancelled = { code: 'CANCELLED' as const, message: 'The deploy was cancelled before this host started.', hint: '' };
    s().finishDeployRun(
      result('run-0011', [
        hostResult(a, 'failed', { error: cancelled }),
        hostResult(b, 'rolled-back', {
          applied: 1,
          error: { code: 'CANCELLED', message: 'cancelled after 1 of 2 steps', hint: '' },
        }),
        hostResult(c, 'failed', { error: cancelled }),
      ]),
    );
    const label = (id: string): string =>
      hostBadge(s().hostProgress[id] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>).label;
    expect([label(a), label(b), label(c)]).toEqual(['applied', 'cancelled · rolled back', 'applied']);
  });

  it('says "cancelled · nothing changed" for an untouched host that no earlier run reached', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0012', 'run');
    s().requestDeployCancel();
    s().finishDeployRun(
      result(
        'run-0012',
        ids.map((id) => hostResult(id, 'failed', { error: { code: 'CANCELLED', message: 'cancelled', hint: '' } })),
      ),
    );
    expect(hostBadge(s().hostProgress[ids[0]] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>).label).toBe(
      'cancelled · nothing changed',
    );
  });

  it('shows a changed host key on the host as a hard error', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0009', 'preview');
    s().finishPreview(
      result('run-0009', [
        hostResult(ids[0], 'unreachable', {
          error: { code: 'SSH_HOST_KEY_CHANGED', message: 'The host key has CHANGED', hint: 'Verify the host.' },
        }),
      ]),
    );
    const badge = hostBadge(s().hostProgress[ids[0]] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>);
    expect(badge).toMatchObject({ label: 'host key changed', tone: 'error' });
    expect(s().deployPhase).toBe('reviewing');
  });

  it('tells a host rolled back on cancel from one let go mid-step (state unknown) and one let go before any change', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0010', 'run');
    const cancelled = {
      code: 'CANCELLED' as const,
      message: 'cancelled while step 3 of 7 was running; its state is unknown',
      hint: 'Run Status.',
    };
    s().finishDeployRun(
      result('run-0010', [
        hostResult(ids[0], 'rolled-back', { error: { ...cancelled, message: 'cancelled after 2 of 7 steps' } }),
        hostResult(ids[1], 'failed', {
          error: cancelled,
          failure: { step: 2, argv: ['ip'], shell: 'ip', exitCode: null, stderrTail: '' },
        }),
        hostResult(ids[2], 'failed', { error: { ...cancelled, message: 'cancelled before any change' } }),
      ]),
    );
    const badge = (id: string) => hostBadge(s().hostProgress[id] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>);
    expect(badge(ids[0])).toMatchObject({ label: 'cancelled · rolled back', tone: 'warning' });
    expect(badge(ids[1])).toMatchObject({ label: 'cancelled · state unknown', tone: 'error' });
    expect(badge(ids[2])).toMatchObject({ label: 'cancelled · nothing changed', tone: 'warning' });
  });
});

describe('the review', () => {
  it('shows per-host pending changes on the badges until the user applies', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0010', 'preview');
    const step = {
      index: 0,
      argv: ['ip', 'link', 'add', 'br100', 'type', 'bridge'],
      shell: 'ip link add br100 type bridge',
      description: 'create bridge br100',
      kind: 'link-add' as const,
      target: 'br100',
    };
    s().finishPreview(
      result('run-0010', [
        hostResult(ids[0], 'pending', { steps: [step, { ...step, index: 1 }] }),
        hostResult(ids[1], 'unchanged'),
      ]),
    );
    const label = (id: string) =>
      hostBadge(s().hostProgress[id] as NonNullable<ReturnType<typeof s>['hostProgress'][string]>).label;
    expect(label(ids[0])).toBe('2 changes');
    expect(label(ids[1])).toBe('unchanged');
    s().closeDeployReview();
    expect(s().hostProgress).toEqual({});
    expect(s().deployPhase).toBe('idle');
  });

  it('keeps devices no longer drawn out of "Will remove": they are listed apart, removed only while the box is ticked', () => {
    const { s, ids } = storeWithThreeHosts();
    s().beginDeployRun('apply', 'run-0011', 'preview');
    expect(s().deployPrune).toBe(true);
    const del = (index: number, name: string, prune?: boolean) => ({
      index,
      kind: 'link-del' as const,
      target: name,
      argv: ['ip', 'link', 'del', name],
      shell: `ip link del ${name}`,
      description: `delete ${name}`,
      ...(prune === undefined ? {} : { prune }),
    });
    const addr = {
      index: 1,
      kind: 'addr-del' as const,
      target: 'br100',
      argv: ['ip', 'addr', 'del', '10.0.0.9/24', 'dev', 'br100'],
      shell: 'ip addr del 10.0.0.9/24 dev br100',
      description: 'remove 10.0.0.9/24',
    };
    const preview = result('run-0011', [
      hostResult(ids[0], 'pending', { steps: [del(0, 'vxlan300', true), addr], stale: ['vxlan300'] }),
      hostResult(ids[1], 'pending', { steps: [del(0, 'vxlan300', true)], stale: ['vxlan300'] }),
      hostResult(ids[2], 'unchanged'),
    ]);
    s().finishPreview(preview);
    const [first, second] = preview.hosts;
    if (!first || !second) throw new Error('no hosts');

    expect(groupSteps(first.steps).remove.map((st) => st.shell)).toEqual(['ip addr del 10.0.0.9/24 dev br100']);
    expect(noLongerDrawn(preview).map((d) => `${d.hostName}: ${d.device}`)).toEqual([
      `${ids[0]}: vxlan300`,
      `${ids[1]}: vxlan300`,
    ]);
    expect(stepsToRun(first.steps, true).map((st) => st.shell)).toEqual([
      'ip link del vxlan300',
      'ip addr del 10.0.0.9/24 dev br100',
    ]);
    s().setDeployPrune(false);
    expect(stepsToRun(first.steps, s().deployPrune).map((st) => st.shell)).toEqual(['ip addr del 10.0.0.9/24 dev br100']);
    expect(stepsToRun(second.steps, s().deployPrune)).toEqual([]);

    // The run came back without pruning: the log says what stayed; the next review starts ticked again.
    s().beginDeployRun('apply', 'run-0012', 'run');
    s().finishDeployRun({ ...result('run-0012', [hostResult(ids[1], 'unchanged', { stale: ['vxlan300'] })]), prune: false });
    expect(s().deployLog.map((l) => l.message)).toContain(
      'left vxlan300 in place (no longer drawn; "Remove (no longer drawn)" was unticked)',
    );
    s().beginDeployRun('apply', 'run-0013', 'preview');
    expect(s().deployPrune).toBe(true);
  });
});
