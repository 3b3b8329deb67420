/**
 * The deploy runner: per host, in parallel with bounded concurrency, take the topology's lock on the
 * host, gather facts and observe (one round trip), diff with shared/plan, run the steps in order
 * (one round trip, per-step status), read back and diff again, release the lock. A failed step stops
 * that host and undoes what it applied there; other hosts go on. Destroy is the same with
 * `planTeardown`; status stops after the diff.
 */
import { randomUUID } from 'node:crypto';
import type { Host, Topology } from '../../../shared/model';
import { AppError, appError, type AppErrorData } from '../../../shared/errors/catalogue';
import { ObserveParseError, type ObservedHostState } from '../../../shared/observe';
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
import { cidrContains } from '../../../shared/validate/ip';
import { validateTopology } from '../../../shared/validate';
import type { Diagnostic } from '../../../shared/validate/diagnostic';
import { factsFrom, newMarker, parsePrepare, parseSteps, prepareScript, stepsScript, type Prepared } from './scripts';
import type {
  DeployAction,
  DeployProgress,
  DeployResult,
  HostConnector,
  HostDeployResult,
  HostExecutor,
  PlannedStep,
  StepFailure,
} from './types';

export const DEFAULT_CONCURRENCY = 10;
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
  /** Called before each round of steps of each host with its first step's index (tests use it to break a host at a known point). */
  beforeStep?: (hostId: string, index: number, step: Step) => Promise<void> | void;
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

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function errorData(err: unknown, host: Host): AppErrorData {
  if (err instanceof AppError) return err.data;
  if (err instanceof ObserveParseError) return appError('COMMAND_FAILED', err.message, { host: host.name });
  const message = err instanceof Error ? err.message : String(err);
  return appError('SSH_UNREACHABLE', `${host.name}: the session broke: ${message}`, { host: host.name });
}

/**
 * Defence in depth behind `diffHost`'s and `planTeardown`'s protection, on the exact steps about to
 * run: a step that changes the protected path (the SSH interface, the underlay, the bridge, bond or
 * VLAN parent they sit on, the ports of those), removes the SSH address, or adds a subnet covering
 * either end of the session would cut us off (primer: "Lock-out"), so the host is refused before
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

function peersOf(t: Topology, hostId: string): string[] {
  const segs = new Set(t.memberships.filter((m) => m.hostId === hostId).map((m) => m.segmentId));
  const out: string[] = [];
  for (const m of t.memberships) {
    if (m.hostId === hostId || !segs.has(m.segmentId)) continue;
    const h = t.hosts.find((x) => x.id === m.hostId);
    if (h && h.underlay.address !== 'auto' && !out.includes(h.underlay.address)) out.push(h.underlay.address);
  }
  // A peer whose address is "auto": route to its SSH address instead (usually the same path).
  if (out.length === 0) {
    for (const m of t.memberships) {
      if (m.hostId === hostId || !segs.has(m.segmentId)) continue;
      const h = t.hosts.find((x) => x.id === m.hostId);
      if (h && /^[0-9a-fA-F:.]+$/.test(h.ssh.host)) out.push(h.ssh.host);
    }
  }
  return out;
}

/** Facts of hosts gathered in round trip 1 feed their peers' plans ("auto" underlay addresses). */
class FactsBoard {
  private readonly facts = new Map<string, HostFacts>();
  private readonly waiters = new Map<string, Array<() => void>>();
  set(hostId: string, f: HostFacts | undefined): void {
    this.facts.set(hostId, f ?? {});
    for (const w of this.waiters.get(hostId) ?? []) w();
    this.waiters.delete(hostId);
  }
  /** Marks a host as done gathering (no facts) unless it already posted some, so no peer waits forever. */
  settle(hostId: string): void {
    if (!this.facts.has(hostId)) this.set(hostId, undefined);
  }
  get(hostId: string): HostFacts | undefined {
    return this.facts.get(hostId);
  }
  async waitFor(hostIds: string[]): Promise<void> {
    await Promise.all(
      hostIds.map((id) =>
        this.facts.has(id)
          ? Promise.resolve()
          : new Promise<void>((r) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), r])),
      ),
    );
  }
  all(): Record<string, HostFacts> {
    return Object.fromEntries(this.facts);
  }
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
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const i = next++;
      const host = hosts[i] as Host;
      const interrupt = grace.forHost();
      try {
        results[i] = await runHost(host, { ...opts, runId }, board, autoHosts, emit, interrupt.signal);
      } finally {
        interrupt.dispose();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    grace.dispose();
  }
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
    hosts: results,
    diagnostics,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Step-by-step rounds: one step each, except that creating a link and marking it ours (its alias)
 * go in one round, so a Cancel or a lost connection between rounds never leaves a device of ours
 * without its mark (a later run would have to leave such a device alone as someone else's).
 */
export function stepChunks(steps: readonly Step[]): Array<{ from: number; steps: Step[] }> {
  const out: Array<{ from: number; steps: Step[] }> = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as Step;
    const next = steps[i + 1];
    if (s.kind === 'link-add' && next?.kind === 'link-alias' && next.target === s.target) {
      out.push({ from: i, steps: [s, next] });
      i++;
    } else out.push({ from: i, steps: [s] });
  }
  return out;
}

