import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { serializeTopology } from '../shared/model';
import { canvasTopology, canvasTopologyFile } from '../bench/canvas-topology';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

// 1,000 hosts take a while to open on a loaded 2-core machine: these bound hangs, they time nothing.
test.setTimeout(240_000);
const SLOW = { timeout: 120_000 };

/** Every card of the canvas: React Flow's nodes and, zoomed out, the cards the canvas draws itself. */
const CARDS = '.react-flow__node, [data-testid="overview-card"]';

const drawnCard = (page: Page, id: string) => page.locator(`[data-testid="overview-card"][data-id="${id}"]`);

/** How many cards lie (even partly) outside the canvas. */
const outside = async (page: Page): Promise<number> =>
  page.evaluate((cards) => {
    const flow = (document.querySelector('.react-flow') as HTMLElement).getBoundingClientRect();
    return Array.from(document.querySelectorAll(cards))
      .map((n) => n.getBoundingClientRect())
      .filter((r) => r.left < flow.left || r.right > flow.right || r.top < flow.top || r.bottom > flow.bottom).length;
  }, CARDS);

/** How many edges the overview layer draws, over all its paths. */
const overviewEdges = async (page: Page): Promise<number> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="overview-edges"] path')).reduce(
      (sum, p) => sum + Number(p.getAttribute('data-edges')),
      0,
    ),
  );

async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

test('a 1,000-host drawing opens fitted whole, as simplified cards without edge labels or handles and its edges in one layer, shows details zoomed in, and Fit shows it whole again', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await writeFile(join(server.workDir, 'big.vxlan.json'), canvasTopologyFile(1000));

  await studio.openFile('big.vxlan.json');
  await expect(studio.title).toHaveText('big.vxlan.json — VXLAN Studio', SLOW);
  await expect(page.locator(CARDS)).toHaveCount(1100, SLOW);

  // Fit shows every card inside the canvas.
  await expect.poll(() => outside(page), SLOW).toBe(0);

  // Zoomed out: simplified cards (name only) and no edge labels.
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'overview');
  await expect(page.getByTestId('edge-label')).toHaveCount(0);
  await expect(page.getByTestId('host-underlay')).toHaveCount(0);
  await expect(drawnCard(page, 'h0')).toHaveText('host-0');
  // Zoomed out every edge is drawn by the canvas's own layer, a path per look, not by React Flow.
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await expect.poll(() => overviewEdges(page), SLOW).toBe(2000);

  // The card under the pointer is a React Flow node, simplified too, its handles too small to use
  // hidden (kept in place for React Flow to measure).
  const h0 = await centre(page, '[data-testid="overview-card"][data-id="h0"]');
  await page.mouse.move(h0.x, h0.y);
  await expect(studio.node('h0')).toHaveText('host-0');
  await expect(studio.node('h0').locator('.react-flow__handle')).toBeHidden();

  // Zoomed in on a host: its details and its edges' labels are back.
  for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -200);
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'full', SLOW);
  await expect(studio.node('h0').getByTestId('host-underlay')).toHaveText(/172\.16\.0\.1/, SLOW);
  await expect(page.locator('[data-testid="edge-label"][data-edge-id="m0-a"]')).toHaveText('10.0.0.1/24', SLOW);
  await expect(studio.node('h0').locator('.react-flow__handle')).toBeVisible();
  await expect(page.locator('.react-flow__edge[data-id="m0-a"]')).toHaveCount(1);
  await expect(page.getByTestId('overview-edges')).toHaveCount(0);
  await expect(page.getByTestId('overview-card')).toHaveCount(0);

  // The toolbar's Fit shows the whole drawing again, zoomed out.
  await page.getByTitle('Fit view (Shift+F)').click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-detail', 'overview', SLOW);
  await expect(page.locator(CARDS)).toHaveCount(1100, SLOW);
  await expect.poll(() => outside(page), SLOW).toBe(0);
  await expect(page.getByTestId('edge-label')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await expect.poll(() => overviewEdges(page), SLOW).toBe(2000);
  expect(studio.consoleErrors).toEqual([]);
});

