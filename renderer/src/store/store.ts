/**
 * The one renderer store, combined from slices (pmndrs/zustand slices pattern). Middleware, if any
 * is ever needed, goes here on the combined store, not inside a slice.
 */
import { create } from 'zustand';
import { createDeploySlice } from './deploy-slice';
import { createHealthSlice } from '../health/health-slice';
import { createNoticesSlice } from './notices-slice';
import { createSelectionSlice } from './selection-slice';
import { createTopologySlice } from './topology-slice';
import type { Store } from './types';
import { createUiSlice } from './ui-slice';

export function createStudioStore() {
  return create<Store>()((...a) => ({
    ...createTopologySlice(...a),
    ...createSelectionSlice(...a),
    ...createNoticesSlice(...a),
    ...createUiSlice(...a),
    ...createDeploySlice(...a),
    ...createHealthSlice(...a),
  }));
}

export const useStore = createStudioStore();

export const selectDirty = (s: Store): boolean => s.topology !== s.savedTopology;

export type { Store } from './types';
