import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

test('the printed login URL logs this browser in once and leaves no secret in the address bar or for scripts', async ({
  page,
  browser,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const login = new URL(server.url);
  expect(page.url()).toBe(`${login.origin}/`);
  // HttpOnly: the page's own scripts (and anything injected into them) cannot read the session.
  expect(await page.evaluate(() => document.cookie)).toBe('');
  await page.reload();
  await expect(studio.title).toHaveText('Untitled — VXLAN Studio');

  const other = await browser.newContext();
  try {
    const stranger = await other.newPage();
    const reused = await stranger.goto(server.url);
    expect(reused?.status()).toBe(403);
    await expect(stranger.locator('body')).toContainText('already used');
    // Both say where a new login URL comes from: the command this server was started with.
    await expect(stranger.locator('body')).toContainText('the terminal running `vxlan-studio serve`');
    await stranger.goto(`${login.origin}/`);
    await expect(stranger.getByTestId('notice')).toContainText('open the login URL printed by `vxlan-studio serve`');
  } finally {
    await other.close();
  }
  expect(studio.consoleErrors).toEqual([]);
});

test('a file outside the workspace is refused by name, and the drawing stays as it was', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.openFile('/etc/hostname');
  const notice = page.getByTestId('notice');
  await expect(notice).toContainText('Open failed');
  await expect(notice).toContainText(
    `outside the workspace or in the app data folder (symbolic links followed): web mode only reads and writes files inside the workspace ${server.workDir}`,
  );
  await expect(studio.title).toHaveText('Untitled — VXLAN Studio');
});
