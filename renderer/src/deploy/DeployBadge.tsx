import { hostBadge, selectHostProgress } from './deploy-slice';
import { useStore } from '../store/store';
import { PersistChip } from './PersistReview';

/**
 * A host's live deploy state (`connecting`, `applying 3/7`, `failed at step 4`...) on its node. It
 * selects only its own host's entry, so a progress event re-renders this pill and nothing else. Next
 * to it, whether the host's overlay survives a reboot (`PersistChip`).
 */
export function DeployBadge({ hostId }: { hostId: string }) {
  const progress = useStore(selectHostProgress(hostId));
  const action = useStore((s) => s.deployAction);
  if (!progress) return <PersistChip hostId={hostId} />;
  return (
    <>
      <DeployPill badge={hostBadge(progress, action)} />
      <PersistChip hostId={hostId} />
    </>
  );
}

/** The deploy state pill as `hostBadge` gives it. */
export function DeployPill({ badge }: { badge: ReturnType<typeof hostBadge> }) {
  return (
    <span
      className={`deploy-badge deploy-${badge.tone}`}
      title={badge.title || undefined}
      data-testid="deploy-badge"
      data-tone={badge.tone}
    >
      {badge.tone === 'busy' && <span className="spinner" aria-hidden />}
      {badge.label}
    </span>
  );
}
