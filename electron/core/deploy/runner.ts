/**
 * The deploy runner: per host, in parallel with bounded concurrency, take the topology's lock on the
 * host, gather facts and observe (one round trip), diff with shared/plan, run the steps in order
 * (one round trip, per-step status), read back and diff again, release the lock. A failed step stops
 * that host and undoes what it applied there; other hosts go on. Destroy is the same with
 * `planTeardown`; status stops after the diff.
 *
 * One host's run (`runHost`) is a list of phases over one context (`HostRun`): connect, lock,
 * observe, plan, apply, verify, rollback, then release. Steps run and are undone through the step
 * executor (steps.ts); the scripts and their parsers are in scripts.ts, the facts board in host-facts.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Host, Topology } from '../../../shared/model';
import { AppError, appError, type AppErrorData } from '../../../shared/errors/catalogue';
import type { ObservedHostState } from '../../../shared/observe';
import {
  argvToShell,
  desiredFromIndex,
  diffHost,
  indexTopology,
  otherDrawings,
  planTeardown,
  protectedChange,
  protectedPath,
  pruneChoice,
  type HostFacts,
  type ProtectOptions,
  type ProtectedPath,
  type Step,
} from '../../../shared/plan';
import { renderPersist } from '../../../shared/plan/persist';
import { cidrContains } from '../../../shared/validate/ip';
import { validateTopology } from '../../../shared/validate';
import type { Diagnostic } from '../../../shared/validate/diagnostic';
import { newNonce, sections } from '../ssh/remote-script';
import { armHost, controlHost, controlLine, parseControl, settleRestored, type ControlReport } from './confirm';
import { FactsBoard, peersOf } from './host-facts';
import { drawingDigest, type DeployMemory, type HostWatch, type WatchPlanned } from './memory';
import { planPersist, type HostFile, type PersistRead } from './persist';
import { factsFrom, parsePrepare, prepareError, prepareScript, releaseScript, type Prepared } from './scripts';
import { reviewDigest, reviewMismatch } from './review';
import { inverseSteps, reloadsManager, runSteps, sessionError, settleReadBack, stateKey, undoSteps, type StepRun } from './steps';
import { parseWatchBody, watchArmLines, watchCheckLines, watchStopLines, type WatchArmed } from './watch';
import type {
  DeployAction,
  DeployProgress,
  DeployResult,
  HostConnector,
  HostDeployResult,
  HostExecutor,
  PlannedStep,
} from './types';

/**
 * Hosts in flight at once, in the app and the CLI alike. A host's run mostly waits on the network and
 * costs the client little CPU (its handshake, bounded by the SSH pool's `maxHandshakes`, and a few
 * round trips), so 10 made 100 hosts ten waves deep; 32 runs them in four. Measured on 2 busy cores
 * running the lab's sshds too: 40 hosts took 40 s 10 at a time and 26-33 s 40 at a time.
 */
export const DEFAULT_CONCURRENCY = 32;
const SCRIPT_TIMEOUT_MS = 120_000;
/**
 * After Cancel, how long a script already running on a host may go on before it is interrupted. A
 * step takes milliseconds, so a host that answers finishes it and is rolled back cleanly; a host that
 * hangs (a frozen sshd, a dead link) is let go instead of holding the whole run for the script timeout.
 */
export const CANCEL_GRACE_MS = 2_000;

/**
 * The run's Cancel grace: `grace` ms after `signal` aborts, every host's own signal aborts. The
 * caller's signal is shared by every host of the run, so it gets ONE listener for the whole run
 * (a listener per host running at once made Node warn MaxListenersExceededWarning past ten hosts,
 * and one left behind per host that never connected); each host gets a signal of its own, on which
 * the SSH pool listens while a script runs.
 */
function cancelGrace(
  signal: AbortSignal | undefined,
  grace: number,
): { forHost(): { signal?: AbortSignal; dispose(): void }; dispose(): void } {
  if (signal === undefined) return { forHost: () => ({ dispose: () => undefined }), dispose: () => undefined };
  const hosts = new Set<AbortController>();
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = (): void => {
    timer = setTimeout(() => {
      expired = true;
      for (const host of hosts) host.abort();
    }, grace);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    forHost: () => {
      const host = new AbortController();
      if (expired) host.abort();
      hosts.add(host);
      return { signal: host.signal, dispose: () => void hosts.delete(host) };
    },
    dispose: () => {
      signal.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      hosts.clear();
    },
  };
}

