import { Modal } from '../app/Modal';
import { useStore } from '../store/store';
import { applyConfirmedFix } from './health-actions';

/** Confirms a finding's fix showing every command per host, then shows what the backend did. */
export function FixDialog() {
  const fix = useStore((s) => s.healthFix);
  const finding = useStore((s) => (s.healthFix === null ? undefined : s.healthFindings[s.healthFix.findingId]));
  const hosts = useStore((s) => s.topology.hosts);
  if (fix === null) return null;
  const close = (): void => useStore.getState().setHealthFix(null);
  const hostName = (id: string): string => hosts.find((h) => h.id === id)?.name ?? id;
  return (
    <Modal
      titleId="fix-title"
      title={fix.stage === 'done' ? (fix.ok ? 'Fix applied' : 'Fix failed') : `Fix: ${finding?.title ?? fix.findingId}`}
      testId="fix-dialog"
      className="modal-wide fix-dialog"
    >
      {fix.stage !== 'done' && finding?.fix && (
        <>
          <p>{finding.fix.description}</p>
          <p className="muted">
            These commands run on each host through the deploy runner; a failed step is undone on that host.
          </p>
          {finding.fix.hosts.map((h) => (
            <div key={h.hostId} className="fix-host" data-testid="fix-host" data-host-id={h.hostId}>
              <strong>{hostName(h.hostId)}</strong>
              <pre className="mono fix-commands" data-testid="fix-commands">
                {h.steps.map((st) => `$ ${st.shell}`).join('\n')}
              </pre>
            </div>
          ))}
        </>
      )}
      {fix.stage !== 'done' && !finding?.fix && <p>This finding has no fix any more (it may have cleared in the last round).</p>}
      {fix.stage === 'done' && (
        <ul className={`fix-result ${fix.ok ? 'fix-ok' : 'fix-failed'}`} data-testid="fix-result">
          {fix.lines.map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
      )}
      <div className="modal-buttons">
        {fix.stage === 'done' ? (
          <button type="button" className="primary" onClick={close} data-testid="fix-close">
            Close
          </button>
        ) : (
          <>
            <button type="button" onClick={close} disabled={fix.stage === 'applying'}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => void applyConfirmedFix()}
              disabled={fix.stage === 'applying' || !finding?.fix}
              data-testid="fix-confirm"
            >
              {fix.stage === 'applying' ? 'Applying…' : 'Apply fix'}
            </button>
          </>
        )}
      </div>
    </Modal>
  );
}
