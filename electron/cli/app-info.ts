/** What the CLI's web commands (`serve`, `demo`) tell the backend about the app. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root folder (the one holding package.json): found by walking up, because this code
 * runs both from electron/cli/ (tests, tsx) and bundled from dist/cli/, at different depths.
 */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** The version in package.json ("0.0.0" when it cannot be read). */
export function packageVersion(): string {
  try {
    const parsed = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Where recent files and the autosave live: $XDG_CONFIG_HOME/vxlan-studio when that is an absolute
 * path (the XDG rule), else ~/.config/vxlan-studio. Under sudo, HOME stays the invoking user's.
 */
export function defaultDataDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return path.join(xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.config'), 'vxlan-studio');
}
