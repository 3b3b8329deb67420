import { useStore } from '../store/store';
import { clockTime } from './derive';
import { toggleHealth } from './health-actions';
import './health.css';

/** Short labels: the toolbar is full at 1440 px; the accessible name and tooltip say "Live health". */
const LABEL = { off: 'Health', starting: 'Health…', running: 'Health', paused: 'Paused' } as const;
const TITLE = {
  off: 'Poll every host of this drawing: SSH reachability, tunnels, firewall and MTU checks',
  starting: 'Starting the health poller…',
  running: 'Polling; click to pause',
  paused: 'Paused; click to resume polling',
} as const;

/** Toolbar switch for live health; its tooltip gives the time of the last round (also in Troubleshoot). */
export function HealthToggle() {
  const polling = useStore((s) => s.healthPolling);
  const updated = useStore((s) => clockTime(s.healthUpdatedAt));
  const error = useStore((s) => s.healthError);
  const noHosts = useStore((s) => s.topology.hosts.length === 0);
  return (
    <div className="group health-group">
      <button
        type="button"
        aria-pressed={polling === 'running'}
        className={`health-toggle health-toggle-${polling}`}
        onClick={() => void toggleHealth()}
        disabled={polling === 'starting' || (polling === 'off' && noHosts)}
        title={
          noHosts && polling === 'off'
            ? 'Add a host first'
            : `${TITLE[polling]}${updated === '' ? '' : ` (last updated ${updated})`}`
        }
        aria-label={polling === 'paused' ? 'Live health (paused)' : 'Live health'}
        data-testid="health-toggle"
        data-polling={polling}
      >
        <span className="health-dot" aria-hidden />
        {LABEL[polling]}
      </button>
      {error !== null && (
        <span className="health-error" title={error} data-testid="health-error">
          ⚠ health
        </span>
      )}
    </div>
  );
}
