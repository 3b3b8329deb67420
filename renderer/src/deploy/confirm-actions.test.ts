import { afterEach, describe, expect, it } from 'vitest';
import type { DeployResultData } from '../../../shared/api/contract';
import { useStore } from '../store/store';
import { confirmWithinChoice, noteArmed } from './confirm-actions';

type HostResult = DeployResultData['hosts'][number];

function host(name: string, confirmRun?: string): HostResult {
  return {
    hostId: name,
    hostName: name,
    outcome: 'applied',
    steps: [],
    applied: 1,
    diagnostics: [],
    timings: { connectMs: 1, observeMs: 1, applyMs: 1, verifyMs: 0, totalMs: 3 },
    ...(confirmRun === undefined ? {} : { confirm: { runId: confirmRun, deadlineEpoch: 0, deadline: '12:00:00' } }),
  };
}

const result = (hosts: HostResult[]): DeployResultData => ({
  action: 'apply',
  topologyId: 't',
  runId: 'run-00001',
  ok: true,
  hosts,
  diagnostics: [],
  durationMs: 5,
});

afterEach(() => {
  useStore.getState().setPendingConfirm(null);
  useStore.getState().setConfirmChoice(true, 120);
});

describe('the confirm window in the app', () => {
  it('is on by default with 120 s, and off sends no window', () => {
    expect(confirmWithinChoice()).toBe(120);
    useStore.getState().setConfirmChoice(false, 120);
    expect(confirmWithinChoice()).toBeUndefined();
  });

  it('starts the countdown only for the hosts that armed a revert of this run', () => {
    noteArmed(result([host('h1', 'run-00001'), host('h2'), host('h3', 'an-older-run')]), 'text', 120);
    const pending = useStore.getState().pendingConfirm;
    expect(pending).toMatchObject({ runId: 'run-00001', topology: 'text', seconds: 120, hosts: ['h1'] });
  });

  it('starts no countdown when no host armed one (nothing changed, or no window asked)', () => {
    noteArmed(result([host('h1'), host('h2')]), 'text', 120);
    expect(useStore.getState().pendingConfirm).toBeNull();
    noteArmed(result([host('h1', 'run-00001')]), 'text', undefined);
    expect(useStore.getState().pendingConfirm).toBeNull();
  });
});
