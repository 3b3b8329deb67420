import type { StateCreator } from 'zustand';
import type { NoticesSlice } from './types';
import type { Store } from '../store/types';

let nextNoticeId = 1;
/** Notices stack at most this deep: a burst of events must not bury the canvas (no toast storms). */
const MAX_NOTICES = 4;

export const createNoticesSlice: StateCreator<Store, [], [], NoticesSlice> = (set, get) => ({
  notices: [],
  notify(level, text) {
    const notices = get().notices.filter((n) => n.text !== text);
    set({ notices: [...notices, { id: nextNoticeId++, level, text }].slice(-MAX_NOTICES) });
  },
  dismissNotice(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
});
