import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

test('an unsaved drawing survives a reload through autosave and Recover', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.dragFromPalette('host', 200, 200);
  const [host] = await studio.nodeIds('host');
  if (!host) throw new Error('no host node');
  await studio.select(host);
  await studio.setField('Name', 'unsaved-work');
  await studio.clickEmptyCanvas();
  // The autosave is debounced; give it time to land before "crashing".
  await page.waitForTimeout(1_500);

  page.on('dialog', (d) => void d.accept());
  await page.reload();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Recover unsaved changes?');
  await dialog.getByRole('button', { name: 'Recover' }).click();
  await expect(studio.node(host)).toContainText('unsaved-work');
  await expect(studio.title).toHaveText('Untitled* — VXLAN Studio');
});

test('New asks before discarding unsaved changes, and Cancel keeps the drawing', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.dragFromPalette('segment', 300, 200);
  await page.getByRole('button', { name: 'New', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Unsaved changes');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(studio.allNodes).toHaveCount(1);

  await page.getByRole('button', { name: 'New', exact: true }).click();
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await expect(studio.allNodes).toHaveCount(0);
  await expect(studio.title).toHaveText('Untitled — VXLAN Studio');
});
