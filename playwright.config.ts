import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './e2e/fixtures/chromium';

/**
 * End-to-end tests drive the real renderer in Debian's Chromium through web mode
 * (`vxlan-studio serve`), one fresh server and data folder per test (e2e/fixtures/server.ts).
 */
export default defineConfig({
  testDir: 'e2e',
  forbidOnly: !!process.env['CI'],
  retries: process.env['CI'] ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // In CI a skipped test fails the run, except the Electron spec's (scripts/skip-policy.ts).
  reporter: [['list'], ['./scripts/playwright-skip-guard.ts']],
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    trace: 'on-first-retry',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    },
  },
});
