import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // In CI a skipped test fails the run (scripts/skip-policy.ts): the root-only lab tests must run.
    reporters: ['default', './scripts/vitest-skip-guard.ts'],
    // Two files at a time, also on a 2-core machine: most of a lab test's time is spent waiting
    // (SSH round trips, kernel timers, a confirm window running out), so two run side by side in
    // about the time of one, and the whole suite stays within CI's budget.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          // Several tests spawn the real CLI (node + tsx); on a loaded 2-core machine that can take
          // seconds. This bounds hangs, it is not a speed assertion.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**'],
          // Lab tests build network namespaces as root, each lab under its own random name prefix,
          // so two labs side by side never meet (no test lists or removes another lab's namespaces).
          fileParallelism: true,
          // Fails the run when anything of this machine's /etc changed during it.
          globalSetup: ['./scripts/etc-guard.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