type Emit = (p: Omit<DeployProgress, 'runId'>) => void;

async function runHost(
  host: Host,
  opts: DeployOptions & { runId: string },
  board: FactsBoard,
  autoHosts: string[],
  emit: Emit,
  /** Aborts CANCEL_GRACE_MS after opts.signal does: interrupts the script running on this host. */
  interruptSignal: AbortSignal | undefined,
): Promise<HostDeployResult> {
  const t0 = performance.now();
  const t = opts.topology;
  const res: HostDeployResult = {
    hostId: host.id,
    hostName: host.name,
    outcome: 'unchanged',
    steps: [],
    applied: 0,
    stale: [],
    diagnostics: [],
    timings: { connectMs: 0, observeMs: 0, applyMs: 0, verifyMs: 0, totalMs: 0 },
  };
  const finish = (outcome: HostDeployResult['outcome'], error?: AppErrorData): HostDeployResult => {
    res.outcome = outcome;
    if (error) res.error = error;
    res.timings.totalMs = Math.round(performance.now() - t0);
    emit({
      hostId: host.id,
      phase: 'done',
      status: outcome === 'failed' || outcome === 'unreachable' || outcome === 'rolled-back' ? 'failed' : 'ok',
      outcome,
      ...(error ? { message: error.message } : {}),
    });
    return res;
  };

  emit({ hostId: host.id, phase: 'connect', status: 'running' });
  const interrupt = { signal: interruptSignal };
  const interruptible = interruptSignal === undefined ? {} : { signal: interruptSignal };
  let exec: HostExecutor;
  try {
    if (opts.signal?.aborted) throw new AppError('CANCELLED', 'The deploy was cancelled before this host started.');
    exec = await opts.connect(host, opts.signal);
  } catch (err) {
    board.set(host.id, undefined);
    res.timings.connectMs = Math.round(performance.now() - t0);
    return finish('unreachable', errorData(err, host));
  }
  res.timings.connectMs = Math.round(performance.now() - t0);

  let lockPid: number | undefined;
  try {
    const lock = opts.action !== 'status' && opts.dryRun !== true;
    emit({ hostId: host.id, phase: lock ? 'lock' : 'observe', status: 'running' });
    const tObs = performance.now();
    const m = newMarker();
    // Round trip 1 only reads and takes a lock that dies with its shell, so it may be resent on a
    // fresh connection if the pooled one died since (e.g. the host's sshd was restarted).
    const r1 = await exec.run(prepareScript({ topologyId: t.id, lock, peers: peersOf(t, host.id), sudo: host.sudo }, m), {
      timeoutMs: SCRIPT_TIMEOUT_MS,
      retryOnStaleConnection: true,
      ...interruptible,
    });
    let prep: Prepared;
    try {
      prep = parsePrepare(r1.stdout, r1.stderr, m, host.name);
    } catch (err) {
      board.set(host.id, undefined);
      return finish('failed', errorData(err, host));
    }
    if (prep.lock.kind === 'held') lockPid = prep.lock.pid;
    res.timings.observeMs = Math.round(performance.now() - tObs);
    const early = prepareError(prep, host, lock, r1.stderr);
    if (early) {
      board.set(host.id, undefined);
      return finish('failed', early);
    }
    const observed = prep.observed as ObservedHostState;
    const facts = factsFrom(prep);
    board.set(host.id, facts);
    emit({ hostId: host.id, phase: 'observe', status: 'ok' });

    // Plan.
    if (autoHosts.some((id) => id !== host.id)) await board.waitFor(autoHosts);
    const ix = indexTopology(t, { ...board.all(), [host.id]: facts });
    const desired = desiredFromIndex(ix, host.id);
    const protect: ProtectOptions = {};
    if (facts.sshInterface !== undefined) protect.interfaces = [facts.sshInterface];
    const addrs = [facts.sshAddress, facts.sshClientAddress].filter((a): a is string => a !== undefined);
    if (addrs.length > 0) protect.addresses = addrs;
    const plan = (state: ObservedHostState): { steps: Step[]; stale: string[]; diagnostics: Diagnostic[] } => {
      if (opts.action === 'destroy') {
        const td = planTeardown(t.id, state, { protect, hostId: host.id, hostName: host.name, hostPath: desired.hostPath });
        return { steps: td.steps, stale: [], diagnostics: td.diagnostics };
      }
      const d = diffHost(desired, state, { protect });
      // The plan marks what only serves removing devices no longer drawn; the run's choice filters.
      const chosen = pruneChoice(d.steps, opts.prune === true);
      return {
        steps: chosen.steps,
        stale: chosen.stale,
        diagnostics: [...desired.diagnostics, ...d.diagnostics, ...otherDrawings(desired, state)],
      };
    };
    const first = plan(observed);
    res.diagnostics = first.diagnostics;
    res.stale = first.stale;
    res.steps = planned(first.steps);
    const errors = first.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      return finish(
        'failed',
        appError('TOPOLOGY_INVALID', `${host.name}: ${errors.map((d) => `${d.path}: ${d.message}`).join('; ')}`, {
          host: host.name,
        }),
      );
    }
    const guard = protectedPath(observed, protect, desired.underlayInterface);
    for (const step of first.steps) {
      const why = unsafeStep(step, guard);
      if (why !== undefined) {
        return finish(
          'failed',
          appError('COMMAND_FAILED', `${host.name}: refused to run \`${argvToShell(step.argv)}\`: ${why}`, { host: host.name }),
        );
      }
    }
    if (opts.action === 'status' || opts.dryRun === true) return finish(first.steps.length === 0 ? 'unchanged' : 'pending');
    if (first.steps.length === 0) return finish('unchanged');

    // Apply.
    const tApply = performance.now();
    const steps = first.steps;
    const stepByStep = opts.stepByStep === true || opts.beforeStep !== undefined;
    const chunks = stepByStep ? stepChunks(steps) : [{ from: 0, steps }];
    let failure: StepFailure | undefined;
    let failureError: AppErrorData | undefined;
    let after: ObservedHostState | undefined;
    for (const [ci, chunk] of chunks.entries()) {
      if (opts.beforeStep) await opts.beforeStep(host.id, chunk.from, chunk.steps[0] as Step);
      if (opts.signal?.aborted) {
        failureError = appError('CANCELLED', `${host.name}: cancelled after ${res.applied} of ${steps.length} steps`, {
          host: host.name,
        });
        break;
      }
      emit({ hostId: host.id, phase: 'apply', status: 'running', step: chunk.from, total: steps.length });
      const last = ci === chunks.length - 1;
      const ms = newMarker();
      let r: Awaited<ReturnType<HostExecutor['run']>>;
      try {
        r = await exec.run(
          stepsScript(
            chunk.steps,
            {
              sudo: host.sudo,
              stopOnError: true,
              readBack: last,
              ...(last && lockPid !== undefined ? { releasePid: lockPid } : {}),
            },
            ms,
          ),
          { timeoutMs: SCRIPT_TIMEOUT_MS, ...interruptible },
        );
      } catch (err) {
        const idx = res.applied;
        const s = steps[idx] as Step;
        failure = { step: idx, argv: [...s.argv], shell: argvToShell(s.argv), exitCode: null, stderrTail: '' };
        if (interrupt.signal?.aborted === true) {
          // The host did not finish a step within the grace after Cancel: its session was cut, so
          // nothing more can be sent (no undo), and whether that step ran is unknown.
          res.failure = failure;
          // Its lock holder ends with that session; sending the release would wait on the same host.
          lockPid = undefined;
          return finish(
            'failed',
            appError(
              'CANCELLED',
              `${host.name}: cancelled while step ${idx + 1} of ${steps.length} \`${failure.shell}\` was running; the host did not finish it within ${CANCEL_GRACE_MS / 1000} s, so its state is unknown (${res.applied} step(s) done before). Run Status once the host answers, then Deploy again.`,
              { host: host.name, step: idx },
            ),
          );
        }
        failureError = errorData(err, host);
        break;
      }
      const out = parseSteps(r.stdout, r.stderr, ms, host.name);
      chunk.steps.forEach((_, k) => {
        if (out.status.get(k) === 0) res.applied = chunk.from + k + 1;
      });
      const bad = [...out.status.entries()].find(([, code]) => code !== 0);
      if (bad !== undefined || !out.done) {
        const k = bad?.[0] ?? out.status.size;
        const idx = chunk.from + k;
        const s = steps[idx] as Step;
        failure = {
          step: idx,
          argv: [...s.argv],
          shell: argvToShell(s.argv),
          exitCode: bad?.[1] ?? null,
          stderrTail: tail(out.stderrOf.get(k) ?? r.stderr),
        };
        failureError = appError(
          'COMMAND_FAILED',
          `${host.name}: step ${idx + 1} of ${steps.length} \`${failure.shell}\` exited with ${String(failure.exitCode)}: ${failure.stderrTail}`,
          {
            host: host.name,
            step: idx,
            exitCode: failure.exitCode,
            stderr: failure.stderrTail,
          },
        );
        break;
      }
      if (last) {
        after = out.observed;
        if (lockPid !== undefined) lockPid = undefined;
      }
    }
    res.timings.applyMs = Math.round(performance.now() - tApply);

    if (failureError === undefined && after !== undefined) {
      const tv = performance.now();
      emit({ hostId: host.id, phase: 'verify', status: 'running' });
      const rest = plan(after).steps;
      res.timings.verifyMs = Math.round(performance.now() - tv);
      if (rest.length > 0) {
        res.drift = planned(rest);
        return finish(
          'failed',
          appError(
            'COMMAND_FAILED',
            `${host.name}: every step succeeded but the read-back still differs (${rest.map((s) => s.description).join('; ')})`,
            { host: host.name },
          ),
        );
      }
      emit({ hostId: host.id, phase: 'verify', status: 'ok' });
      return finish('applied');
    }

    if (failure) res.failure = failure;
    const error =
      failureError ??
      appError('COMMAND_FAILED', `${host.name}: the apply script ended without its read-back`, { host: host.name });
    // Undo what this host applied, newest first; the session may be dead (then the host stays failed).
    const outcome = await rollback(exec, host, steps.slice(0, res.applied), observed, lockPid, res, emit, interrupt.signal);
    if (res.rollback?.ok === true) lockPid = undefined;
    return finish(outcome, error);
  } catch (err) {
    if (interrupt.signal?.aborted === true && res.applied === 0) {
      // Cancelled while the host was still being read (nothing of this run reached it).
      return finish(
        'failed',
        appError(
          'CANCELLED',
          `${host.name}: cancelled before any change; the host did not answer within ${CANCEL_GRACE_MS / 1000} s after Cancel`,
          {
            host: host.name,
          },
        ),
      );
    }
    return finish('failed', errorData(err, host));
  } finally {
    board.settle(host.id);
    if (lockPid !== undefined)
      await exec.run(`kill ${lockPid} 2>/dev/null; exit 0\n`, { timeoutMs: 10_000, ...interruptible }).catch(() => undefined);
    await exec.release().catch(() => undefined);
  }
}

