import type { DeployResultData } from '../../../shared/api/contract';
import { useStore, type Store } from '../store/store';
import styles from './PersistReview.module.css';

type HostResult = DeployResultData['hosts'][number];
type Persist = NonNullable<HostResult['persist']>;

const CHANGE_LABEL: Record<Persist['files'][number]['change'], string> = {
  create: 'new',
  update: 'changed',
  remove: 'removed',
};

/** The review's one line on reboots: persistent via a manager, or a visible "not persistent" warning with the reason. */
export function persistLine(p: Persist): { persistent: boolean; text: string } {
  if (p.manager !== undefined) return { persistent: true, text: `persistent via ${p.manager}` };
  return { persistent: false, text: `not persistent (runtime only): ${p.runtimeOnly ?? 'no manager'}` };
}

/**
 * Per host in the deploy review: whether the overlay comes back after a reboot (through which network
 * manager's files), what was detected on the host, and the file changes as unified diffs. A destroy
 * review shows only the files it removes.
 */
export function PersistReview({ host, destroy }: { host: HostResult; destroy: boolean }) {
  const p = host.persist;
  if (p === undefined || (destroy && p.files.length === 0)) return null;
  const line = persistLine(p);
  return (
    <div className={styles.persist} data-testid="review-persist" data-persistent={line.persistent}>
      {!destroy && (
        <span className={styles.status} data-persistent={line.persistent} data-testid="review-persist-status">
          {line.text}
          {p.detected !== undefined && <span className="muted"> · detected: {p.detected}</span>}
        </span>
      )}
      {p.files.length > 0 && (
        <details>
          <summary>
            {p.files.length} network manager file{p.files.length === 1 ? '' : 's'} to {destroy ? 'remove' : 'write'}
          </summary>
          <ul className={styles.files}>
            {p.files.map((f) => (
              <li key={f.path} data-testid="review-persist-file" data-change={f.change}>
                <span className="mono">{f.path}</span>{' '}
                <span className="muted">
                  ({CHANGE_LABEL[f.change]}: {f.description})
                </span>
                <pre className={`mono ${styles.diff}`} data-testid="review-persist-diff">
                  {f.diff}
                </pre>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** A host's persistence from the last apply (else the last review), as one comparable string for a narrow selector. */
function selectPersist(hostId: string): (s: Store) => string | undefined {
  return (s) => {
    const run =
      s.deployResult?.action === 'apply' ? s.deployResult : s.deployPreview?.action === 'apply' ? s.deployPreview : null;
    const p = run?.hosts.find((h) => h.hostId === hostId)?.persist;
    return p === undefined ? undefined : `${p.manager ?? ''}|${p.detected ?? ''}|${p.runtimeOnly ?? ''}`;
  };
}

/** On the host node: "persistent" or "runtime only", with what was detected on the host in its tooltip. */
export function PersistChip({ hostId }: { hostId: string }) {
  const key = useStore(selectPersist(hostId));
  if (key === undefined) return null;
  const [manager = '', detected = '', why = ''] = key.split('|');
  const persistent = manager !== '';
  const title = [
    persistent ? `persistent via ${manager}` : `not persistent (runtime only): ${why}`,
    `detected: ${detected === '' ? 'no network manager' : detected}`,
  ].join('\n');
  return (
    <span className={styles.chip} data-persistent={persistent} data-testid="persist-chip" title={title}>
      {persistent ? manager : 'runtime only'}
    </span>
  );
}