export interface DeployOptions {
  action: DeployAction;
  topology: Topology;
  connect: HostConnector;
  /** Hosts at once; default 10. */
  concurrency?: number;
  /** Only these host ids. */
  hostIds?: string[];
  signal?: AbortSignal;
  /** Observe and diff only (no lock, no change): the preview shown before apply or destroy. */
  dryRun?: boolean;
  /**
   * apply/status: also remove the devices carrying this topology's mark that it no longer has (the
   * plan's `prune` steps). Default false: they are left in place and listed in each host's `stale`.
   */
  prune?: boolean;
  onProgress?: (p: DeployProgress) => void;
  runId?: string;
  /**
   * Run one step per round trip instead of one script per host. Slower on a high-latency link but
   * lets cancel stop between any two steps; set automatically when `beforeStep` is given.
   */
  stepByStep?: boolean;
  /**
   * apply/destroy: the review's digest per host id (`HostDeployResult.digest` of the dry run). A host
   * whose state or plan differs now, or that is not listed, is not touched (`CHANGED_SINCE_REVIEW`).
   * Absent: plan and apply in one go.
   */
  reviewed?: Readonly<Record<string, string>>;
  /** apply: delete and re-create devices made by hand whose settings differ from the drawing (see shared/plan adopt.ts). */
  replaceForeign?: boolean;
  /** Called before each round of steps of each host with its first step's index (tests use it to break a host at a known point). */
  beforeStep?: (hostId: string, index: number, step: Step) => Promise<void> | void;
  /** apply: arm a revert on each host that runs by itself unless confirmed within this many seconds (confirm.ts). */
  confirmWithin?: number;
  /**
   * The app's memory of earlier runs (memory.ts): hosts it last left converged with this drawing are
   * looked at without the lock first, so a re-apply that changes nothing takes no lock. Updated with
   * this run's outcomes. Absent (the CLI: one run per process): every changing run locks first.
   */
  memory?: DeployMemory;
}

function planned(steps: readonly Step[]): PlannedStep[] {
  return steps.map((s, index) => ({
    index,
    argv: [...s.argv],
    shell: argvToShell(s.argv),
    description: s.description,
    kind: s.kind,
    target: s.target,
    ...(s.prune === true ? { prune: true } : {}),
  }));
}

/**
 * Defence in depth behind `diffHost`'s and `planTeardown`'s protection, on the exact steps about to
 * run: a step that changes the protected path (the SSH interface, the underlay, the bridge, bond or
 * VLAN parent they sit on, the ports of those), removes the SSH address, or adds a subnet covering
 * either end of the session would cut us off (locking the admin out of the host), so the host is refused before
 * anything runs. Judged by the state the step produces (`protectedChange`), not by its argv.
 */
export function unsafeStep(step: Step, path: ProtectedPath): string | undefined {
  const why = protectedChange(step, path);
  if (why !== undefined) return why;
  if (step.kind === 'addr-add' && step.address !== undefined && step.address.includes('/')) {
    for (const a of path.addresses)
      if (cidrContains(step.address, a)) return `its subnet ${step.address} covers ${a}, an end of the SSH session`;
  }
  return undefined;
}

/** Findings that make a drawing unsafe to act on at all, even to destroy. */
const UNSAFE_TEXT_CODES = new Set<string>(['TEXT_CONTROL_CHARACTER', 'SSH_HOST_INVALID']);

