/**
 * A segment deleted from a deployed drawing, in Chromium against real hosts (network namespaces with
 * sshd): the review lists its devices apart under "Remove (no longer drawn)" with a checkbox, ticked
 * at first; unticked, Apply leaves them on the hosts; ticked, Apply removes them. Root only.
 */
import { expect, inHost, isRoot, NOT_ROOT_REASON, test, type LabHost } from './fixtures/deploy-lab';
import { DeployPage } from './pages/deploy-page';
import { StudioPage } from './pages/studio-page';

if (!isRoot()) console.log(`deploy-prune.spec.ts skipped: ${NOT_ROOT_REASON}`);
test.skip(!isRoot(), NOT_ROOT_REASON);
// Lab up (~10 s) + three deploys of three SSH round trips per host + lab down.
test.setTimeout(240_000);

/** Names of the links on a host (its bridge and VXLAN device, among others). */
function links(host: LabHost): string[] {
  const r = inHost(host, ['ip', '-j', 'link', 'show']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

test('devices of a deleted segment are listed under "Remove (no longer drawn)" and removed only while it is ticked', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const ids = lab.hosts.map((h) => h.name);
  await studio.open(lab.url);
  await expect(studio.title).toContainText('demo.vxlan.json');

  await deploy.deployButton.click();
  await deploy.waitForReview();
  await expect(deploy.review.getByTestId('review-prune')).toHaveCount(0);
  await deploy.applyButton.click();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  for (const host of lab.hosts) expect(links(host)).toContain('vxlan100');

  // Delete the segment: its VXLAN devices are no longer drawn (the bridges still are).
  const [segment] = await studio.nodeIds('segment');
  if (segment === undefined) throw new Error('the demo topology has no segment');
  await studio.select(segment);
  await page.keyboard.press('Delete');
  await expect(studio.nodesOfType('segment')).toHaveCount(0);

  await deploy.deployButton.click();
  await deploy.waitForReview(false);
  const prune = deploy.review.getByTestId('review-prune');
  await expect(prune).toContainText('Remove (no longer drawn) (3)');
  await expect(prune.getByTestId('review-prune-device')).toHaveText(ids.map((id) => `${id}: vxlan100`));
  const toggle = prune.getByTestId('review-prune-toggle');
  await expect(toggle).toBeChecked();
  // The host groups keep the other removals (the overlay address) and leave the devices to the heading above.
  for (const id of ids) await expect(deploy.reviewHost(id).getByTestId('review-remove')).not.toContainText('vxlan100');

  // Kept for looking at the dialog after a run (test-results/ is not committed).
  await page.screenshot({ path: 'test-results/deploy-prune-review.png' });

  await toggle.uncheck();
  await expect(prune).toContainText('They stay on their hosts.');
  await deploy.applyButton.click();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  for (const host of lab.hosts) expect(links(host)).toContain('vxlan100');
  await deploy.openLog();
  await expect(deploy.logLines.filter({ hasText: 'left vxlan100 in place (no longer drawn' })).toHaveCount(3);

  // The next review offers them again, ticked; Apply removes them and nothing else.
  await deploy.deployButton.click();
  await deploy.waitForReview(false);
  await expect(prune.getByTestId('review-prune-toggle')).toBeChecked();
  await expect(deploy.applyButton).toHaveText('Apply to 3 hosts');
  await deploy.applyButton.click();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  for (const host of lab.hosts) {
    expect(links(host)).not.toContain('vxlan100');
    expect(links(host)).toContain('br100');
  }
  expect(studio.consoleErrors).toEqual([]);
});
