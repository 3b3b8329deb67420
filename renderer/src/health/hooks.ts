/**
 * Per-node and per-edge health hooks for the canvas components: each subscribes to one primitive,
 * so a health round re-renders only the nodes and edges whose colour, badge or hover text changed.
 */
import { useStore } from '../store/store';
import {
  selectEdgeBadges,
  selectEdgeHealthTitle,
  selectEdgeHighlighted,
  selectEdgeTone,
  selectHostHealthTitle,
  selectHostHighlighted,
  selectHostTone,
} from './derive';

/** Class names and hover text for a host node (`health-up|down|unknown`, `health-highlight`). */
export function useHostHealth(hostId: string): { className: string; title: string } {
  const polling = useStore((s) => s.healthPolling !== 'off');
  const tone = useStore(selectHostTone(hostId));
  const title = useStore(selectHostHealthTitle(hostId));
  const highlighted = useStore(selectHostHighlighted(hostId));
  const className = `${polling ? ` health-${tone}` : ''}${highlighted ? ' health-highlight' : ''}`;
  return { className, title };
}

/** Class names, badge text and hover text for a membership edge. */
export function useEdgeHealth(
  membershipId: string,
  hostId: string,
  segmentId: string,
): { className: string; badges: string; title: string; tone: string } {
  const polling = useStore((s) => s.healthPolling !== 'off');
  const tone = useStore(selectEdgeTone(membershipId));
  const badges = useStore(selectEdgeBadges(membershipId));
  const title = useStore(selectEdgeHealthTitle(membershipId));
  const highlighted = useStore(selectEdgeHighlighted(hostId, segmentId));
  const className = `${polling ? ` health-edge-${tone}` : ''}${highlighted ? ' health-highlight' : ''}`;
  return { className, badges, title, tone: polling ? tone : '' };
}