function prepareError(p: Prepared, host: Host, lock: boolean, stderr: string): AppErrorData | undefined {
  const d = { host: host.name };
  if (p.missing.length > 0) {
    return appError(
      'COMMAND_MISSING',
      `${host.name} has no ${p.missing.join(', ')} (${p.missing.includes('flock') ? 'util-linux' : 'iproute2'})`,
      d,
    );
  }
  if (p.noSudo)
    return appError(
      'SUDO_PASSWORD_REQUIRED',
      `${host.name}: \`sudo -n true\` failed: sudo wants a password for ${host.ssh.user}`,
      d,
    );
  if (lock && p.lock.kind === 'locked')
    return appError('LOCKED', `${host.name}: another deploy of this topology holds the lock`, d);
  if (lock && p.lock.kind === 'error') return appError('COMMAND_FAILED', `${host.name}: lock: ${p.lock.message}`, d);
  if (p.observeError !== undefined) return appError('COMMAND_FAILED', `${host.name}: ${p.observeError}`, d);
  if (!p.complete || p.observed === undefined)
    return appError('COMMAND_FAILED', `${host.name}: the observe script did not finish: ${tail(stderr, 3)}`, d);
  return undefined;
}

function linkKey(state: ObservedHostState): string {
  const links = state.links
    .map((l) => `${l.name}|${l.kind ?? ''}|${l.alias ?? ''}|${l.mtu}|${l.master ?? ''}|${l.up}`)
    .sort()
    .join(',');
  const addrs = state.addresses
    .filter((a) => a.scope !== 'link')
    .map((a) => `${a.ifname}|${a.cidr}`)
    .sort()
    .join(',');
  const fdb = state.fdb
    .filter((f) => f.dst !== undefined)
    .map((f) => `${f.ifname}|${f.mac}|${f.dst ?? ''}`)
    .sort()
    .join(',');
  return `${links}\n${addrs}\n${fdb}`;
}