/** Runs `apply`, `destroy` or `status` over every host of the topology. Never rejects for a host's failure. */
export async function runDeploy(opts: DeployOptions): Promise<DeployResult> {
  const started = performance.now();
  const t = opts.topology;
  const runId = opts.runId ?? randomUUID();
  const diagnostics: Diagnostic[] = validateTopology(t).filter((d) => d.code !== 'UNDERLAY_ADDRESS_AUTO');
  const hosts = opts.hostIds === undefined ? t.hosts : t.hosts.filter((h) => opts.hostIds?.includes(h.id));
  const emit = (p: Omit<DeployProgress, 'runId'>): void => opts.onProgress?.({ runId, ...p });
  const board = new FactsBoard();
  // Hosts whose underlay address is "auto" need their own facts before peers can plan.
  const autoHosts = t.hosts.filter((h) => h.underlay.address === 'auto').map((h) => h.id);
  for (const h of t.hosts) if (!hosts.includes(h)) board.set(h.id, undefined);

  // A destroy may run on a drawing with errors (removing a broken overlay is the point), but never on
  // one whose text could reach a shell or known_hosts unchecked.
  const blocking = opts.action === 'destroy' ? diagnostics.filter((d) => UNSAFE_TEXT_CODES.has(d.code)) : diagnostics;
  if (blocking.some((d) => d.severity === 'error')) {
    throw new AppError(
      'TOPOLOGY_INVALID',
      `topology ${t.id} has errors: ${blocking
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.path}: ${d.message}`)
        .join('; ')}`,
    );
  }

  const results = new Array<HostDeployResult>(hosts.length);
  let next = 0;
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  // Facts are shared through the board: when "auto" addresses exist, round trip 1 of every host
  // must finish before any plan, so all hosts run at once in that case (concurrency then bounds only
  // the connections opened at the same moment through the connector).
  const workers = autoHosts.length > 0 ? hosts.length : Math.min(limit, hosts.length);
  const grace = cancelGrace(opts.signal, CANCEL_GRACE_MS);
  const digest = opts.memory === undefined ? '' : drawingDigest(t);
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const i = next++;
      const host = hosts[i] as Host;
      const interrupt = grace.forHost();
      try {
        const run = new HostRun(host, { ...opts, runId }, board, autoHosts, emit, interrupt.signal);
        run.digest = digest;
        run.lookFirst = run.lock && opts.action === 'apply' && opts.memory?.expectsConverged(t.id, host.id, digest) === true;
        const r = await runHost(run);
        results[i] = r;
        opts.memory?.record(t.id, host.id, digest, opts.action, r.outcome);
        runs.push(run);
      } finally {
        interrupt.dispose();
      }
    }
  };
  const runs: HostRun[] = [];
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    grace.dispose();
  }
  // Once every host is done: the arming does not compete with hosts still being deployed.
  for (const run of runs) armAfterRun(run);
  if (opts.action === 'destroy' && opts.dryRun !== true && opts.memory !== undefined)
    await Promise.all(runs.map((run) => stopWatch(run)));
  const ok = results.every(
    (r) =>
      r.outcome === 'unchanged' ||
      r.outcome === 'applied' ||
      ((opts.action === 'status' || opts.dryRun === true) && r.outcome === 'pending'),
  );
  return {
    action: opts.action,
    topologyId: t.id,
    runId,
    ok,
    prune: opts.prune === true,
    replaceForeign: opts.replaceForeign === true,
    hosts: results,
    diagnostics,
    durationMs: Math.round(performance.now() - started),
  };
}

type Emit = (p: Omit<DeployProgress, 'runId'>) => void;

/** One host's run: what its phases share, and its result as they fill it in. */
class HostRun {
  readonly t0 = performance.now();
  readonly res: HostDeployResult;
  /** Changing runs take the topology's lock on the host; status and dry runs only read. */
  readonly lock: boolean;
  /** The lock holder while this run holds the host's lock: killed by the last script, else at the end. */
  lockPid: number | undefined;
  /** A changing run that first looks without the lock (the app's memory expects the host converged). */
  lookFirst = false;
  /** The drawing's digest (memory.ts), with the app's memory. */
  digest = '';
  /** This run's first look armed the host's watch (or used it): no arming after the run. */
  watched = false;
  /** The host's session once the run is done with it (the arming after the run uses it). */
  exec: HostExecutor | undefined;

  constructor(
    readonly host: Host,
    readonly opts: DeployOptions & { runId: string },
    readonly board: FactsBoard,
    readonly autoHosts: string[],
    readonly emit: Emit,
    /** Aborts CANCEL_GRACE_MS after opts.signal does: interrupts the script running on this host. */
    readonly interrupt: AbortSignal | undefined,
  ) {
    this.res = {
      hostId: host.id,
      hostName: host.name,
      outcome: 'unchanged',
      steps: [],
      applied: 0,
      stale: [],
      diagnostics: [],
      timings: { connectMs: 0, observeMs: 0, applyMs: 0, verifyMs: 0, totalMs: 0 },
    };
    this.lock = opts.action !== 'status' && opts.dryRun !== true;
  }

  /** Run options that let Cancel's grace interrupt a script. */
  interruptible(): { signal?: AbortSignal } {
    return this.interrupt === undefined ? {} : { signal: this.interrupt };
  }

  /** Ends the host's run with `outcome`. */
  finish(outcome: HostDeployResult['outcome'], error?: AppErrorData): HostDeployResult {
    const res = this.res;
    res.outcome = outcome;
    if (error) res.error = error;
    res.timings.totalMs = Math.round(performance.now() - this.t0);
    this.emit({
      hostId: this.host.id,
      phase: 'done',
      status: outcome === 'failed' || outcome === 'unreachable' || outcome === 'rolled-back' ? 'failed' : 'ok',
      outcome,
      ...(error ? { message: error.message } : {}),
    });
    return res;
  }
}

/** What observe found on the host. */
interface Seen {
  observed: ObservedHostState;
  facts: HostFacts;
  persist: PersistRead;
}

/** The host's plan: the steps to run, and the planner again for the read-back. */
interface HostPlanned {
  before: ObservedHostState;
  steps: Step[];
  /** `files`: our network manager files as read back (absent: those read in round trip 1). */
  planFor(
    state: ObservedHostState,
    files?: readonly HostFile[],
  ): { steps: Step[]; all: Step[]; stale: string[]; diagnostics: Diagnostic[] };
}

/**
 * One host, phase by phase. A phase that ends the run (unreachable, refused, converged, failed)
 * records the outcome with `run.finish` and returns undefined.
 */
async function runHost(run: HostRun): Promise<HostDeployResult> {
  const exec = await connect(run);
  if (exec === undefined) return run.res;
  try {
    if (run.lookFirst && (await unchangedAtFirstLook(run, exec))) return run.res;
    const prep = await lock(run, exec);
    if (prep === undefined) return run.res;
    const hostPlan = await plan(run, observe(run, prep));
    if (hostPlan === undefined || hostPlan === 'retry') return run.res;
    if (!(await armRevert(run, exec, hostPlan.steps))) return run.res;
    const applied = await apply(run, exec, hostPlan);
    if (applied === undefined) return run.res;
    if (applied.error === undefined && applied.observed !== undefined)
      return await verify(run, exec, hostPlan, applied.observed, applied.files ?? []);
    return await disarmIfUndone(run, exec, await rollback(run, exec, hostPlan, applied));
  } catch (err) {
    return broken(run, err);
  } finally {
    run.board.settle(run.host.id);
    await release(run, exec);
    run.exec = exec;
  }
}

/** Connect: open (or reuse) the host's session; a refused or unreachable host ends as `unreachable`. */
async function connect(run: HostRun): Promise<HostExecutor | undefined> {
  const { host, opts } = run;
  run.emit({ hostId: host.id, phase: 'connect', status: 'running' });
  try {
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'The deploy was cancelled before this host started.');
    return await opts.connect(host, opts.signal);
  } catch (err) {
    run.board.set(host.id, undefined);
    run.finish('unreachable', sessionError(err, host.name));
    return undefined;
  } finally {
    run.res.timings.connectMs = Math.round(performance.now() - run.t0);
  }
}

/**
 * Lock (round trip 1): ONE script checks the tools (and `sudo -n`), takes the topology's lock on a
 * changing run, gathers the facts and observes. It only reads and takes a lock that dies with its
 * shell, so it may be resent on a fresh connection if the pooled one died since (e.g. the host's
 * sshd was restarted). Missing tools, a sudo that wants a password, a held lock or a failed observe
 * end the run.
 */
async function lock(run: HostRun, exec: HostExecutor): Promise<Prepared | undefined> {
  const { host } = run;
  run.emit({ hostId: host.id, phase: run.lock ? 'lock' : 'observe', status: 'running' });
  const started = performance.now();
  const looked = await look(run, exec, run.lock);
  if (!looked.ok) {
    run.board.set(host.id, undefined);
    run.finish('failed', looked.error);
    return undefined;
  }
  const { prep, confirm } = looked;
  if (prep.lock.kind === 'held') run.lockPid = prep.lock.pid;
  run.res.timings.observeMs = Math.round(performance.now() - started);
  if (confirm.armed[0] !== undefined) run.res.confirm = confirm.armed[0];
  const early =
    prepareError(prep, host, run.lock, looked.stderr) ??
    (run.lock && (confirm.armed.length > 0 || confirm.reverting.length > 0)
      ? appError(
          'CONFIRM_PENDING',
          `${host.name}: run ${[...confirm.armed.map((a) => a.runId), ...confirm.reverting].join(', ')} waits for confirmation${confirm.armed[0] ? ` (it reverts by itself at ${confirm.armed[0].deadline})` : ''}; confirm or revert it first`,
          { host: host.name },
        )
      : undefined);
  if (early) {
    run.board.set(host.id, undefined);
    run.finish('failed', early);
    return undefined;
  }
  return prep;
}

/** What round trip 1 found, or why its answer could not be read. */
type Looked = { ok: true; prep: Prepared; confirm: ControlReport; stderr: string } | { ok: false; error: AppErrorData };

/** What a look does with the host's watch (watch.ts). */
interface WatchUse {
  /** Arm (or re-arm) the watch with this token before the read. */
  arm?: string;
  /** Leave out the confirm runs' read (an arming after the run: nobody would see a revert it reports). */
  noControl?: boolean;
}

/** A confirm read that found nothing: what a host whose watch answered SAME has (a watch is armed only without runs). */
const NO_CONFIRM_RUNS: ControlReport = {
  armed: [],
  confirmed: [],
  reverted: [],
  reverting: [],
  complete: true,
  snapshots: new Map(),
  withFiles: new Set(),
};

/** The host's watch may serve this run: the app remembers (memory), and the login is not a sudo one (the watch needs root). */
function watchable(run: HostRun): boolean {
  return run.opts.memory !== undefined && !run.host.sudo;
}

/**
 * Round trip 1's script, with or without the lock, and its answer read. The confirm runs of this
 * topology on the host come first: reverts they ran by themselves are reported once (the read
 * clears their records), so they go on the host's result here, whichever pass reads them.
 */
async function look(run: HostRun, exec: HostExecutor, withLock: boolean, watch: WatchUse = {}): Promise<Looked> {
  const { host } = run;
  const t = run.opts.topology;
  const m = newNonce();
  const prepare = prepareScript({ topologyId: t.id, lock: withLock, peers: peersOf(t, host.id), sudo: host.sudo }, m);
  const head = watch.arm === undefined ? '' : `${watchArmLines(t.id, watch.arm, m).join('\n')}\n`;
  const control = watch.noControl === true ? '' : controlLine(t.id, 'read', host.sudo, m);
  const r = await exec.run(head + control + prepare, {
    timeoutMs: SCRIPT_TIMEOUT_MS,
    retryOnStaleConnection: true,
    ...run.interruptible(),
  });
  let prep: Prepared;
  try {
    prep = parsePrepare(r.stdout, r.stderr, m, host.name);
  } catch (err) {
    return { ok: false, error: sessionError(err, host.name) };
  }
  const confirm = parseControl(r.stdout, m, host.name);
  settleRestored(confirm, prep.observed, prep.persist);
  if (confirm.reverted.length > 0) run.res.reverted = confirm.reverted;
  return { ok: true, prep, confirm, stderr: r.stderr };
}

/**
 * A host the app last left converged with this drawing (DeployOptions.memory) is first looked at
 * without the lock. It ends `unchanged` right here, with no lock taken and no release sent, only
 * when that look finds nothing to change, no error and no confirm run waiting; otherwise (false)
 * the host goes the locked way from the start and everything this look found is read again.
 */
async function unchangedAtFirstLook(run: HostRun, exec: HostExecutor): Promise<boolean> {
  const started = performance.now();
  const { host, opts } = run;
  const t = opts.topology;
  const memory = watchable(run) ? opts.memory : undefined;
  const held = memory?.watchOf(t.id, host.id, run.digest);
  if (held !== undefined && (await watchSaysSame(run, exec, held))) {
    run.res.timings.observeMs = Math.round(performance.now() - started);
    const unchanged = reusePlan(run, held) || (await firstLookUnchanged(run, sameAs(held), started));
    if (unchanged) {
      run.res.fromWatch = true;
      run.watched = true;
      if (held.planned === undefined) held.planned = plannedOf(run, held.prep);
    }
    return unchanged;
  }
  const watch: WatchUse = memory === undefined ? {} : { arm: newWatchToken() };
  const looked = await look(run, exec, false, watch);
  const unchanged = looked.ok && (await firstLookUnchanged(run, looked, started));
  run.watched = unchanged;
  // The watch serves a later run only with a read that found the host converged.
  const armed = looked.ok ? armedWatch(looked.prep, watch.arm) : undefined;
  if (unchanged && looked.ok && armed !== undefined)
    memory?.setWatch(t.id, host.id, run.digest, { ...armed, prep: looked.prep, planned: plannedOf(run, looked.prep) });
  else memory?.forgetWatch(t.id, host.id);
  return unchanged;
}

/**
 * The watch's check alone, in the host's long-lived shell itself (no subshell: not a single process
 * starts when nothing changed); a host whose watch does not answer SAME is then read in full.
 */
async function watchSaysSame(run: HostRun, exec: HostExecutor, held: HostWatch): Promise<boolean> {
  const m = newNonce();
  const script = watchCheckLines(run.opts.topology.id, held, m).join('\n');
  const r = await exec
    .run(script, { timeoutMs: SCRIPT_TIMEOUT_MS, inShell: true, ...run.interruptible() })
    .catch(() => undefined);
  return r !== undefined && sections(r.stdout, m).some((s) => s.tag === 'SAME');
}

/** The watch's read as round trip 1's answer (the plan must not share its objects). */
function sameAs(held: HostWatch): Looked & { ok: true } {
  return { ok: true, prep: structuredClone(held.prep), confirm: NO_CONFIRM_RUNS, stderr: '' };
}

/**
 * What makes a converged plan of a watch's read reusable: the drawing, and the run's choices that
 * change a plan. Not when other hosts' facts feed this host's plan ("auto" underlay addresses).
 */
function plannedKey(run: HostRun): string | undefined {
  if (run.autoHosts.length > 0) return undefined;
  const { opts } = run;
  return JSON.stringify([run.digest, opts.action, opts.dryRun === true, opts.prune === true, opts.replaceForeign === true]);
}

/** The plan a run just made of `prep`, when it found the host converged. */
function plannedOf(run: HostRun, prep: Prepared): WatchPlanned | undefined {
  const key = plannedKey(run);
  const { res } = run;
  if (key === undefined || res.outcome !== 'unchanged' || res.steps.length > 0) return undefined;
  const result: WatchPlanned['result'] = { diagnostics: res.diagnostics, stale: res.stale };
  if (res.persist !== undefined) result.persist = res.persist;
  if (res.digest !== undefined) result.digest = res.digest;
  return { key, facts: factsFrom(prep), result };
}

/** Ends the host `unchanged` with the watch's kept plan, when it was made for a run like this one (and the review agrees). */
function reusePlan(run: HostRun, held: HostWatch): boolean {
  const p = held.planned;
  if (p === undefined || p.key !== plannedKey(run)) return false;
  if (reviewMismatch(run.opts.reviewed, run.host, p.result.digest ?? '') !== undefined) return false;
  run.board.set(run.host.id, p.facts);
  run.emit({ hostId: run.host.id, phase: 'observe', status: 'ok' });
  Object.assign(run.res, structuredClone(p.result));
  run.finish('unchanged');
  return true;
}

/** The first look found nothing to change, no error and no confirm run waiting. */
async function firstLookUnchanged(run: HostRun, looked: Looked & { ok: true }, started: number): Promise<boolean> {
  const { prep, confirm } = looked;
  if (prepareError(prep, run.host, false, looked.stderr) !== undefined) return false;
  if (confirm.armed.length > 0 || confirm.reverting.length > 0) return false;
  run.res.timings.observeMs = Math.round(performance.now() - started);
  return (await plan(run, observe(run, prep), true)) === undefined;
}

/**
 * A change settles for a while after its steps: IPv6 gives every link that comes up a link-local
 * address after duplicate address detection (up to ~2 s), with its route. The arming after a run
 * looks again after this long and re-arms when the watch saw such an event, at most this many times.
 */
const WATCH_SETTLE_MS = 2500;
const WATCH_SETTLE_TRIES = 3;

/** The watch this read armed with `token`, when its report is whole. */
function armedWatch(prep: Prepared, token: string | undefined): WatchArmed | undefined {
  if (token === undefined || prep.watch?.token !== token) return undefined;
  return parseWatchBody(token, prep.watch.body);
}

/**
 * The arming after a run plans the armed read too (on a board of its own, emitting nothing): a
 * later unchanged re-apply then reuses that plan instead of making it while the user waits.
 */
async function planInBackground(run: HostRun, prep: Prepared): Promise<WatchPlanned | undefined> {
  if (plannedKey(run) === undefined) return undefined;
  const probe = new HostRun(run.host, run.opts, new FactsBoard(), [], () => undefined, undefined);
  probe.digest = run.digest;
  // The plan must not share the kept read's objects.
  if ((await plan(probe, observe(probe, structuredClone(prep)), true)) !== undefined) return undefined;
  return plannedOf(probe, prep);
}

/** A token no earlier arming of any watch carries. */
function newWatchToken(): string {
  return newNonce();
}

/** A destroyed drawing leaves nothing to watch: the host's watch of it stops (its processes and directory). */
async function stopWatch(run: HostRun): Promise<void> {
  if (run.exec === undefined || !watchable(run)) return;
  await run.exec.run(watchStopLines(run.opts.topology.id).join('\n'), { timeoutMs: 10_000 }).catch(() => undefined);
}

/**
 * After a run that left the host converged (applied, or unchanged by a locked read), the app arms
 * the host's watch with one more read, not waited for by the run (DeployMemory.settled waits): the
 * next re-apply that changes nothing then starts no process on the host. The host's session runs one
 * script at a time, so a run started meanwhile reads after this one. Not with a confirm window (the
 * host has a run armed) or a sudo login.
 */
function armAfterRun(run: HostRun): void {
  const { host, opts, res, exec } = run;
  const memory = opts.memory;
  if (exec === undefined || memory === undefined || !watchable(run) || run.watched) return;
  if (opts.action !== 'apply' || opts.dryRun === true || opts.confirmWithin !== undefined) return;
  if (res.outcome !== 'applied' && res.outcome !== 'unchanged') return;
  const t = opts.topology;
  const digest = run.digest;
  const arm = async (): Promise<void> => {
    let held: HostWatch | undefined;
    for (let i = 0; i < WATCH_SETTLE_TRIES; i++) {
      // Unref'd: a process that is done with everything else need not stay for an arming.
      if (i > 0) await new Promise((r) => setTimeout(r, WATCH_SETTLE_MS).unref());
      // Settled: the watch saw nothing since it was armed.
      if (held !== undefined && (await watchSaysSame(run, exec, held))) return;
      const token = newWatchToken();
      const looked = await look(run, exec, false, { arm: token, noControl: true });
      if (!looked.ok) return;
      const armed = armedWatch(looked.prep, token);
      if (armed === undefined || prepareError(looked.prep, host, false, looked.stderr) !== undefined) {
        memory.forgetWatch(t.id, host.id);
        return;
      }
      held = { ...armed, prep: looked.prep };
      const planned = await planInBackground(run, looked.prep);
      if (planned !== undefined) held.planned = planned;
      memory.setWatch(t.id, host.id, digest, held);
    }
  };
  memory.track(arm());
}

/** Observe: the host's state and facts from round trip 1; the facts go on the board for the peers' plans. */
function observe(run: HostRun, prep: Prepared): Seen {
  const facts = factsFrom(prep);
  run.board.set(run.host.id, facts);
  run.emit({ hostId: run.host.id, phase: 'observe', status: 'ok' });
  return { observed: prep.observed as ObservedHostState, facts, persist: prep.persist };
}

/**
 * Plan: wait for the facts of hosts with "auto" underlay addresses, then diff (apply) or tear down
 * (destroy) with the SSH path protected. The host is refused when the plan has an error or a step
 * would cut the session (`unsafeStep`); a status or dry run ends here (`unchanged` / `pending`), and
 * so does a converged host.
 */
async function plan(run: HostRun, seen: Seen, tentative = false): Promise<HostPlanned | undefined | 'retry'> {
  const { host, opts, res } = run;
  const t = opts.topology;
  const { observed, facts } = seen;
  if (run.autoHosts.some((id) => id !== host.id)) await run.board.waitFor(run.autoHosts);
  const ix = indexTopology(t, { ...run.board.all(), [host.id]: facts });
  const desired = desiredFromIndex(ix, host.id);
  const protect: ProtectOptions = {};
  if (facts.sshInterface !== undefined) protect.interfaces = [facts.sshInterface];
  const addrs = [facts.sshAddress, facts.sshClientAddress].filter((a): a is string => a !== undefined);
  if (addrs.length > 0) protect.addresses = addrs;
  // The network manager's files go in the same plan, after the link steps (persist.ts).
  const persist = planPersist({
    host,
    topologyId: t.id,
    action: opts.action,
    desired,
    observed,
    read: seen.persist,
    render: renderPersist,
  });
  res.persist = persist.report;
  const planFor: HostPlanned['planFor'] = (state, files) => {
    const claim = persist.claim(state);
    const links = planLinks(claim.state);
    const fileSteps = files === undefined ? persist.steps : persist.stepsFor(files);
    return {
      ...links,
      steps: [...claim.steps, ...links.steps, ...fileSteps],
      all: [...claim.steps, ...links.all, ...fileSteps],
      diagnostics: [...links.diagnostics, ...persist.diagnostics],
    };
  };
  const planLinks = (state: ObservedHostState): { steps: Step[]; all: Step[]; stale: string[]; diagnostics: Diagnostic[] } => {
    if (opts.action === 'destroy') {
      const td = planTeardown(t.id, state, { protect, hostId: host.id, hostName: host.name, hostPath: desired.hostPath });
      return { steps: td.steps, all: td.steps, stale: [], diagnostics: td.diagnostics };
    }
    const d = diffHost(desired, state, { protect, replaceForeign: opts.replaceForeign === true });
    // The plan marks what only serves removing devices no longer drawn; the run's choice filters.
    const chosen = pruneChoice(d.steps, opts.prune === true);
    return {
      steps: chosen.steps,
      all: d.steps,
      stale: chosen.stale,
      diagnostics: [...desired.diagnostics, ...d.diagnostics, ...otherDrawings(desired, state)],
    };
  };
  const first = planFor(observed);
  res.diagnostics = first.diagnostics;
  res.stale = first.stale;
  res.steps = planned(first.steps);
  // Over the full plan, so the review's prune choice does not count as a change.
  res.digest = reviewDigest(observed, first.all);
  const moved = reviewMismatch(opts.reviewed, host, res.digest);
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  // A first look without the lock (`unchangedAtFirstLook`) decides nothing but "unchanged".
  if (tentative && (moved !== undefined || errors.length > 0 || first.steps.length > 0)) return 'retry';
  if (moved !== undefined) {
    run.finish('failed', moved);
    return undefined;
  }
  if (errors.length > 0) {
    run.finish(
      'failed',
      appError('TOPOLOGY_INVALID', `${host.name}: ${errors.map((d) => `${d.path}: ${d.message}`).join('; ')}`, {
        host: host.name,
      }),
    );
    return undefined;
  }
  const guard = protectedPath(observed, protect, desired.underlayInterface);
  for (const step of first.steps) {
    const why = unsafeStep(step, guard);
    if (why !== undefined) {
      run.finish(
        'failed',
        appError('COMMAND_FAILED', `${host.name}: refused to run \`${argvToShell(step.argv)}\`: ${why}`, { host: host.name }),
      );
      return undefined;
    }
  }
  if (opts.action === 'status' || opts.dryRun === true) {
    run.finish(first.steps.length === 0 ? 'unchanged' : 'pending');
    return undefined;
  }
  if (first.steps.length === 0) {
    run.finish('unchanged');
    return undefined;
  }
  return { before: observed, steps: first.steps, planFor };
}

