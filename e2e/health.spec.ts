/**
 * Live health in Chromium (web mode) on a lab of 3 real hosts: open the demo, deploy, every host and
 * tunnel turns green; drop VXLAN's UDP 4789 on h2 with an nftables rule; h2's tunnel turns red and
 * Troubleshoot names the rule; Fix, confirm, and everything is green again. Root only: the lab needs
 * network namespaces, sshd and nftables.
 */
import { fileURLToPath } from 'node:url';
import { AA_NORMAL_TEXT, contrastAtSeverities, textContrast } from './helpers/contrast';
import { DeployPage } from './pages/deploy-page';
import { HealthPage } from './pages/health-page';
import { StudioPage } from './pages/studio-page';
import type { Page } from '@playwright/test';
import { expect, isRoot, NOT_ROOT_REASON, test, type HealthLab } from './fixtures/health-lab';

if (!isRoot()) console.log(`health.spec.ts skipped: ${NOT_ROOT_REASON}`);
test.skip(!isRoot(), NOT_ROOT_REASON);
// Lab up (~10 s) + deploy + several 2 s health rounds + the fix + lab down.
test.setTimeout(240_000);

const docs = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
/** Health rounds run every 2 s; a change must show within a few rounds. */
const ROUNDS = { timeout: 30_000 };

/** Opens the lab's demo topology, deploys it (its host keys are already known to this app) and waits for green. */
async function deployDemo(
  page: Page,
  lab: HealthLab,
): Promise<{ studio: StudioPage; deploy: DeployPage; health: HealthPage; ids: string[] }> {
  const studio = new StudioPage(page);
  const deploy = new DeployPage(page);
  const health = new HealthPage(page);
  const ids = lab.hosts.map((h) => h.name);
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.open(lab.url);
  await expect(studio.title).toContainText('demo.vxlan.json');
  await expect(studio.nodesOfType('host')).toHaveCount(3);
  await page.getByTestId('auto-layout').click();
  // Live health starts by itself after a deploy.
  await deploy.deployButton.click();
  expect(await deploy.waitForReview(false)).toEqual([]);
  await deploy.applyButton.click();
  for (const id of ids) await expect(deploy.badge(id)).toHaveText('applied', { timeout: 60_000 });
  await expect(health.toggle).toHaveAttribute('data-polling', 'running', ROUNDS);
  return { studio, deploy, health, ids };
}

