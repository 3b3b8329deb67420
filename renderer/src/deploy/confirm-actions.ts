/**
 * Confirm and Revert now for an apply with a confirm window: the backend asks every host
 * (`deploy.confirm` / `deploy.revert`); a host it cannot reach reverts by itself at its deadline.
 */
import type { ConfirmResultData, DeployResultData } from '../../../shared/api/contract';
import { call, describeError } from '../api/backend';
import { useStore } from '../store/store';

const state = () => useStore.getState();

/** The `confirmWithin` to send with an apply (none when the review's choice is off). */
export function confirmWithinChoice(): number | undefined {
  const s = state();
  return s.confirmOn ? s.confirmSeconds : undefined;
}

/** After an apply: the hosts that armed a revert start the countdown. */
export function noteArmed(result: DeployResultData, topology: string, seconds: number | undefined): void {
  const armed = result.hosts.filter((h) => h.confirm?.runId === result.runId);
  if (seconds === undefined || armed.length === 0) return;
  state().setPendingConfirm({
    runId: result.runId,
    topology,
    seconds,
    deadlineMs: Date.now() + seconds * 1000,
    hosts: armed.map((h) => h.hostName),
  });
}

function summary(result: ConfirmResultData): string {
  const unreached = result.hosts.filter((h) => h.outcome === 'unreachable' || h.outcome === 'failed').map((h) => h.hostName);
  const selfReverted = result.hosts.filter((h) => h.reverted.some((r) => r.by === 'timer')).map((h) => h.hostName);
  const parts: string[] = [];
  if (unreached.length > 0) parts.push(`not reached: ${unreached.join(', ')} (they revert by themselves at their deadline)`);
  if (selfReverted.length > 0) parts.push(`already reverted on their own: ${selfReverted.join(', ')}`);
  return parts.join('; ');
}

/**
 * Before another Deploy or Destroy from the app: the pending run is confirmed first, as a new
 * `commit` confirms a pending `commit confirmed` on Junos (whoever deploys again is evidently still
 * connected). Without it every host would refuse the new run (CONFIRM_PENDING) until the window ends.
 */
export async function confirmBeforeNextRun(): Promise<void> {
  if (state().pendingConfirm !== null) await settlePending('confirm');
}

/** Confirm (keep the change) or Revert now, on every host of the pending run. */
export async function settlePending(action: 'confirm' | 'revert'): Promise<void> {
  const s = state();
  const pending = s.pendingConfirm;
  if (pending === null || s.confirmBusy !== null) return;
  s.setConfirmBusy(action);
  try {
    const result = await call(action === 'confirm' ? 'deploy.confirm' : 'deploy.revert', { topology: pending.topology });
    const more = summary(result);
    for (const h of result.hosts) {
      for (const r of h.reverted)
        state().logDeploy(
          r.restored ? 'info' : 'error',
          `reverted ${r.by === 'timer' ? 'on its own' : 'on request'} at ${r.at}: undid ${r.undone.length} command(s)${r.restored ? ', back to the snapshot' : ', NOT back to the snapshot'}`,
          h.hostName,
        );
      if (h.outcome === 'confirmed') state().logDeploy('info', `confirmed run ${h.confirmed.join(', ')}`, h.hostName);
    }
    if (result.ok)
      state().notify(
        'info',
        action === 'confirm' ? 'Confirmed: the change stays on every host.' : 'Reverted: every host is back to its snapshot.',
      );
    else state().notify('warning', `${action === 'confirm' ? 'Confirm' : 'Revert'} incomplete: ${more || 'see the log'}.`);
    state().setPendingConfirm(null);
  } catch (err) {
    state().notify('error', `${action === 'confirm' ? 'Confirm' : 'Revert'} failed: ${describeError(err)}`);
  } finally {
    state().setConfirmBusy(null);
  }
}
