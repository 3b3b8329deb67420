/**
 * The README "run" flow in Chromium: the demo lab's topology opens at start, Deploy reviews and
 * applies it over SSH to 3 real hosts (network namespaces with sshd), a second Deploy finds nothing
 * to do, and Destroy leaves the hosts clean. Root only: the lab needs network namespaces.
 */
import { fileURLToPath } from 'node:url';
import { expect, inHost, isRoot, NOT_ROOT_REASON, test, type LabHost } from './fixtures/deploy-lab';
import { DeployPage } from './pages/deploy-page';
import { StudioPage } from './pages/studio-page';

if (!isRoot()) console.log(`deploy.spec.ts skipped: ${NOT_ROOT_REASON}`);
test.skip(!isRoot(), NOT_ROOT_REASON);
// Lab up (~10 s) + three SSH round trips per host + lab down.
test.setTimeout(180_000);

const docs = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

/** The links of the demo topology on a host: its bridge and VXLAN device (RFC 7348 VTEP). */
function overlayLinks(host: LabHost): string[] {
  const r = inHost(host, ['ip', '-j', 'link', 'show']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { ifname: string }[])
    .map((l) => l.ifname)
    .filter((n) => n === 'br100' || n.startsWith('vxlan'));
}

test('deploying the demo lab from the browser converges every host, re-deploying changes nothing, and destroy leaves them clean', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const ids = lab.hosts.map((h) => h.name);
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.open(lab.url);

  // The demo's topology opens by itself (app.info.initialFile).
  await expect(studio.title).toContainText('demo.vxlan.json');
  await expect(studio.nodesOfType('host')).toHaveCount(3);
  await expect(deploy.deployButton).toBeEnabled();
  // The lab's file places nodes on a small circle; lay them out as a user would before a demo.
  await page.getByTestId('auto-layout').click();

  // Review: every host key is unknown to this app, so each is asked about with its fingerprint.
  await deploy.deployButton.click();
  const trusted = await deploy.waitForReview();
  expect(new Set(trusted).size).toBe(3);
  await expect(deploy.reviewHosts).toHaveCount(3);
  for (const id of ids) {
    await expect(deploy.reviewHost(id)).toHaveAttribute('data-outcome', 'pending');
    await expect(deploy.reviewHost(id).getByTestId('review-add')).toContainText('br100');
  }
  await deploy.expandCommands(ids[0] as string);
  await expect(
    deploy
      .reviewHost(ids[0] as string)
      .getByTestId('review-shell')
      .first(),
  ).toContainText('ip link add');
  await expect(deploy.applyButton).toHaveText('Apply to 3 hosts');
  await page.screenshot({ path: docs('screenshot-deploy-review.png') });

  // Apply: every badge turns "applied" and the summary says so.
  await deploy.applyButton.click();
  await expect(deploy.review).toBeHidden();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  await expect(deploy.status).toContainText('3 applied · 0 unchanged · 0 failed');
  await expect(page.getByTestId('deploy-summary')).toContainText('3 applied · 0 unchanged · 0 failed');
  await expect(deploy.logLines.filter({ hasText: 'read-back matches the topology' })).toHaveCount(3);
  for (const fingerprint of trusted)
    await expect(deploy.logLines.filter({ hasText: `trusted ssh-ed25519 host key ${fingerprint}` })).toHaveCount(1);
  await page.screenshot({ path: docs('screenshot-deployed.png') });

  // The overlay really works: h1 reaches the last host's overlay address across VXLAN.
  const first = lab.hosts[0] as LabHost;
  const ping = inHost(first, ['ping', '-c', '2', '-W', '2', `10.100.0.${lab.hosts.length}`]);
  expect(ping.status, ping.stdout + ping.stderr).toBe(0);
  for (const host of lab.hosts) expect(overlayLinks(host)).toHaveLength(2);

  // A clean run's summary closes itself after a few seconds; the host badges keep the result.
  await expect(deploy.status).toBeHidden({ timeout: 15_000 });
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied');

  // Deploy again: nothing to do anywhere, no new key questions.
  await deploy.deployButton.click();
  expect(await deploy.waitForReview(false)).toEqual([]);
  for (const id of ids) {
    await expect(deploy.reviewHost(id)).toHaveAttribute('data-outcome', 'unchanged');
    await expect(deploy.badge(id)).toHaveText('unchanged');
  }
  await expect(deploy.applyButton).toBeDisabled();
  await expect(deploy.applyButton).toHaveText('Nothing to apply');
  await deploy.review.getByRole('button', { name: 'Cancel' }).click();
  await expect(deploy.review).toBeHidden();

  // Destroy: the review lists removals only; applying them leaves no bridge or VXLAN device.
  await deploy.destroyButton.click();
  await deploy.waitForReview(false);
  for (const id of ids) {
    await expect(deploy.reviewHost(id).getByTestId('review-remove')).toBeVisible();
    await expect(deploy.reviewHost(id).getByTestId('review-add')).toHaveCount(0);
  }
  await expect(deploy.applyButton).toHaveText('Destroy on 3 hosts');
  await deploy.applyButton.click();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('removed', { timeout: 60_000 });
  await expect(deploy.status).toContainText('3 removed · 0 unchanged · 0 failed');
  for (const host of lab.hosts) expect(overlayLinks(host)).toEqual([]);

  expect(studio.consoleErrors).toEqual([]);
});

