import type { StateCreator } from 'zustand';
import type { Store } from '../store/types';
import type { UiSlice } from './types';

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  bottomTab: 'problems',
  minimap: true,
  focusRequest: null,
  dialog: null,
  appInfo: null,
  recent: [],
  setDialog(dialog) {
    set({ dialog });
  },
  setAppInfo(info) {
    set({ appInfo: info });
  },
  setRecent(paths) {
    set({ recent: paths });
  },
  setBottomTab(tab) {
    set({ bottomTab: tab });
  },
  toggleMinimap() {
    set({ minimap: !get().minimap });
  },
  requestFocus(id) {
    set({ focusRequest: { id, seq: (get().focusRequest?.seq ?? 0) + 1 } });
  },
});
