import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

test('a drawn topology shows a VNI error on the node and in Problems until fixed, and saves and reopens byte for byte', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);

  await studio.dragFromPalette('host', 180, 120);
  await studio.dragFromPalette('host', 180, 330);
  await studio.dragFromPalette('segment', 620, 225);
  await expect(studio.nodesOfType('host')).toHaveCount(2);
  await expect(studio.nodesOfType('segment')).toHaveCount(1);
  const [hostA, hostB] = await studio.nodeIds('host');
  const [segment] = await studio.nodeIds('segment');
  if (!hostA || !hostB || !segment) throw new Error('palette drops did not create the nodes');

  await studio.connect(hostA, segment);
  await studio.connect(hostB, segment);
  await expect(studio.membershipEdges).toHaveCount(2);

  await studio.select(segment);
  await studio.setField('VNI', '0');
  await expect(studio.fieldError()).toContainText('must be 1-16777215');
  await expect(studio.badge(segment)).toBeVisible();
  await studio.showTab('Problems');
  await expect(studio.problems.filter({ hasText: 'vni' })).toHaveCount(1);
  await expect(studio.problems.filter({ hasText: 'vni' })).toContainText('must be 1-16777215');
  await page.screenshot({ path: fileURLToPath(new URL('../docs/screenshot-validation.png', import.meta.url)) });

  await studio.setField('VNI', '100');
  await expect(studio.fieldError()).toHaveCount(0);
  await expect(studio.badge(segment)).toHaveCount(0);
  await expect(studio.problems.filter({ hasText: 'vni' })).toHaveCount(0);
  await expect(studio.node(segment)).toContainText('VNI 100');

  await studio.saveAs('drawn.vxlan.json');
  await expect(studio.title).toHaveText('drawn.vxlan.json — VXLAN Studio');
  const first = await readFile(join(server.workDir, 'drawn.vxlan.json'));

  await studio.openFile('drawn.vxlan.json');
  await expect(studio.allNodes).toHaveCount(3);
  await expect(studio.membershipEdges).toHaveCount(2);
  await expect(studio.node(segment)).toContainText('VNI 100');
  await studio.saveAs('again.vxlan.json');
  await expect(studio.title).toHaveText('again.vxlan.json — VXLAN Studio');
  const second = await readFile(join(server.workDir, 'again.vxlan.json'));
  expect(second.equals(first)).toBe(true);
});

test('undo and redo restore the drawing: node count and field values', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);

  await studio.dragFromPalette('host', 200, 150);
  await studio.dragFromPalette('segment', 600, 150);
  await expect(studio.allNodes).toHaveCount(2);
  const [host] = await studio.nodeIds('host');
  if (!host) throw new Error('no host node');

  await studio.select(host);
  const before = await studio.field('Name').inputValue();
  await studio.setField('Name', 'edge-router');
  await expect(studio.node(host)).toContainText('edge-router');
  await studio.clickEmptyCanvas();

  await studio.undo();
  await expect(studio.node(host)).toContainText(before);
  await expect(studio.node(host)).not.toContainText('edge-router');
  await studio.undo();
  await expect(studio.allNodes).toHaveCount(1);
  await studio.undo();
  await expect(studio.allNodes).toHaveCount(0);

  await studio.redo();
  await expect(studio.allNodes).toHaveCount(1);
  await studio.redo();
  await expect(studio.allNodes).toHaveCount(2);
  await studio.redo();
  await expect(studio.node(host)).toContainText('edge-router');
  await studio.select(host);
  await expect(studio.field('Name')).toHaveValue('edge-router');
  await expect(studio.title).toContainText('*');
});

