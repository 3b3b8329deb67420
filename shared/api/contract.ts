/**
 * The one typed API contract between the renderer and the backend, used by every transport
 * (Electron IPC and the WebSocket of web mode). Each method is `{ request, response }` zod schemas;
 * each event a payload schema. Names read `domain.verb`.
 */
import { z } from 'zod';
import { ERROR_CODES, type AppErrorData } from '../errors/catalogue';
import { FINDING_CODES } from '../diagnose/types';
import { STEP_KINDS } from '../plan/types';
import { importMethods } from './import-methods';
import { SshTargetSchema } from '../model/topology';
import { PERSIST_MANAGERS } from '../plan/persist/types';

const Empty = z.object({});
const PathSchema = z.string().min(1).max(4096);

export const MENU_COMMANDS = [
  'file.new',
  'file.open',
  'file.openRecent',
  'file.save',
  'file.saveAs',
  'edit.undo',
  'edit.redo',
  'edit.copy',
  'edit.paste',
  'edit.delete',
  'edit.selectAll',
  'view.fit',
  'view.autoLayout',
  'view.toggleMinimap',
  'help.about',
] as const;
export const MenuCommandSchema = z.enum(MENU_COMMANDS);
export type MenuCommand = z.infer<typeof MenuCommandSchema>;

/** Text of a topology file as the editor holds it (parsed and validated by the backend before any host is touched). */
const TopologyTextSchema = z.string().min(1).max(50_000_000);

export const DeployOutcomeSchema = z.enum(['unchanged', 'applied', 'pending', 'failed', 'rolled-back', 'unreachable']);
export const DeployPhaseSchema = z.enum(['connect', 'lock', 'observe', 'apply', 'verify', 'rollback', 'release', 'done']);

/** A catalogue error (shared/errors) as data: its code is one of the catalogue's. */
const ErrorDataSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  hint: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

const DeployDiagnosticSchema = z.object({
  code: z.string(),
  severity: z.string(),
  message: z.string(),
  path: z.string(),
  elementId: z.string().optional(),
});

/** What a plan step does (shared/plan `StepKind`). */
export const StepKindSchema = z.enum(STEP_KINDS);

/**
 * One planned command on a host: what the review shows and the runner sends (as `shell`), with the
 * plan step's `kind` and `target` interface so a client groups steps without reading argv. `prune`:
 * it only serves removing a device the drawing no longer has (the review's "Remove (no longer drawn)").
 */
export const DeployStepSchema = z.object({
  index: z.number().int(),
  argv: z.array(z.string()),
  shell: z.string(),
  description: z.string(),
  kind: StepKindSchema,
  target: z.string(),
  prune: z.boolean().optional(),
});

export const DeployStepFailureSchema = z.object({
  step: z.number().int(),
  argv: z.array(z.string()),
  shell: z.string(),
  exitCode: z.number().int().nullable(),
  stderrTail: z.string(),
});

/** A revert armed on a host (commit-confirmed apply): it runs on the host by itself at `deadline` unless confirmed. */
export const ConfirmWindowSchema = z.object({
  runId: z.string(),
  /** Host clock: epoch seconds, and `HH:MM:SS` as the host shows it. */
  deadlineEpoch: z.number(),
  deadline: z.string(),
});

/** What a host's revert did (by itself at the deadline, or on request), read back from the host's record. */
export const RevertRecordSchema = z.object({
  runId: z.string(),
  atEpoch: z.number(),
  at: z.string(),
  by: z.enum(['timer', 'request']),
  undone: z.array(z.string()),
  failed: z.number().int(),
  /** The host's state after the revert equals the snapshot taken before the change. */
  restored: z.boolean(),
});

/**
 * How a host's overlay survives a reboot: the network manager whose files the run keeps (`manager`),
 * or why it is runtime only; what was detected on the host; the file changes as unified diffs.
 */
