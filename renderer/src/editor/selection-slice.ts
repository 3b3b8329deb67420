import type { StateCreator } from 'zustand';
import type { SelectionSlice } from './types';
import type { Store } from '../store/types';
import { buildView } from '../canvas/view';

export const createSelectionSlice: StateCreator<Store, [], [], SelectionSlice> = (set, get) => {
  const select = (nodeIds: readonly string[], edgeIds: readonly string[]): void => {
    const s = get();
    const view = buildView(s.topology, nodeIds, edgeIds, { topology: s.topology, nodes: s.nodes, edges: s.edges });
    set({ selectedNodeIds: [...nodeIds], selectedEdgeIds: [...edgeIds], nodes: view.nodes, edges: view.edges });
  };
  return {
    selectedNodeIds: [],
    selectedEdgeIds: [],
    setSelection: select,
    selectAll() {
      const s = get();
      select(
        s.nodes.map((n) => n.id),
        s.edges.filter((e) => e.data?.kind === 'membership').map((e) => e.id),
      );
    },
    clearSelection() {
      select([], []);
    },
  };
};
