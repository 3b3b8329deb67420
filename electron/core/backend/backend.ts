/**
 * The transport-independent backend: one handler per contract method, over plain Node APIs.
 * Electron main wraps it in IPC, `vxlan-studio serve` in a WebSocket; neither adds behaviour.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors/catalogue';
import type { Handlers } from './dispatch';
import { readTextFile, resolveUserPath, writeFileAtomic } from './files';
import { createDeployHandlers, type DeployHandlerOptions } from './deploy-handlers';
import { createHealthHandlers, type HealthHandlerOptions } from './health-handlers';
import { createImportHandlers } from './import-handlers';
import { createSshService } from './ssh-service';
import { defaultAppKnownHostsFile } from '../ssh/known-hosts';
import { createWorkspace } from './workspace';

/** Native open/save dialogs; only the Electron main can provide them. `null` means cancelled. */
export interface Dialogs {
  pickOpen(): Promise<string | null>;
  pickSave(suggestedName: string): Promise<string | null>;
}

export interface BackendOptions {
  /** Folder for recent.json and autosave.json (created on first write). */
  dataDir: string;
  version: string;
  transport: 'ipc' | 'ws';
  /** Relative paths typed by the user resolve against this folder. */
  workingDirectory: string;
  /**
   * Web mode: confine file.read, file.write and recent files to this folder, never `dataDir`, the
   * known_hosts folder or ~/.ssh
   * (workspace.ts). Set only by `serve` and `demo`; the desktop app leaves it out and is not confined.
   */
  workspace?: string;
  dialogs?: Dialogs;
  /** Deploy over SSH (deploy.* and hosts.confirmHostKey; see deploy-handlers.ts). */
  deploy?: DeployHandlerOptions;
  /** A topology file the app opens at start (`app.info.initialFile`, set by `vxlan-studio demo`). */
  initialFile?: string;
  /** Live health (health.*; see health-handlers.ts); default: the deploy options (same emit, connector, known_hosts). */
  health?: HealthHandlerOptions;
}

export const RECENT_MAX = 10;
export const RECENT_FILE = 'recent.json';
export const AUTOSAVE_FILE = 'autosave.json';

const RecentFileSchema = z.object({ paths: z.array(z.string().min(1)) });
const AutosaveFileSchema = z.object({ text: z.string(), path: z.string().min(1).nullable(), savedAt: z.string() });

