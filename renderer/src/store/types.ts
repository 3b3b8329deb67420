/**
 * The store's full shape, assembled from slices (zustand slices pattern). Each slice is typed with
 * `StateCreator<Store, [], [], Slice>` so it can read the others through `get()`.
 */
import type { Diagnostic } from '../../../shared/validate';
import type { Position, Topology } from '../../../shared/model';
import type { EdgeChange, NodeChange } from '@xyflow/react';
import type { DeployResultData, EventOf } from '../../../shared/api/contract';
import type { StudioEdge, StudioNode } from '../canvas/convert';
import type { HealthSlice } from '../health/health-slice';

/** An inspector edit that did not parse: shown at the field, on the element and in Problems. */
export interface FieldError {
  elementId: string;
  /** Canvas node or edge id that shows the badge (same as elementId except for bridges). */
  canvasId: string;
  elementKind: 'topology' | 'host' | 'segment' | 'membership';
  field: string;
  label: string;
  raw: string;
  message: string;
}

export interface TopologySlice {
  topology: Topology;
  /** The topology as last opened or saved; `dirty` is `topology !== savedTopology`. */
  savedTopology: Topology | null;
  filePath: string | null;
  past: Topology[];
  future: Topology[];
  diagnostics: Diagnostic[];
  fieldErrors: Record<string, FieldError>;
  nodes: StudioNode[];
  edges: StudioEdge[];
  clipboard: Topology | null;
  /** Bumped by loadDocument, so the canvas fits the view once per opened document. */
  documentSeq: number;
  pasteCount: number;
  /** Replaces the document (New/Open/Recover): history and field errors start afresh. */
  loadDocument: (topology: Topology, filePath: string | null, opts?: { clean?: boolean }) => void;
  markSaved: (filePath: string, topology: Topology) => void;
  /** Applies an edit as one undoable step. */
  commit: (next: Topology) => void;
  /** Pushes the current topology as one undo step without changing it (start of a drag). */
  checkpoint: () => void;
  /** Applies canvas changes: positions (no history: the drag start made the checkpoint), sizes, selection. */
  applyNodeChanges: (changes: NodeChange<StudioNode>[]) => void;
  /** Applies edge selection changes from the canvas. */
  applyEdgeChanges: (changes: EdgeChange<StudioEdge>[]) => void;
  movePositions: (positions: Record<string, Position>) => void;
  /** Drops the newest refused field value if there is one, else steps the drawing back. */
  undo: () => void;
  redo: () => void;
  setFieldError: (error: FieldError) => void;
  clearFieldError: (elementId: string, field: string) => void;
  deleteSelection: () => void;
  copySelection: () => number;
  paste: () => void;
}

export interface SelectionSlice {
  selectedNodeIds: string[];
  selectedEdgeIds: string[];
  setSelection: (nodeIds: readonly string[], edgeIds: readonly string[]) => void;
  selectAll: () => void;
  clearSelection: () => void;
}

export type NoticeLevel = 'info' | 'warning' | 'error';
export interface Notice {
  id: number;
  level: NoticeLevel;
  text: string;
}

export interface NoticesSlice {
  notices: Notice[];
  notify: (level: NoticeLevel, text: string) => void;
  dismissNotice: (id: number) => void;
}

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

export type DeployAction = 'apply' | 'destroy';
/** Where the one deploy run stands: Deploy -> previewing -> reviewing -> applying -> done | failed | cancelled. */
export type DeployRunPhase = 'idle' | 'previewing' | 'reviewing' | 'applying' | 'done' | 'failed' | 'cancelled';
export type DeployProgressEvent = EventOf<'deploy.progress'>;
export type HostKeyPromptEvent = EventOf<'hosts.hostKeyPrompt'>;
export type DeployHostOutcome = DeployResultData['hosts'][number]['outcome'];

/** What a host node's deploy badge shows; replaced as a whole per event so only that host's selector changes. */
export interface HostProgress {
  phase: DeployProgressEvent['phase'];
  status: DeployProgressEvent['status'];
  /** Steps done so far and the host's step count, during apply. */
  step?: number;
  total?: number;
  outcome?: DeployHostOutcome;
  /** 0-based index of the failed step, from the run's result. */
  failedStep?: number;
  /** Error code from the run's result (e.g. SSH_HOST_KEY_CHANGED). */
  errorCode?: string;
  message?: string;
  /** Preview only: how many steps the host would run. */
  pendingSteps?: number;
}

export interface DeployLogLine {
  id: number;
  time: number;
  hostId: string | null;
  hostName: string;
  level: 'info' | 'ok' | 'error';
  message: string;
  /** Extra lines shown monospace under the message: the failed step's shell line, exit code, stderr tail. */
  detail?: string[];
}

export interface DeploySummary {
  applied: number;
  unchanged: number;
  failed: number;
  rolledBack: number;
  unreachable: number;
  pending: number;
}

export interface DeploySlice {
  deployRunId: string | null;
  deployAction: DeployAction;
  deployPhase: DeployRunPhase;
  /** The review of the current run (`deploy.preview`). */
  deployPreview: DeployResultData | null;
  /** The result of the last apply/destroy. */
  deployResult: DeployResultData | null;
  /** Why the whole run failed (bad topology, backend gone), when it did. */
  deployError: string | null;
  cancelRequested: boolean;
  hostProgress: Record<string, HostProgress>;
  /**
   * Each host's badge from the last run that reached it (applied, unchanged, failed...): a later run
   * that is cancelled before it touches a host shows this again instead of wiping it.
   */
  deploySettled: Record<string, HostProgress>;
  deployLog: DeployLogLine[];
  hostKeyPrompts: HostKeyPromptEvent[];
  /**
   * The review's "Remove (no longer drawn)" choice: whether the apply also removes the devices this
   * drawing created and no longer has. On for each new review (the user sees them and can untick).
   */
  deployPrune: boolean;
  setDeployPrune: (prune: boolean) => void;
  /** Starts a preview (`previewing`) or a run (`applying`) with a fresh run id; clears host badges. */
  beginDeployRun: (action: DeployAction, runId: string, stage: 'preview' | 'run') => void;
  /** Applies one `deploy.progress` event; events of another run are ignored. */
  applyDeployProgress: (event: DeployProgressEvent) => void;
  /** The preview came back: show the review. */
  finishPreview: (result: DeployResultData) => void;
  /** The apply/destroy came back: final badges, failure lines in the log, summary. */
  finishDeployRun: (result: DeployResultData) => void;
  failDeployRun: (message: string) => void;
  requestDeployCancel: () => void;
  /** Closes the review without applying. */
  closeDeployReview: () => void;
  /** Clears badges and the summary (the log stays). */
  resetDeploy: () => void;
  clearDeployLog: () => void;
  /** Adds one line to the log (e.g. a host-key answer), outside any progress event. */
  logDeploy: (level: DeployLogLine['level'], message: string, hostName?: string) => void;
  addHostKeyPrompt: (prompt: HostKeyPromptEvent) => void;
  removeHostKeyPrompt: (promptId: string) => void;
}

export type Store = TopologySlice & SelectionSlice & NoticesSlice & UiSlice & DeploySlice & HealthSlice;