export const DeployPersistSchema = z.object({
  setting: z.string(),
  detected: z.enum(PERSIST_MANAGERS).optional(),
  evidence: z.array(z.string()),
  manager: z.enum(PERSIST_MANAGERS).optional(),
  runtimeOnly: z.string().optional(),
  files: z.array(
    z.object({ path: z.string(), change: z.enum(['create', 'update', 'remove']), description: z.string(), diff: z.string() }),
  ),
});

/** Per-host result of `deploy.preview`, `deploy.apply` and `deploy.destroy`. */
export const DeployHostResultSchema = z.object({
  hostId: z.string(),
  hostName: z.string(),
  outcome: DeployOutcomeSchema,
  steps: z.array(DeployStepSchema),
  applied: z.number().int(),
  /**
   * Devices carrying this drawing's mark that it no longer has: the `prune` steps remove them when
   * the request pruned, else they are left in place. Absent from backends that predate it.
   */
  stale: z.array(z.string()).optional(),
  /** The review's digest of this host (observed state + plan): sent back in `deploy.apply`'s `reviewed`. */
  digest: z.string().max(128).optional(),
  failure: DeployStepFailureSchema.optional(),
  error: ErrorDataSchema.optional(),
  drift: z.array(DeployStepSchema).optional(),
  rollback: z
    .object({ ok: z.boolean(), commands: z.number().int(), failures: z.array(DeployStepFailureSchema), restored: z.boolean() })
    .optional(),
  /** Absent from backends that predate persistent configuration. */
  persist: DeployPersistSchema.optional(),
  diagnostics: z.array(DeployDiagnosticSchema),
  timings: z.object({
    connectMs: z.number(),
    observeMs: z.number(),
    applyMs: z.number(),
    verifyMs: z.number(),
    totalMs: z.number(),
  }),
  /** The revert armed on the host: this run's (`confirmWithin`), or one still open (apply then refuses with CONFIRM_PENDING). */
  confirm: ConfirmWindowSchema.optional(),
  /** Reverts the host ran since it was last contacted ("reverted on its own at ..."). */
  reverted: z.array(RevertRecordSchema).optional(),
});
export type DeployHostResult = z.infer<typeof DeployHostResultSchema>;

export const DeployResultSchema = z.object({
  action: z.enum(['apply', 'destroy', 'status']),
  topologyId: z.string(),
  runId: z.string(),
  ok: z.boolean(),
  /** Whether the run removed (`deploy.apply`) or planned to remove (`deploy.preview`) devices no longer drawn. */
  prune: z.boolean().optional(),
  /** Whether devices made by hand that differ from the drawing were (`deploy.apply`) or would be (`deploy.preview`) replaced. */
  replaceForeign: z.boolean().optional(),
  hosts: z.array(DeployHostResultSchema),
  diagnostics: z.array(DeployDiagnosticSchema),
  durationMs: z.number(),
});
export type DeployResultData = z.infer<typeof DeployResultSchema>;

/** A run id chosen by the caller so it can cancel the run and match progress events before the call returns. */
const RunIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be 8-64 letters, digits or "-"');

const DeployRequestSchema = z.object({
  topology: TopologyTextSchema,
  runId: RunIdSchema.optional(),
  /** Only these hosts (ids); default all. */
  hostIds: z.array(z.string().min(1).max(64)).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  /**
   * apply (and its preview): also remove the devices carrying this drawing's mark that it no longer
   * has. Default false: they are left in place and listed in each host's `stale`. Devices of other
   * drawings are never touched either way.
   */
  prune: z.boolean().optional(),
  /**
   * apply/destroy: the reviewed digest per host id (the preview's `hosts[].digest`). A host whose
   * state or plan changed since, or that is not listed, is not touched: it comes back `failed` with
   * `CHANGED_SINCE_REVIEW` and its new steps. Absent: plan and apply in one go.
   */
  reviewed: z.record(z.string().min(1).max(64), z.string().max(128)).optional(),
  /**
   * apply (and its preview): delete and re-create devices made by hand whose settings differ from
   * the drawing. Default false: such a device is a `PLAN_NAME_CLASH`, left alone; one that matches
   * exactly is adopted (marked ours, link untouched) either way.
   */
  replaceForeign: z.boolean().optional(),
  /**
   * apply: each host keeps a snapshot and arms a revert that runs on the host by itself after this
   * many seconds unless `deploy.confirm` comes first (even when the app or the SSH path is gone).
   */
  confirmWithin: z.number().int().min(10).max(3600).optional(),
});

