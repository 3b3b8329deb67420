/**
 * Deploy says why it cannot run, on the button's tooltip and beside it, and starts working as soon
 * as the reason is gone. Needs no lab: nothing is deployed.
 */
import { expect, test } from './fixtures/server';
import { DeployPage } from './pages/deploy-page';
import { StudioPage } from './pages/studio-page';

test('Deploy is disabled with the reason shown while there are no hosts or a field edit was refused, and enabled once fixed', async ({
  page,
  server,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const reason = page.getByTestId('deploy-blocked');
  await studio.open(server.url);

  await expect(deploy.deployButton).toBeDisabled();
  await expect(reason).toHaveText('Add a host first');
  await expect(deploy.deployButton).toHaveAttribute('title', 'Add a host first');
  await expect(deploy.destroyButton).toBeDisabled();

  await studio.useTemplate('Two hosts (textbook)');
  await expect(deploy.deployButton).toBeEnabled();
  await expect(reason).toHaveCount(0);

  const [segment] = await studio.nodeIds('segment');
  if (segment === undefined) throw new Error('the textbook template has no segment');
  await studio.select(segment);
  await studio.setField('VNI', '0');
  await expect(studio.fieldError()).toBeVisible();
  await expect(deploy.deployButton).toBeDisabled();
  await expect(reason).toHaveText('1 refused edit: see Problems');
  await expect(deploy.deployButton).toHaveAttribute('title', '1 refused edit: see Problems');

  await studio.setField('VNI', '100');
  await expect(deploy.deployButton).toBeEnabled();
  await expect(reason).toHaveCount(0);
  expect(studio.consoleErrors).toEqual([]);
});
