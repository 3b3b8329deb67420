/**
 * File > New / Open / Save / Save As, recent files and crash-safe autosave. Nothing the user drew
 * is replaced without asking, and a file that does not parse never replaces the drawing.
 */
import { parseTopologyText, serializeTopology, type Topology } from '../../../shared/model';
import { emptyTopology } from '../editor/topology-ops';
import { diagnosticsOf } from '../editor/topology-slice';
import { selectDirty, useStore } from '../store/store';
import { call, describeError } from '../api/backend';
import { askChoice, askNumber, askPath, showIssues } from '../app/dialogs';
import { baseName, resolvePath, suggestedFileName } from './paths';
import { MESH_MAX, MESH_MIN, meshTemplate, textbookTemplate } from './templates';

const state = () => useStore.getState();

/** Resolves in a later task: the browser may paint and handle input in between. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** `name* — VXLAN Studio`: the file's name (or the drawing's while unsaved), `*` when dirty. */
export function documentTitle(filePath: string | null, topologyName: string, dirty: boolean): string {
  const name = filePath === null ? topologyName : baseName(filePath);
  return `${name}${dirty ? '*' : ''} — VXLAN Studio`;
}

function workingDirectory(): string {
  return state().appInfo?.workingDirectory ?? '';
}

/** What the path dialogs say about where a typed path lands; web mode only reaches its workspace. */
function pathHelp(): string {
  const workspace = state().appInfo?.workspace;
  if (workspace !== undefined)
    return `Only files inside the workspace ${workspace} can be opened or saved; relative paths start there.`;
  return `Relative paths are resolved against ${workingDirectory()}.`;
}

function nativeDialogs(): boolean {
  return state().appInfo?.nativeDialogs === true;
}

async function addRecent(path: string): Promise<void> {
  try {
    const { paths } = await call('recent.add', { path });
    state().setRecent(paths);
  } catch (err) {
    state().notify('warning', `Could not update recent files: ${describeError(err)}`);
  }
}

export async function refreshRecent(): Promise<void> {
  try {
    state().setRecent((await call('recent.list', {})).paths);
  } catch (err) {
    state().notify('warning', `Could not read recent files: ${describeError(err)}`);
  }
}

/** Asks what to do with unsaved changes; true when it is fine to replace the drawing. */
export async function confirmDiscard(action: string): Promise<boolean> {
  const s = state();
  if (!selectDirty(s)) return true;
  const name = s.filePath === null ? s.topology.name : baseName(s.filePath);
  const choice = await askChoice('Unsaved changes', `"${name}" has changes that are not saved. Save them before ${action}?`, [
    { id: 'save', label: 'Save', variant: 'primary' },
    { id: 'discard', label: 'Discard changes', variant: 'danger' },
    { id: 'cancel', label: 'Cancel' },
  ]);
  if (choice === 'save') return saveDocument();
  return choice === 'discard';
}

async function clearAutosave(): Promise<void> {
  try {
    await call('autosave.clear', {});
  } catch {
    // A stale autosave only means an extra Recover prompt next start; not worth interrupting the user.
  }
}

async function replaceDocument(topology: Topology, path: string | null, action: string): Promise<boolean> {
  if (!(await confirmDiscard(action))) return false;
  state().loadDocument(topology, path);
  await clearAutosave();
  return true;
}

/** Opens a drawing made by import as a new, unsaved document (asking first about unsaved changes). */
export async function openImportedDrawing(topology: Topology): Promise<boolean> {
  if (!(await confirmDiscard('opening the imported drawing'))) return false;
  state().loadDocument(topology, null, { clean: false });
  await clearAutosave();
  return true;
}

export async function newDocument(): Promise<void> {
  await replaceDocument(emptyTopology(), null, 'starting a new drawing');
}

export async function newFromTextbook(): Promise<void> {
  await replaceDocument(textbookTemplate(), null, 'opening the template');
}

export async function newFromMesh(): Promise<void> {
  const n = await askNumber(
    'N-host mesh',
    `How many hosts (${MESH_MIN}-${MESH_MAX})? They share one unicast-mesh segment (head-end replication).`,
    4,
    MESH_MIN,
    MESH_MAX,
  );
  if (n === null) return;
  await replaceDocument(meshTemplate(n), null, 'opening the template');
}

async function pickOpenPath(): Promise<string | null> {
  if (nativeDialogs()) return (await call('file.pickOpen', {}))?.path ?? null;
  const typed = await askPath('Open topology', `Path of a *.vxlan.json file. ${pathHelp()}`, '', 'Open', state().recent);
  return typed === null || typed.trim() === '' ? null : resolvePath(typed, workingDirectory());
}

/** Opens a file; an invalid file shows every `path: message` and leaves the drawing as it was. */
export async function openDocument(path?: string): Promise<void> {
  try {
    const target = path ?? (await pickOpenPath());
    if (target === null) return;
    const { text } = await call('file.read', { path: target });
    const parsed = parseTopologyText(text);
    if (!parsed.ok) {
      await showIssues(
        `Cannot open ${baseName(target)}`,
        `${target} is not a valid topology file, so it was not opened. Your drawing is unchanged.`,
        parsed.issues,
      );
      return;
    }
    // Parsing, validating and loading (the canvas's first cards) are each a task of their own: at
    // 500 hosts each takes tens of milliseconds, and together they blocked the page for hundreds.
    await nextTask();
    // The schema has just accepted every field: validation skips its own schema pass (a second
    // full zod parse, about a third of validating a 500-host drawing).
    diagnosticsOf(parsed.topology, { schema: false });
    await nextTask();
    if (!(await replaceDocument(parsed.topology, target, 'opening another file'))) return;
    if (parsed.migratedFrom !== undefined) {
      state().notify('info', `Upgraded from format ${parsed.migratedFrom}; saving writes the current format.`);
    }
    await addRecent(target);
  } catch (err) {
    state().notify('error', `Open failed: ${describeError(err)}`);
  }
}

