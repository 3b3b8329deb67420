/**
 * Vitest globalSetup of the integration project: fingerprints this machine's /etc before the run
 * and fails the run when anything under it changed by the end (etc-guard.ts). Lab hosts write
 * their /etc into overlays of their own; a test that reaches the real one is a bug to fix.
 * `VXS_ETC_GUARD_DIR` points the guard at another directory (the guard's own test uses it).
 */
import { diffFingerprints, fingerprintTree } from './etc-guard';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = process.env['VXS_ETC_GUARD_DIR'] ?? '/etc';
  const before = await fingerprintTree(dir);
  return async () => {
    const changes = diffFingerprints(before, await fingerprintTree(dir));
    if (changes.length === 0) return;
    const shown = changes.slice(0, 40);
    const more = changes.length > shown.length ? `\n  ... and ${changes.length - shown.length} more` : '';
    // Vitest only logs a teardown error; the exit code is what makes the run fail.
    process.exitCode = 1;
    throw new Error(
      `this machine's ${dir} changed during the integration tests (${changes.length} path(s)); ` +
        `lab hosts must write only their private /etc:\n  ${shown.join('\n  ')}${more}`,
    );
  };
}