/**
 * Apply: the steps through the step executor (one script, or one round per step with `stepByStep`
 * or `beforeStep`), with the read-back and the lock's release in the last script. A host that does
 * not finish a step within Cancel's grace ends here: its session was cut, so nothing more can be
 * sent (no undo), and whether that step ran is unknown.
 */
async function apply(run: HostRun, exec: HostExecutor, p: HostPlanned): Promise<StepRun | undefined> {
  const { host, opts, res } = run;
  const started = performance.now();
  const steps = p.steps;
  const result = await runSteps(exec, steps, {
    host,
    timeoutMs: SCRIPT_TIMEOUT_MS,
    stepByStep: opts.stepByStep === true || opts.beforeStep !== undefined,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(run.interrupt === undefined ? {} : { interrupt: run.interrupt }),
    ...(opts.beforeStep === undefined ? {} : { beforeRound: (i: number, s: Step) => opts.beforeStep?.(host.id, i, s) }),
    onRound: (i) => run.emit({ hostId: host.id, phase: 'apply', status: 'running', step: i, total: steps.length }),
    readBack: true,
    readFiles: true,
    ...(run.lockPid === undefined ? {} : { releasePid: run.lockPid }),
  });
  res.applied = result.applied;
  if (result.released) run.lockPid = undefined;
  if (result.interrupted && result.failure) {
    const failure = result.failure;
    res.failure = failure;
    // Its lock holder ends with that session; sending the release would wait on the same host.
    run.lockPid = undefined;
    run.finish(
      'failed',
      appError(
        'CANCELLED',
        `${host.name}: cancelled while step ${failure.step + 1} of ${steps.length} \`${failure.shell}\` was running; the host did not finish it within ${CANCEL_GRACE_MS / 1000} s, so its state is unknown (${res.applied} step(s) done before). Run Status once the host answers, then Deploy again.`,
        { host: host.name, step: failure.step },
      ),
    );
    return undefined;
  }
  res.timings.applyMs = Math.round(performance.now() - started);
  return result;
}

