/**
 * Web mode's file confinement. A page logged in to `vxlan-studio serve` must not get the rights of
 * the process (root under `sudo npm run demo`): every path it names is judged by where it REALLY
 * lies (fs.realpath, so a symlink inside the workspace that points outside is refused) and must be
 * inside the workspace folder, and never in the app's data folder (its known_hosts decides which
 * hosts are trusted). The desktop app has native dialogs and the
 * user's own rights, so it is never confined (the backend only builds this when serve/demo ask).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors/catalogue';

export interface Workspace {
  /** The workspace folder as configured (absolute). */
  readonly root: string;
  /**
   * Throws AppError FILE_OUTSIDE_WORKSPACE, naming the workspace, unless `file` (absolute, resolved
   * from `typed`) really lies inside the workspace or the data folder. `typed` is what the page sent:
   * any `..` segment in it is refused outright, before looking at the disk.
   */
  check(typed: string, file: string): Promise<void>;
  /** Whether `file` really lies inside the workspace or the data folder (for filtering lists). */
  contains(file: string): Promise<boolean>;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * The real path of `file`, also when it (or some of its parents) does not exist yet: the deepest
 * existing ancestor is resolved and the missing tail appended, so a new file is judged by the real
 * folder it would land in. `undefined` when the disk refuses to tell (then the path is refused).
 */
async function realPathOf(file: string): Promise<string | undefined> {
  const missing: string[] = [];
  let current = file;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...missing.reverse());
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') return undefined;
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function isInside(file: string, folder: string): boolean {
  return file === folder || file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

function hasParentSegment(typed: string): boolean {
  return typed.split(/[\\/]/).includes('..');
}

/**
 * @param root the workspace folder (must exist; `serve --workspace` checks it)
 * @param dataDir the app's data folder (known_hosts, recent files, autosave): always refused; may not exist yet
 * @param alsoRefused more files or folders that decide trust and are refused even inside the
 *   workspace: the app's known_hosts folder, the lab's known_hosts, `~/.ssh`
 */
export function createWorkspace(root: string, dataDir: string, alsoRefused: readonly string[] = []): Workspace {
  const workspace = path.resolve(root);
  const data = path.resolve(dataDir);
  const refused = [data, ...alsoRefused.map((p) => path.resolve(p))];

  /** Inside the workspace and not inside the data folder, both compared as real paths. */
  async function contains(file: string): Promise<boolean> {
    const real = await realPathOf(file);
    if (real === undefined) return false;
    const realWorkspace = await realPathOf(workspace);
    if (realWorkspace === undefined || !isInside(real, realWorkspace)) return false;
    // The data folder holds the app's known_hosts (and recent files, autosave): a page that could
    // write there could trust any host key, so it is off limits even inside the workspace. The page
    // reaches recent files and autosave through their own API methods.
    for (const folder of refused) {
      const realFolder = await realPathOf(folder);
      if (realFolder !== undefined && isInside(real, realFolder)) return false;
    }
    return true;
  }

  function refuse(file: string, why: string): AppError {
    return new AppError(
      'FILE_OUTSIDE_WORKSPACE',
      `${file} ${why}: web mode only reads and writes files inside the workspace ${workspace}, never in the app data folder ${data}.`,
      { path: file, workspace },
    );
  }

  return {
    root: workspace,
    contains,
    async check(typed, file) {
      if (hasParentSegment(typed)) throw refuse(file, 'is refused because the typed path contains ".."');
      if (!(await contains(file)))
        throw refuse(file, 'lies outside the workspace or in the app data folder (symbolic links followed)');
    },
  };
}
