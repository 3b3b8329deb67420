import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

const PRIMER_LINE = 'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789';

test("the textbook template shows the primer's commands in the Commands panel", async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.useTemplate('Two hosts (textbook)');
  await expect(studio.nodesOfType('host')).toHaveCount(2);
  await expect(studio.nodesOfType('segment')).toHaveCount(1);
  await expect(studio.nodesOfType('bridge')).toHaveCount(2);

  await studio.showTab('Commands');
  const panel = page.getByTestId('commands-panel');
  await panel.getByRole('tab', { name: 'host-a' }).click();
  const script = panel.getByTestId('script');
  await expect(script).toContainText(PRIMER_LINE);
  await expect(script).toContainText('10.0.0.1/24');
  await expect(script).toContainText('br-overlay');
  expect(studio.consoleErrors).toEqual([]);
});

test('a mesh template lays out cleanly and is captured for the README', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.useTemplate('N-host mesh…', 4);
  await expect(studio.nodesOfType('host')).toHaveCount(4);
  await expect(studio.membershipEdges).toHaveCount(4);
  await page.getByTestId('auto-layout').click();
  const [segment] = await studio.nodeIds('segment');
  if (!segment) throw new Error('no segment node');
  await studio.select(segment);
  await studio.showTab('Commands');
  await expect(page.getByTestId('script')).toContainText('bridge fdb append 00:00:00:00:00:00');
  // Let the fit-view animation settle before the picture.
  await page.waitForTimeout(600);
  await page.screenshot({ path: fileURLToPath(new URL('../docs/screenshot.png', import.meta.url)) });
});
