/**
 * Canvas actions other parts (toolbar, menu, shortcuts) trigger; the mounted canvas registers the
 * React Flow viewport functions here.
 */
export interface CanvasControls {
  fitView(): void;
}

let controls: CanvasControls | null = null;

export function registerCanvasControls(c: CanvasControls | null): void {
  controls = c;
}

export function fitCanvas(): void {
  controls?.fitView();
}