/**
 * Verify: the read-back is planned again; anything left is drift (`failed`), else the host is
 * `applied`. After a manager's reload a read-back with something left is taken again until the
 * manager has settled (`settleReadBack`).
 */
async function verify(
  run: HostRun,
  exec: HostExecutor,
  p: HostPlanned,
  after: ObservedHostState,
  files: readonly HostFile[],
): Promise<HostDeployResult> {
  const { host, res } = run;
  const started = performance.now();
  run.emit({ hostId: host.id, phase: 'verify', status: 'running' });
  let rest = p.planFor(after, files).steps;
  if (rest.length > 0 && reloadsManager(p.steps)) {
    // What is left is planned once per read-back taken: the last one's plan stands.
    await settleReadBack(exec, host, { readFiles: true, timeoutMs: SCRIPT_TIMEOUT_MS }, (r) => {
      rest = p.planFor(r.observed, r.files ?? []).steps;
      return rest.length === 0;
    });
  }
  res.timings.verifyMs = Math.round(performance.now() - started);
  if (rest.length > 0) {
    res.drift = planned(rest);
    return run.finish(
      'failed',
      appError(
        'COMMAND_FAILED',
        `${host.name}: every step succeeded but the read-back still differs (${rest.map((s) => s.description).join('; ')})`,
        { host: host.name },
      ),
    );
  }
  run.emit({ hostId: host.id, phase: 'verify', status: 'ok' });
  return run.finish('applied');
}

