import { useMemo, useState } from 'react';
import { compilePlan, hostScript, type HostPlan } from '../../../shared/plan';
import { exportScript } from '../files/file-actions';
import { useStore } from '../store/store';

async function copyText(text: string): Promise<void> {
  const s = useStore.getState();
  try {
    await navigator.clipboard.writeText(text);
    s.notify('info', 'Commands copied to the clipboard.');
  } catch {
    s.notify('warning', 'The browser refused clipboard access; select the commands and copy them by hand.');
  }
}

function HostCommands({ plan }: { plan: HostPlan }) {
  const script = useMemo(() => hostScript(plan), [plan]);
  return (
    <section className="host-commands" data-testid="host-commands" data-host={plan.hostName}>
      <header>
        <h3>{plan.hostName}</h3>
        <span className="muted">{plan.steps.length} steps</span>
        <span className="spacer" />
        <button type="button" onClick={() => void copyText(script)}>
          Copy
        </button>
        <button type="button" onClick={() => void exportScript(plan.hostName, script)}>
          Export script…
        </button>
      </header>
      {plan.diagnostics.length > 0 && (
        <ul className="plan-diagnostics">
          {plan.diagnostics.map((d, i) => (
            <li key={i} className={`sev-text-${d.severity}`}>
              {d.path}: {d.message}
            </li>
          ))}
        </ul>
      )}
      <pre className="script mono" data-testid="script">
        {script}
      </pre>
    </section>
  );
}

export function CommandsPanel() {
  const topology = useStore((s) => s.topology);
  const plan = useMemo(() => compilePlan(topology), [topology]);
  const [hostId, setHostId] = useState<string | null>(null);
  if (plan.hosts.length === 0) {
    return <div className="panel-empty">Add hosts and connect them to a segment to see the commands for each host.</div>;
  }
  const shown = plan.hosts.find((h) => h.hostId === hostId) ?? plan.hosts[0];
  return (
    <div className="commands" data-testid="commands-panel">
      <div className="commands-hosts" role="tablist" aria-label="Hosts">
        {plan.hosts.map((h) => (
          <button
            key={h.hostId}
            type="button"
            role="tab"
            aria-selected={h === shown}
            className={h === shown ? 'active' : ''}
            onClick={() => setHostId(h.hostId)}
          >
            {h.hostName}
            {h.diagnostics.some((d) => d.severity === 'error') ? <span className="badge-inline badge-error">!</span> : null}
          </button>
        ))}
        {plan.diagnostics.length > 0 && (
          <div className="plan-global muted">
            {plan.diagnostics.length} plan finding{plan.diagnostics.length === 1 ? '' : 's'} (see Problems)
          </div>
        )}
      </div>
      {shown && <HostCommands plan={shown} />}
    </div>
  );
}
