/** Live health as the UI holds it (see health-slice.ts for how rounds merge). */
import type {
  HealthFinding,
  HealthView,
  HostHealthView,
  MembershipHealthView,
  PairHealthView,
} from '../../../shared/api/contract';

export type HealthPolling = 'off' | 'starting' | 'running' | 'paused';

/** What the fix dialog shows: the finding being confirmed, then the backend's answer. */
export type HealthFixState =
  | { stage: 'confirm'; findingId: string }
  | { stage: 'applying'; findingId: string }
  | { stage: 'done'; findingId: string; ok: boolean; lines: string[] };

export interface HealthSlice {
  healthPollId: string | null;
  healthPolling: HealthPolling;
  healthRound: number;
  /** ISO time the latest round started (the "last updated" label). */
  healthUpdatedAt: string | null;
  healthHosts: Record<string, HostHealthView>;
  healthMemberships: Record<string, MembershipHealthView>;
  /** Keyed by `pairKey(segmentId, from, to)`. */
  healthPairs: Record<string, PairHealthView>;
  healthFindings: Record<string, HealthFinding>;
  /** Finding ids in the backend's order (errors first as it sends them). */
  healthFindingIds: string[];
  /** The finding clicked in Troubleshoot: its hosts and edges are highlighted on the canvas. */
  healthHighlight: string | null;
  healthFix: HealthFixState | null;
  /** Why polling stopped or could not start, shown beside the toggle. */
  healthError: string | null;
  applyHealthView: (view: HealthView) => void;
  setHealthPolling: (polling: HealthPolling, pollId?: string | null) => void;
  setHealthError: (message: string | null) => void;
  clearHealth: () => void;
  highlightFinding: (id: string | null) => void;
  setHealthFix: (fix: HealthFixState | null) => void;
}
