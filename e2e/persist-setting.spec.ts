import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

const FORMAT_1 = fileURLToPath(new URL('../shared/model/fixtures/textbook-format-1.vxlan.json', import.meta.url));

test('a format-1 file opens with Persistence "Auto-detect", and choosing "Runtime only" saves format 2 with persist "none"', async ({
  page,
  server,
}) => {
  await writeFile(join(server.workDir, 'old.vxlan.json'), await readFile(FORMAT_1));
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.openFile('old.vxlan.json');
  await studio.select('host-a');

  const persistence = studio.inspector.getByLabel('Persistence', { exact: true });
  await expect(persistence).toHaveValue('auto');
  await expect(persistence.locator('option:checked')).toHaveText('Auto-detect');
  await persistence.selectOption({ label: 'Runtime only (lost at reboot)' });
  await expect(persistence).toHaveValue('none');

  await studio.saveAs('new.vxlan.json');
  await expect(studio.title).toHaveText('new.vxlan.json — VXLAN Studio');
  const saved = JSON.parse(await readFile(join(server.workDir, 'new.vxlan.json'), 'utf8')) as {
    format: number;
    hosts: Array<{ id: string; persist: string }>;
  };
  expect(saved.format).toBe(2);
  expect(saved.hosts.map((h) => [h.id, h.persist])).toEqual([
    ['host-a', 'none'],
    ['host-b', 'auto'],
  ]);
});
