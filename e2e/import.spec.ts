/**
 * The Import menu in web mode: an Ansible inventory pasted into "Add hosts from inventory…" puts
 * its hosts on the canvas with their SSH settings (and a bad line is named, changing nothing), and
 * "Import from hosts…" draws the primer's recipe typed by hand on real lab hosts (root only).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures/server';
import { inHost, isRoot, NOT_ROOT_REASON, test as labTest } from './fixtures/deploy-lab';
import { StudioPage } from './pages/studio-page';

const INVENTORY = `[vteps]
vtep-a ansible_host=192.168.1.10 ansible_user=admin
vtep-b ansible_host=192.168.1.20 ansible_port=2222
`;

test('hosts of a pasted Ansible inventory land on the canvas with their SSH settings, and a bad line is named', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  await studio.open(server.url);
  await expect(studio.nodesOfType('host')).toHaveCount(0);

  await page.getByTestId('templates-menu').click();
  await page.getByTestId('add-from-inventory').click();
  const dialog = page.getByTestId('dialog-inventory');
  await dialog.getByTestId('inventory-text').fill('[vteps]\nvtep-a ansible_port\n');
  await dialog.getByTestId('inventory-add').click();
  await expect(dialog.getByTestId('inventory-error')).toContainText('pasted inventory line 2: "ansible_port" is not key=value');
  await expect(studio.nodesOfType('host')).toHaveCount(0);

  await dialog.getByTestId('inventory-text').fill(INVENTORY);
  await dialog.getByTestId('inventory-add').click();
  await expect(dialog).toBeHidden();
  await expect(studio.nodesOfType('host')).toHaveCount(2);
  await expect(studio.node('vtep-a')).toBeVisible();
  await expect(studio.node('vtep-b')).toBeVisible();

  // The drawing holds the inventory's login: the non-root user runs ip(8) through sudo.
  await studio.node('vtep-a').click();
  await expect(studio.inspector.getByLabel('Host', { exact: true })).toHaveValue('192.168.1.10');
  await expect(studio.inspector.getByLabel('User', { exact: true })).toHaveValue('admin');
  await studio.node('vtep-b').click();
  await expect(studio.inspector.getByLabel('Port', { exact: true })).toHaveValue('2222');
  expect(studio.consoleErrors).toEqual([]);
});

labTest.describe('importing from lab hosts', () => {
  labTest.skip(!isRoot(), NOT_ROOT_REASON);
  labTest.use({ knownHosts: 'lab' });

  labTest("the primer's recipe typed by hand on two hosts is drawn, reported and opened", async ({ page, lab }) => {
    const [a, b] = lab.hosts;
    if (!a || !b) throw new Error('the lab has fewer than two hosts');
    for (const [h, peer, overlay] of [
      [a, b, '10.0.0.1/24'],
      [b, a, '10.0.0.2/24'],
    ] as const) {
      for (const argv of [
        ['ip', 'link', 'add', 'vxlan100', 'type', 'vxlan', 'id', '100', 'remote', peer.address, 'dev', 'eth0', 'dstport', '4789'],
        ['ip', 'link', 'add', 'br-overlay', 'type', 'bridge'],
        ['ip', 'link', 'set', 'vxlan100', 'master', 'br-overlay', 'up'],
        ['ip', 'link', 'set', 'br-overlay', 'up'],
        ['ip', 'addr', 'add', overlay, 'dev', 'br-overlay'],
      ]) {
        const r = inHost(h, argv);
        expect(r.status, r.stderr).toBe(0);
      }
    }
    // The demo drawing logs in with the lab's key: import with the same one.
    const demo = JSON.parse(readFileSync(join(lab.workDir, 'demo.vxlan.json'), 'utf8')) as {
      hosts: Array<{ ssh: { auth: { path?: string } } }>;
    };
    const key = demo.hosts[0]?.ssh.auth.path ?? '';

    const studio = new StudioPage(page);
    await studio.open(lab.url);
    await page.getByTestId('templates-menu').click();
    await page.getByTestId('import-from-hosts').click();
    const dialog = page.getByTestId('dialog-import-hosts');
    await dialog.getByTestId('import-targets').fill(`root@${a.address}\n${b.address}`);
    await dialog.getByTestId('import-identity').fill(key);
    await dialog.getByTestId('import-run').click();
    const report = dialog.getByTestId('import-report');
    await expect(report).toBeVisible({ timeout: 45_000 });
    await expect(report.getByTestId('import-segments')).toHaveText(
      `VNI 100 (port 4789, point-to-point): ${a.address}, ${b.address}`,
    );
    await expect(report).toContainText('No warnings');

    await dialog.getByTestId('import-open').click();
    // The demo drawing is saved, so nothing is asked before the imported one replaces it.
    await expect(dialog).toBeHidden();
    await expect(studio.nodesOfType('host')).toHaveCount(2);
    await expect(studio.nodesOfType('bridge')).toHaveCount(2);
    await expect(studio.nodesOfType('segment')).toHaveCount(1);
    await expect(studio.title).toContainText('Imported from');
    expect(studio.consoleErrors).toEqual([]);
  });
});
