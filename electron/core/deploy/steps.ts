/**
 * The one step executor: runs a host's steps in order on its shell (one script, or one round per
 * step), records the step that failed (index, argv, exit code, stderr tail), undoes the applied ones
 * newest first, and reads the host back. The deploy runner (apply, destroy) and the health fixes use
 * it, and so should every later feature that changes a host (confirm/revert), so that a failure is
 * reported and undone the same way everywhere. The network manager's files (persist.ts) are steps
 * too: a write or removal with its inverse, and the read-back can include them (`readFiles`).
 *
 * It lives in deploy/ because it speaks deploy's `HostExecutor` and step scripts (scripts.ts:
 * `stepsScript`, `parseSteps`, the observe read-back), and health already depends on deploy (its
 * plan fixes go through `runDeploy`): health using it adds no edge to the layering
 * web -> backend -> {deploy, health} -> ssh. A folder of its own would have to take those types and
 * scripts along and leave deploy importing them back.
 *
 * What it leaves to the caller: the outcome (a deploy judges the read-back against its plan, a fix
 * cannot undo a step without an inverse), progress events, and the lock.
 */
import { AppError, appError, type AppErrorData } from '../../../shared/errors/catalogue';
import { ObserveParseError, type ObservedHostState } from '../../../shared/observe';
import { argvToShell, type Step } from '../../../shared/plan';
import { newNonce, outputTail } from '../ssh/remote-script';
import type { HostFile } from './persist';
import { parseSteps, stepsScript } from './scripts';
import type { ExecResult, HostExecutor, StepFailure } from './types';

