/**
 * Commit-confirmed apply in the UI: the review's "Confirm within" choice, the notes of hosts that
 * reverted by themselves, and the countdown with Confirm and Revert now after such an apply.
 */
import { useEffect, useState } from 'react';
import type { DeployResultData } from '../../../shared/api/contract';
import { useStore } from '../store/store';
import { settlePending } from './confirm-actions';
import { CONFIRM_CHOICES } from './confirm-slice';
import styles from './ConfirmWindow.module.css';

type HostResult = DeployResultData['hosts'][number];

function minutes(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`;
}

/** In the review: keep a snapshot on every host and revert to it unless confirmed within the window. */
export function ConfirmChoice() {
  const on = useStore((s) => s.confirmOn);
  const seconds = useStore((s) => s.confirmSeconds);
  const set = useStore((s) => s.setConfirmChoice);
  const action = useStore((s) => s.deployAction);
  if (action !== 'apply') return null;
  return (
    <div className={styles.choice} data-testid="confirm-choice">
      <label>
        <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked, seconds)} data-testid="confirm-toggle" />{' '}
        Confirm within{' '}
      </label>
      <select
        value={seconds}
        disabled={!on}
        onChange={(e) => set(on, Number(e.target.value))}
        aria-label="Confirm within"
        data-testid="confirm-seconds"
      >
        {CONFIRM_CHOICES.map((c) => (
          <option key={c} value={c}>
            {minutes(c)}
          </option>
        ))}
      </select>
      <span className="muted">
        {on
          ? ' each host reverts to its snapshot by itself unless you confirm, even if this app or its SSH path is gone.'
          : ' the change stays without confirmation.'}
      </span>
    </div>
  );
}

/** In a host's review: what it reverted by itself since it was last contacted. */
export function RevertedNotes({ host }: { host: HostResult }) {
  if (host.reverted === undefined || host.reverted.length === 0) return null;
  return (
    <ul className={styles.reverted} data-testid="review-reverted">
      {host.reverted.map((r) => (
        <li key={r.runId} className={r.restored ? undefined : 'sev-text-error'}>
          {r.by === 'timer' ? 'Reverted on its own' : 'Reverted on request'} at {r.at}: undid {r.undone.length} command
          {r.undone.length === 1 ? '' : 's'}, {r.restored ? 'back to its snapshot' : 'NOT back to its snapshot'}.
        </li>
      ))}
    </ul>
  );
}

/** After an apply with a window: the time left, Confirm and Revert now. */
export function ConfirmCountdown() {
  const pending = useStore((s) => s.pendingConfirm);
  const busy = useStore((s) => s.confirmBusy);
  const dismiss = useStore((s) => s.setPendingConfirm);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (pending === null) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [pending]);
  if (pending === null) return null;
  const left = Math.max(0, Math.ceil((pending.deadlineMs - now) / 1000));
  const hosts = `${pending.hosts.length} host${pending.hosts.length === 1 ? '' : 's'}`;
  return (
    <div className={styles.countdown} role="status" data-testid="confirm-countdown">
      {left > 0 ? (
        <p>
          <strong data-testid="confirm-left">{minutes(left)}</strong> to confirm: {hosts} revert to their snapshot by themselves
          after that.
        </p>
      ) : (
        <p>
          The window has passed: {hosts} reverted by themselves unless confirmed. Status or Deploy shows what each one restored.
        </p>
      )}
      <div className={styles.buttons}>
        {left > 0 ? (
          <>
            <button
              type="button"
              onClick={() => void settlePending('revert')}
              disabled={busy !== null}
              data-testid="confirm-revert"
            >
              {busy === 'revert' ? 'Reverting…' : 'Revert now'}
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => void settlePending('confirm')}
              disabled={busy !== null}
              data-testid="confirm-keep"
            >
              {busy === 'confirm' ? 'Confirming…' : 'Confirm'}
            </button>
          </>
        ) : (
          <button type="button" onClick={() => dismiss(null)} data-testid="confirm-dismiss">
            Close
          </button>
        )}
      </div>
    </div>
  );
}
