import type { StateCreator } from 'zustand';
import { validateTopology, type Diagnostic, type ValidateOptions } from '../../../shared/validate';
import type { Position, Topology } from '../../../shared/model';
import { deleteElements, emptyTopology, extractSelection, GRID, pasteFragment, setPositions } from './topology-ops';
import type { Store } from '../store/types';
import type { TopologySlice } from './types';
import type { StudioNode } from '../canvas/convert';
import { buildView } from '../canvas/view';

/** Undo depth: snapshots share unchanged parts, so 200 steps cost little memory. */
export const HISTORY_LIMIT = 200;

/**
 * Diagnostics per topology object. Open validates a drawing in a task of its own before loading it
 * (file-actions.ts), so that parsing, validating and mounting a large drawing never make one long
 * task; loading then finds the diagnostics here instead of validating again.
 */
const validated = new WeakMap<Topology, Diagnostic[]>();

export function diagnosticsOf(topology: Topology, options?: ValidateOptions): Diagnostic[] {
  let diagnostics = validated.get(topology);
  if (diagnostics === undefined) {
    diagnostics = validateTopology(topology, options);
    validated.set(topology, diagnostics);
  }
  return diagnostics;
}

function fieldKey(elementId: string, field: string): string {
  return `${elementId}|${field}`;
}

/** The ids still on the canvas; the same array when none is gone, so selection subscribers stay put. */
function liveIds(ids: string[], items: readonly { id: string }[]): string[] {
  if (ids.length === 0) return ids;
  const present = new Set(items.map((i) => i.id));
  return ids.every((id) => present.has(id)) ? ids : ids.filter((id) => present.has(id));
}

/**
 * State that follows from a new topology: diagnostics and the canvas view. `nodes` overrides the
 * previous canvas nodes (sizes and drag flags applied in the same update).
 */
function derive(
  get: () => Store,
  topology: Topology,
  selectedNodeIds?: string[],
  selectedEdgeIds?: string[],
  nodes?: StudioNode[],
): Partial<Store> {
  const s = get();
  const nodeSel = selectedNodeIds ?? s.selectedNodeIds;
  const edgeSel = selectedEdgeIds ?? s.selectedEdgeIds;
  const view = buildView(topology, nodeSel, edgeSel, { topology: s.topology, nodes: nodes ?? s.nodes, edges: s.edges });
  // Moving nodes changes only the layout: skip re-validating on every pointer move of a drag.
  const prev = s.topology;
  const sameNetwork =
    prev.hosts === topology.hosts &&
    prev.segments === topology.segments &&
    prev.memberships === topology.memberships &&
    prev.id === topology.id &&
    prev.name === topology.name;
  return {
    topology,
    diagnostics: sameNetwork ? s.diagnostics : diagnosticsOf(topology),
    nodes: view.nodes,
    edges: view.edges,
    // Selection may point at elements that no longer exist (after undo or delete): drop those.
    selectedNodeIds: liveIds(nodeSel, view.nodes),
    selectedEdgeIds: liveIds(edgeSel, view.edges),
  };
}

/** Field errors of elements that no longer exist are dropped; the others stay visible. */
function liveFieldErrors(topology: Topology, errors: Store['fieldErrors']): Store['fieldErrors'] {
  const ids = new Set<string>([
    topology.id,
    ...topology.hosts.map((h) => h.id),
    ...topology.segments.map((s) => s.id),
    ...topology.memberships.map((m) => m.id),
  ]);
  const out: Store['fieldErrors'] = {};
  for (const [key, e] of Object.entries(errors)) if (ids.has(e.elementId) || e.elementKind === 'topology') out[key] = e;
  return out;
}

