/**
 * Live health as the UI holds it: the latest `health.changed` round merged per host, per membership
 * edge and per (segment, pair), findings by id, when it was last updated and whether polling runs.
 * Entries that did not change keep their object identity, and nothing here touches the topology's
 * React Flow `nodes`/`edges`, so a round re-renders only the node or edge whose selector changed
 * (polling never re-renders the whole canvas, which at hundreds of hosts would cost every round a frame).
 */
import type { StateCreator } from 'zustand';
import type { Store } from '../store/types';
import type { HealthSlice } from './types';

export function pairKey(segmentId: string, from: string, to: string): string {
  return `${segmentId}|${from}|${to}`;
}

/** The previous entry when it is equal, so selectors and memoised views see no change. */
function mergeRecord<T>(prev: Record<string, T>, items: readonly T[], keyOf: (item: T) => string): Record<string, T> {
  const next: Record<string, T> = {};
  let changed = Object.keys(prev).length !== items.length;
  for (const item of items) {
    const key = keyOf(item);
    const old = prev[key];
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(item)) next[key] = old;
    else {
      next[key] = item;
      changed = true;
    }
  }
  return changed ? next : prev;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const EMPTY = {
  healthRound: 0,
  healthUpdatedAt: null,
  healthHosts: {},
  healthMemberships: {},
  healthPairs: {},
  healthFindings: {},
  healthFindingIds: [],
  healthHighlight: null,
} satisfies Partial<HealthSlice>;

export const createHealthSlice: StateCreator<Store, [], [], HealthSlice> = (set, get) => ({
  healthPollId: null,
  healthPolling: 'off',
  healthFix: null,
  healthError: null,
  ...EMPTY,
  applyHealthView(view) {
    const s = get();
    // A round of an older poller (replaced by a newer health.start) must not overwrite the current one.
    if (s.healthPollId !== null && view.pollId !== s.healthPollId) return;
    const findingIds = view.findings.map((f) => f.id);
    const highlight = s.healthHighlight !== null && findingIds.includes(s.healthHighlight) ? s.healthHighlight : null;
    set({
      healthRound: view.round,
      healthUpdatedAt: view.at,
      healthHosts: mergeRecord(s.healthHosts, view.hosts, (h) => h.hostId),
      healthMemberships: mergeRecord(s.healthMemberships, view.memberships, (m) => m.membershipId),
      healthPairs: mergeRecord(s.healthPairs, view.pairs, (p) => pairKey(p.segmentId, p.from, p.to)),
      healthFindings: mergeRecord(s.healthFindings, view.findings, (f) => f.id),
      healthFindingIds: sameIds(s.healthFindingIds, findingIds) ? s.healthFindingIds : findingIds,
      healthHighlight: highlight,
    });
  },
  setHealthPolling(polling, pollId) {
    set(pollId === undefined ? { healthPolling: polling } : { healthPolling: polling, healthPollId: pollId });
  },
  setHealthError(message) {
    set({ healthError: message });
  },
  clearHealth() {
    set({ ...EMPTY, healthPollId: null, healthPolling: 'off', healthFix: null });
  },
  highlightFinding(id) {
    set({ healthHighlight: id });
  },
  setHealthFix(fix) {
    set({ healthFix: fix });
  },
});