/**
 * Rollback, after a failed step or a cancel: the inverses of the steps this host applied, newest
 * first, in one script that goes on past errors, then a read-back compared with the state before
 * (`rollback.restored`, taken again until the manager has settled when the undo reloaded one) and
 * the lock's release. The session may be dead: then the host stays `failed`.
 */
async function rollback(run: HostRun, exec: HostExecutor, p: HostPlanned, applied: StepRun): Promise<HostDeployResult> {
  const { host, res } = run;
  if (applied.failure) res.failure = applied.failure;
  const error =
    applied.error ??
    appError('COMMAND_FAILED', `${host.name}: the apply script ended without its read-back`, { host: host.name });
  const done = p.steps.slice(0, res.applied);
  run.emit({ hostId: host.id, phase: 'rollback', status: 'running', total: inverseSteps(done).length });
  const undo = await undoSteps(exec, done, {
    host,
    timeoutMs: SCRIPT_TIMEOUT_MS,
    before: p.before,
    ...(run.lockPid === undefined ? {} : { releasePid: run.lockPid }),
    ...(run.interrupt === undefined ? {} : { interrupt: run.interrupt }),
  });
  if (undo.broke) {
    res.rollback = { ok: false, commands: undo.commands, failures: [], restored: false };
    run.emit({ hostId: host.id, phase: 'rollback', status: 'failed', message: 'the session broke' });
    return run.finish('failed', error);
  }
  let restored = undo.restored;
  if (!restored && reloadsManager(done)) {
    const want = stateKey(p.before);
    const settled = await settleReadBack(
      exec,
      host,
      { readFiles: false, timeoutMs: SCRIPT_TIMEOUT_MS },
      (r) => stateKey(r.observed) === want,
    );
    restored = settled !== undefined && stateKey(settled.observed) === want;
  }
  res.rollback = { ok: undo.ok, commands: undo.commands, failures: undo.failures, restored };
  run.emit({ hostId: host.id, phase: 'rollback', status: undo.ok ? 'ok' : 'failed' });
  if (undo.ok) run.lockPid = undefined;
  return run.finish(undo.ok ? 'rolled-back' : 'failed', error);
}

