/** The shell's state: bottom tab, minimap, the one in-app dialog, app info and recent files. */
export type BottomTab = 'problems' | 'commands' | 'log' | 'troubleshoot';

export interface DialogButton {
  id: string;
  label: string;
  variant?: 'primary' | 'danger';
}

/** An in-app modal; `resolve` settles the promise of whoever asked (see app/dialogs.ts). */
export type DialogRequest =
  | { kind: 'confirm'; title: string; message: string; buttons: DialogButton[]; resolve: (id: string | null) => void }
  | {
      kind: 'path';
      title: string;
      message: string;
      initial: string;
      okLabel: string;
      suggestions: string[];
      resolve: (path: string | null) => void;
    }
  | {
      kind: 'number';
      title: string;
      message: string;
      initial: number;
      min: number;
      max: number;
      resolve: (n: number | null) => void;
    }
  | { kind: 'issues'; title: string; message: string; issues: { path: string; message: string }[]; resolve: () => void };

export interface AppInfo {
  version: string;
  transport: 'ipc' | 'ws';
  platform: string;
  nativeDialogs: boolean;
  workingDirectory: string;
  /** Web mode: the folder the page may read and write (with the app data folder). */
  workspace?: string | undefined;
  /** A topology file to open at start (`vxlan-studio demo`). */
  initialFile?: string | undefined;
}

export interface UiSlice {
  bottomTab: BottomTab;
  minimap: boolean;
  /** Canvas node to centre on next render (Problems click); cleared by the canvas. */
  focusRequest: { id: string; seq: number } | null;
  dialog: DialogRequest | null;
  appInfo: AppInfo | null;
  recent: string[];
  setBottomTab: (tab: BottomTab) => void;
  setDialog: (dialog: DialogRequest | null) => void;
  setAppInfo: (info: AppInfo) => void;
  setRecent: (paths: string[]) => void;
  toggleMinimap: () => void;
  requestFocus: (id: string) => void;
}