async function rollback(
  exec: HostExecutor,
  host: Host,
  applied: Step[],
  before: ObservedHostState,
  lockPid: number | undefined,
  res: HostDeployResult,
  emit: Emit,
  /** Cancel's interrupt: a host that hangs during the undo is let go after the grace. */
  signal?: AbortSignal,
): Promise<HostDeployResult['outcome']> {
  const inverse: Step[] = [];
  for (const s of [...applied].reverse())
    for (const argv of s.inverse)
      inverse.push({ argv, description: `undo: ${s.description}`, inverse: [], kind: s.kind, target: s.target });
  emit({ hostId: host.id, phase: 'rollback', status: 'running', total: inverse.length });
  const m = newMarker();
  try {
    const r = await exec.run(
      stepsScript(
        inverse,
        { sudo: host.sudo, stopOnError: false, readBack: true, ...(lockPid !== undefined ? { releasePid: lockPid } : {}) },
        m,
      ),
      { timeoutMs: SCRIPT_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) },
    );
    const out = parseSteps(r.stdout, r.stderr, m, host.name);
    const failures: StepFailure[] = [];
    inverse.forEach((s, i) => {
      const code = out.status.get(i);
      if (code !== 0)
        failures.push({
          step: i,
          argv: s.argv,
          shell: argvToShell(s.argv),
          exitCode: code ?? null,
          stderrTail: tail(out.stderrOf.get(i) ?? ''),
        });
    });
    const restored = out.observed !== undefined && linkKey(out.observed) === linkKey(before);
    res.rollback = { ok: failures.length === 0 && out.complete, commands: inverse.length, failures, restored };
    emit({ hostId: host.id, phase: 'rollback', status: res.rollback.ok ? 'ok' : 'failed' });
    return res.rollback.ok ? 'rolled-back' : 'failed';
  } catch {
    res.rollback = { ok: false, commands: inverse.length, failures: [], restored: false };
    emit({ hostId: host.id, phase: 'rollback', status: 'failed', message: 'the session broke' });
    return 'failed';
  }
}
