/**
 * The deploy run as the UI sees it: review, live per-host progress (from `deploy.progress`), the
 * result, a log and host-key questions. Host progress is a record keyed by host id whose entries
 * are replaced one at a time, so a badge selecting `hostProgress[id]` re-renders only for its own
 * host's events (progress never re-renders the whole canvas).
 */
import type { StateCreator } from 'zustand';
import type { DeployResultData } from '../../../shared/api/contract';
import type { DeployLogLine, DeployProgressEvent, DeploySlice, DeploySummary, HostProgress } from './types';
import type { Store } from '../store/types';

/** The log keeps this many lines: a long session must not grow the page without bound. */
export const MAX_LOG_LINES = 5000;

let nextLogId = 1;

type HostResult = DeployResultData['hosts'][number];

/** One sentence per progress event, for the Log tab. */
export function progressMessage(e: DeployProgressEvent): string {
  const why = e.message === undefined || e.message === '' ? '' : `: ${e.message}`;
  switch (e.phase) {
    case 'connect':
      return e.status === 'running' ? 'connecting over SSH' : `connect ${e.status}${why}`;
    case 'lock':
      return e.status === 'running' ? 'taking the deploy lock and observing the host' : `lock ${e.status}${why}`;
    case 'observe':
      return e.status === 'running'
        ? 'observing the host'
        : e.status === 'ok'
          ? 'observed links, addresses and FDB'
          : `observe ${e.status}${why}`;
    case 'apply': {
      if (e.status !== 'running') return `apply ${e.status}${why}`;
      const total = e.total ?? 0;
      const from = e.step ?? 0;
      return from === 0 ? `applying ${total} step${total === 1 ? '' : 's'}` : `applying step ${from + 1} of ${total}`;
    }
    case 'verify':
      return e.status === 'running'
        ? 'reading the host back'
        : e.status === 'ok'
          ? 'read-back matches the topology'
          : `read-back ${e.status}${why}`;
    case 'rollback':
      return e.status === 'running'
        ? `rolling back (${e.total ?? 0} undo command${e.total === 1 ? '' : 's'})`
        : e.status === 'ok'
          ? 'rolled back: the host is as it was before'
          : `rollback ${e.status}${why}`;
    case 'release':
      return `lock released${why}`;
    case 'done':
      return `${e.outcome ?? e.status}${why}`;
  }
}

/** The next badge state of a host after one event (a new object, never a mutation). */
export function nextHostProgress(prev: HostProgress | undefined, e: DeployProgressEvent): HostProgress {
  const next: HostProgress = { phase: e.phase, status: e.status };
  if (e.phase === 'apply' && e.total !== undefined) {
    next.step = e.step ?? 0;
    next.total = e.total;
  } else if (prev?.total !== undefined && (e.phase === 'verify' || e.phase === 'rollback' || e.phase === 'done')) {
    // Keep "n/N" known through verify and rollback so "failed at step N" can be shown.
    next.total = prev.total;
    if (prev.step !== undefined) next.step = prev.step;
  }
  if (e.outcome !== undefined) next.outcome = e.outcome;
  if (e.message !== undefined) next.message = e.message;
  return next;
}

/** The final badge state of a host from the run's result. */
export function hostProgressFromResult(r: HostResult, stage: 'preview' | 'run'): HostProgress {
  const p: HostProgress = {
    phase: 'done',
    status: r.outcome === 'failed' || r.outcome === 'unreachable' || r.outcome === 'rolled-back' ? 'failed' : 'ok',
    outcome: r.outcome,
  };
  if (stage === 'preview') p.pendingSteps = r.steps.length;
  else {
    p.total = r.steps.length;
    p.step = r.applied;
  }
  if (r.failure) p.failedStep = r.failure.step;
  if (r.error) {
    p.errorCode = r.error.code;
    p.message = r.error.message;
  }
  return p;
}

/** Outcome counts of a run, for the summary line. */
export function summarizeDeploy(result: DeployResultData): DeploySummary {
  const s: DeploySummary = { applied: 0, unchanged: 0, failed: 0, rolledBack: 0, unreachable: 0, pending: 0 };
  for (const h of result.hosts) {
    if (h.outcome === 'applied') s.applied++;
    else if (h.outcome === 'unchanged') s.unchanged++;
    else if (h.outcome === 'pending') s.pending++;
    else if (h.outcome === 'unreachable') s.unreachable++;
    else if (h.outcome === 'rolled-back') s.rolledBack++;
    else s.failed++;
  }
  return s;
}

