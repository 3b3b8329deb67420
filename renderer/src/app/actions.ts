/**
 * Every user command in one place, used by the toolbar, keyboard shortcuts and the native menu
 * (`menu.command` events), so they all behave the same.
 */
import type { MenuCommand } from '../../../shared/api/contract';
import { fitCanvas } from '../canvas/controls';
import { computeLayout } from '../canvas/layout';
import { describeError } from '../api/backend';
import { askChoice } from './dialogs';
import { newDocument, openDocument, saveDocument, saveDocumentAs } from '../files/file-actions';
import { useStore } from '../store/store';

const state = () => useStore.getState();

export async function autoLayout(): Promise<void> {
  const s = state();
  if (s.nodes.length === 0) return;
  try {
    const positions = await computeLayout(s.nodes, s.edges);
    state().movePositions(positions);
    requestAnimationFrame(() => fitCanvas());
  } catch (err) {
    state().notify('error', `Auto-layout failed: ${describeError(err)}`);
  }
}

export function copy(): void {
  const n = state().copySelection();
  if (n > 0) state().notify('info', `Copied ${n} element${n === 1 ? '' : 's'}.`);
}

export async function about(): Promise<void> {
  const info = state().appInfo;
  await askChoice(
    'About VXLAN Studio',
    `Design, deploy and troubleshoot VXLAN overlays (RFC 7348). Version ${info?.version ?? '?'}, ${info?.transport === 'ipc' ? 'desktop' : 'web'} mode on ${info?.platform ?? '?'}.`,
    [{ id: 'ok', label: 'Close', variant: 'primary' }],
  );
}

/** Edit commands that a focused text field handles itself (native menu while typing). */
const TEXT_EDIT: Partial<Record<MenuCommand, string>> = {
  'edit.undo': 'undo',
  'edit.redo': 'redo',
  'edit.copy': 'copy',
  'edit.paste': 'paste',
  'edit.delete': 'delete',
  'edit.selectAll': 'selectAll',
};

export function runCommand(command: MenuCommand): void {
  const s = state();
  const textEdit = TEXT_EDIT[command];
  if (textEdit !== undefined && isEditable(document.activeElement)) {
    // The native Edit menu acts on the field being typed in, as in any other app, not on the canvas.
    // execCommand is the only way to reach the field's own undo stack and clipboard from script.
    document.execCommand(textEdit);
    return;
  }
  const run = (p: Promise<unknown>): void => {
    p.catch((err: unknown) => state().notify('error', describeError(err)));
  };
  switch (command) {
    case 'file.new':
      return run(newDocument());
    case 'file.open':
      return run(openDocument());
    case 'file.save':
      return run(saveDocument());
    case 'file.saveAs':
      return run(saveDocumentAs());
    case 'edit.undo':
      return s.undo();
    case 'edit.redo':
      return s.redo();
    case 'edit.copy':
      return copy();
    case 'edit.paste':
      return s.paste();
    case 'edit.delete':
      return s.deleteSelection();
    case 'edit.selectAll':
      return s.selectAll();
    case 'view.fit':
      return fitCanvas();
    case 'view.autoLayout':
      return run(autoLayout());
    case 'view.toggleMinimap':
      return s.toggleMinimap();
    case 'help.about':
      return run(about());
  }
}

function isEditable(target: EventTarget | Element | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Keyboard shortcut -> command; typing in a field keeps the field's own undo, copy and delete. */
export function shortcutFor(e: KeyboardEvent): MenuCommand | null {
  if (state().dialog !== null || isEditable(e.target)) return null;
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && key === 'z') return e.shiftKey ? 'edit.redo' : 'edit.undo';
  if (mod && key === 'y') return 'edit.redo';
  if (mod && key === 'c') return 'edit.copy';
  if (mod && key === 'v') return 'edit.paste';
  if (mod && key === 'a') return 'edit.selectAll';
  if (mod && key === 's') return e.shiftKey ? 'file.saveAs' : 'file.save';
  if (mod && key === 'o') return 'file.open';
  if (mod && e.altKey && key === 'n') return 'file.new';
  if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) return 'edit.delete';
  if (!mod && e.shiftKey && key === 'f') return 'view.fit';
  if (!mod && e.shiftKey && key === 'l') return 'view.autoLayout';
  return null;
}
