import { selectProblems } from '../store/problems';
import { useStore } from '../store/store';
import { CommandsPanel } from './CommandsPanel';
import { ProblemsPanel } from './ProblemsPanel';

export function BottomPanel() {
  const tab = useStore((s) => s.bottomTab);
  const setTab = useStore((s) => s.setBottomTab);
  const counts = useStore((s) => {
    const p = selectProblems(s);
    return `${p.filter((x) => x.severity === 'error').length}/${p.filter((x) => x.severity === 'warning').length}`;
  });
  const [errors, warnings] = counts.split('/');
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
      </div>
      <div className="tab-body" role="tabpanel" aria-label={tab === 'problems' ? 'Problems' : 'Commands'}>
        {tab === 'problems' ? <ProblemsPanel /> : <CommandsPanel />}
      </div>
    </section>
  );
}
