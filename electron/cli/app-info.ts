/** What the CLI's web commands (`serve`, `demo`) tell the backend about the app. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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
