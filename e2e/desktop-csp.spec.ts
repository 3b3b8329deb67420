/**
 * The built desktop page under the only CSP it gets over file:// (its <meta>), in real Chromium.
 * Electron gives file:// pages the right to load their own module scripts (the
 * grantFileProtocolExtraPrivileges fuse, left on); Chromium's --allow-file-access-from-files
 * stands in for it, so the page runs as in the packaged app, minus the preload bridge.
 */
import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from './fixtures/chromium';

const PAGE = join(resolve(import.meta.dirname, '..'), 'dist', 'renderer', 'index.html');

test.use({
  launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--allow-file-access-from-files'] },
});

test('the packaged page runs its own scripts and styles but cannot open a WebSocket to a local service', async ({ page }) => {
  expect(existsSync(PAGE), `${PAGE} is missing: run npm run build:renderer`).toBe(true);
  // A local service the page must never reach (a dev server, another app's debug port...).
  const service = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => service.once('listening', r));
  let reached = 0;
  service.on('connection', (socket) => {
    reached++;
    socket.close();
  });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) violations.push(m.text());
  });
  try {
    await page.goto(pathToFileURL(PAGE).href);
    // The app's scripts ran under the policy: React filled the root.
    await expect(page.locator('#root > *').first()).toBeAttached();
    expect(violations).toEqual([]);

    const port = (service.address() as AddressInfo).port;
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((done) => {
          document.addEventListener('securitypolicyviolation', (e) => done(`blocked by ${e.effectiveDirective}`));
          try {
            const socket = new WebSocket(url);
            socket.onopen = () => done('connected');
          } catch (err) {
            done(`threw ${String(err)}`);
          }
          setTimeout(() => done('no answer'), 3000);
        }),
      `ws://127.0.0.1:${port}/`,
    );
    expect(outcome).toBe('blocked by connect-src');
    expect(reached).toBe(0);
  } finally {
    await new Promise((r) => service.close(r));
  }
});