test.describe('with a host whose key changed since it was trusted', () => {
  test.use({ knownHosts: 'changed:h2' });

  test('that host is refused with the error inline and no way to accept the key, while the other hosts deploy', async ({
    page,
    lab,
  }) => {
    const studio = new StudioPage(page);
    const deploy = new DeployPage(page);
    await studio.open(lab.url);
    await expect(studio.title).toContainText('demo.vxlan.json');

    await deploy.deployButton.click();
    // No question is asked: the two good keys are known, the changed one is a hard stop.
    expect(await deploy.waitForReview(false)).toEqual([]);
    const h2 = deploy.reviewHost('h2');
    await expect(h2).toHaveAttribute('data-outcome', 'unreachable');
    await expect(h2.getByTestId('review-status')).toHaveText('host key changed');
    await expect(h2.getByTestId('review-error')).toHaveAttribute('data-code', 'SSH_HOST_KEY_CHANGED');
    await expect(h2.getByTestId('review-error')).toContainText('verify', { ignoreCase: true });
    await expect(h2.getByRole('button')).toHaveCount(0);
    await expect(deploy.badge('h2')).toHaveText('host key changed');
    await expect(deploy.applyButton).toHaveText('Apply to 2 hosts');
    await h2.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/deploy-host-key-changed.png' });

    await deploy.applyButton.click();
    for (const id of ['h1', 'h3']) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
    await expect(deploy.badge('h2')).toHaveText('host key changed');
    await expect(deploy.status).toContainText('2 applied · 0 unchanged · 0 failed · 1 unreachable');
    await deploy.openLog();
    await expect(deploy.logLines.filter({ hasText: 'SSH_HOST_KEY_CHANGED' }).first()).toBeVisible();
    // Nothing reached h2: no device of the topology was made there.
    expect(overlayLinks(lab.hosts.find((h) => h.name === 'h2') as LabHost)).toEqual([]);
    await expect(deploy.hostKeyPrompt).toBeHidden();
  });
});

test('a step the kernel refuses fails that host at its step, with the command, exit code and stderr in the Log, and rolls it back while the others deploy', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  await studio.open(lab.url);
  await expect(studio.title).toContainText('demo.vxlan.json');

  // h3 claims jumbo frames its eth0 does not have: "auto" gives its VXLAN device MTU 8950, which
  // the kernel refuses (a VXLAN device's MTU must fit its lower device minus 50 bytes, RFC 7348 4.3).
  await studio.select('h3');
  await studio.setField('MTU', '9000');
  await studio.select('seg100');
  await studio.setField('MTU', 'auto');
  await expect(deploy.deployButton).toBeEnabled();

  await deploy.deployButton.click();
  await deploy.waitForReview();
  await deploy.expandCommands('h3');
  await expect(deploy.reviewHost('h3').getByTestId('review-shell').first()).toContainText('ip link set vxlan100 mtu 8950');
  await deploy.applyButton.click();

  for (const id of ['h1', 'h2']) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  await expect(deploy.badge('h3')).toHaveText(/^rolled back \(step \d+\)$/, { timeout: 60_000 });
  await expect(deploy.status).toContainText('2 applied · 0 unchanged · 0 failed · 1 rolled back');
  const failure = deploy.logLines.filter({ hasText: /step \d+ of \d+ failed/ });
  await expect(failure).toHaveCount(1);
  await expect(failure).toHaveAttribute('data-host-id', 'h3');
  await expect(failure).toContainText('$ ip link set vxlan100 mtu 8950');
  await expect(failure).toContainText(/exit code [1-9]/);
  await expect(failure).toContainText('RTNETLINK answers');
  await page.screenshot({ path: 'test-results/deploy-failed-step.png' });
  // Rolled back: nothing of the topology is left on h3.
  expect(overlayLinks(lab.hosts.find((h) => h.name === 'h3') as LabHost)).toEqual([]);
});

test('Cancel lets go of a host that stopped answering mid-deploy and says what that host went through, and a later Deploy converges it', async ({
  page,
  lab,
}) => {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  await studio.open(lab.url);
  await expect(studio.title).toContainText('demo.vxlan.json');
  await deploy.deployButton.click();
  await deploy.waitForReview();

  // Every sshd process of h3 stops (SIGSTOP) after the review: its open session hangs.
  await lab.freezeSshd('h3');
  try {
    await deploy.applyButton.click();
    for (const id of ['h1', 'h2']) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
    await expect(deploy.badge('h3')).toHaveText(/^(connecting|observing|applying)/);
    await page.getByTestId('deploy-cancel').click();
    // Let go after the grace (2 s), not after the 120 s script timeout.
    // h3 hung while being read (before any step), so nothing of this run reached it.
    await expect(deploy.badge('h3')).toHaveText('cancelled · nothing changed', { timeout: 15_000 });
    await expect(deploy.status).toContainText('Cancelled');
    await expect(deploy.status).toContainText('2 applied');
    await deploy.openLog();
    await expect(deploy.logLines.filter({ hasText: 'cancelled before any change' }).first()).toBeVisible();
    await page.screenshot({ path: 'test-results/deploy-cancel-hung-host.png' });
  } finally {
    await lab.thawSshd('h3');
  }

  // Once h3 answers again, Deploy finds only h3 to do and converges it.
  await deploy.deployButton.click();
  await deploy.waitForReview(false);
  await expect(deploy.reviewHost('h1')).toHaveAttribute('data-outcome', 'unchanged');
  await expect(deploy.reviewHost('h3')).toHaveAttribute('data-outcome', 'pending');
  await deploy.applyButton.click();
  await expect(deploy.badge('h3')).toHaveText('applied', { timeout: 60_000 });
  const ping = inHost(lab.hosts[0] as LabHost, ['ping', '-c', '2', '-W', '2', '10.100.0.3']);
  expect(ping.status, ping.stdout + ping.stderr).toBe(0);
  expect(studio.consoleErrors).toEqual([]);
});
