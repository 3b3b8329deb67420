import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures/server';
import { StudioPage } from './pages/studio-page';

const valid = {
  format: 1,
  id: 'bad',
  name: 'Bad',
  hosts: [{ id: 'h1', name: 'h1', ssh: { host: '192.0.2.1' }, underlay: { interface: 'eth0' } }],
  segments: [{ id: 's1', name: 's1', vni: 100 }],
  memberships: [{ id: 'm1', hostId: 'h1', segmentId: 's1' }],
};

const badFiles: { file: string; text: string; field: string; message: string }[] = [
  {
    file: 'malformed.vxlan.json',
    text: '{ "format": 1, "id": "x", "hosts": [ }',
    field: '(file) line 1',
    message: 'is not valid JSON',
  },
  {
    file: 'vni-zero.vxlan.json',
    text: JSON.stringify({ ...valid, segments: [{ id: 's1', name: 's1', vni: 0 }] }),
    field: 'segments[0].vni',
    message: 'must be 1-16777215',
  },
  {
    file: 'long-ifname.vxlan.json',
    text: JSON.stringify({ ...valid, hosts: [{ ...valid.hosts[0], underlay: { interface: 'eth-sixteen-byte' } }] }),
    field: 'hosts[0].underlay.interface',
    message: 'at most 15 bytes',
  },
];

test('opening a malformed or invalid file names the field and leaves the drawing intact', async ({ page, server }) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await studio.dragFromPalette('host', 250, 200);
  const [host] = await studio.nodeIds('host');
  if (!host) throw new Error('no host node');
  await studio.select(host);
  await studio.setField('Name', 'keep-me');
  await studio.clickEmptyCanvas();
  await expect(studio.title).toHaveText('Untitled* — VXLAN Studio');

  for (const bad of badFiles) {
    await writeFile(join(server.workDir, bad.file), bad.text);
    await studio.openFile(bad.file);
    const dialog = page.getByTestId('dialog-issues');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('file-issues')).toContainText(bad.field);
    await expect(dialog.getByTestId('file-issues')).toContainText(bad.message);
    await dialog.getByRole('button', { name: 'OK' }).click();
    await expect(dialog).toHaveCount(0);

    await expect(studio.allNodes).toHaveCount(1);
    await expect(studio.node(host)).toContainText('keep-me');
    await expect(studio.title).toHaveText('Untitled* — VXLAN Studio');
  }
});
