/**
 * Types of the deploy runner: the executor it talks to (a persistent shell on a host, over SSH or in
 * a lab namespace), per-host results, and progress events.
 */
import type { Host } from '../../../shared/model';
import type { AppErrorData } from '../../../shared/errors/catalogue';
import type { Diagnostic } from '../../../shared/validate/diagnostic';
import type { StepKind } from '../../../shared/plan/types';
import type { HostPersistReport } from './persist';

/** What one script run on a host returned. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  /**
   * The script is safe to send twice (read-only, or a lock that dies with its shell): when a pooled
   * connection turns out to be dead (the host's sshd restarted since it was opened), reconnect once
   * and resend instead of failing the host.
   */
  retryOnStaleConnection?: boolean;
  /** Interrupts the script: the session is then thrown away and `run` rejects with CANCELLED. */
  signal?: AbortSignal;
  /**
   * Run in the host's long-lived shell itself, not a subshell: no process starts for it. Only for a
   * script with no `exit`, `set`, `cd`, trap or stdin, whose text cannot have a syntax error (the
   * shell would end), and whose variables may stay behind (the watch's check, deploy/watch.ts).
   */
  inShell?: boolean;
}

/**
 * A shell session on one host. `run` sends one POSIX sh script and resolves with its exit status and
 * output; it rejects only when the session itself fails (connection lost, timeout). Scripts sent to
 * one executor run one after another in the same long-lived shell when the transport has one, so
 * `$$` in a script names that shell (the lock holder watches it).
 */
export interface HostExecutor {
  run(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Called once when the runner is done with the host: a pooled session stays open, a one-off closes. */
  release(): Promise<void>;
}

/** Opens an executor for a topology host; rejects with an `AppError` (SSH_UNREACHABLE, SSH_HOST_KEY_CHANGED...). */
export type HostConnector = (host: Host, signal?: AbortSignal) => Promise<HostExecutor>;

export type DeployAction = 'apply' | 'destroy' | 'status';

export type HostOutcome =
  /** Already converged: nothing ran. */
  | 'unchanged'
  /** Steps ran and the read-back shows the host converged. */
  | 'applied'
  /** status only: steps would run. */
  | 'pending'
  /** A step failed (or the read-back differs) and nothing could be undone, or the undo failed too. */
  | 'failed'
  /** A step failed or the run was cancelled, and every step already applied was undone. */
  | 'rolled-back'
  /** Could not connect (or the host key was refused). */
  | 'unreachable';

export type DeployPhase = 'connect' | 'lock' | 'observe' | 'apply' | 'verify' | 'rollback' | 'release' | 'done';

/** One planned command, as shown to people and in `--json`. */
export interface PlannedStep {
  index: number;
  argv: string[];
  /** The exact text sent to the remote shell (`argvToShell`). */
  shell: string;
  description: string;
  kind: StepKind;
  /** The interface the step acts on (the plan step's `target`). */
  target: string;
  /** Only serves removing a device no longer drawn (the plan's `prune` steps): present only when the run prunes. */
  prune?: boolean;
}

export interface StepFailure {
  /** Index into `steps` of the step that failed (or was about to run when the session broke). */
  step: number;
  argv: string[];
  shell: string;
  /** Exit status; null when the session broke before the step reported one. */
  exitCode: number | null;
  stderrTail: string;
}

export interface HostTimings {
  connectMs: number;
  observeMs: number;
  applyMs: number;
  verifyMs: number;
  totalMs: number;
}

/** A revert armed on a host: this run's (after apply) or one found still open (deploy, status). */
export interface ConfirmWindow {
  runId: string;
  /** When the host reverts by itself, on the host's clock: epoch seconds and `HH:MM:SS`. */
  deadlineEpoch: number;
  deadline: string;
}

/** What a host's revert did, read back from its record. */
export interface RevertRecord {
  runId: string;
  /** When it ran, on the host's clock. */
  atEpoch: number;
  at: string;
  /** `timer`: by itself when the window ran out; `request`: `revert` (or Revert now). */
  by: 'timer' | 'request';
  /** One line per revert command: what it gave back. */
  undone: string[];
  /** Revert commands that did not exit 0 (a step of the change that never ran has nothing to undo). */
  failed: number;
  /** The read-back after the revert equals the snapshot taken before the change. */
  restored: boolean;
}

export interface HostDeployResult {
  hostId: string;
  hostName: string;
  outcome: HostOutcome;
  /** Steps the diff asked for (empty when converged). */
  steps: PlannedStep[];
  /** How many of `steps` ran successfully before the end (or the failure). */
  applied: number;
  /**
   * Devices carrying this topology's mark that it no longer has: removed by the `prune` steps when
   * the run prunes, else left in place.
   */
  stale: string[];
  /**
   * sha256 of the host's observed state and plan (review.ts): a review's digests, sent back with the
   * apply, make it run only what was reviewed. Absent when the host was not planned (unreachable...).
   */
  digest?: string;
  failure?: StepFailure;
  /** The error behind `failed`, `rolled-back` or `unreachable`. */
  error?: AppErrorData;
  /** Steps the read-back still asks for after an apply: non-empty means the host drifted. */
  drift?: PlannedStep[];
  /** Rollback details when it ran. */
  rollback?: { ok: boolean; commands: number; failures: StepFailure[]; restored: boolean };
  /** How the overlay survives a reboot: the network manager whose files the run keeps, or why it is runtime only. */
  persist?: HostPersistReport;
  diagnostics: Diagnostic[];
  timings: HostTimings;
  /**
   * The revert armed on the host (confirm.ts): this run's, after an apply with a confirm window, or
   * one found still open (then an apply or destroy refuses the host with CONFIRM_PENDING).
   */
  confirm?: ConfirmWindow;
  /** Reverts the host ran since it was last contacted (read and cleared by this run). */
  reverted?: RevertRecord[];
  /**
   * `unchanged` on the word of the host's watch (watch.ts): nothing changed since the read the watch
   * was armed for, and that read was planned again; the host was not read this run.
   */
  fromWatch?: true;
}

export interface DeployResult {
  action: DeployAction;
  topologyId: string;
  runId: string;
  ok: boolean;
  /** Whether devices no longer drawn were removed (`DeployOptions.prune`). */
  prune: boolean;
  /** Whether devices made by hand that differ from the drawing were (to be) replaced (`DeployOptions.replaceForeign`). */
  replaceForeign: boolean;
  hosts: HostDeployResult[];
  /** Topology-wide diagnostics. */
  diagnostics: Diagnostic[];
  durationMs: number;
}

export interface DeployProgress {
  runId: string;
  hostId: string;
  phase: DeployPhase;
  status: 'running' | 'ok' | 'failed' | 'skipped';
  /** Step index during `apply` / `rollback`. */
  step?: number;
  total?: number;
  message?: string;
  outcome?: HostOutcome;
}