/** `deploy.confirm` / `deploy.revert`: the armed runs of the topology on its hosts (the hosts are asked). */
const ConfirmRequestSchema = z.object({
  topology: TopologyTextSchema,
  hostIds: z.array(z.string().min(1).max(64)).max(10_000).optional(),
});

export const ConfirmResultSchema = z.object({
  action: z.enum(['confirm', 'revert']),
  topologyId: z.string(),
  ok: z.boolean(),
  hosts: z.array(
    z.object({
      hostId: z.string(),
      hostName: z.string(),
      outcome: z.enum(['confirmed', 'reverted', 'none', 'unreachable', 'failed']),
      confirmed: z.array(z.string()),
      reverted: z.array(RevertRecordSchema),
      error: ErrorDataSchema.optional(),
    }),
  ),
  durationMs: z.number(),
});
export type ConfirmResultData = z.infer<typeof ConfirmResultSchema>;

/** Health (live tunnel checks and findings; electron/core/health). */
export const HostHealthStateSchema = z.enum(['ok', 'unreachable', 'auth-failed', 'timeout', 'unknown']);
export const PairHealthStatusSchema = z.enum(['ok', 'overlay-down', 'underlay-down', 'mtu', 'unknown']);
export const FindingCodeSchema = z.enum(FINDING_CODES);

/** A fix command as the review shows it and the runner sends it (`shell` is the quoted argv). */
export const HealthFixStepSchema = z.object({
  argv: z.array(z.string()),
  shell: z.string(),
  description: z.string(),
  kind: z.string(),
});

/** A diagnosis finding (shared/diagnose `Finding`) with a stable id for `health.applyFix`. */
export const HealthFindingSchema = z.object({
  id: z.string(),
  code: FindingCodeSchema,
  severity: z.enum(['error', 'warning', 'info']),
  title: z.string(),
  message: z.string(),
  hosts: z.array(z.string()),
  pair: z.tuple([z.string(), z.string()]).optional(),
  segmentId: z.string().optional(),
  evidence: z.array(z.object({ label: z.string(), value: z.string() })),
  fix: z
    .object({
      description: z.string(),
      hosts: z.array(z.object({ hostId: z.string(), steps: z.array(HealthFixStepSchema) })),
      /** For a topology value (e.g. the segment MTU): the change the file needs so the plan agrees with the fix. */
      topology: z.object({ segmentId: z.string(), mtu: z.number().int() }).optional(),
    })
    .optional(),
});
export type HealthFinding = z.infer<typeof HealthFindingSchema>;

/** SSH reachability of one host (host node colour). */
export const HostHealthViewSchema = z.object({
  hostId: z.string(),
  state: HostHealthStateSchema,
  message: z.string().optional(),
  /** ISO time of the last successful round on this host. */
  lastSeen: z.string().optional(),
  /** Steps the plan diff would run now (0 = as deployed). */
  driftSteps: z.number().int(),
});
export type HostHealthView = z.infer<typeof HostHealthViewSchema>;

/** One direction of one tunnel on one segment (pair matrix cell). */
export const PairHealthViewSchema = z.object({
  segmentId: z.string(),
  from: z.string(),
  to: z.string(),
  status: PairHealthStatusSchema,
  /** Overlay round trip in ms when it answered. */
  rttMs: z.number().optional(),
  /** Underlay path MTU when it was measured (after a failed DF probe). */
  pathMtu: z.number().int().optional(),
});
export type PairHealthView = z.infer<typeof PairHealthViewSchema>;

