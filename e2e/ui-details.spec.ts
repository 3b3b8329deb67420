/**
 * Details a first-time user meets in the editor (web mode, Chromium): readable severity badges,
 * connecting by dropping anywhere on a segment, edge labels above the cards, the title not cut,
 * a resizable bottom panel, executable exported scripts and an empty-drawing hint that names a
 * control that exists.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures/server';
import { AA_NORMAL_TEXT, textContrast } from './helpers/contrast';
import { StudioPage } from './pages/studio-page';

/** Host and segment dropped from the palette; returns their ids. */
async function hostAndSegment(studio: StudioPage): Promise<{ host: string; segment: string }> {
  await studio.dragFromPalette('host', 180, 160);
  await studio.dragFromPalette('segment', 640, 160);
  await expect(studio.allNodes).toHaveCount(2);
  const [host] = await studio.nodeIds('host');
  const [segment] = await studio.nodeIds('segment');
  if (!host || !segment) throw new Error('palette drops did not create the nodes');
  return { host, segment };
}

test('every severity badge in Problems is readable: its text has WCAG AA contrast (4.5:1) against its own background', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const { host, segment } = await hostAndSegment(studio);
  await studio.connect(host, segment);
  await expect(studio.membershipEdges).toHaveCount(1);
  // VNI 0 is an error; a segment of one member is a warning; a membership with neither bridge nor address is info.
  await studio.select(segment);
  await studio.setField('VNI', '0');
  await studio.showTab('Problems');

  for (const severity of ['error', 'warning', 'info']) {
    const badge = studio.problems
      .and(page.locator(`[data-severity="${severity}"]`))
      .first()
      .getByTestId('severity-badge');
    await expect(badge, `a ${severity} problem is listed`).toBeVisible();
    const { ratio, color, background } = await textContrast(badge);
    expect(
      ratio,
      `${severity} badge: text rgb(${color.slice(0, 3).join(',')}) on rgb(${background.slice(0, 3).join(',')})`,
    ).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
  }
});

test('dropping a connection in the middle of a segment card, not on its handle, connects the host to the segment', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const { host, segment } = await hostAndSegment(studio);

  const from = await studio.node(host).locator('.react-flow__handle.source').boundingBox();
  const card = await studio.node(segment).boundingBox();
  if (!from || !card) throw new Error('the host handle or the segment card is not on screen');
  const mouse = page.mouse;
  await mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await mouse.down();
  await mouse.move(card.x + card.width / 2 - 60, card.y + card.height / 2, { steps: 8 });
  await mouse.move(card.x + card.width / 2, card.y + card.height / 2, { steps: 4 });
  await mouse.up();
  await expect(studio.membershipEdges).toHaveCount(1);
  // And the palette's help says so.
  await expect(page.getByTestId('palette-help')).toContainText('anywhere on a segment');

  // The card still behaves as a card once the drag is over: a click selects it.
  await studio.select(segment);
  await expect(studio.node(segment)).toHaveClass(/selected/);
});

test('an edge label passing a bridge card is drawn above it: the label is the topmost element at its centre', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const { host, segment } = await hostAndSegment(studio);
  await studio.connect(host, segment);
  await expect(studio.membershipEdges).toHaveCount(1);
  // The new membership is selected: give it an address, which its edge shows as its label.
  await studio.setField('Overlay address', '10.0.0.1/24');
  // A bridge dropped on the host lands just right of it, where the host's edge to the segment runs.
  await studio.dragFromPalette('bridge', 180, 160);
  await expect(studio.nodesOfType('bridge')).toHaveCount(1);
  const label = page.getByTestId('edge-label');
  await expect(label).toBeVisible();
  const [bridge] = await studio.nodeIds('bridge');
  const box = await label.boundingBox();
  const card = await studio.node(bridge ?? '').boundingBox();
  if (!box || !card) throw new Error('the label or the bridge card is not on screen');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  // The case this test is about: the label's centre lies on the bridge card.
  expect(
    cx > card.x && cx < card.x + card.width && cy > card.y && cy < card.y + card.height,
    'the label is not over the bridge card',
  ).toBe(true);
  const onTop = await label.evaluate(
    (el, [x, y]) => {
      const hit = document.elementFromPoint(x, y);
      return hit !== null && el.contains(hit);
    },
    [cx, cy] as const,
  );
  expect(onTop, 'the bridge card covers the label').toBe(true);
});

test('the toolbar title shows a normal drawing name whole at 1440 px', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.open(server.url);
  await studio.useTemplate('Two hosts (textbook)');
  await studio.saveAs('branch-office.vxlan.json');
  await expect(studio.title).toHaveText('branch-office.vxlan.json — VXLAN Studio');
  const { scrollWidth, clientWidth } = await studio.title.evaluate((el) => ({
    scrollWidth: el.scrollWidth,
    clientWidth: el.clientWidth,
  }));
  expect(scrollWidth, 'the title text is wider than its box, so it is cut').toBeLessThanOrEqual(clientWidth);
});

test('the bottom panel resizes by dragging its handle and keeps that height after a reload', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const panel = page.getByRole('region', { name: 'Output' });
  const handle = page.getByRole('separator', { name: 'Resize the bottom panel' });
  const before = (await panel.boundingBox())?.height ?? 0;
  const h = await handle.boundingBox();
  if (!h) throw new Error('no resize handle on screen');
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2 - 150, { steps: 6 });
  await page.mouse.up();
  const after = (await panel.boundingBox())?.height ?? 0;
  expect(after).toBeGreaterThan(before + 140);
  expect(after).toBeLessThan(before + 160);

  await page.reload();
  await expect(page.locator('.react-flow')).toBeVisible();
  await expect.poll(async () => Math.round((await panel.boundingBox())?.height ?? 0)).toBe(Math.round(after));
});

test('a host script exported from the Commands tab is saved executable (rwxr-xr-x less the umask)', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.useTemplate('Two hosts (textbook)');
  await studio.showTab('Commands');
  await page.getByTestId('host-commands').getByRole('button', { name: 'Export script…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('dialog-input').fill('host-a.sh');
  await dialog.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('notice').filter({ hasText: 'Exported' })).toBeVisible();
  const mode = (await stat(join(server.workDir, 'host-a.sh'))).mode & 0o777;
  // The server applies the umask it inherited from this runner, as open(2) does: learn it from a probe file.
  const probe = await open(join(server.workDir, 'probe'), 'wx', 0o777);
  const allowed = (await probe.stat()).mode & 0o777;
  await probe.close();
  expect(mode.toString(8)).toBe((0o755 & allowed).toString(8));
});

test('the empty drawing hint names a control the toolbar really has', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  const control = page.getByTestId('empty-hint-control');
  await expect(control).toBeVisible();
  const name = (await control.textContent()) ?? '';
  await expect(page.getByRole('banner').getByRole('button', { name: new RegExp(`^${name}\\b`) })).toBeVisible();
  await page
    .getByRole('banner')
    .getByRole('button', { name: new RegExp(`^${name}\\b`) })
    .click();
  await expect(page.getByRole('menuitem', { name: 'Two hosts (textbook)' })).toBeVisible();
});
