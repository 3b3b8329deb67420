/**
 * Page object for live health: the toolbar switch, host and membership-edge colours on the canvas,
 * the Troubleshoot tab (findings, Fix, pair matrices) and the fix dialog.
 */
import type { Locator, Page } from '@playwright/test';

export class HealthPage {
  constructor(readonly page: Page) {}

  get toggle(): Locator {
    return this.page.getByTestId('health-toggle');
  }

  get lastUpdated(): Locator {
    return this.page.getByTestId('health-updated');
  }

  /** The host node's box, whose class carries `health-up|down|unknown`. */
  host(hostId: string): Locator {
    return this.page.locator(`.react-flow__node[data-id="${hostId}"] [data-testid="host-node"]`);
  }

  /** The label of a host's membership edge; `data-health` is `ok|partial|down|unknown`. */
  edgeLabel(hostId: string): Locator {
    return this.page.locator(`[data-testid="edge-label"][data-host-id="${hostId}"]`);
  }

  get edgeLabels(): Locator {
    return this.page.locator('[data-testid="edge-label"][data-host-id]');
  }

  get tab(): Locator {
    return this.page.getByTestId('troubleshoot-tab');
  }

  get panel(): Locator {
    return this.page.getByTestId('troubleshoot');
  }

  get noFindings(): Locator {
    return this.page.getByTestId('troubleshoot-ok');
  }

  /** The line naming hosts and tunnels of the drawing the latest round did not measure. */
  get unmeasured(): Locator {
    return this.page.getByTestId('troubleshoot-unmeasured');
  }

  finding(code: string): Locator {
    return this.page.locator(`[data-testid="finding"][data-code="${code}"]`);
  }

  get findings(): Locator {
    return this.page.getByTestId('finding');
  }

  get pairCells(): Locator {
    return this.page.getByTestId('pair-cell');
  }

  get fixDialog(): Locator {
    return this.page.getByTestId('fix-dialog');
  }
}