/** Why a script on a host did not come back: the session's coded error, else "the session broke". */
export function sessionError(err: unknown, hostName: string): AppErrorData {
  if (err instanceof AppError) return err.data;
  if (err instanceof ObserveParseError) return appError('COMMAND_FAILED', err.message, { host: hostName });
  const message = err instanceof Error ? err.message : String(err);
  return appError('SSH_UNREACHABLE', `${hostName}: the session broke: ${message}`, { host: hostName });
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

/** The host as the executor needs it: its name for messages, and whether commands go through `sudo -n`. */
export interface StepHost {
  name: string;
  sudo: boolean;
}

export interface RunStepsOptions {
  host: StepHost;
  timeoutMs: number;
  /** One round per step (see `stepChunks`) instead of one script: slower, but cancel stops between steps. */
  stepByStep?: boolean;
  /** Cancel: checked before each round; once aborted no round is sent (error CANCELLED). */
  signal?: AbortSignal;
  /** Interrupts the round running on the host (the session is then cut; see `StepRun.interrupted`). */
  interrupt?: AbortSignal;
  /** Called before each round with the index of its first step (tests break a host at a known point). */
  beforeRound?: (index: number, step: Step) => Promise<void> | void;
  /** Called when a round is sent, with the index of its first step (progress). */
  onRound?: (index: number) => void;
  /** Observe the host after the last step (the read-back, `StepRun.observed`). */
  readBack?: boolean;
  /** With `readBack`: also read back our network manager files (`StepRun.files`). */
  readFiles?: boolean;
  /** Kill this process (a lock holder) at the end of the last round. */
  releasePid?: number;
  /** What a step is called in the failure message; default `step`. */
  noun?: string;
}

export interface StepRun {
  /** How many steps, from the first, ran successfully. */
  applied: number;
  /** The step that failed, or the one that was running when the session broke (exit code null). */
  failure?: StepFailure;
  /** Why the run stopped early (COMMAND_FAILED, CANCELLED, the session's error); absent when every step ran. */
  error?: AppErrorData;
  /**
   * `interrupt` cut the session while a round ran: whether its step ran is unknown, and nothing
   * more (no undo, no release) can be sent on that session.
   */
  interrupted: boolean;
  /** The read-back after the last step (with `readBack`, when every step ran and the observe succeeded). */
  observed?: ObservedHostState;
  /** Our network manager files as read back after the last step (with `readFiles`). */
  files?: HostFile[];
  /** The last round ran to its end, with the release of `releasePid`. */
  released: boolean;
}

/**
 * Runs `steps` in order on `exec`, stopping at the first failure; each step's exit status and
 * stderr come back between markers of a fresh nonce (`stepsScript`). Rejects only when the answer
 * cannot be parsed (`ObserveParseError` of the read-back); a failed step or session is a result.
 */
export async function runSteps(exec: HostExecutor, steps: readonly Step[], opts: RunStepsOptions): Promise<StepRun> {
  const host = opts.host;
  const out: StepRun = { applied: 0, interrupted: false, released: false };
  const failureOf = (index: number, exitCode: number | null, stderrTail: string): StepFailure => {
    const s = steps[index] as Step;
    return { step: index, argv: [...s.argv], shell: argvToShell(s.argv), exitCode, stderrTail };
  };
  const rounds = opts.stepByStep === true ? stepChunks(steps) : [{ from: 0, steps: [...steps] }];
  for (const [ri, round] of rounds.entries()) {
    await opts.beforeRound?.(round.from, round.steps[0] as Step);
    if (opts.signal?.aborted === true) {
      out.error = appError('CANCELLED', `${host.name}: cancelled after ${out.applied} of ${steps.length} steps`, {
        host: host.name,
      });
      return out;
    }
    opts.onRound?.(round.from);
    const last = ri === rounds.length - 1;
    const m = newNonce();
    const script = stepsScript(
      round.steps,
      {
        sudo: host.sudo,
        stopOnError: true,
        readBack: last && opts.readBack === true,
        readFiles: opts.readFiles === true,
        ...(last && opts.releasePid !== undefined ? { releasePid: opts.releasePid } : {}),
      },
      m,
    );
    let r: ExecResult;
    try {
      r = await exec.run(script, {
        timeoutMs: opts.timeoutMs,
        ...(opts.interrupt === undefined ? {} : { signal: opts.interrupt }),
      });
    } catch (err) {
      out.failure = failureOf(out.applied, null, '');
      out.interrupted = opts.interrupt?.aborted === true;
      out.error = sessionError(err, host.name);
      return out;
    }
    const parsed = parseSteps(r.stdout, r.stderr, m, host.name, round.steps);
    round.steps.forEach((_, k) => {
      if (parsed.status.get(k) === 0) out.applied = round.from + k + 1;
    });
    const bad = [...parsed.status.entries()].find(([, code]) => code !== 0);
    if (bad !== undefined || !parsed.done) {
      const k = bad?.[0] ?? parsed.status.size;
      const f = failureOf(round.from + k, bad?.[1] ?? null, outputTail(parsed.stderrOf.get(k) ?? r.stderr));
      out.failure = f;
      out.error = appError(
        'COMMAND_FAILED',
        `${host.name}: ${opts.noun ?? 'step'} ${f.step + 1} of ${steps.length} \`${f.shell}\` exited with ${String(f.exitCode)}: ${f.stderrTail}`,
        { host: host.name, step: f.step, exitCode: f.exitCode, stderr: f.stderrTail },
      );
      return out;
    }
    if (last) {
      out.released = true;
      if (parsed.observed !== undefined) out.observed = parsed.observed;
      if (parsed.files !== undefined) out.files = parsed.files;
    }
  }
  return out;
}

/** What a read-back found: the host's links, addresses and FDB, and with `readFiles` the manager's files. */
export interface ReadBack {
  observed: ObservedHostState;
  /** Our network manager files (with `readFiles`). */
  files?: HostFile[];
  /** The other files in the manager's directories (with `readFiles`). */
  foreign?: string[];
}

/** Reads the host back in one script with no step; undefined when the session fails or the read-back is missing. */
export async function readBack(
  exec: HostExecutor,
  host: StepHost,
  opts: { readFiles: boolean; timeoutMs: number },
): Promise<ReadBack | undefined> {
  const m = newNonce();
  const script = stepsScript([], { sudo: host.sudo, stopOnError: true, readBack: true, readFiles: opts.readFiles }, m);
  let r: ExecResult;
  try {
    r = await exec.run(script, { timeoutMs: opts.timeoutMs });
  } catch {
    return undefined;
  }
  const parsed = parseSteps(r.stdout, r.stderr, m, host.name);
  if (parsed.observed === undefined) return undefined;
  return {
    observed: parsed.observed,
    ...(parsed.files === undefined ? {} : { files: parsed.files }),
    ...(parsed.foreign === undefined ? {} : { foreign: parsed.foreign }),
  };
}

/** How long a read-back that differs after a network manager's reload is taken again (`settleReadBack`). */
export const SETTLE_MS = 6_000;
/** The pauses before each new read-back; the last one repeats. */
const SETTLE_PAUSES_MS = [200, 300, 500, 1_000];

/**
 * A network manager's reload can answer before the manager has re-applied its files. Seen with
 * systemd-networkd 252: after `networkctl reload` it reconfigures the links it manages, and for a
 * moment the underlay's own address is gone, so a read-back taken at once differs from the state the
 * host is back in a moment later (a revert reported "not back", an apply `failed` on drift). So a
 * read-back taken right after a reload that does not match what the caller expects is taken again,
 * after a short pause, until it matches or `SETTLE_MS` has passed: the last one taken is the answer.
 * Only a host that differs waits; each look is read-only.
 */
export async function settleReadBack(
  exec: HostExecutor,
  host: StepHost,
  opts: { readFiles: boolean; timeoutMs: number },
  matches: (r: ReadBack) => boolean,
): Promise<ReadBack | undefined> {
  const deadline = performance.now() + SETTLE_MS;
  let last: ReadBack | undefined;
  for (let i = 0; ; i++) {
    const pause = SETTLE_PAUSES_MS[Math.min(i, SETTLE_PAUSES_MS.length - 1)] ?? 1_000;
    if (performance.now() + pause > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, pause));
    const r = await readBack(exec, host, opts);
    if (r === undefined) return last;
    last = r;
    if (matches(r)) return r;
  }
}