/**
 * With a confirm window, the host's revert is armed before its first change (confirm.ts); a host
 * whose revert cannot be armed is refused before anything runs.
 */
async function armRevert(run: HostRun, exec: HostExecutor, steps: readonly Step[]): Promise<boolean> {
  const seconds = run.opts.confirmWithin;
  if (seconds === undefined) return true;
  const t = run.opts.topology;
  const armed = await armHost(exec, run.host, {
    topologyId: t.id,
    runId: run.opts.runId,
    seconds,
    steps,
    timeoutMs: SCRIPT_TIMEOUT_MS,
  });
  if ('error' in armed) run.finish('failed', armed.error);
  else run.res.confirm = armed.window;
  return !('error' in armed);
}

/** A host rolled back by the runner has nothing left to revert: its armed revert is disarmed. */
async function disarmIfUndone(run: HostRun, exec: HostExecutor, res: HostDeployResult): Promise<HostDeployResult> {
  if (res.outcome !== 'rolled-back' || res.confirm === undefined) return res;
  const t = run.opts.topology;
  const done = await controlHost(exec, run.host, t.id, 'confirm', SCRIPT_TIMEOUT_MS).catch(() => undefined);
  if (done?.confirmed.includes(res.confirm.runId) === true) delete res.confirm;
  return res;
}

/** A script failed as a whole (the session broke, or Cancel's grace cut a host still being read). */
function broken(run: HostRun, err: unknown): HostDeployResult {
  const { host } = run;
  if (run.interrupt?.aborted === true && run.res.applied === 0) {
    // Cancelled while the host was still being read (nothing of this run reached it).
    return run.finish(
      'failed',
      appError(
        'CANCELLED',
        `${host.name}: cancelled before any change; the host did not answer within ${CANCEL_GRACE_MS / 1000} s after Cancel`,
        { host: host.name },
      ),
    );
  }
  return run.finish('failed', sessionError(err, host.name));
}

/** Release: a lock still held is let go (its holder would also end with the session), and the session returned. */
async function release(run: HostRun, exec: HostExecutor): Promise<void> {
  if (run.lockPid !== undefined)
    await exec.run(releaseScript(run.lockPid), { timeoutMs: 10_000, ...run.interruptible() }).catch(() => undefined);
  await exec.release().catch(() => undefined);
}
