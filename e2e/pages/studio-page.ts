/**
 * Page object for the VXLAN Studio window: canvas items by `.react-flow__node[data-id=...]`,
 * panels by role and test id, never by CSS classes or layout a restyle would change.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export type PaletteKind = 'host' | 'segment' | 'bridge';

export class StudioPage {
  /** Console errors and uncaught exceptions seen by the page: a clean run has none. */
  readonly consoleErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(e.message));
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.locator('.react-flow')).toBeVisible();
    await expect(this.title).toContainText('VXLAN Studio');
  }

  get title(): Locator {
    return this.page.getByTestId('doc-title');
  }

  get pane(): Locator {
    return this.page.locator('.react-flow__pane');
  }

  get inspector(): Locator {
    return this.page.getByRole('complementary', { name: 'Inspector' });
  }

  node(id: string): Locator {
    return this.page.locator(`.react-flow__node[data-id="${id}"]`);
  }

  nodesOfType(type: 'host' | 'segment' | 'bridge'): Locator {
    return this.page.locator(`.react-flow__node-${type}`);
  }

  get allNodes(): Locator {
    return this.page.locator('.react-flow__node');
  }

  get membershipEdges(): Locator {
    return this.page.locator('.react-flow__edge-membership');
  }

  async nodeIds(type: 'host' | 'segment' | 'bridge'): Promise<string[]> {
    const nodes = this.nodesOfType(type);
    const ids: string[] = [];
    for (let i = 0; i < (await nodes.count()); i++) {
      const id = await nodes.nth(i).getAttribute('data-id');
      if (id !== null) ids.push(id);
    }
    return ids;
  }

  /** HTML5 drag from the palette to a point of the canvas (relative to the pane's top-left). */
  async dragFromPalette(kind: PaletteKind, x: number, y: number): Promise<void> {
    await this.page.getByTestId(`palette-${kind}`).dragTo(this.pane, { targetPosition: { x, y } });
  }

  /** Drags from a node's source handle to another node's target handle. */
  async connect(sourceId: string, targetId: string): Promise<void> {
    const from = this.node(sourceId).locator('.react-flow__handle.source');
    const to = this.node(targetId).locator('.react-flow__handle.target');
    const a = await from.boundingBox();
    const b = await to.boundingBox();
    if (!a || !b) throw new Error(`handles of ${sourceId} -> ${targetId} are not on screen`);
    const mouse = this.page.mouse;
    await mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await mouse.down();
    await mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
    await mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await mouse.up();
  }

  async select(id: string): Promise<void> {
    await this.node(id).click();
  }

  /** Clicks empty canvas: clears the selection and takes focus out of any field. */
  async clickEmptyCanvas(): Promise<void> {
    await this.pane.click({ position: { x: 8, y: 8 } });
  }

  field(label: string): Locator {
    return this.inspector.getByLabel(label, { exact: true });
  }

  /** Types a value into an inspector field and applies it (Enter), as a user would. */
  async setField(label: string, value: string): Promise<void> {
    const input = this.field(label);
    await input.fill(value);
    await input.press('Enter');
  }

  fieldError(): Locator {
    return this.inspector.getByTestId('field-error');
  }

  badge(id: string, severity: 'error' | 'warning' = 'error'): Locator {
    return this.node(id).locator(`[data-testid="badge"][data-severity="${severity}"]`);
  }

  async showTab(name: 'Problems' | 'Commands'): Promise<void> {
    await this.page.getByRole('tab', { name, exact: false }).first().click();
  }

  get problems(): Locator {
    return this.page.getByTestId('problem');
  }

  private async answerPath(path: string): Promise<void> {
    const dialog = this.page.getByRole('dialog');
    await dialog.getByTestId('dialog-input').fill(path);
    await dialog.getByTestId('dialog-ok').click();
  }

  async saveAs(path: string): Promise<void> {
    await this.page.getByTestId('save-as').click();
    await this.answerPath(path);
  }

  async save(): Promise<void> {
    await this.page.getByTestId('save').click();
  }

  async openFile(path: string): Promise<void> {
    await this.page.getByTestId('open').click();
    await this.answerPath(path);
  }

  async useTemplate(name: 'Two hosts (textbook)' | 'N-host mesh…', meshSize?: number): Promise<void> {
    await this.page.getByTestId('templates-menu').click();
    await this.page.getByRole('menuitem', { name }).click();
    if (meshSize !== undefined) {
      const dialog = this.page.getByRole('dialog');
      await dialog.getByTestId('dialog-input').fill(String(meshSize));
      await dialog.getByTestId('dialog-ok').click();
    }
  }

  async undo(): Promise<void> {
    await this.page.keyboard.press('Control+z');
  }

  async redo(): Promise<void> {
    await this.page.keyboard.press('Control+Shift+z');
  }
}