/** `3 applied · 1 unchanged · 1 failed` (zero counts of the rarer outcomes left out). */
export function summaryText(s: DeploySummary, action: 'apply' | 'destroy'): string {
  const parts = [
    `${s.applied} ${action === 'destroy' ? 'removed' : 'applied'}`,
    `${s.unchanged} unchanged`,
    `${s.failed} failed`,
  ];
  if (s.rolledBack > 0) parts.push(`${s.rolledBack} rolled back`);
  if (s.unreachable > 0) parts.push(`${s.unreachable} unreachable`);
  if (s.pending > 0) parts.push(`${s.pending} pending`);
  return parts.join(' · ');
}

/** Log lines for what a host's result says beyond the progress events: the failed step, rollback trouble, drift, devices left. */
function resultLines(r: HostResult, time: number, pruned = true): DeployLogLine[] {
  const lines: DeployLogLine[] = [];
  const base = { time, hostId: r.hostId, hostName: r.hostName };
  if (!pruned && r.stale !== undefined && r.stale.length > 0) {
    lines.push({
      ...base,
      id: nextLogId++,
      level: 'info',
      message: `left ${r.stale.join(', ')} in place (no longer drawn; "Remove (no longer drawn)" was unticked)`,
    });
  }
  if (r.failure) {
    const f = r.failure;
    const detail = [`$ ${f.shell}`, `exit code ${f.exitCode === null ? 'unknown (the session ended)' : String(f.exitCode)}`];
    if (f.stderrTail.trim() !== '') detail.push(...f.stderrTail.trimEnd().split('\n'));
    lines.push({ ...base, id: nextLogId++, level: 'error', message: `step ${f.step + 1} of ${r.steps.length} failed`, detail });
  } else if (r.error && r.outcome !== 'pending') {
    lines.push({
      ...base,
      id: nextLogId++,
      level: 'error',
      message: `${r.error.code}: ${r.error.message}`,
      ...(r.error.hint === '' ? {} : { detail: [r.error.hint] }),
    });
  }
  if (r.rollback && !r.rollback.ok) {
    const detail = r.rollback.failures.flatMap((f) => [
      `$ ${f.shell}`,
      `exit code ${String(f.exitCode)}`,
      ...(f.stderrTail === '' ? [] : f.stderrTail.trimEnd().split('\n')),
    ]);
    lines.push({
      ...base,
      id: nextLogId++,
      level: 'error',
      message: `rollback incomplete: ${r.rollback.failures.length} of ${r.rollback.commands} undo commands failed`,
      detail,
    });
  }
  if (r.drift && r.drift.length > 0) {
    lines.push({
      ...base,
      id: nextLogId++,
      level: 'error',
      message: 'the read-back still differs after every step succeeded',
      detail: r.drift.map((s) => `$ ${s.shell}`),
    });
  }
  return lines;
}

function appendLog(log: DeployLogLine[], lines: DeployLogLine[]): DeployLogLine[] {
  if (lines.length === 0) return log;
  const next = [...log, ...lines];
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next;
}

