/**
 * Remembered window bounds (userData/window-state.json). Restoring is pure and defensive: a damaged
 * file or a monitor that is gone since the last run must never put the window off-screen.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readTextFile, writeFileAtomic } from '../core/backend/files';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent means "let the OS center the window". */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false };
export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;
/** How much of the title bar must stay on a display for the saved position to be kept. */
const VISIBLE_MIN = 64;

const StoredSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean().default(false),
});

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Turns whatever was stored into bounds that fit the current displays.
 * @param workAreas the work areas of the displays connected now (Electron `screen.getAllDisplays()`)
 */
export function restoreWindowState(stored: unknown, workAreas: readonly Rect[]): WindowState {
  const parsed = StoredSchema.safeParse(stored);
  if (!parsed.success) return { ...DEFAULT_WINDOW_STATE };
  const largest = workAreas.reduce<Rect | undefined>(
    (best, r) => (!best || r.width * r.height > best.width * best.height ? r : best),
    undefined,
  );
  const maxWidth = largest?.width ?? Number.MAX_SAFE_INTEGER;
  const maxHeight = largest?.height ?? Number.MAX_SAFE_INTEGER;
  const width = Math.max(Math.min(parsed.data.width, maxWidth), Math.min(MIN_WIDTH, maxWidth));
  const height = Math.max(Math.min(parsed.data.height, maxHeight), Math.min(MIN_HEIGHT, maxHeight));
  const state: WindowState = { width, height, maximized: parsed.data.maximized };
  const { x, y } = parsed.data;
  if (x === undefined || y === undefined) return state;
  // Keep the position only if a good piece of the title bar lands on some display.
  const titleBar: Rect = { x, y, width, height: 32 };
  const visible = workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.width >= VISIBLE_MIN && o.height > 0;
  });
  return visible ? { ...state, x, y } : state;
}

/** The state to store: the normal (not maximized) bounds plus whether the window was maximized. */
export function captureWindowState(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    width: Math.round(normalBounds.width),
    height: Math.round(normalBounds.height),
    maximized,
  };
}

/** Reads the state file; a missing or damaged file gives the defaults. */
export async function loadWindowState(file: string, workAreas: readonly Rect[]): Promise<WindowState> {
  try {
    return restoreWindowState(JSON.parse(await readTextFile(file, 64 * 1024)), workAreas);
  } catch {
    return restoreWindowState(undefined, workAreas);
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}