test('a firewall dropping VXLAN on one host turns its tunnel red with the rule on screen, and the offered fix turns it green again', async ({
  page,
  lab,
}) => {
  const { studio, health, ids } = await deployDemo(page, lab);

  // All green: every host reachable over SSH, every tunnel reaching all its peers, no findings.
  for (const id of ids) {
    await expect(health.host(id)).toHaveClass(/health-up/, ROUNDS);
    await expect(health.edgeLabel(id)).toHaveAttribute('data-health', 'ok', ROUNDS);
  }
  await health.tab.click();
  await expect(health.noFindings).toBeVisible(ROUNDS);
  await expect(health.pairCells).toHaveCount(6);
  for (let i = 0; i < 6; i++) await expect(health.pairCells.nth(i)).toHaveAttribute('data-tone', 'ok', ROUNDS);
  await expect(health.lastUpdated).toHaveText(/last updated \d\d:\d\d:\d\d/);
  // Nothing changes while all is green, yet the label keeps following the poller's rounds.
  const firstUpdate = (await health.lastUpdated.textContent()) ?? '';
  await expect(health.lastUpdated).not.toHaveText(firstUpdate, ROUNDS);
  await page.screenshot({ path: docs('screenshot-health-green.png') });

  // The fault: h2's firewall drops UDP 4789, so nothing reaches its VXLAN device.
  const rule = await lab.blockUdp('h2');
  expect(rule).toBe('udp dport 4789 drop');
  await expect(health.edgeLabel('h2')).toHaveAttribute('data-health', 'down', ROUNDS);
  await expect(health.edgeLabel('h2').getByTestId('health-badge')).toContainText('FW');
  // The other hosts still reach each other, not h2: amber.
  for (const id of ids.filter((x) => x !== 'h2'))
    await expect(health.edgeLabel(id)).toHaveAttribute('data-health', 'partial', ROUNDS);
  // SSH still works: h2's node stays green, it is the tunnel that is broken.
  await expect(health.host('h2')).toHaveClass(/health-up/);
  const finding = health.finding('FIREWALL_BLOCKS_VXLAN');
  await expect(finding).toBeVisible(ROUNDS);
  await expect(finding).toContainText(rule);
  // Its severity badge is readable (WCAG AA), and so is the same badge at the other severities.
  const severityBadge = finding.getByTestId('severity-badge');
  await expect(severityBadge).toHaveAttribute('data-severity', 'error');
  expect((await textContrast(severityBadge)).ratio).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
  for (const [severity, ratio] of await contrastAtSeverities(severityBadge, ['error', 'warning', 'info'])) {
    expect(ratio, `${severity} finding badge contrast`).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
  }
  // Hover text of h2's edge carries the same evidence.
  await expect(health.edgeLabel('h2')).toHaveAttribute('title', new RegExp(rule));
  // Clicking the finding highlights h2 on the canvas.
  await finding.locator('.finding-title').click();
  await expect(health.host('h2')).toHaveClass(/health-highlight/);
  await expect(page.locator('[data-testid="pair-cell"][data-tone="down"]')).toHaveCount(4);
  // The evidence lists the rule as nft prints it.
  const evidence = finding.getByTestId('finding-evidence');
  await expect(evidence).toContainText(rule);
  await evidence.scrollIntoViewIfNeeded();
  await page.screenshot({ path: docs('screenshot-health-firewall.png') });

  // Fix: the dialog shows the exact commands for h2, then applies them over SSH.
  await finding.getByTestId('finding-fix').click();
  await expect(health.fixDialog).toBeVisible();
  const commands = health.fixDialog.locator('[data-testid="fix-host"][data-host-id="h2"] [data-testid="fix-commands"]');
  await expect(commands).toContainText('4789');
  await health.fixDialog.getByTestId('fix-confirm').click();
  await expect(health.fixDialog.getByTestId('fix-result')).toContainText('h2: applied', { timeout: 60_000 });
  await health.fixDialog.getByTestId('fix-close').click();

  // Green again on the following rounds.
  for (const id of ids) await expect(health.edgeLabel(id)).toHaveAttribute('data-health', 'ok', ROUNDS);
  await expect(health.finding('FIREWALL_BLOCKS_VXLAN')).toHaveCount(0, ROUNDS);
  await expect(health.noFindings).toBeVisible(ROUNDS);
  await page.screenshot({ path: docs('screenshot-health-fixed.png') });

  expect(studio.consoleErrors).toEqual([]);
});