export const createDeploySlice: StateCreator<Store, [], [], DeploySlice> = (set, get) => {
  const hostName = (id: string): string => get().topology.hosts.find((h) => h.id === id)?.name ?? id;
  return {
    deployRunId: null,
    deployAction: 'apply',
    deployPhase: 'idle',
    deployPreview: null,
    deployResult: null,
    deployError: null,
    cancelRequested: false,
    hostProgress: {},
    deploySettled: {},
    deployLog: [],
    hostKeyPrompts: [],
    credentialPrompts: [],
    deployPrune: true,
    setDeployPrune(prune) {
      set({ deployPrune: prune });
    },
    beginDeployRun(action, runId, stage) {
      const verb =
        stage === 'preview'
          ? action === 'destroy'
            ? 'Reviewing destroy'
            : 'Reviewing deploy'
          : action === 'destroy'
            ? 'Destroying'
            : 'Deploying';
      set({
        deployRunId: runId,
        deployAction: action,
        deployPhase: stage === 'preview' ? 'previewing' : 'applying',
        deployError: null,
        deployResult: null,
        cancelRequested: false,
        hostProgress: {},
        ...(stage === 'preview' ? { deployPreview: null, deployPrune: true } : {}),
        deployLog: appendLog(get().deployLog, [
          {
            id: nextLogId++,
            time: Date.now(),
            hostId: null,
            hostName: '',
            level: 'info',
            message: `${verb} "${get().topology.name}" (run ${runId})`,
          },
        ]),
      });
    },
    applyDeployProgress(e) {
      const s = get();
      if (e.runId !== s.deployRunId) return;
      const level: DeployLogLine['level'] =
        e.status === 'failed' ? 'error' : e.phase === 'done' && e.status === 'ok' ? 'ok' : 'info';
      set({
        hostProgress: { ...s.hostProgress, [e.hostId]: nextHostProgress(s.hostProgress[e.hostId], e) },
        deployLog: appendLog(s.deployLog, [
          {
            id: nextLogId++,
            time: Date.now(),
            hostId: e.hostId,
            hostName: hostName(e.hostId),
            level,
            message: progressMessage(e),
          },
        ]),
      });
    },
    finishPreview(result) {
      const s = get();
      if (result.runId !== s.deployRunId || s.deployPhase !== 'previewing') return;
      const hostProgress: Record<string, HostProgress> = {};
      for (const h of result.hosts) hostProgress[h.hostId] = hostProgressFromResult(h, 'preview');
      const time = Date.now();
      set({
        deployPhase: 'reviewing',
        deployPreview: result,
        hostProgress,
        deployLog: appendLog(
          s.deployLog,
          result.hosts.flatMap((h) => resultLines(h, time)),
        ),
      });
    },
    finishDeployRun(result) {
      const s = get();
      if (result.runId !== s.deployRunId) return;
      const hostProgress: Record<string, HostProgress> = { ...s.hostProgress };
      const deploySettled: Record<string, HostProgress> = { ...s.deploySettled };
      for (const h of result.hosts) {
        const p = hostProgressFromResult(h, 'run');
        // Cancelled before its first step: the host is as the last run left it, so is its badge.
        const untouched =
          h.error?.code === 'CANCELLED' && h.failure === undefined && h.applied === 0 && h.outcome !== 'rolled-back';
        const before = s.deploySettled[h.hostId];
        if (untouched && before !== undefined) hostProgress[h.hostId] = before;
        else {
          hostProgress[h.hostId] = p;
          if (!untouched) deploySettled[h.hostId] = p;
        }
      }
      const time = Date.now();
      const summary = summarizeDeploy(result);
      const failed = summary.failed + summary.rolledBack + summary.unreachable > 0;
      set({
        deployPhase: s.cancelRequested ? 'cancelled' : failed ? 'failed' : 'done',
        deployResult: result,
        hostProgress,
        deploySettled,
        deployLog: appendLog(s.deployLog, [
          ...result.hosts.flatMap((h) => resultLines(h, time, result.prune !== false)),
          {
            id: nextLogId++,
            time,
            hostId: null,
            hostName: '',
            level: failed ? 'error' : 'ok',
            message: `${s.cancelRequested ? 'Cancelled: ' : 'Done: '}${summaryText(summary, result.action === 'destroy' ? 'destroy' : 'apply')} (${(result.durationMs / 1000).toFixed(1)} s)`,
          },
        ]),
      });
    },
    failDeployRun(message) {
      set({
        deployPhase: 'failed',
        deployError: message,
        deployLog: appendLog(get().deployLog, [
          { id: nextLogId++, time: Date.now(), hostId: null, hostName: '', level: 'error', message },
        ]),
      });
    },
    requestDeployCancel() {
      set({ cancelRequested: true });
    },
    closeDeployReview() {
      if (get().deployPhase !== 'reviewing' && get().deployPhase !== 'previewing') return;
      set({ deployPhase: 'idle', deployRunId: null, deployPreview: null, hostProgress: {} });
    },
    resetDeploy() {
      set({
        deployPhase: 'idle',
        deployRunId: null,
        deployPreview: null,
        deployResult: null,
        deployError: null,
        hostProgress: {},
        cancelRequested: false,
      });
    },
    clearDeployLog() {
      set({ deployLog: [] });
    },
    logDeploy(level, message, name = '') {
      set({
        deployLog: appendLog(get().deployLog, [
          { id: nextLogId++, time: Date.now(), hostId: null, hostName: name, level, message },
        ]),
      });
    },
    addHostKeyPrompt(prompt) {
      if (get().hostKeyPrompts.some((p) => p.promptId === prompt.promptId)) return;
      set({ hostKeyPrompts: [...get().hostKeyPrompts, prompt] });
    },
    removeHostKeyPrompt(promptId) {
      set({ hostKeyPrompts: get().hostKeyPrompts.filter((p) => p.promptId !== promptId) });
    },
    addCredentialPrompt(prompt) {
      if (get().credentialPrompts.some((p) => p.promptId === prompt.promptId)) return;
      set({ credentialPrompts: [...get().credentialPrompts, prompt] });
    },
    removeCredentialPrompt(promptId) {
      set({ credentialPrompts: get().credentialPrompts.filter((p) => p.promptId !== promptId) });
    },
  };
};