test('Undo first reverts a refused VNI (toolbar, Ctrl+Z in the field, Ctrl+Z on the canvas) and keeps the earlier MTU change', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.useTemplate('Two hosts (textbook)');
  await expect(studio.nodesOfType('host')).toHaveCount(2);
  const blocked = page.getByTestId('deploy-blocked');
  await expect(blocked).toHaveCount(0);

  await studio.select('seg-100');
  await expect(studio.field('VNI')).toHaveValue('100');
  await studio.setField('MTU', '1400');
  await expect(studio.field('MTU')).toHaveValue('1400');

  const refuseVni = async (): Promise<void> => {
    await studio.setField('VNI', '20000000');
    await expect(studio.fieldError()).toContainText('must be 1-16777215');
    await expect(blocked).toContainText('1 refused edit');
  };
  const expectVniBackAndMtuKept = async (): Promise<void> => {
    await expect(studio.field('VNI')).toHaveValue('100');
    await expect(studio.fieldError()).toHaveCount(0);
    await expect(studio.node('seg-100')).toContainText('VNI 100');
    await expect(studio.field('MTU')).toHaveValue('1400');
    await expect(blocked).toHaveCount(0);
  };

  // The toolbar's Undo (the click takes focus out of the field, which submits the refused value again).
  await refuseVni();
  await page.getByTestId('undo').click();
  await expectVniBackAndMtuKept();

  // Ctrl+Z while still in the field.
  await refuseVni();
  await expect(studio.field('VNI')).toBeFocused();
  await studio.undo();
  await expectVniBackAndMtuKept();

  // Ctrl+Z on the canvas after leaving the field.
  await refuseVni();
  await studio.clickEmptyCanvas();
  await studio.undo();
  await studio.select('seg-100');
  await expectVniBackAndMtuKept();

  // With nothing refused, Undo reverts the MTU change as before.
  await studio.clickEmptyCanvas();
  await studio.undo();
  await studio.select('seg-100');
  await expect(studio.field('MTU')).toHaveValue('1450');
  await expect(studio.field('VNI')).toHaveValue('100');
  expect(studio.consoleErrors).toEqual([]);
});

test('two segments with the same VNI are flagged, and clicking the problem selects the segment', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.dragFromPalette('segment', 250, 150);
  await studio.dragFromPalette('segment', 250, 350);
  const [first, second] = await studio.nodeIds('segment');
  if (!first || !second) throw new Error('no segment nodes');
  await expect(studio.node(second)).toContainText('VNI 101');

  await studio.select(second);
  await studio.setField('VNI', '100');
  await studio.showTab('Problems');
  const duplicate = studio.problems.filter({ hasText: 'VNI 100' });
  await expect(duplicate.first()).toBeVisible();
  await expect(studio.node(second).getByTestId('badge')).toBeVisible();

  await studio.clickEmptyCanvas();
  await duplicate.first().click();
  await expect(studio.node(second)).toHaveClass(/selected/);
  await expect(studio.field('VNI')).toHaveValue('100');
});

test('select all, copy and paste duplicates the drawing with new ids', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.useTemplate('Two hosts (textbook)');
  await expect(studio.allNodes).toHaveCount(5);
  await studio.clickEmptyCanvas();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(studio.allNodes).toHaveCount(10);
  await expect(studio.membershipEdges).toHaveCount(4);
  await expect(studio.nodesOfType('segment').filter({ hasText: 'VNI 101' })).toHaveCount(1);
  await page.keyboard.press('Delete');
  await expect(studio.allNodes).toHaveCount(5);
});

test('a bridge dropped on a host is declared on that host and can carry the membership', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.dragFromPalette('bridge', 300, 300);
  await expect(page.getByTestId('notice')).toContainText('add a host first');
  await expect(studio.allNodes).toHaveCount(0);

  await studio.dragFromPalette('host', 200, 200);
  await studio.dragFromPalette('segment', 700, 200);
  const [host] = await studio.nodeIds('host');
  const [segment] = await studio.nodeIds('segment');
  if (!host || !segment) throw new Error('no nodes');
  const box = await studio.node(host).boundingBox();
  const pane = await studio.pane.boundingBox();
  if (!box || !pane) throw new Error('host not on screen');
  await studio.dragFromPalette('bridge', box.x - pane.x + box.width / 2, box.y - pane.y + box.height / 2);
  const bridge = `bridge:${host}:br0`;
  await expect(studio.node(bridge)).toBeVisible();
  await studio.connect(bridge, segment);
  await expect(studio.membershipEdges).toHaveCount(1);
  await studio.membershipEdges.first().click({ force: true });
  await expect(studio.inspector.getByLabel('Bridge', { exact: true })).toHaveValue('br0');
});
