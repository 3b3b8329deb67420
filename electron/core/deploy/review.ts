/**
 * Apply exactly what was reviewed: the review (a dry run) gives every host a digest of its observed
 * state and planned steps; an apply that carries those digests re-observes and re-plans under the
 * lock, and a host whose digest differs is not touched: it is reported changed since the review,
 * with its new plan, for a new review. The other hosts go on.
 */
import { createHash } from 'node:crypto';
import { appError, type AppErrorData } from '../../../shared/errors/catalogue';
import type { ObservedHostState } from '../../../shared/observe';
import { reviewDigestText, type Step } from '../../../shared/plan';

/** sha256 (hex) of a host's observed state and full plan (`reviewDigestText`), before the prune choice filters it. */
export function reviewDigest(observed: ObservedHostState, steps: readonly Step[]): string {
  return createHash('sha256').update(reviewDigestText(observed, steps)).digest('hex');
}

/**
 * The error of a host whose digest differs from the reviewed one (or that the review did not
 * include), or undefined when it may run. `reviewed` undefined: no review to hold to (`--yes`).
 */
export function reviewMismatch(
  reviewed: Readonly<Record<string, string>> | undefined,
  host: { id: string; name: string },
  digest: string,
): AppErrorData | undefined {
  if (reviewed === undefined) return undefined;
  const was = reviewed[host.id];
  if (was === digest) return undefined;
  return appError(
    'CHANGED_SINCE_REVIEW',
    was === undefined
      ? `${host.name} was not in the review; nothing was run on it. Review again to see its changes.`
      : `${host.name} changed since the review (its state or its plan differs); nothing was run on it. The new changes are listed: review again.`,
    { host: host.name },
  );
}