/** A host's badge state, or undefined when it has none (narrow selector keyed by host id). */
export function selectHostProgress(hostId: string): (s: Store) => HostProgress | undefined {
  return (s) => s.hostProgress[hostId];
}

/** Whether a preview or run is under way (Deploy/Destroy disabled meanwhile). */
export function isDeployBusy(s: Store): boolean {
  return s.deployPhase === 'previewing' || s.deployPhase === 'reviewing' || s.deployPhase === 'applying';
}

export type BadgeTone = 'busy' | 'ok' | 'same' | 'pending' | 'warning' | 'error';

/** The words and colour of a host's deploy badge, e.g. `applying 3/7`, `failed at step 4`. */
export function hostBadge(
  p: HostProgress,
  action: 'apply' | 'destroy' = 'apply',
): { label: string; tone: BadgeTone; title: string } {
  const title = p.message ?? '';
  const destroy = action === 'destroy';
  const keyChanged = p.errorCode === 'SSH_HOST_KEY_CHANGED';
  if (p.phase === 'done' || p.outcome !== undefined) {
    switch (p.outcome) {
      case 'applied':
        return destroy
          ? { label: 'removed', tone: 'ok', title: title || `${p.total ?? 0} steps run: what the topology made is gone` }
          : { label: 'applied', tone: 'ok', title: title || `${p.total ?? 0} steps applied and read back` };
      case 'unchanged':
        return destroy
          ? { label: 'clean', tone: 'same', title: title || 'nothing of this topology on the host' }
          : { label: 'unchanged', tone: 'same', title: title || 'already as the topology says: nothing to do' };
      case 'pending': {
        const n = p.pendingSteps ?? 0;
        return {
          label: destroy ? `${n} to remove` : `${n} change${n === 1 ? '' : 's'}`,
          tone: 'pending',
          title: title || `${n} step${n === 1 ? '' : 's'} to run (see the review)`,
        };
      }
      case 'rolled-back':
        if (p.errorCode === 'CANCELLED') return { label: 'cancelled · rolled back', tone: 'warning', title };
        return {
          label: p.failedStep === undefined ? 'rolled back' : `rolled back (step ${p.failedStep + 1})`,
          tone: 'warning',
          title,
        };
      case 'unreachable':
        return { label: keyChanged ? 'host key changed' : 'unreachable', tone: 'error', title };
      default:
        if (keyChanged) return { label: 'host key changed', tone: 'error', title };
        // Let go after Cancel: before its first step nothing changed; during a step nobody knows what the host did.
        if (p.errorCode === 'CANCELLED' && p.failedStep === undefined)
          return { label: 'cancelled · nothing changed', tone: 'warning', title };
        if (p.errorCode === 'CANCELLED') return { label: 'cancelled · state unknown', tone: 'error', title };
        // Nothing ran there: the host moved after the review, which must be looked at again.
        if (p.errorCode === 'CHANGED_SINCE_REVIEW') return { label: 'changed since review', tone: 'warning', title };
        return { label: p.failedStep === undefined ? 'failed' : `failed at step ${p.failedStep + 1}`, tone: 'error', title };
    }
  }
  if (p.status === 'failed') return { label: `${p.phase} failed`, tone: 'error', title };
  switch (p.phase) {
    case 'connect':
      return { label: 'connecting', tone: 'busy', title };
    case 'lock':
    case 'observe':
      return { label: 'observing', tone: 'busy', title };
    case 'apply':
      return { label: `applying ${p.step ?? 0}/${p.total ?? 0}`, tone: 'busy', title };
    case 'verify':
      return { label: 'verifying', tone: 'busy', title };
    case 'rollback':
      return { label: 'rolling back', tone: 'warning', title };
    default:
      return { label: p.phase, tone: 'busy', title };
  }
}

/** The devices no longer drawn, per host, that the review offers to remove (in host order). */
export function noLongerDrawn(preview: DeployResultData): Array<{ hostId: string; hostName: string; device: string }> {
  return preview.hosts.flatMap((h) => (h.stale ?? []).map((device) => ({ hostId: h.hostId, hostName: h.hostName, device })));
}
