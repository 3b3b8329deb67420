import { useEffect, useRef, useState } from 'react';
import { summarizeDeploy, summaryText } from './deploy-slice';
import { useStore } from '../store/store';
import type { DeployLogLine } from './types';

function clock(t: number): string {
  const d = new Date(t);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function LogLine({ line }: { line: DeployLogLine }) {
  return (
    <li className={`log-line log-${line.level}`} data-testid="log-line" data-host-id={line.hostId ?? ''}>
      <span className="log-time mono">{clock(line.time)}</span>
      <span className="log-host">{line.hostName}</span>
      <span className="log-message">{line.message}</span>
      {line.detail && line.detail.length > 0 && <pre className="log-detail mono">{line.detail.join('\n')}</pre>}
    </li>
  );
}

/** Summary of the last run: `n applied · n unchanged · n failed`. */
export function DeploySummaryLine() {
  const result = useStore((s) => s.deployResult);
  const phase = useStore((s) => s.deployPhase);
  if (!result) return null;
  const summary = summarizeDeploy(result);
  const bad = summary.failed + summary.rolledBack + summary.unreachable > 0;
  return (
    <div className={`deploy-summary ${bad ? 'deploy-summary-bad' : 'deploy-summary-ok'}`} data-testid="deploy-summary">
      <strong>
        {result.action === 'destroy' ? 'Destroy' : 'Deploy'}
        {phase === 'cancelled' ? ' cancelled' : ''}:
      </strong>{' '}
      {summaryText(summary, result.action === 'destroy' ? 'destroy' : 'apply')}{' '}
      <span className="muted">in {(result.durationMs / 1000).toFixed(1)} s</span>
    </div>
  );
}

/** Per-host, per-step deploy log; failures carry the step's shell line, exit code and stderr tail. */
export function LogPanel() {
  const log = useStore((s) => s.deployLog);
  const hosts = useStore((s) => s.topology.hosts);
  const clear = useStore((s) => s.clearDeployLog);
  const [hostId, setHostId] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const shown = hostId === '' ? log : log.filter((l) => l.hostId === hostId || l.hostId === null);
  useEffect(() => {
    // Follow the newest line, as a terminal does.
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [shown.length]);
  return (
    <div className="log-panel" data-testid="log-panel">
      <div className="log-toolbar">
        <DeploySummaryLine />
        <span className="spacer" />
        <label>
          Host{' '}
          <select value={hostId} onChange={(e) => setHostId(e.target.value)} aria-label="Show the log of">
            <option value="">all hosts</option>
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={clear} disabled={log.length === 0}>
          Clear
        </button>
      </div>
      {shown.length === 0 ? (
        <div className="panel-empty">
          Press Deploy to review and apply the topology on its hosts; each host's steps are logged here.
        </div>
      ) : (
        <ol className="log-lines" ref={list}>
          {shown.map((l) => (
            <LogLine key={l.id} line={l} />
          ))}
        </ol>
      )}
    </div>
  );
}