test('a path MTU too small for the overlay shows MTU on the tunnel with a fix that lowers the segment MTU, and a host whose sshd stops turns red until it answers again', async ({
  page,
  lab,
}) => {
  const { studio, health, ids } = await deployDemo(page, lab);
  for (const id of ids) await expect(health.edgeLabel(id)).toHaveAttribute('data-health', 'ok', ROUNDS);

  // The router's end of h3's link drops frames over 1400 bytes: the overlay's 1450 no longer fits.
  await lab.setPathMtu('h3', 1400);
  await health.tab.click();
  const finding = health.finding('MTU_EXCEEDS_PATH');
  await expect(finding).toBeVisible(ROUNDS);
  await expect(health.edgeLabel('h3').getByTestId('health-badge')).toContainText('MTU', ROUNDS);
  // Small pings still pass: it is the big frames that die, so SSH and the host stay green.
  await expect(health.host('h3')).toHaveClass(/health-up/);
  await expect(finding).toContainText('1450');
  await finding.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/health-mtu.png' });

  // Fix: lower the segment MTU on every member (through the deploy runner), and in the drawing.
  await finding.getByTestId('finding-fix').click();
  await expect(health.fixDialog).toBeVisible();
  await expect(health.fixDialog.locator('[data-testid="fix-commands"]').first()).toContainText('mtu 1350');
  await health.fixDialog.getByTestId('fix-confirm').click();
  for (const id of ids)
    await expect(health.fixDialog.getByTestId('fix-result')).toContainText(`${id}: applied`, { timeout: 60_000 });
  await health.fixDialog.getByTestId('fix-close').click();
  await expect(health.finding('MTU_EXCEEDS_PATH')).toHaveCount(0, ROUNDS);
  for (const id of ids) await expect(health.edgeLabel(id)).toHaveAttribute('data-health', 'ok', ROUNDS);
  await studio.select('seg100');
  await expect(page.getByLabel('MTU', { exact: true })).toHaveValue('1350');

  // h1's sshd stops answering (SIGSTOP): after a poll timeout its node turns red with HOST_UNREACHABLE.
  await lab.freezeSshd('h1');
  try {
    await expect(health.host('h1')).toHaveClass(/health-down/, ROUNDS);
    await expect(health.finding('HOST_UNREACHABLE')).toBeVisible(ROUNDS);
    await expect(health.finding('HOST_UNREACHABLE')).toContainText('h1');
    await page.screenshot({ path: 'test-results/health-unreachable.png' });
  } finally {
    await lab.thawSshd('h1');
  }
  await expect(health.host('h1')).toHaveClass(/health-up/, ROUNDS);
  await expect(health.finding('HOST_UNREACHABLE')).toHaveCount(0, ROUNDS);
  expect(studio.consoleErrors).toEqual([]);
});

test('a host added and joined to the segment while health runs is checked as the drawing is now: never "every host answers" while it is not measured, then unreachable', async ({
  page,
  lab,
}) => {
  const { studio, health, ids } = await deployDemo(page, lab);
  await health.tab.click();
  await expect(health.noFindings).toBeVisible(ROUNDS);
  for (let i = 0; i < 6; i++) await expect(health.pairCells.nth(i)).toHaveAttribute('data-tone', 'ok', ROUNDS);

  // A new host (its SSH target is a name nothing resolves) joins the segment.
  await studio.dragFromPalette('host', 80, 80);
  await expect(studio.nodesOfType('host')).toHaveCount(4);
  const added = (await studio.nodeIds('host')).find((id) => !ids.includes(id));
  if (added === undefined) throw new Error('the palette drop made no host');
  await studio.select(added);
  const name = await studio.field('Name').inputValue();
  await studio.connect(added, 'seg100');
  await expect(studio.membershipEdges).toHaveCount(4);
  await expect(health.pairCells).toHaveCount(12);

  // Until a round measures it, the summary names it instead of claiming all is well.
  await expect(health.noFindings).toHaveCount(0);
  await expect(health.unmeasured).toContainText(name);
  // The poller follows the edit: the new host is reported unreachable, not left grey.
  const unreachable = health.finding('HOST_UNREACHABLE');
  await expect(unreachable).toBeVisible(ROUNDS);
  await expect(unreachable).toContainText(name);
  await expect(health.host(added)).toHaveClass(/health-down/, ROUNDS);
  await expect(health.noFindings).toHaveCount(0);

  // An edit while paused is checked on resume: delete the host again, then all is green.
  await health.toggle.click();
  await expect(health.toggle).toHaveAttribute('data-polling', 'paused');
  await studio.select(added);
  await page.keyboard.press('Delete');
  await expect(studio.nodesOfType('host')).toHaveCount(3);
  await expect(health.unmeasured).toContainText('Resume live health');
  await expect(health.noFindings).toHaveCount(0);
  await health.toggle.click();
  await expect(health.toggle).toHaveAttribute('data-polling', 'running');
  await expect(health.noFindings).toBeVisible(ROUNDS);
  await expect(health.unmeasured).toHaveCount(0);
  for (let i = 0; i < 6; i++) await expect(health.pairCells.nth(i)).toHaveAttribute('data-tone', 'ok', ROUNDS);
  expect(studio.consoleErrors).toEqual([]);
});
