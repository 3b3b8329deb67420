import { selectProblems, type Problem } from './problems';
import { useStore } from '../store/store';
import styles from './ProblemsPanel.module.css';

function reveal(p: Problem): void {
  if (p.canvasId === undefined) return;
  const s = useStore.getState();
  if (p.target === 'edge') {
    s.setSelection([], [p.canvasId]);
    const edge = s.edges.find((e) => e.id === p.canvasId);
    if (edge) s.requestFocus(edge.target);
  } else {
    s.setSelection([p.canvasId], []);
    s.requestFocus(p.canvasId);
  }
}

export function ProblemsPanel() {
  const problems = useStore(selectProblems);
  if (problems.length === 0) {
    return (
      <div className="panel-empty" data-testid="problems-empty">
        No problems found.
      </div>
    );
  }
  return (
    <ul className="problems" data-testid="problems-list">
      {problems.map((p) => (
        <li key={p.key}>
          <button
            type="button"
            className={`problem problem-${p.severity}`}
            onClick={() => reveal(p)}
            data-testid="problem"
            data-severity={p.severity}
          >
            <span className={styles.badge} data-testid="severity-badge" data-severity={p.severity}>
              {p.severity}
            </span>
            <span className="problem-path mono">{p.path}</span>
            <span className="problem-message">{p.message}</span>
            {p.hint !== undefined && <span className="problem-hint">{p.hint}</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
