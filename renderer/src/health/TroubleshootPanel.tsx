import { memo, useState } from 'react';
import { useStore } from '../store/store';
import { clockTime, selectUnmeasuredSummary } from './derive';
import { requestFix } from './health-actions';
import { PairMatrix } from './PairMatrix';
import styles from './TroubleshootPanel.module.css';

function names(ids: readonly string[]): string {
  const hosts = useStore.getState().topology.hosts;
  return ids.map((id) => hosts.find((h) => h.id === id)?.name ?? id).join(', ');
}

const FindingItem = memo(function FindingItem({ id }: { id: string }) {
  const f = useStore((s) => s.healthFindings[id]);
  const highlighted = useStore((s) => s.healthHighlight === id);
  const segmentName = useStore((s) =>
    f?.segmentId === undefined ? '' : (s.topology.segments.find((g) => g.id === f.segmentId)?.name ?? f.segmentId),
  );
  const [open, setOpen] = useState(true);
  if (!f) return null;
  const where = [
    f.hosts.length > 0 ? `host ${names(f.hosts)}` : '',
    f.pair ? `pair ${names(f.pair).replace(', ', ' → ')}` : '',
    segmentName === '' ? '' : `segment ${segmentName}`,
  ]
    .filter((x) => x !== '')
    .join(' · ');
  return (
    <li
      className={`finding finding-${f.severity}${highlighted ? ' finding-highlighted' : ''}`}
      data-testid="finding"
      data-code={f.code}
      data-finding-id={f.id}
      onClick={() => useStore.getState().highlightFinding(highlighted ? null : id)}
    >
      <div className="finding-head">
        <span className={styles.badge} data-testid="severity-badge" data-severity={f.severity}>
          {f.severity}
        </span>
        <code className="finding-code">{f.code}</code>
        <strong className="finding-title">{f.title}</strong>
        <span className="finding-where muted">{where}</span>
        {f.fix && (
          <button
            type="button"
            className="primary finding-fix"
            data-testid="finding-fix"
            onClick={(e) => {
              e.stopPropagation();
              requestFix(id);
            }}
            title={f.fix.description}
          >
            Fix…
          </button>
        )}
      </div>
      <p className="finding-message">{f.message}</p>
      {f.evidence.length > 0 && (
        <div className="finding-evidence">
          <button
            type="button"
            className="link"
            aria-expanded={open}
            onClick={(e) => {
              e.stopPropagation();
              setOpen(!open);
            }}
          >
            {open ? '▾' : '▸'} Evidence ({f.evidence.length})
          </button>
          {open && (
            <dl data-testid="finding-evidence">
              {f.evidence.map((ev, i) => (
                <div key={i} className="evidence-line">
                  <dt>{ev.label}</dt>
                  <dd className="mono">{ev.value}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      )}
    </li>
  );
});

/** Findings of the last health round (click one to highlight its hosts and tunnels), and the pair matrices. */
export function TroubleshootPanel() {
  const ids = useStore((s) => s.healthFindingIds);
  const polling = useStore((s) => s.healthPolling);
  const updated = useStore((s) => clockTime(s.healthUpdatedAt));
  const round = useStore((s) => s.healthRound);
  const unmeasured = useStore(selectUnmeasuredSummary);
  return (
    <div className="troubleshoot" data-testid="troubleshoot">
      <div className="troubleshoot-findings">
        <div className="troubleshoot-status muted" data-testid="troubleshoot-status">
          {polling === 'off' ? (
            'Live health is off. Deploy, or switch on "Live health" in the toolbar, to check every tunnel.'
          ) : updated === '' ? (
            'Waiting for the first health round…'
          ) : (
            <>
              Round {round} · <span data-testid="health-updated">last updated {updated}</span>
              {polling === 'paused' ? ' · paused' : ''}
            </>
          )}
        </div>
        {polling !== 'off' && updated !== '' && unmeasured !== '' && (
          <div className="troubleshoot-status" role="status" data-testid="troubleshoot-unmeasured">
            ⚠ {unmeasured}
          </div>
        )}
        {polling !== 'off' && updated !== '' && ids.length === 0 && unmeasured === '' && (
          <div className="troubleshoot-ok" data-testid="troubleshoot-ok">
            ✓ No findings: every host answers and every tunnel carries frames.
          </div>
        )}
        <ul className="findings">
          {ids.map((id) => (
            <FindingItem key={id} id={id} />
          ))}
        </ul>
      </div>
      <PairMatrix />
    </div>
  );
}
