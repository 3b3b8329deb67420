import { hostBadge, selectHostProgress } from './deploy-slice';
import { useStore } from '../store/store';

/**
 * A host's live deploy state (`connecting`, `applying 3/7`, `failed at step 4`...) on its node. It
 * selects only its own host's entry, so a progress event re-renders this pill and nothing else.
 */
export function DeployBadge({ hostId }: { hostId: string }) {
  const progress = useStore(selectHostProgress(hostId));
  const action = useStore((s) => s.deployAction);
  if (!progress) return null;
  const badge = hostBadge(progress, action);
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
