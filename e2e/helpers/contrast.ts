/**
 * WCAG 2.x contrast of what the page really paints: an element's computed text colour against the
 * background behind it (its own, else the nearest ancestor's, semi-transparent layers blended).
 * https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio and #dfn-relative-luminance.
 */
import type { Locator } from '@playwright/test';

export type Rgba = [number, number, number, number];

/** WCAG AA for normal-size text (success criterion 1.4.3). */
export const AA_NORMAL_TEXT = 4.5;

/** `rgb(1, 2, 3)` / `rgba(1, 2, 3, 0.5)` as getComputedStyle prints them. */
export function parseCssColor(css: string): Rgba {
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  if (!m?.[1]) throw new Error(`not an rgb() colour: ${css}`);
  const parts = m[1]
    .split(/[\s,/]+/)
    .filter((p) => p !== '')
    .map(Number);
  const [r = 0, g = 0, b = 0, a = 1] = parts;
  return [r, g, b, a];
}

/** Paints `top` over an opaque `bottom` (source-over). */
export function blend(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
}

/** Relative luminance of an sRGB colour (channels 0-255). */
export function relativeLuminance([r, g, b]: Rgba): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** (L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top: 1 to 21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The element's text colour and the colour behind it, as computed styles (innermost background first). */
async function paintedColors(el: Locator): Promise<{ color: string; backgrounds: string[] }> {
  return el.evaluate((node) => {
    const backgrounds: string[] = [];
    for (let n: Element | null = node; n !== null; n = n.parentElement) backgrounds.push(getComputedStyle(n).backgroundColor);
    return { color: getComputedStyle(node).color, backgrounds };
  });
}

/** The contrast ratio of an element's text against the background it is painted on. */
export async function textContrast(el: Locator): Promise<{ ratio: number; color: Rgba; background: Rgba }> {
  const { color, backgrounds } = await paintedColors(el);
  // Blend from the page (white) up to the element, so translucent layers count as the eye sees them.
  let background: Rgba = [255, 255, 255, 1];
  for (const css of backgrounds.reverse()) background = blend(parseCssColor(css), background);
  const text = blend(parseCssColor(color), background);
  return { ratio: contrastRatio(text, background), color: text, background };
}

/**
 * The text contrast a badge would have at each severity: a copy of the rendered badge (same classes,
 * so the same stylesheet rules) with `data-severity` set, measured, then removed. For findings a lab
 * cannot produce on demand at every severity. The copy goes under <body>, outside React's tree; the
 * badges paint their own opaque background, so what lies behind them does not change the result.
 */
export async function contrastAtSeverities(badge: Locator, severities: readonly string[]): Promise<Map<string, number>> {
  const ratios = new Map<string, number>();
  for (const severity of severities) {
    await badge.evaluate((el, s) => {
      const copy = el.cloneNode(true) as HTMLElement;
      copy.dataset['severity'] = s;
      copy.dataset['testid'] = 'severity-probe';
      copy.textContent = s;
      document.body.append(copy);
    }, severity);
    const probe = badge.page().getByTestId('severity-probe');
    ratios.set(severity, (await textContrast(probe)).ratio);
    await probe.evaluate((el) => el.remove());
  }
  return ratios;
}
