import { useEffect, useState } from 'react';
import { summarizeDeploy, summaryText } from './deploy-slice';
import { useStore } from '../store/store';
import { cancelDeploy, deployBlocker } from './deploy-actions';

/** How long a clean run's summary stays on the canvas. */
const SUMMARY_MS = 6000;

/**
 * The run on top of the canvas: `Deploying 1/3 hosts done [Cancel]` while it runs, then the summary
 * (`3 applied · 0 unchanged · 0 failed`); and when Deploy is disabled, why (the toolbar has no room
 * for a sentence, the canvas top does). A clean run's summary closes itself after a few seconds (the
 * host badges and the Log keep the result); a failed or cancelled one stays until dismissed, which
 * also clears the host badges.
 */
export function DeployStatus() {
  const phase = useStore((s) => s.deployPhase);
  const action = useStore((s) => s.deployAction);
  const hostsDone = useStore((s) => Object.values(s.hostProgress).filter((p) => p.phase === 'done').length);
  const hostCount = useStore((s) => s.deployPreview?.hosts.length ?? s.topology.hosts.length);
  const summary = useStore((s) =>
    s.deployResult
      ? summaryText(summarizeDeploy(s.deployResult), s.deployResult.action === 'destroy' ? 'destroy' : 'apply')
      : null,
  );
  const error = useStore((s) => s.deployError);
  const result = useStore((s) => s.deployResult);
  const [closedResult, setClosedResult] = useState<typeof result>(null);
  useEffect(() => {
    if (phase !== 'done' || result === null) return;
    const t = setTimeout(() => setClosedResult(result), SUMMARY_MS);
    return () => clearTimeout(t);
  }, [phase, result]);
  const cancelling = useStore((s) => s.cancelRequested);
  const reset = useStore((s) => s.resetDeploy);
  const showLog = useStore((s) => s.setBottomTab);
  const blocked = useStore((s) =>
    phase === 'idle' || phase === 'done' || phase === 'failed' || phase === 'cancelled' ? deployBlocker(s, 'apply') : null,
  );
  const blockedLine =
    blocked === null ? null : (
      <div className="deploy-status deploy-status-blocked" role="status">
        <strong>Deploy unavailable:</strong> <span data-testid="deploy-blocked">{blocked}</span>
      </div>
    );
  if (phase === 'applying') {
    return (
      <div className="deploy-status" data-testid="deploy-status" role="status">
        <span className="spinner" aria-hidden />
        {action === 'destroy' ? 'Destroying' : 'Deploying'}: {hostsDone}/{hostCount} hosts done
        <button type="button" onClick={() => void cancelDeploy()} disabled={cancelling} data-testid="deploy-cancel">
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    );
  }
  const text = summary ?? (phase === 'failed' ? error : null);
  if (text === null || phase === 'idle' || (phase === 'done' && result === closedResult)) return blockedLine;
  const title = phase === 'cancelled' ? 'Cancelled' : action === 'destroy' ? 'Destroy' : 'Deploy';
  return (
    <div className="deploy-status-stack">
      <div className={`deploy-status deploy-status-${phase}`} data-testid="deploy-status" role="status">
        <strong>{title}:</strong> {text}
        <button type="button" onClick={() => showLog('log')}>
          Log
        </button>
        <button
          type="button"
          className="close-button"
          aria-label="Clear the deploy badges"
          title="Clear the deploy badges"
          onClick={reset}
        >
          ×
        </button>
      </div>
      {blockedLine}
    </div>
  );
}
