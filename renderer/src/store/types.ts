/**
 * The store's full shape, assembled from the features' slices (zustand slices pattern). Each slice is
 * typed with `StateCreator<Store, [], [], Slice>` so it can read the others through `get()`; the slice
 * interfaces live in each feature's types.ts, which never imports the store, so there is no cycle.
 */
import type { UiSlice } from '../app/types';
import type { ConfirmSlice } from '../deploy/confirm-types';
import type { DeploySlice } from '../deploy/types';
import type { SelectionSlice, TopologySlice } from '../editor/types';
import type { HealthSlice } from '../health/types';
import type { NoticesSlice } from '../notices/types';

export type Store = TopologySlice & SelectionSlice & NoticesSlice & UiSlice & DeploySlice & HealthSlice & ConfirmSlice;
