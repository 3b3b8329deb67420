/**
 * Plans: topology (+ observed state) -> per-host ordered iproute2 steps, their teardown, and the one
 * quoting helper that turns argv into a remote shell string.
 *
 * One code path: `compilePlan` (from scratch) is `diffHost(desiredHostState(...), emptyObserved())`.
 */
export * from './types';
export * from './mark';
export * from './shell';
export * from './commands';
export * from './desired';
export * from './diff';
export * from './adopt';
export * from './digest';
export * from './stale';
export * from './compile';
export * from './protect';
export * from './group';
export * from './unified-diff';
