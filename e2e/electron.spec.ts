/**
 * The desktop app itself, driven through Playwright's Electron support. It needs the Electron binary
 * (downloaded by electron's postinstall, impossible offline) and a display; without either it is
 * skipped with the reason printed, never counted as passed.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PreloadBridge } from '../shared/api/bridge';
import { methods } from '../shared/api/contract';

const REPO = resolve(import.meta.dirname, '..');

/** Where electron's postinstall put the binary (node_modules/electron/path.txt names it). */
function findElectron(): { path: string } | { reason: string } {
  const pkg = join(REPO, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      reason:
        'the Electron binary is not installed (node_modules/electron/path.txt and dist/ are missing; its download needs network)',
    };
  }
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `the Electron binary ${binary} is missing` };
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    return { reason: 'there is no display for the Electron window (run under xvfb-run)' };
  }
  return { path: binary };
}

const found = findElectron();
const skipReason = 'reason' in found ? found.reason : undefined;
if (skipReason !== undefined) console.log(`e2e/electron.spec.ts skipped: ${skipReason}`);

test.describe('desktop app (Electron)', () => {
  test.skip(skipReason !== undefined, skipReason);

  test.beforeAll(() => {
    if (!existsSync(join(REPO, 'dist', 'renderer', 'index.html'))) {
      execFileSync('npm', ['run', 'build:renderer'], { cwd: REPO, stdio: 'inherit' });
    }
    execFileSync(process.execPath, [join(REPO, 'scripts', 'build-electron.mjs')], { cwd: REPO, stdio: 'inherit' });
  });

  test('opens the designer window with its canvas, an isolated renderer and the IPC bridge', async () => {
    if (!('path' in found)) return;
    const app = await electron.launch({ executablePath: found.path, args: [REPO], cwd: REPO });
    try {
      const studio = await app.firstWindow();
      await expect(studio).toHaveTitle(/VXLAN Studio/);
      await expect(studio.locator('.react-flow')).toBeVisible();

      // contextIsolation + sandbox + no nodeIntegration: the page sees the bridge and nothing of Node.
      const page = await studio.evaluate(() => ({
        hasRequire: 'require' in window,
        hasProcess: 'process' in window,
        bridge: Object.keys((window as { vxlanStudio?: PreloadBridge }).vxlanStudio ?? {}).sort(),
      }));
      expect(page.hasRequire).toBe(false);
      expect(page.hasProcess).toBe(false);
      expect(page.bridge).toHaveLength(Object.keys(methods).length + 1);

      const info = await studio.evaluate(() => (window as { vxlanStudio?: PreloadBridge }).vxlanStudio?.appInfo({}));
      expect(info).toMatchObject({ ok: true, value: { transport: 'ipc', nativeDialogs: true } });

      await studio.screenshot({ path: join(REPO, 'test-results', 'electron-window.png') });
    } finally {
      await app.close();
    }
  });
});
