import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canvasTopologyFile } from '../bench/canvas-topology';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

// 1,000 hosts take a while to open on a loaded 2-core machine: these bound hangs, they time nothing.
test.setTimeout(240_000);
const SLOW = { timeout: 120_000 };

test('a 1,000-host drawing opens fitted whole, as simplified cards without edge labels or handles and its edges in one layer, shows details zoomed in, and Fit shows it whole again', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await writeFile(join(server.workDir, 'big.vxlan.json'), canvasTopologyFile(1000));

  await studio.openFile('big.vxlan.json');
  await expect(studio.title).toHaveText('big.vxlan.json — VXLAN Studio', SLOW);
  await expect(studio.allNodes).toHaveCount(1100, SLOW);

  // Fit shows every node inside the canvas.
  const outside = async (): Promise<number> =>
    page.evaluate(() => {
      const flow = (document.querySelector('.react-flow') as HTMLElement).getBoundingClientRect();
      return Array.from(document.querySelectorAll('.react-flow__node'))
        .map((n) => n.getBoundingClientRect())
        .filter((r) => r.left < flow.left || r.right > flow.right || r.top < flow.top || r.bottom > flow.bottom).length;
    });
  await expect.poll(outside, SLOW).toBe(0);
  // How many edges the overview layer draws, over all its paths.
  const overviewEdges = async (): Promise<number> =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid="overview-edges"] path')).reduce(
        (sum, p) => sum + Number(p.getAttribute('data-edges')),
        0,
      ),
    );

  // Zoomed out: simplified cards (name only) and no edge labels.
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'overview');
  await expect(page.getByTestId('edge-label')).toHaveCount(0);
  await expect(page.getByTestId('host-underlay')).toHaveCount(0);
  await expect(studio.node('h0')).toContainText('host-0');
  // Handles too small to use are hidden (kept in place for React Flow to measure).
  await expect(studio.node('h0').locator('.react-flow__handle')).toBeHidden();
  // Zoomed out every edge is drawn by the canvas's own layer, a path per look, not by React Flow.
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await expect.poll(overviewEdges, SLOW).toBe(2000);

  // Zoomed in on a host: its details and its edges' labels are back.
  const box = await studio.node('h0').boundingBox();
  if (!box) throw new Error('host h0 is not on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -200);
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'full', SLOW);
  await expect(studio.node('h0').getByTestId('host-underlay')).toHaveText(/172\.16\.0\.1/, SLOW);
  await expect(page.locator('[data-testid="edge-label"][data-edge-id="m0-a"]')).toHaveText('10.0.0.1/24', SLOW);
  await expect(studio.node('h0').locator('.react-flow__handle')).toBeVisible();
  await expect(page.locator('.react-flow__edge[data-id="m0-a"]')).toHaveCount(1);
  await expect(page.getByTestId('overview-edges')).toHaveCount(0);

  // The toolbar's Fit shows the whole drawing again, zoomed out.
  await page.getByTitle('Fit view (Shift+F)').click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'overview', SLOW);
  await expect(studio.allNodes).toHaveCount(1100, SLOW);
  await expect.poll(outside, SLOW).toBe(0);
  await expect(page.getByTestId('edge-label')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await expect.poll(overviewEdges, SLOW).toBe(2000);
  expect(studio.consoleErrors).toEqual([]);
});

test('a 500-host drawing mounts in stages of at most 50 cards a frame, then fits whole', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await writeFile(join(server.workDir, 'stages.vxlan.json'), canvasTopologyFile(500));
  // Every frame, the number of cards on the canvas once the title names the opened file.
  await page.evaluate(() => {
    const w = window as unknown as { cardCounts: number[] };
    w.cardCounts = [];
    const sample = (): void => {
      if ((document.querySelector('[data-testid="doc-title"]')?.textContent ?? '').includes('stages.vxlan.json'))
        w.cardCounts.push(document.querySelectorAll('.react-flow__node').length);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  await studio.openFile('stages.vxlan.json');
  await expect(studio.allNodes).toHaveCount(550, SLOW);
  const counts = await page.evaluate(() => (window as unknown as { cardCounts: number[] }).cardCounts);
  const distinct = [...new Set(counts)];
  expect(distinct[distinct.length - 1]).toBe(550);
  // No frame added more than one stage of cards (the old canvas went from 0 to 550 in one commit).
  const steps = distinct.slice(1).map((c, i) => c - (distinct[i] as number));
  expect(Math.max(distinct[0] as number, ...steps)).toBeLessThanOrEqual(50);
  const outside = await page.evaluate(() => {
    const flow = (document.querySelector('.react-flow') as HTMLElement).getBoundingClientRect();
    return Array.from(document.querySelectorAll('.react-flow__node'))
      .map((n) => n.getBoundingClientRect())
      .filter((r) => r.left < flow.left || r.right > flow.right || r.top < flow.top || r.bottom > flow.bottom).length;
  });
  expect(outside).toBe(0);
  expect(studio.consoleErrors).toEqual([]);
});
