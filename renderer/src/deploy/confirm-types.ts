/** Types of the commit-confirmed apply in the UI (the confirm slice); no store import, so no cycle. */

/** An apply whose hosts revert by themselves unless confirmed: what the countdown shows and Confirm sends. */
export interface PendingConfirm {
  runId: string;
  /** The exact topology text applied: Confirm and Revert now go to the same hosts. */
  topology: string;
  seconds: number;
  /** When the first host reverts, on this machine's clock (the window starts when the host arms it, just before the apply). */
  deadlineMs: number;
  /** Names of the hosts that armed a revert. */
  hosts: string[];
}

export interface ConfirmSlice {
  /** The review's "Confirm within" choice: on by default, 120 s. */
  confirmOn: boolean;
  confirmSeconds: number;
  setConfirmChoice: (on: boolean, seconds: number) => void;
  pendingConfirm: PendingConfirm | null;
  setPendingConfirm: (pending: PendingConfirm | null) => void;
  /** A Confirm or Revert now call under way. */
  confirmBusy: 'confirm' | 'revert' | null;
  setConfirmBusy: (busy: 'confirm' | 'revert' | null) => void;
}
