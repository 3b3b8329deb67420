import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // In CI a skipped test fails the run (scripts/skip-policy.ts): the root-only lab tests must run.
    reporters: ['default', './scripts/vitest-skip-guard.ts'],
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
          // Lab tests build network namespaces as root; one file at a time keeps 2 cores calm
          // and the kernel's view simple.
          fileParallelism: false,
          // Fails the run when anything of this machine's /etc changed during it.
          globalSetup: ['./scripts/etc-guard.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
