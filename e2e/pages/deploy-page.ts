/**
 * Page object for Deploy/Destroy: the toolbar buttons, the review dialog, host-key questions, the
 * host badges on the canvas and the Log tab.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export class DeployPage {
  constructor(readonly page: Page) {}

  get deployButton(): Locator {
    return this.page.getByTestId('deploy');
  }

  get destroyButton(): Locator {
    return this.page.getByTestId('destroy');
  }

  get review(): Locator {
    return this.page.getByTestId('deploy-review');
  }

  get applyButton(): Locator {
    return this.review.getByTestId('review-apply');
  }

  reviewHost(hostId: string): Locator {
    return this.review.locator(`[data-testid="review-host"][data-host-id="${hostId}"]`);
  }

  get reviewHosts(): Locator {
    return this.review.getByTestId('review-host');
  }

  get hostKeyPrompt(): Locator {
    return this.page.getByTestId('host-key-prompt');
  }

  badge(hostId: string): Locator {
    return this.page.locator(`.react-flow__node[data-id="${hostId}"]`).getByTestId('deploy-badge');
  }

  get status(): Locator {
    return this.page.getByTestId('deploy-status');
  }

  get logLines(): Locator {
    return this.page.getByTestId('log-line');
  }

  /**
   * Waits for the review to be ready, trusting every unknown host key asked about on the way
   * (after checking the question shows a SHA256 fingerprint). Returns the fingerprints trusted.
   */
  async waitForReview(trustKeys = true): Promise<string[]> {
    const trusted: string[] = [];
    const ready = this.review.getByTestId('review-summary');
    const deadline = Date.now() + 45_000;
    while (!(await ready.isVisible())) {
      if (Date.now() > deadline) throw new Error('the deploy review did not appear within 45 s');
      if (await this.hostKeyPrompt.isVisible()) {
        const fingerprint = (await this.hostKeyPrompt.getByTestId('host-key-fingerprint').textContent()) ?? '';
        expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
        trusted.push(fingerprint);
        // Kept for looking at the dialog after a run (test-results/ is not committed).
        if (trusted.length === 1) await this.page.screenshot({ path: 'test-results/deploy-host-key-prompt.png' });
        await this.hostKeyPrompt.getByTestId(trustKeys ? 'host-key-trust' : 'host-key-refuse').click();
        continue;
      }
      await this.page.waitForTimeout(100);
    }
    return trusted;
  }

  /** Opens the commands of every group of a host in the review (the `<details>` are closed at first). */
  async expandCommands(hostId: string): Promise<void> {
    const summaries = this.reviewHost(hostId).locator('details.review-shell > summary');
    for (let i = 0; i < (await summaries.count()); i++) await summaries.nth(i).click();
  }

  async openLog(): Promise<void> {
    await this.page.getByTestId('log-tab').click();
  }
}
