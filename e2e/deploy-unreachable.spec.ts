/**
 * One new, unreachable host in the segment does not block everyone: the review says, once per
 * reachable host, that its flood entry to the new host is pending; Apply converges the three lab
 * hosts and reports the new one unreachable. Root only: the lab needs network namespaces.
 */
import { expect, isRoot, NOT_ROOT_REASON, test } from './fixtures/deploy-lab';
import { DeployPage } from './pages/deploy-page';
import { StudioPage } from './pages/studio-page';

if (!isRoot()) console.log(`deploy-unreachable.spec.ts skipped: ${NOT_ROOT_REASON}`);
test.skip(!isRoot(), NOT_ROOT_REASON);
test.setTimeout(180_000);

test('a new host that cannot be reached (underlay "auto") leaves the reachable hosts to converge, each saying once that the entry to it is pending', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const ids = lab.hosts.map((h) => h.name);
  await studio.open(lab.url);
  await expect(studio.nodesOfType('host')).toHaveCount(3);
  await page.getByTestId('auto-layout').click();
  // Auto-layout moves the nodes and fits the view: drop the new host only once the canvas is still.
  const seg = studio.node('seg100');
  await expect
    .poll(async () => {
      const before = await seg.boundingBox();
      await page.waitForTimeout(250);
      const after = await seg.boundingBox();
      return JSON.stringify(before) === JSON.stringify(after);
    })
    .toBe(true);

  // A new host from the palette (underlay "auto", an SSH target nothing answers) joins seg100.
  await studio.dragFromPalette('host', 80, 80);
  await expect(studio.nodesOfType('host')).toHaveCount(4);
  const added = (await studio.nodeIds('host')).find((id) => !ids.includes(id));
  if (added === undefined) throw new Error('the palette drop made no host');
  await studio.connect(added, 'seg100');
  await expect(studio.membershipEdges).toHaveCount(4);

  await deploy.deployButton.click();
  await deploy.waitForReview();
  for (const id of ids) {
    await expect(deploy.reviewHost(id)).toHaveAttribute('data-outcome', 'pending');
    const pending = deploy.reviewHost(id).locator('li[data-code="PLAN_PEER_PENDING"]');
    await expect(pending).toHaveCount(1);
    await expect(pending).toContainText('is pending');
    await expect(deploy.reviewHost(id).getByTestId('review-error')).toHaveCount(0);
  }
  await expect(deploy.reviewHost(added).getByTestId('review-error')).toBeVisible();
  await expect(deploy.applyButton).toBeEnabled();

  await deploy.applyButton.click();
  await expect(deploy.review).toBeHidden();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  await expect(deploy.badge(added)).not.toHaveText('applied');
  // No host failed for want of the new host's address.
  await expect(deploy.logLines.filter({ hasText: 'TOPOLOGY_INVALID' })).toHaveCount(0);
  expect(studio.consoleErrors).toEqual([]);
});
