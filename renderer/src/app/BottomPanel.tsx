import { useCallback, useEffect, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { selectProblems } from '../problems/problems';
import { useStore } from '../store/store';
import { CommandsPanel } from '../deploy/CommandsPanel';
import { LogPanel } from '../deploy/LogPanel';
import { ProblemsPanel } from '../problems/ProblemsPanel';
import { TroubleshootPanel } from '../health/TroubleshootPanel';
import { TroubleshootTab } from '../health/TroubleshootTab';

/** Where the panel's height is kept between sessions (a view preference, not part of the drawing). */
const HEIGHT_KEY = 'vxlan-studio.bottomPanelHeight';
const DEFAULT_HEIGHT = 230;
const MIN_HEIGHT = 90;
/** The canvas keeps at least this much of the window. */
const MIN_CANVAS = 160;
const KEY_STEP = 20;

function clampHeight(h: number): number {
  return Math.round(Math.max(MIN_HEIGHT, Math.min(h, window.innerHeight - MIN_CANVAS)));
}

function storedHeight(): number {
  const saved = Number(localStorage.getItem(HEIGHT_KEY));
  return Number.isFinite(saved) && saved > 0 ? clampHeight(saved) : DEFAULT_HEIGHT;
}

/** The panel's height, changed by dragging or arrow keys on its top edge and remembered in localStorage. */
function usePanelHeight(): { height: number; onPointerDown: (e: PointerEvent) => void; onKeyDown: (e: KeyboardEvent) => void } {
  const [height, setHeight] = useState(storedHeight);
  useEffect(() => localStorage.setItem(HEIGHT_KEY, String(height)), [height]);
  const onPointerDown = useCallback(
    (e: PointerEvent) => {
      if (e.button !== 0) return;
      e.preventDefault();
      const startY = e.clientY;
      const startHeight = height;
      const move = (ev: globalThis.PointerEvent): void => setHeight(clampHeight(startHeight + startY - ev.clientY));
      const up = (): void => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    },
    [height],
  );
  const onKeyDown = useCallback((e: KeyboardEvent) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    setHeight((h) => clampHeight(h + (e.key === 'ArrowUp' ? KEY_STEP : -KEY_STEP)));
  }, []);
  return { height, onPointerDown, onKeyDown };
}

export function BottomPanel() {
  const resize = usePanelHeight();
  const tab = useStore((s) => s.bottomTab);
  const setTab = useStore((s) => s.setBottomTab);
  const counts = useStore((s) => {
    const p = selectProblems(s);
    return `${p.filter((x) => x.severity === 'error').length}/${p.filter((x) => x.severity === 'warning').length}`;
  });
  const [errors, warnings] = counts.split('/');
  const logErrors = useStore((s) => s.deployLog.filter((l) => l.level === 'error').length);
  const running = useStore((s) => s.deployPhase === 'applying' || s.deployPhase === 'previewing');
  return (
    <section className="bottom-panel" aria-label="Output" style={{ height: resize.height }}>
      <div
        className="panel-resizer"
        role="separator"
        aria-orientation="horizontal"
        aria-label="Resize the bottom panel"
        aria-valuenow={resize.height}
        aria-valuemin={MIN_HEIGHT}
        tabIndex={0}
        onPointerDown={resize.onPointerDown}
        onKeyDown={resize.onKeyDown}
        data-testid="bottom-panel-resizer"
      />
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'problems'}
          className={tab === 'problems' ? 'active' : ''}
          onClick={() => setTab('problems')}
        >
          Problems
          {errors !== '0' && <span className="count count-error">{errors}</span>}
          {warnings !== '0' && <span className="count count-warning">{warnings}</span>}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'commands'}
          className={tab === 'commands' ? 'active' : ''}
          onClick={() => setTab('commands')}
        >
          Commands
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'log'}
          className={tab === 'log' ? 'active' : ''}
          onClick={() => setTab('log')}
          data-testid="log-tab"
        >
          Log
          {running && <span className="spinner" aria-label="running" />}
          {logErrors > 0 && <span className="count count-error">{logErrors}</span>}
        </button>
        <TroubleshootTab />
      </div>
      <div
        className="tab-body"
        role="tabpanel"
        aria-label={
          tab === 'problems' ? 'Problems' : tab === 'commands' ? 'Commands' : tab === 'troubleshoot' ? 'Troubleshoot' : 'Log'
        }
      >
        {tab === 'problems' ? (
          <ProblemsPanel />
        ) : tab === 'commands' ? (
          <CommandsPanel />
        ) : tab === 'troubleshoot' ? (
          <TroubleshootPanel />
        ) : (
          <LogPanel />
        )}
      </div>
    </section>
  );
}