export const createTopologySlice: StateCreator<Store, [], [], TopologySlice> = (set, get) => {
  const initial = emptyTopology();
  const initialView = buildView(initial, [], [], { topology: null, nodes: [], edges: [] });
  return {
    topology: initial,
    savedTopology: initial,
    filePath: null,
    past: [],
    future: [],
    diagnostics: diagnosticsOf(initial),
    fieldErrors: {},
    nodes: initialView.nodes,
    edges: initialView.edges,
    clipboard: null,
    documentSeq: 0,
    pasteCount: 0,

    loadDocument(topology, filePath, opts) {
      set({
        ...derive(get, topology, [], []),
        savedTopology: opts?.clean === false ? null : topology,
        filePath,
        past: [],
        future: [],
        fieldErrors: {},
        pasteCount: 0,
        documentSeq: get().documentSeq + 1,
      });
    },

    markSaved(filePath, topology) {
      set({ filePath, savedTopology: topology });
    },

    commit(next) {
      const s = get();
      if (next === s.topology) return;
      set({
        ...derive(get, next),
        past: [...s.past, s.topology].slice(-HISTORY_LIMIT),
        future: [],
        fieldErrors: liveFieldErrors(next, s.fieldErrors),
      });
    },

    checkpoint() {
      const s = get();
      set({ past: [...s.past, s.topology].slice(-HISTORY_LIMIT), future: [] });
    },

    applyNodeChanges(changes) {
      const s = get();
      const positions: Record<string, Position> = {};
      const measured = new Map<string, { width: number; height: number }>();
      const dragging = new Map<string, boolean>();
      let selection: Set<string> | null = null;
      for (const c of changes) {
        if (c.type === 'position') {
          if (c.position) positions[c.id] = { x: c.position.x, y: c.position.y };
          if (c.dragging !== undefined) dragging.set(c.id, c.dragging);
        } else if (c.type === 'dimensions' && c.dimensions) {
          measured.set(c.id, c.dimensions);
        } else if (c.type === 'select') {
          selection ??= new Set(s.selectedNodeIds);
          if (c.selected) selection.add(c.id);
          else selection.delete(c.id);
        }
      }
      let nodes = s.nodes;
      if (measured.size > 0 || dragging.size > 0) {
        nodes = nodes.map((n) => {
          const m = measured.get(n.id);
          const d = dragging.get(n.id);
          if (m === undefined && d === undefined) return n;
          const next = { ...n };
          if (m) next.measured = m;
          if (d !== undefined) next.dragging = d;
          return next;
        });
      }
      const nextSelection = selection ? [...selection] : undefined;
      // One store update per batch of changes: every canvas subscriber re-runs its selector on each.
      if (Object.keys(positions).length > 0) {
        // Positions during a drag change only the layout, never the network data; the undo step
        // for the whole drag was taken by `checkpoint()` when the drag began.
        set(derive(get, setPositions(s.topology, positions), nextSelection, undefined, nodes));
      } else if (nextSelection) {
        set(derive(get, s.topology, nextSelection, undefined, nodes));
      } else if (nodes !== s.nodes) {
        set({ nodes });
      }
    },

    applyEdgeChanges(changes) {
      let selection: Set<string> | null = null;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        selection ??= new Set(get().selectedEdgeIds);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      }
      if (selection) get().setSelection(get().selectedNodeIds, [...selection]);
    },

    movePositions(positions) {
      const s = get();
      s.commit(setPositions(s.topology, positions));
    },

    undo() {
      const s = get();
      // A refused field value is the user's latest edit even though it never reached the drawing:
      // Undo drops it first (the field shows its last valid value again), instead of reverting the
      // change before it and leaving the refused value in place.
      const refused = Object.keys(s.fieldErrors).at(-1);
      if (refused !== undefined) {
        const { [refused]: _gone, ...rest } = s.fieldErrors;
        set({ fieldErrors: rest });
        return;
      }
      const prev = s.past[s.past.length - 1];
      if (!prev) return;
      set({ ...derive(get, prev), past: s.past.slice(0, -1), future: [s.topology, ...s.future].slice(0, HISTORY_LIMIT) });
      set({ fieldErrors: liveFieldErrors(prev, get().fieldErrors) });
    },

    redo() {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      set({ ...derive(get, next), past: [...s.past, s.topology].slice(-HISTORY_LIMIT), future: s.future.slice(1) });
      set({ fieldErrors: liveFieldErrors(next, get().fieldErrors) });
    },

    setFieldError(error) {
      const key = fieldKey(error.elementId, error.field);
      // Re-inserted at the end, so the newest refused value is the last key (the one Undo drops first).
      const { [key]: _old, ...rest } = get().fieldErrors;
      set({ fieldErrors: { ...rest, [key]: error } });
    },

    clearFieldError(elementId, field) {
      const key = fieldKey(elementId, field);
      const errors = get().fieldErrors;
      if (!(key in errors)) return;
      const { [key]: _gone, ...rest } = errors;
      set({ fieldErrors: rest });
    },

    deleteSelection() {
      const s = get();
      if (s.selectedNodeIds.length === 0 && s.selectedEdgeIds.length === 0) return;
      s.commit(deleteElements(s.topology, s.selectedNodeIds, s.selectedEdgeIds));
      set(derive(get, get().topology, [], []));
    },

    copySelection() {
      const s = get();
      if (s.selectedNodeIds.length === 0) return 0;
      const fragment = extractSelection(s.topology, s.selectedNodeIds);
      set({ clipboard: fragment, pasteCount: 0 });
      return fragment.hosts.length + fragment.segments.length;
    },

    paste() {
      const s = get();
      if (!s.clipboard) return;
      const step = (s.pasteCount + 1) * GRID * 2;
      const { topology, nodeIds } = pasteFragment(s.topology, s.clipboard, { x: step, y: step });
      s.commit(topology);
      set({ ...derive(get, get().topology, nodeIds, []), pasteCount: s.pasteCount + 1 });
    },
  };
};

export { fieldKey };
