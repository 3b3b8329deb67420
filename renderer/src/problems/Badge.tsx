import { parseBadge, selectBadge } from './problems';
import { useStore } from '../store/store';

/** Red (error) or amber (warning) count on a node or edge; the title lists every finding. */
export function Badge({ id }: { id: string }) {
  return <BadgeMark badge={parseBadge(useStore(selectBadge(id)))} />;
}

/** A badge as `parseBadge` gives it; nothing for none. */
export function BadgeMark({ badge }: { badge: ReturnType<typeof parseBadge> }) {
  if (!badge) return null;
  return (
    <span className={`badge badge-${badge.severity}`} title={badge.title} data-testid="badge" data-severity={badge.severity}>
      {badge.count}
    </span>
  );
}
