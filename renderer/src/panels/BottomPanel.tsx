import { selectProblems } from '../store/problems';
import { useStore } from '../store/store';
import { CommandsPanel } from './CommandsPanel';
import { LogPanel } from './LogPanel';
import { ProblemsPanel } from './ProblemsPanel';
import { TroubleshootPanel } from '../health/TroubleshootPanel';
import { TroubleshootTab } from '../health/TroubleshootTab';

export function BottomPanel() {
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
    <section className="bottom-panel" aria-label="Output">
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'problems'} className={tab === 'problems' ? 'active' : ''} onClick={() => setTab('problems')}>
          Problems
          {errors !== '0' && <span className="count count-error">{errors}</span>}
          {warnings !== '0' && <span className="count count-warning">{warnings}</span>}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'commands'} className={tab === 'commands' ? 'active' : ''} onClick={() => setTab('commands')}>
          Commands
        </button>
        <button type="button" role="tab" aria-selected={tab === 'log'} className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')} data-testid="log-tab">
          Log
          {running && <span className="spinner" aria-label="running" />}
          {logErrors > 0 && <span className="count count-error">{logErrors}</span>}
        </button>
        <TroubleshootTab />
      </div>
      <div className="tab-body" role="tabpanel" aria-label={tab === 'problems' ? 'Problems' : tab === 'commands' ? 'Commands' : tab === 'troubleshoot' ? 'Troubleshoot' : 'Log'}>
        {tab === 'problems' ? <ProblemsPanel /> : tab === 'commands' ? <CommandsPanel /> : tab === 'troubleshoot' ? <TroubleshootPanel /> : <LogPanel />}
      </div>
    </section>
  );
}
