/**
 * Observed host state: what `ip -j -d addr show` (links and addresses) and `bridge -j fdb show` report,
 * parsed into typed objects for the plan diff.
 */
export * from './state';
export * from './parse';
export * from './probes';
/** Which network manager owns the underlay (where persistent files go). */
export * from './persist-probe';
