/**
 * The one renderer store, combined from slices (pmndrs/zustand slices pattern). Middleware, if any
 * is ever needed, goes here on the combined store, not inside a slice.
 */
import { create } from 'zustand';
import { createConfirmSlice } from '../deploy/confirm-slice';
import { createDeploySlice } from '../deploy/deploy-slice';
import { createHealthSlice } from '../health/health-slice';
import { createNoticesSlice } from '../notices/notices-slice';
import { createSelectionSlice } from '../editor/selection-slice';
import { createTopologySlice } from '../editor/topology-slice';
import type { Store } from './types';
import { createUiSlice } from '../app/ui-slice';

export function createStudioStore() {
  return create<Store>()((...a) => ({
    ...createTopologySlice(...a),
    ...createSelectionSlice(...a),
    ...createNoticesSlice(...a),
    ...createUiSlice(...a),
    ...createDeploySlice(...a),
    ...createHealthSlice(...a),
    ...createConfirmSlice(...a),
  }));
}

export const useStore = createStudioStore();

export const selectDirty = (s: Store): boolean => s.topology !== s.savedTopology;

export type { Store } from './types';
