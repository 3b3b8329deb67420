/**
 * Per-node and per-edge health hooks for the canvas components. Each component holds ONE store
 * subscription whose selector answers from a cache while the health state it reads is the same
 * object (every other store update: a drag tick, a selection), and returns the previous view object
 * when a health round left its host or edge unchanged: a round re-renders only the nodes and edges
 * whose colour, badge or hover text changed.
 */
import { useMemo } from 'react';
import { useStore, type Store } from '../store/store';
import {
  selectEdgeBadges,
  selectEdgeHealthTitle,
  selectEdgeHighlighted,
  selectEdgeTone,
  selectHostHealthTitle,
  selectHostHighlighted,
  selectHostTone,
} from './derive';

export interface HostHealthView {
  className: string;
  title: string;
}

export interface EdgeHealthView {
  className: string;
  badges: string;
  title: string;
  tone: string;
}

/**
 * Whether two store states hold the same health inputs (the fields health views are derived from).
 * Compared field by field, with no array made: every card and edge runs this on every store update.
 */
function sameHealthInputs(a: Store, b: Store): boolean {
  return (
    a.healthPolling === b.healthPolling &&
    a.healthHosts === b.healthHosts &&
    a.healthMemberships === b.healthMemberships &&
    a.healthFindings === b.healthFindings &&
    a.healthFindingIds === b.healthFindingIds &&
    a.healthHighlight === b.healthHighlight
  );
}

/**
 * A selector that recomputes only when one of the health inputs changed, and then keeps the
 * previous view object when its fields are equal (so `useStore` sees no change).
 */
export function cachedHealthSelector<V extends object>(compute: (s: Store) => V): (s: Store) => V {
  let seen: Store | null = null;
  let view: V | null = null;
  return (s) => {
    if (view !== null && seen !== null && (seen === s || sameHealthInputs(seen, s))) {
      seen = s;
      return view;
    }
    seen = s;
    const fresh = compute(s);
    if (view === null || Object.keys(fresh).some((k) => fresh[k as keyof V] !== view?.[k as keyof V])) view = fresh;
    return view;
  };
}

/** Host node view for one host (`health-up|down|unknown`, `health-highlight`, hover text). */
export function selectHostHealthView(hostId: string): (s: Store) => HostHealthView {
  const tone = selectHostTone(hostId);
  const title = selectHostHealthTitle(hostId);
  const highlighted = selectHostHighlighted(hostId);
  return cachedHealthSelector((s) => ({
    className: `${s.healthPolling !== 'off' ? ` health-${tone(s)}` : ''}${highlighted(s) ? ' health-highlight' : ''}`,
    title: title(s),
  }));
}

/** Membership edge view: class names, badge text, hover text and tone. */
export function selectEdgeHealthView(membershipId: string, hostId: string, segmentId: string): (s: Store) => EdgeHealthView {
  const tone = selectEdgeTone(membershipId);
  const badges = selectEdgeBadges(membershipId);
  const title = selectEdgeHealthTitle(membershipId);
  const highlighted = selectEdgeHighlighted(hostId, segmentId);
  return cachedHealthSelector((s) => {
    const polling = s.healthPolling !== 'off';
    return {
      className: `${polling ? ` health-edge-${tone(s)}` : ''}${highlighted(s) ? ' health-highlight' : ''}`,
      badges: badges(s),
      title: title(s),
      tone: polling ? tone(s) : '',
    };
  });
}

export function useHostHealth(hostId: string): HostHealthView {
  return useStore(useMemo(() => selectHostHealthView(hostId), [hostId]));
}

export function useEdgeHealth(membershipId: string, hostId: string, segmentId: string): EdgeHealthView {
  return useStore(useMemo(() => selectEdgeHealthView(membershipId, hostId, segmentId), [membershipId, hostId, segmentId]));
}
