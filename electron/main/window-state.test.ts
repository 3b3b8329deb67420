import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  captureWindowState,
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  restoreWindowState,
  saveWindowState,
  type Rect,
} from './window-state';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1080 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('restores bounds that fit a connected display', () => {
    expect(restoreWindowState({ x: 100, y: 80, width: 1400, height: 900, maximized: false }, [laptop])).toEqual({
      x: 100,
      y: 80,
      width: 1400,
      height: 900,
      maximized: false,
    });
  });

  it('drops the position when its monitor is gone, so the window is not off-screen', () => {
    const state = restoreWindowState({ x: 2200, y: 100, width: 1600, height: 1000, maximized: false }, [laptop]);
    expect(state).toEqual({ width: 1600, height: 1000, maximized: false });
  });

  it('keeps a position on a second monitor that is still there', () => {
    expect(
      restoreWindowState({ x: 2200, y: 100, width: 1600, height: 1000, maximized: true }, [laptop, rightMonitor]),
    ).toMatchObject({
      x: 2200,
      maximized: true,
    });
  });

  it('shrinks a window larger than the biggest display and grows one below the minimum', () => {
    expect(restoreWindowState({ width: 5000, height: 3000 }, [laptop])).toEqual({ width: 1920, height: 1080, maximized: false });
    expect(restoreWindowState({ width: 100, height: 50 }, [laptop])).toEqual({ width: 800, height: 560, maximized: false });
  });

  it('falls back to the defaults for a damaged state', () => {
    expect(restoreWindowState({ width: 'wide' }, [laptop])).toEqual(DEFAULT_WINDOW_STATE);
    expect(restoreWindowState(null, [laptop])).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('survives a save and a load through the state file, and a garbage file loads as defaults', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-winstate-'));
    try {
      const file = path.join(dir, 'nested', 'window-state.json');
      await saveWindowState(file, captureWindowState({ x: 10.4, y: 20.6, width: 1000, height: 700 }, true));
      expect(await loadWindowState(file, [laptop])).toEqual({ x: 10, y: 21, width: 1000, height: 700, maximized: true });
      await fs.writeFile(file, '{oops');
      expect(await loadWindowState(file, [laptop])).toEqual(DEFAULT_WINDOW_STATE);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