async function writeDocument(path: string): Promise<boolean> {
  const topology = state().topology;
  let text: string;
  try {
    text = serializeTopology(topology);
  } catch (err) {
    state().notify('error', `Cannot save: the drawing does not serialise (${describeError(err)}).`);
    return false;
  }
  try {
    await call('file.write', { path, text });
  } catch (err) {
    state().notify('error', `Save failed: ${describeError(err)}`);
    return false;
  }
  state().markSaved(path, topology);
  await clearAutosave();
  await addRecent(path);
  state().notify('info', `Saved ${path}`);
  return true;
}

export async function saveDocument(): Promise<boolean> {
  const path = state().filePath;
  return path === null ? saveDocumentAs() : writeDocument(path);
}

export async function pickSavePath(title: string, suggested: string): Promise<string | null> {
  if (nativeDialogs()) return (await call('file.pickSave', { suggestedName: baseName(suggested) }))?.path ?? null;
  const typed = await askPath(title, pathHelp(), suggested, 'Save');
  return typed === null || typed.trim() === '' ? null : resolvePath(typed, workingDirectory());
}

export async function saveDocumentAs(): Promise<boolean> {
  const s = state();
  try {
    const path = await pickSavePath('Save topology as', s.filePath ?? suggestedFileName(s.topology.name));
    return path === null ? false : writeDocument(path);
  } catch (err) {
    state().notify('error', `Save failed: ${describeError(err)}`);
    return false;
  }
}

/** rwxr-xr-x: an exported script is meant to be run (`./host-a.sh`); the umask still applies. */
const SCRIPT_MODE = 0o755;

/** Writes a host's shell script to a file the user names, executable. */
export async function exportScript(hostName: string, script: string): Promise<void> {
  try {
    const path = await pickSavePath(`Export script for ${hostName}`, `${hostName.replace(/[^A-Za-z0-9._-]+/g, '-')}.sh`);
    if (path === null) return;
    await call('file.write', { path, text: script, mode: SCRIPT_MODE });
    state().notify('info', `Exported ${path}`);
  } catch (err) {
    state().notify('error', `Export failed: ${describeError(err)}`);
  }
}

/** Debounce of autosave writes: often enough to lose little, rare enough to cost nothing. */
export const AUTOSAVE_DELAY_MS = 800;

/**
 * Writes the unsaved drawing on every change (debounced) through `autosave.write`; a save clears
 * it. Returns the unsubscribe function.
 */
export function startAutosave(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = useStore.subscribe((s, prev) => {
    if (s.topology === prev.topology) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      const now = state();
      if (!selectDirty(now)) return;
      let text: string;
      try {
        text = serializeTopology(now.topology);
      } catch {
        return;
      }
      call('autosave.write', { text, path: now.filePath }).catch((err: unknown) => {
        state().notify('warning', `Autosave failed: ${describeError(err)}`);
      });
    }, AUTOSAVE_DELAY_MS);
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
  };
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return (await call('file.read', { path })).text;
  } catch {
    return null;
  }
}

/** On start: learn the backend, load recent files, and offer to recover an autosaved drawing. */
export async function startup(): Promise<void> {
  try {
    state().setAppInfo(await call('app.info', {}));
  } catch (err) {
    state().notify('error', `Backend not available: ${describeError(err)}`);
    return;
  }
  await refreshRecent();
  try {
    const saved = await call('autosave.read', {});
    if (saved === null) return;
    const parsed = parseTopologyText(saved.text);
    if (!parsed.ok) {
      await clearAutosave();
      return;
    }
    if (saved.path !== null && (await readIfPresent(saved.path)) === saved.text) {
      // The file already holds exactly what was autosaved: nothing newer to recover.
      await clearAutosave();
      return;
    }
    const from = saved.path === null ? 'an unsaved drawing' : baseName(saved.path);
    const choice = await askChoice(
      'Recover unsaved changes?',
      `VXLAN Studio found changes to ${from} ("${parsed.topology.name}", autosaved ${new Date(saved.savedAt).toLocaleString()}) that were never saved.`,
      [
        { id: 'recover', label: 'Recover', variant: 'primary' },
        { id: 'discard', label: 'Discard', variant: 'danger' },
      ],
    );
    if (choice === 'recover') state().loadDocument(parsed.topology, saved.path, { clean: false });
    else if (choice === 'discard') await clearAutosave();
  } catch (err) {
    state().notify('warning', `Could not read the autosave: ${describeError(err)}`);
  }
}

/**
 * On start, after any recovery: open the file the backend names (`vxlan-studio demo`) through the
 * usual open path, so a bad file shows its issues and unsaved recovered work is asked about first.
 */
export async function openInitialFile(): Promise<void> {
  const file = state().appInfo?.initialFile;
  if (file === undefined || state().filePath === file) return;
  await openDocument(file);
}