test('at Fit a 500-host drawing mounts no React Flow node for its cards, yet every card shows its name and problems, selects on click, joins a selection with Ctrl or a Shift box and drags with its edges', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  // Two segments with one VNI: the second one's card carries an error badge.
  const drawing = canvasTopology(500);
  drawing.segments[1] = { ...drawing.segments[1]!, vni: drawing.segments[0]!.vni };
  await writeFile(join(server.workDir, 'fit.vxlan.json'), serializeTopology(drawing));
  // Every React Flow node put into the page while the drawing opens, even one removed again in the same task.
  await page.evaluate(() => {
    const w = window as unknown as { flowNodesAdded: number };
    w.flowNodesAdded = 0;
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of Array.from(r.addedNodes))
          if (n instanceof Element)
            w.flowNodesAdded += (n.matches('.react-flow__node') ? 1 : 0) + n.querySelectorAll('.react-flow__node').length;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await studio.openFile('fit.vxlan.json');
  await expect(page.locator(CARDS)).toHaveCount(550, SLOW);
  await expect.poll(() => outside(page), SLOW).toBe(0);
  await expect.poll(() => overviewEdges(page), SLOW).toBe(1000);
  // The old canvas mounted all 550 as React Flow nodes; now at most the one under the pointer.
  expect(await page.evaluate(() => (window as unknown as { flowNodesAdded: number }).flowNodesAdded)).toBeLessThanOrEqual(1);
  await expect(drawnCard(page, 'h55')).toContainText('host-55');
  await expect(drawnCard(page, 's1').getByTestId('badge')).toHaveAttribute('data-severity', 'error');
  await expect(drawnCard(page, 's5').getByTestId('badge')).toHaveCount(0);

  // Click: the card under the pointer is a node; it is selected and the Inspector shows it.
  const h55 = await centre(page, '[data-testid="overview-card"][data-id="h55"]');
  await page.mouse.move(h55.x, h55.y);
  await expect(studio.node('h55')).toHaveCount(1);
  await page.mouse.down();
  await page.mouse.up();
  await expect(studio.node('h55')).toHaveClass(/selected/);
  await expect(studio.field('Name')).toHaveValue('host-55');

  // Ctrl+click another card: both selected (selected cards stay React Flow nodes).
  const h66 = await centre(page, '[data-testid="overview-card"][data-id="h66"]');
  await page.mouse.move(h66.x, h66.y);
  await expect(studio.node('h66')).toHaveCount(1);
  await page.keyboard.down('Control');
  await page.mouse.down();
  await page.mouse.up();
  await page.keyboard.up('Control');
  await expect(studio.node('h66')).toHaveClass(/selected/);
  await expect(studio.node('h55')).toHaveClass(/selected/);

  // Click on the empty canvas: nothing selected, both are drawn by the canvas again.
  await studio.clickEmptyCanvas();
  await expect(drawnCard(page, 'h55')).toHaveCount(1);
  await expect(drawnCard(page, 'h66')).toHaveCount(1);

  // Drag a card: it moves, and so do its edges in the overview layer.
  const edgesOf = async (): Promise<string> =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid="overview-edges"] path'))
        .map((p) => p.getAttribute('d'))
        .join('|'),
    );
  const edgesBefore = await edgesOf();
  await page.mouse.move(h55.x, h55.y);
  await expect(studio.node('h55')).toHaveCount(1);
  await page.mouse.down();
  await page.mouse.move(h55.x + 40, h55.y + 60, { steps: 8 });
  await page.mouse.up();
  // A dragged card is selected, so it stays a node; once nothing is selected the canvas draws it, moved.
  await studio.clickEmptyCanvas();
  await expect(drawnCard(page, 'h55')).toHaveCount(1);
  const moved = await centre(page, '[data-testid="overview-card"][data-id="h55"]');
  expect(Math.abs(moved.x - h55.x - 40)).toBeLessThan(10);
  expect(Math.abs(moved.y - h55.y - 60)).toBeLessThan(10);
  expect(await edgesOf()).not.toBe(edgesBefore);
  expect(await overviewEdges(page)).toBe(1000);

  // Shift+drag a box around two drawn cards: both are selected (React Flow's box skips hidden nodes).
  const h0 = await page.locator('[data-testid="overview-card"][data-id="h0"]').boundingBox();
  const h1 = await page.locator('[data-testid="overview-card"][data-id="h1"]').boundingBox();
  if (!h0 || !h1) throw new Error('cards h0 and h1 are not on screen');
  await page.mouse.move(h0.x - 3, h0.y - 3);
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(h1.x + h1.width + 3, h1.y + h1.height + 3, { steps: 6 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  await expect(studio.node('h0')).toHaveClass(/selected/);
  await expect(studio.node('h1')).toHaveClass(/selected/);
  expect(studio.consoleErrors).toEqual([]);
});