/** Tunnel health of one membership edge: how many of its peers answer over the overlay. */
export const MembershipHealthViewSchema = z.object({
  membershipId: z.string(),
  hostId: z.string(),
  segmentId: z.string(),
  status: z.enum(['all', 'some', 'none', 'unknown']),
  reachable: z.number().int(),
  peers: z.number().int(),
  /** Codes of findings about this host on this segment (edge badges). */
  badges: z.array(FindingCodeSchema),
});
export type MembershipHealthView = z.infer<typeof MembershipHealthViewSchema>;

/** One health round as the UI sees it. */
export const HealthViewSchema = z.object({
  /** Poller run id (`health.start`). */
  pollId: z.string(),
  round: z.number().int(),
  /** ISO time the round started. */
  at: z.string(),
  durationMs: z.number(),
  hosts: z.array(HostHealthViewSchema),
  pairs: z.array(PairHealthViewSchema),
  memberships: z.array(MembershipHealthViewSchema),
  findings: z.array(HealthFindingSchema),
});
export type HealthView = z.infer<typeof HealthViewSchema>;

const ResolvedEndpointSchema = z.object({ alias: z.string(), host: z.string(), port: z.number().int(), user: z.string() });

/** `hosts.resolveSsh`: a drawing's SSH target as the OpenSSH client config makes it. */
export const SshResolutionSchema = ResolvedEndpointSchema.extend({
  identityFiles: z.array(z.string()),
  jumps: z.array(ResolvedEndpointSchema),
  /** The config lines that gave a value (keyword lower-case). */
  sources: z.array(z.object({ keyword: z.string(), value: z.string(), file: z.string(), line: z.number().int() })),
  /** The config files read (main file first); [] = none. */
  files: z.array(z.string()),
});
export type SshResolutionView = z.infer<typeof SshResolutionSchema>;

const PollIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be 8-64 letters, digits or "-"');

