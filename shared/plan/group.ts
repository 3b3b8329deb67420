/**
 * How a review shows a host's planned steps: what will be added, changed and removed, and which
 * steps run for the "Remove (no longer drawn)" choice. It reads the steps' typed `kind` and
 * `target`, never their argv.
 */
import type { Step, StepKind } from './types';

export type ChangeKind = 'add' | 'change' | 'remove';

/** The fields grouping needs; a plan `Step` and the contract's deploy step both have them. */
export type GroupableStep = Pick<Step, 'kind' | 'target'> & { prune?: boolean | undefined };

const REMOVE_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['link-del', 'addr-del', 'fdb-del', 'link-nomaster']);
const ADD_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['link-add', 'addr-add', 'fdb-append', 'link-master']);
/** The network manager's files: a review shows them as file diffs, not among the link changes. */
const FILE_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['file-write', 'file-remove', 'persist-reload']);

/**
 * The steps a host runs for the review's "Remove (no longer drawn)" choice: the plan marks with
 * `prune` the steps that only remove devices the drawing no longer has.
 *
 * @example stepsToRun([{ kind: 'link-del', target: 'vxlan300', prune: true }], false) // []
 */
export function stepsToRun<T extends { prune?: boolean | undefined }>(steps: readonly T[], prune: boolean): T[] {
  return prune ? [...steps] : steps.filter((s) => s.prune !== true);
}

/**
 * Groups a host's planned steps into what will be added, changed and removed, in plan order.
 * Settings on a device the same plan creates (alias, MTU, up) count as part of adding it. Steps that
 * only remove devices no longer drawn (`prune`) are in none of the groups: the review lists them
 * under their own heading with their own checkbox; nor are the network manager's files (`file-*`,
 * `persist-reload`), which a review shows as file diffs.
 *
 * @example groupSteps([{ kind: 'link-add', target: 'br100' }, { kind: 'link-up', target: 'br100' }]).add.length // 2
 */
export function groupSteps<T extends GroupableStep>(steps: readonly T[]): Record<ChangeKind, T[]> {
  const created = new Set(steps.filter((s) => s.kind === 'link-add').map((s) => s.target));
  const groups: Record<ChangeKind, T[]> = { add: [], change: [], remove: [] };
  for (const s of steps) {
    if (s.prune === true || FILE_KINDS.has(s.kind)) continue;
    if (REMOVE_KINDS.has(s.kind)) groups.remove.push(s);
    else if (ADD_KINDS.has(s.kind)) groups.add.push(s);
    else (created.has(s.target) ? groups.add : groups.change).push(s);
  }
  return groups;
}
