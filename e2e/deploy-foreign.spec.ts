/**
 * A device made by hand with a drawn name but other settings, in Chromium against real hosts
 * (network namespaces with sshd): the review names the differing field on that host and offers
 * "Replace devices made by hand"; ticking it reviews again with the replacement, and Apply replaces
 * it. Apply sends the review's digests: a host changed by hand after the review is left alone and
 * shown as "changed since review" until a new review. Root only.
 */
import { expect, inHost, isRoot, NOT_ROOT_REASON, test, type LabHost } from './fixtures/deploy-lab';
import { DeployPage } from './pages/deploy-page';
import { StudioPage } from './pages/studio-page';

if (!isRoot()) console.log(`deploy-foreign.spec.ts skipped: ${NOT_ROOT_REASON}`);
test.skip(!isRoot(), NOT_ROOT_REASON);
// Lab up (~10 s) + three reviews and two deploys of three SSH round trips per host + lab down.
test.setTimeout(240_000);

/** The VNI of a host's vxlan100, and whether it carries a VXLAN Studio mark. */
function vxlan100(host: LabHost): { vni: number | undefined; marked: boolean } {
  const r = inHost(host, ['ip', '-j', '-d', 'link', 'show', 'vxlan100']);
  expect(r.status, r.stderr).toBe(0);
  const [link] = JSON.parse(r.stdout) as { ifalias?: string; linkinfo?: { info_data?: { id?: number } } }[];
  return { vni: link?.linkinfo?.info_data?.id, marked: link?.ifalias?.startsWith('vxlan-studio:') === true };
}

test('a differing device made by hand is named in the review and replaced only after "Replace devices made by hand" is ticked', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const [h1, h2, h3] = lab.hosts;
  if (!h1 || !h2 || !h3) throw new Error('the lab has fewer than three hosts');
  const made = inHost(h2, ['ip', 'link', 'add', 'vxlan100', 'type', 'vxlan', 'id', '101', 'dstport', '4789']);
  expect(made.status, made.stderr).toBe(0);

  await studio.open(lab.url);
  await expect(studio.title).toContainText('demo.vxlan.json');
  await deploy.deployButton.click();
  await deploy.waitForReview();
  const foreign = deploy.review.getByTestId('review-foreign');
  await expect(foreign).toContainText('Left alone on 1 host');
  await expect(deploy.reviewHost(h2.name).locator('[data-code="PLAN_NAME_CLASH"]')).toContainText(
    'VNI 101 on the host, 100 drawn',
  );
  await expect(deploy.applyButton).toHaveText('Apply to 2 hosts');

  // Ticking asks for a new review that plans the replacement.
  await foreign.getByTestId('review-foreign-toggle').click();
  await deploy.waitForReview(false);
  await expect(foreign.getByTestId('review-foreign-toggle')).toBeChecked();
  await expect(deploy.reviewHost(h2.name).getByTestId('review-remove')).toContainText(
    'delete vxlan100 (replace the one made by hand: VNI 101 on the host, 100 drawn',
  );
  await expect(deploy.applyButton).toHaveText('Apply to 3 hosts');
  await page.screenshot({ path: 'test-results/deploy-foreign-review.png' });

  // Between the review and Apply an admin adds a device on h3: Apply leaves h3 alone and says why.
  const added = inHost(h3, ['ip', 'link', 'add', 'admin0', 'type', 'bridge']);
  expect(added.status, added.stderr).toBe(0);
  await deploy.applyButton.click();
  for (const host of [h1, h2]) await expect(deploy.badge(host.name)).toHaveText('applied', { timeout: 60_000 });
  await expect(deploy.badge(h3.name)).toHaveText('changed since review', { timeout: 60_000 });
  expect(vxlan100(h2)).toEqual({ vni: 100, marked: true });
  expect(inHost(h3, ['ip', 'link', 'show', 'vxlan100']).status).not.toBe(0);
  await deploy.openLog();
  await expect(deploy.logLines.filter({ hasText: 'CHANGED_SINCE_REVIEW: h3 changed since the review' })).toHaveCount(1);

  // A new review shows h3's changes, and Apply runs them.
  await deploy.deployButton.click();
  await deploy.waitForReview(false);
  await expect(deploy.applyButton).toHaveText('Apply to 1 host');
  await deploy.applyButton.click();
  await expect(deploy.badge(h3.name)).toHaveText('applied', { timeout: 60_000 });
  expect(studio.consoleErrors).toEqual([]);
});