export const methods = {
  /** What backend this is: version, transport, and whether native file dialogs exist. */
  'app.info': {
    request: Empty,
    response: z.object({
      version: z.string(),
      transport: z.enum(['ipc', 'ws']),
      platform: z.string(),
      nativeDialogs: z.boolean(),
      /** Folder where relative paths typed by the user are resolved (web mode). */
      workingDirectory: z.string(),
      /** Web mode: the only folder (with the app data folder) whose files the page may read and write. */
      workspace: z.string().optional(),
      /** A topology file the app should open at start (set by `vxlan-studio demo`). */
      initialFile: PathSchema.optional(),
    }),
  },
  /** Native "Open" dialog; `null` when the user cancels. UNSUPPORTED in web mode. */
  'file.pickOpen': { request: Empty, response: z.object({ path: PathSchema }).nullable() },
  /** Native "Save As" dialog; `null` when the user cancels. UNSUPPORTED in web mode. */
  'file.pickSave': {
    request: z.object({ suggestedName: z.string().max(255) }),
    response: z.object({ path: PathSchema }).nullable(),
  },
  /** Reads a topology file's text. Parsing and validation happen in shared/ on the caller's side. */
  'file.read': { request: z.object({ path: PathSchema }), response: z.object({ path: PathSchema, text: z.string() }) },
  /**
   * Writes a file atomically (temp file + rename), so a crash never leaves half a file. `mode` gives
   * the file's permission bits (umask applied, as open(2) does), e.g. 0o755 for an exported script;
   * without it an existing file keeps its bits and a new one gets 0o644. Only rwx bits: no setuid,
   * setgid or sticky bit can be asked for.
   */
  'file.write': {
    request: z.object({
      path: PathSchema,
      text: z.string().max(50_000_000),
      mode: z.number().int().min(0).max(0o777).optional(),
    }),
    response: z.object({ path: PathSchema, bytes: z.number().int() }),
  },
  /** Most recently opened/saved files, newest first. */
  'recent.list': { request: Empty, response: z.object({ paths: z.array(PathSchema) }) },
  'recent.add': { request: z.object({ path: PathSchema }), response: z.object({ paths: z.array(PathSchema) }) },
  /** Crash-safe autosave of the unsaved drawing. */
  'autosave.write': {
    request: z.object({ text: z.string().max(50_000_000), path: PathSchema.nullable() }),
    response: z.object({ savedAt: z.string() }),
  },
  'autosave.read': {
    request: Empty,
    response: z.object({ text: z.string(), path: PathSchema.nullable(), savedAt: z.string() }).nullable(),
  },
  'autosave.clear': { request: Empty, response: Empty },
  /**
   * Connects to every host, observes and diffs, changing nothing: the per-host review shown before
   * Deploy (`action: apply`) or Destroy (`action: destroy`). Hosts that cannot be reached come back
   * `unreachable` with their error; unknown host keys raise `hosts.hostKeyPrompt`.
   */
  'deploy.preview': {
    request: DeployRequestSchema.extend({ action: z.enum(['apply', 'destroy']).default('apply') }),
    response: DeployResultSchema,
  },
  /** Converges every host (lock, observe, diff, apply, read back); resolves when all hosts are done, with `deploy.progress` events meanwhile. */
  'deploy.apply': { request: DeployRequestSchema, response: DeployResultSchema },
  /** Removes what the topology created on every host (only links carrying its mark). */
  'deploy.destroy': { request: DeployRequestSchema, response: DeployResultSchema },
  /** Keeps the change of an apply with `confirmWithin`: disarms the revert on every host (unreached hosts still revert by themselves). */
  'deploy.confirm': { request: ConfirmRequestSchema, response: ConfirmResultSchema },
  /** Undoes the change of an apply with `confirmWithin` now: every host with an armed revert runs it. */
  'deploy.revert': { request: ConfirmRequestSchema, response: ConfirmResultSchema },
  /** Stops a run before each host's next step; what a host already applied is rolled back. */
  'deploy.cancel': { request: z.object({ runId: RunIdSchema }), response: z.object({ cancelled: z.boolean() }) },
  /** The user's answer to a `hosts.hostKeyPrompt` (trust a host key seen for the first time, or refuse it). */
  'hosts.confirmHostKey': {
    request: z.object({ promptId: z.string().min(1).max(64), accept: z.boolean() }),
    response: z.object({ known: z.boolean() }),
  },
  /**
   * The user's answer to a `hosts.credentialPrompt`: the secret (null = cancel, the host then fails
   * with SSH_AUTH_FAILED) and whether to remember it (only honoured when the prompt said `canRemember`).
   * The secret is used in memory by the SSH pool and never echoed back in a result or event.
   */
  'hosts.answerCredential': {
    request: z.object({
      promptId: z.string().min(1).max(64),
      secret: z.string().max(4096).nullable(),
      remember: z.boolean(),
      /** A sudo password that is the same on every host: answers the other open sudo questions too, and later ones. */
      forAllHosts: z.boolean().optional(),
    }),
    response: z.object({ accepted: z.boolean() }),
  },
  /**
   * What a host's SSH settings resolve to through the OpenSSH client config (~/.ssh/config): the real
   * host, port, user, identity files and jump hosts, and the config lines that said so. Reads no secret.
   */
  'hosts.resolveSsh': {
    request: z.object({ ssh: SshTargetSchema }),
    response: SshResolutionSchema,
  },
  /**
   * Starts polling a topology's hosts (one round per host per interval over pooled SSH; adaptive
   * interval, default 2 s). Changes stream as `health.changed`; a second start replaces the first.
   */
  'health.start': {
    request: z.object({ topology: TopologyTextSchema, intervalMs: z.number().int().min(500).max(600_000).optional() }),
    response: z.object({ pollId: PollIdSchema }),
  },
  /** Stops polling (and closes the poller's connections). */
  'health.stop': { request: Empty, response: z.object({ stopped: z.boolean() }) },
  /** Pauses polling; the last view stays. */
  'health.pause': { request: Empty, response: z.object({ paused: z.boolean() }) },
  'health.resume': { request: Empty, response: z.object({ paused: z.boolean() }) },
  /**
   * Polls an edited drawing from now on, keeping the poll id, the last view and each host's backoff:
   * the UI sends the drawing after each edit while polling runs or is paused. A running poller starts
   * a round at once; a paused one measures it when resumed.
   */
  'health.update': { request: z.object({ topology: TopologyTextSchema }), response: z.object({ pollId: PollIdSchema }) },
  /** The latest round (null before the first one ends); with `now: true`, runs a round first. */
  'health.snapshot': { request: z.object({ now: z.boolean().default(false) }), response: HealthViewSchema.nullable() },
  /**
   * Applies a finding's fix after the user confirmed it: the fix steps per host through the deploy
   * runner's step script, stopping at a failed step and undoing what ran on that host. An MTU fix also
   * returns the corrected topology text (the segment MTU), so the plan agrees with the hosts.
   */
  'health.applyFix': {
    request: z.object({ findingId: z.string().min(1).max(512) }),
    response: z.object({
      ok: z.boolean(),
      hosts: z.array(
        z.object({
          hostId: z.string(),
          outcome: z.enum(['applied', 'failed', 'rolled-back', 'unreachable']),
          applied: z.number().int(),
          failure: DeployStepFailureSchema.optional(),
          error: ErrorDataSchema.optional(),
        }),
      ),
      topology: z.string().optional(),
    }),
  },
  ...importMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type RequestOf<M extends MethodName> = z.input<Methods[M]['request']>;
export type ResponseOf<M extends MethodName> = z.output<Methods[M]['response']>;

export const events = {
  /** A native menu item or accelerator was used (desktop app). */
  'menu.command': z.object({
    command: MenuCommandSchema,
    /** Only for `file.openRecent`: the file the user picked in File > Open Recent. */
    path: PathSchema.optional(),
  }),
  /** Live progress of a deploy run, per host and phase (and step during apply/rollback). */
  'deploy.progress': z.object({
    runId: z.string(),
    hostId: z.string(),
    phase: DeployPhaseSchema,
    status: z.enum(['running', 'ok', 'failed', 'skipped']),
    step: z.number().int().optional(),
    total: z.number().int().optional(),
    message: z.string().optional(),
    outcome: DeployOutcomeSchema.optional(),
  }),
  /** A host presented a key seen for the first time: show the SHA256 fingerprint and answer with `hosts.confirmHostKey`. */
  'hosts.hostKeyPrompt': z.object({
    promptId: z.string(),
    host: z.string(),
    port: z.number().int(),
    keyType: z.string(),
    fingerprint: z.string(),
  }),
  /**
   * A host needs a login password or the passphrase of an encrypted identity file: ask the user and
   * answer with `hosts.answerCredential`. Carries no secret; `canRemember` = an encrypted store exists.
   */
  'hosts.credentialPrompt': z.object({
    promptId: z.string(),
    kind: z.enum(['password', 'passphrase', 'sudo-password']),
    host: z.string(),
    user: z.string().optional(),
    keyPath: z.string().optional(),
    canRemember: z.boolean(),
  }),
  /** A health round changed something (host reachability, a tunnel, a finding); only sent on change. */
  'health.changed': HealthViewSchema,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventOf<E extends EventName> = z.output<Events[E]>;

/** What every call returns across a transport: exceptions never cross the boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/** The client-side view of the API used by the renderer, whatever the transport. */
export interface ApiClient {
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<Result<ResponseOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}
