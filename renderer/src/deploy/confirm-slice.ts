/**
 * The commit-confirmed apply as the UI sees it: the review's "Confirm within" choice and the
 * pending run the countdown shows (the hosts revert by themselves; this only tracks the window).
 */
import type { StateCreator } from 'zustand';
import type { Store } from '../store/types';
import type { ConfirmSlice } from './confirm-types';

/** The review's default window: long enough to check the result, short enough that a cut-off admin waits little. */
export const DEFAULT_CONFIRM_SECONDS = 120;
/** The windows offered in the review (the backend takes 10-3600 s). */
export const CONFIRM_CHOICES = [30, 60, 120, 300, 600] as const;

export const createConfirmSlice: StateCreator<Store, [], [], ConfirmSlice> = (set) => ({
  confirmOn: true,
  confirmSeconds: DEFAULT_CONFIRM_SECONDS,
  setConfirmChoice: (on, seconds) => set({ confirmOn: on, confirmSeconds: seconds }),
  pendingConfirm: null,
  setPendingConfirm: (pending) => set({ pendingConfirm: pending }),
  confirmBusy: null,
  setConfirmBusy: (busy) => set({ confirmBusy: busy }),
});
