/** The one deploy run as the UI holds it: phase, per-host badges, review, result, log and host-key prompts. */
import type { DeployResultData, EventOf } from '../../../shared/api/contract';
import type { ErrorCode } from '../../../shared/errors/catalogue';

export type DeployAction = 'apply' | 'destroy';
/** Where the one deploy run stands: Deploy -> previewing -> reviewing -> applying -> done | failed | cancelled. */
export type DeployRunPhase = 'idle' | 'previewing' | 'reviewing' | 'applying' | 'done' | 'failed' | 'cancelled';
export type DeployProgressEvent = EventOf<'deploy.progress'>;
export type HostKeyPromptEvent = EventOf<'hosts.hostKeyPrompt'>;
export type CredentialPromptEvent = EventOf<'hosts.credentialPrompt'>;
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
  errorCode?: ErrorCode;
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
  /** Password and passphrase questions, oldest first. They carry no secret; the answer never enters the store. */
  credentialPrompts: CredentialPromptEvent[];
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
  addCredentialPrompt: (prompt: CredentialPromptEvent) => void;
  removeCredentialPrompt: (promptId: string) => void;
}