/** Serialises read-modify-write cycles on one store file so concurrent calls never lose an update. */
function createLock(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

export function createBackend(options: BackendOptions): Handlers {
  const { dataDir, dialogs } = options;
  const workingDirectory = path.resolve(options.workingDirectory);
  const recentFile = path.join(dataDir, RECENT_FILE);
  const autosaveFile = path.join(dataDir, AUTOSAVE_FILE);
  const withRecentLock = createLock();
  const resolve = (p: string): string => resolveUserPath(p, workingDirectory);
  // Files that decide which hosts are trusted or how SSH logs in stay out of the page's reach even
  // when a workspace (say the home folder) contains them.
  const trust = [path.dirname(options.deploy?.knownHostsFile ?? defaultAppKnownHostsFile()), path.join(homedir(), '.ssh')];
  const workspace = options.workspace === undefined ? undefined : createWorkspace(options.workspace, dataDir, trust);
  /** Resolves a path from the page and, in web mode, refuses it unless it lies in the workspace. */
  async function resolveAllowed(input: string): Promise<string> {
    const file = resolve(input);
    await workspace?.check(input, file);
    return file;
  }
  /** The recent list as the page may see it: in web mode only entries inside the workspace. */
  async function visible(paths: string[]): Promise<string[]> {
    if (workspace === undefined) return paths;
    const inside = await Promise.all(paths.map((p) => workspace.contains(p)));
    return paths.filter((_, i) => inside[i]);
  }

  async function writeStore(file: string, value: unknown): Promise<void> {
    try {
      await fs.mkdir(dataDir, { recursive: true });
    } catch {
      throw new AppError('FILE_WRITE_FAILED', `The data folder ${dataDir} could not be created.`, { path: dataDir });
    }
    await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** The recent list; a missing or damaged store reads as empty (it only holds shortcuts, never work). */
  async function readRecent(): Promise<string[]> {
    let text: string;
    try {
      text = await readTextFile(recentFile, 1024 * 1024);
    } catch {
      return [];
    }
    try {
      const parsed = RecentFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.paths.slice(0, RECENT_MAX) : [];
    } catch {
      return [];
    }
  }

  // One SSH pool for deploy and health: one connection and shell per host, one set of questions.
  const ssh = options.deploy?.ssh ?? createSshService(options.deploy);
  return {
    ...createDeployHandlers({ ...options.deploy, ssh }),
    ...createHealthHandlers({ ...(options.health ?? options.deploy), ssh }),
    ...createImportHandlers({ ssh, resolveAllowed }),
    'app.info': () =>
      Promise.resolve({
        version: options.version,
        transport: options.transport,
        platform: process.platform,
        nativeDialogs: dialogs !== undefined,
        workingDirectory,
        ...(workspace === undefined ? {} : { workspace: workspace.root }),
        ...(options.initialFile === undefined ? {} : { initialFile: options.initialFile }),
      }),

    'file.pickOpen': async () => {
      if (!dialogs) throw new AppError('UNSUPPORTED', 'There is no file dialog in web mode; type the file path instead.');
      const picked = await dialogs.pickOpen();
      return picked === null ? null : { path: picked };
    },

    'file.pickSave': async ({ suggestedName }) => {
      if (!dialogs) throw new AppError('UNSUPPORTED', 'There is no file dialog in web mode; type the file path instead.');
      const picked = await dialogs.pickSave(suggestedName);
      return picked === null ? null : { path: picked };
    },

    'file.read': async ({ path: input }) => {
      const file = await resolveAllowed(input);
      return { path: file, text: await readTextFile(file) };
    },

    'file.write': async ({ path: input, text, mode }) => {
      const file = await resolveAllowed(input);
      return { path: file, bytes: await writeFileAtomic(file, text, mode) };
    },

    'recent.list': async () => ({ paths: await visible(await readRecent()) }),

    // The store keeps entries outside the workspace (the desktop app may share the data folder);
    // web mode only hides them.
    'recent.add': ({ path: input }) =>
      withRecentLock(async () => {
        const file = await resolveAllowed(input);
        const paths = [file, ...(await readRecent()).filter((p) => p !== file)].slice(0, RECENT_MAX);
        await writeStore(recentFile, { paths });
        return { paths: await visible(paths) };
      }),

    'autosave.write': async ({ text, path: input }) => {
      const savedAt = new Date().toISOString();
      await writeStore(autosaveFile, { text, path: input === null ? null : resolve(input), savedAt });
      return { savedAt };
    },

    'autosave.read': async () => {
      let text: string;
      try {
        text = await readTextFile(autosaveFile);
      } catch (err) {
        if (err instanceof AppError && err.data.code === 'FILE_NOT_FOUND') return null;
        throw err;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new AppError('FILE_READ_FAILED', `The autosave file ${autosaveFile} is damaged (not JSON).`, {
          path: autosaveFile,
        });
      }
      const parsed = AutosaveFileSchema.safeParse(raw);
      if (!parsed.success) {
        throw new AppError('FILE_READ_FAILED', `The autosave file ${autosaveFile} is damaged (unexpected fields).`, {
          path: autosaveFile,
        });
      }
      return parsed.data;
    },

    'autosave.clear': async () => {
      try {
        await fs.rm(autosaveFile, { force: true });
      } catch {
        throw new AppError('FILE_WRITE_FAILED', `The autosave file ${autosaveFile} could not be removed.`, {
          path: autosaveFile,
        });
      }
      return {};
    },
  };
}