/** The steps reload a network manager (a `persist-reload` step, or a file step whose inverse reloads). */
export function reloadsManager(steps: readonly Step[]): boolean {
  return steps.some(isFileStep);
}

/** Steps on the network manager's files (persist.ts), as opposed to the runtime state. */
function isFileStep(s: Step): boolean {
  return s.kind === 'file-write' || s.kind === 'file-remove' || s.kind === 'persist-reload';
}

/**
 * The commands that undo `applied`: the newest step first, each step's own inverse commands in
 * order, except that the manager's files are given back after the runtime state, so that the
 * manager's reload (part of the file inverses, at the very end) finds the links as they were. Reloaded
 * first, systemd-networkd drops the addresses of links whose files are gone, and the runtime
 * inverses after it fail with nothing left to undo.
 */
export function inverseSteps(applied: readonly Step[]): Step[] {
  const inverse: Step[] = [];
  const newestFirst = [...applied].reverse();
  for (const s of [...newestFirst.filter((x) => !isFileStep(x)), ...newestFirst.filter(isFileStep)])
    for (const argv of s.inverse)
      inverse.push({ argv, description: `undo: ${s.description}`, inverse: [], kind: s.kind, target: s.target });
  return inverse;
}

/**
 * What a rollback must give back, as one comparable string: links (kind, alias, MTU, master, up),
 * addresses other than link-local ones, and FDB entries with a destination.
 */
export function stateKey(state: ObservedHostState): string {
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

/**
 * The network manager's files as one comparable string: ours (and other drawings') by path, mode and
 * content, the others there (an admin's) by path, as `persistFilesArgv` reads them.
 */
export function filesKey(marked: readonly HostFile[], foreign: readonly string[]): string {
  const files = marked
    .map((f) => `${f.path}|${f.mode.toString(8)}|${f.content}`)
    .sort()
    .join('\0');
  return `${files}\n${[...foreign].sort().join('\0')}`;
}

export interface UndoStepsOptions {
  host: StepHost;
  timeoutMs: number;
  /** Cancel's interrupt: a host that hangs during the undo is let go. */
  interrupt?: AbortSignal;
  /** Read the host back after the undo and compare it with this state, the one before the steps (`StepUndo.restored`). */
  before?: ObservedHostState;
  /** Kill this process (a lock holder) at the end. */
  releasePid?: number;
}

export interface StepUndo {
  /** Every inverse command exited 0 and the script ran to its end. */
  ok: boolean;
  /** Inverse commands sent. */
  commands: number;
  /** The inverse commands that failed (index into the inverse list). */
  failures: StepFailure[];
  /** The read-back equals `before`: the host is as it was. */
  restored: boolean;
  /** The session failed during the undo: nothing is known of what it did. */
  broke: boolean;
}

/**
 * Undoes `applied` (see `inverseSteps`) in one script that goes on past errors, to undo as much as
 * possible. With nothing to undo, read back or release, nothing is sent.
 */
export async function undoSteps(exec: HostExecutor, applied: readonly Step[], opts: UndoStepsOptions): Promise<StepUndo> {
  const inverse = inverseSteps(applied);
  if (inverse.length === 0 && opts.before === undefined && opts.releasePid === undefined)
    return { ok: true, commands: 0, failures: [], restored: false, broke: false };
  const m = newNonce();
  try {
    const r = await exec.run(
      stepsScript(
        inverse,
        {
          sudo: opts.host.sudo,
          stopOnError: false,
          readBack: opts.before !== undefined,
          ...(opts.releasePid !== undefined ? { releasePid: opts.releasePid } : {}),
        },
        m,
      ),
      { timeoutMs: opts.timeoutMs, ...(opts.interrupt === undefined ? {} : { signal: opts.interrupt }) },
    );
    const out = parseSteps(r.stdout, r.stderr, m, opts.host.name, inverse);
    const failures: StepFailure[] = [];
    inverse.forEach((s, i) => {
      const code = out.status.get(i);
      if (code !== 0)
        failures.push({
          step: i,
          argv: s.argv,
          shell: argvToShell(s.argv),
          exitCode: code ?? null,
          stderrTail: outputTail(out.stderrOf.get(i) ?? ''),
        });
    });
    return {
      ok: failures.length === 0 && out.complete,
      commands: inverse.length,
      failures,
      restored: out.observed !== undefined && opts.before !== undefined && stateKey(out.observed) === stateKey(opts.before),
      broke: false,
    };
  } catch {
    return { ok: false, commands: inverse.length, failures: [], restored: false, broke: true };
  }
}
