/**
 * Commit-confirmed apply across hosts (the idea of Junos `commit confirmed`, `netplan try` and
 * NetworkManager checkpoints, on many hosts at once): before a host changes, it keeps a snapshot
 * of its state and arms a revert that runs ON THE HOST by itself when the window runs out, so a
 * change that cuts the admin off (or a client that dies) undoes itself even with no SSH session
 * left. `confirm` disarms it, `revert` runs it now; a host that reverted by itself leaves a record
 * that the next contact (deploy, status) reads, reports and clears.
 *
 * On the host, per run: `CONFIRM_DIR/net<netns inode>/<topology id>/<run id>/` (root only, 0700;
 * the namespace inode keeps hosts that share one /run, containers or lab hosts, apart):
 *   nonce         the nonce of the two outputs below
 *   snapshot.out  the state before the change (the observe read-back of `stepsScript`)
 *   revert.sh     the revert: `revertSteps(steps)` through `stepsScript`, going on past errors, then a read-back
 *   what          one line per revert command: what it gives back
 *   timer.sh      the timer: waits for the deadline, then claims the run and runs revert.sh
 *   pid, deadline the timer's pid (its process group) and the deadline (epoch seconds, host clock)
 *   decided/      made by whoever acts first (the timer, confirm or revert): `mkdir` is atomic, so
 *                 a confirm racing the deadline either wins (nothing reverts) or sees the revert
 *   reverted.out, reverted.at   the revert's output and `<epoch> <HH:MM:SS> <timer|request>`
 *
 * The timer is a detached process (`setsid`, stdio closed: killing sshd and the session does not
 * reach it), or a transient systemd service (`systemd-run`) where systemd is PID 1, so that logind's
 * KillUserProcesses cannot end it with the login session. Both run the same timer.sh.
 */
import { appError, type AppErrorData } from '../../../shared/errors/catalogue';
import { argvToShell, quoteShellArg, type Step } from '../../../shared/plan';
import { newNonce, rootShellLine, SBIN_PATH_LINE, sections } from '../ssh/remote-script';
import { LOCK_DIR, NETNS_INODE, parseSteps, stepsScript } from './scripts';
import { filesKey, inverseSteps, sessionError, stateKey, type StepHost } from './steps';
import type { ObservedHostState } from '../../../shared/observe';
import type { HostFile } from './persist';
import type { ConfirmWindow, HostExecutor, RevertRecord } from './types';

/** Where armed runs live on a host: inside the deploy lock directory (root only, checked by every apply's lock). */
export const CONFIRM_DIR = `${LOCK_DIR}/confirm`;
export const CONFIRM_MIN_SECONDS = 10;
export const CONFIRM_MAX_SECONDS = 3600;
/** The app's default window: long enough to look at the result, short enough that a cut-off admin waits little. */
export const CONFIRM_DEFAULT_SECONDS = 120;

/**
 * What the revert runs: the inverses of the change's steps, newest first. This is the seam for
 * other kinds of change: a step that writes a persistent network-manager file carries the inverse
 * that puts the old file back, and so joins the revert (and its snapshot) without a change here.
 */
export function revertSteps(steps: readonly Step[]): Step[] {
  return inverseSteps(steps);
}

/** The runs directory of a topology on the host, as a shell word. */
function runsDirWord(topologyId: string): string {
  return `${quoteShellArg(`${CONFIRM_DIR}/net`)}"${NETNS_INODE}"/${quoteShellArg(topologyId)}`;
}

/** `script` run as root: through `sudo -n` on a sudo host, with its own positional parameters. */
function asRoot(script: string, sudo: boolean): string {
  return `${argvToShell([...(sudo ? ['sudo', '-n'] : []), 'sh', '-c', script, 'vxs'])}\n`;
}

/** Runs revert.sh of the run in `$vxs_d` and leaves the record (`by`: timer or request). */
function revertLines(by: RevertRecord['by']): string[] {
  return [
    `sh "$vxs_d/revert.sh" >"$vxs_d/reverted.out" 2>/dev/null`,
    `date '+%s %H:%M:%S ${by}' >"$vxs_d/at.tmp" && mv "$vxs_d/at.tmp" "$vxs_d/reverted.at"`,
  ];
}

/** timer.sh: `$1` the run's directory, `$2` the deadline. Gone with the directory (confirm), or killed with its group. */
const TIMER_SCRIPT = [
  'cd / || exit 1',
  'vxs_d=$1; vxs_deadline=$2',
  'echo $$ >"$vxs_d/pid"',
  'while [ "$(date +%s)" -lt "$vxs_deadline" ]; do [ -d "$vxs_d" ] || exit 0; sleep 1; done',
  'mkdir "$vxs_d/decided" 2>/dev/null || exit 0',
  ...revertLines('timer'),
  '',
].join('\n');

export interface ArmOptions {
  topologyId: string;
  runId: string;
  seconds: number;
  /** The change's steps, in the order they run. */
  steps: readonly Step[];
}

/**
 * The arm script (run as root): writes the run's directory, takes the snapshot, starts the timer
 * and waits until it runs. Prints `<m> ARMED <epoch> <HH:MM:SS> <setsid|systemd>`, or
 * `<m> ARMERR <why>` with nothing left behind.
 */
export function armScript(opts: ArmOptions, m: string): string {
  const inner = newNonce();
  const revert = revertSteps(opts.steps);
  const lines = [
    SBIN_PATH_LINE,
    'umask 077',
    `vxs_base=${runsDirWord(opts.topologyId)}`,
    `vxs_d="$vxs_base"/${quoteShellArg(opts.runId)}`,
    `vxs_fail() { printf '%s ARMERR %s\\n' ${m} "$1"; rm -rf "$vxs_d"; exit 0; }`,
    `[ ! -e "$vxs_d" ] || { printf '%s ARMERR %s\\n' ${m} "$vxs_d exists"; exit 0; }`,
    `mkdir -p "$vxs_d" 2>/dev/null || vxs_fail "cannot create $vxs_d"`,
    `printf '%s\\n' ${quoteShellArg(inner)} >"$vxs_d/nonce"`,
    `printf '%s' ${quoteShellArg(stepsScript(revert, { sudo: false, stopOnError: false, readBack: true, readFiles: true }, inner))} >"$vxs_d/revert.sh"`,
    `printf '%s' ${quoteShellArg(revert.map((s) => `${s.description}\n`).join(''))} >"$vxs_d/what"`,
    `printf '%s' ${quoteShellArg(TIMER_SCRIPT)} >"$vxs_d/timer.sh"`,
    `sh -c ${quoteShellArg(stepsScript([], { sudo: false, stopOnError: false, readBack: true, readFiles: true }, inner))} >"$vxs_d/snapshot.out" 2>/dev/null`,
    `vxs_deadline=$(( $(date +%s) + ${Math.trunc(opts.seconds)} ))`,
    'echo "$vxs_deadline" >"$vxs_d/deadline"',
    // systemd as PID 1: a unit of its own outlives the login session whatever logind's KillUserProcesses says.
    'if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then',
    `  systemd-run --quiet --collect --unit=${quoteShellArg(`vxlan-studio-confirm-${opts.runId}`)} /bin/sh "$vxs_d/timer.sh" "$vxs_d" "$vxs_deadline" >/dev/null 2>&1 || vxs_fail 'systemd-run failed'`,
    '  vxs_how=systemd',
    'elif command -v setsid >/dev/null 2>&1; then',
    // A session of its own with no terminal and stdio closed: sshd's hangup never reaches it.
    '  setsid /bin/sh "$vxs_d/timer.sh" "$vxs_d" "$vxs_deadline" </dev/null >/dev/null 2>&1 &',
    '  vxs_how=setsid',
    "else vxs_fail 'neither systemd-run (with systemd as PID 1) nor setsid (util-linux) is available'; fi",
    'vxs_i=0; while [ ! -s "$vxs_d/pid" ] && [ "$vxs_i" -lt 50 ]; do sleep 0.1; vxs_i=$((vxs_i+1)); done',
    `[ -s "$vxs_d/pid" ] || vxs_fail 'the revert timer did not start'`,
    `printf '%s ARMED %s %s %s\\n' ${m} "$vxs_deadline" "$(date -d "@$vxs_deadline" +%H:%M:%S)" "$vxs_how"`,
  ];
  return lines.join('\n');
}

export type ControlMode = 'read' | 'confirm' | 'revert';

/**
 * The control script (run as root) over every run of the topology on the host. `read` (every
 * deploy and status): report and clear the records of reverts, list armed runs. `confirm`: disarm
 * (kill the timer's group, remove the run). `revert`: run the revert now. A run the timer already
 * claimed is waited for (confirm, revert: 30 s at most) and reported as reverted.
 */
export function controlScript(topologyId: string, mode: ControlMode, m: string): string {
  const act =
    mode === 'read'
      ? []
      : [
          '  if [ ! -d "$vxs_d/decided" ] && mkdir "$vxs_d/decided" 2>/dev/null; then',
          '    vxs_pid=$(cat "$vxs_d/pid" 2>/dev/null)',
          '    [ -n "$vxs_pid" ] && kill -TERM -"$vxs_pid" 2>/dev/null',
          ...(mode === 'confirm'
            ? ['    rm -rf "$vxs_d"', `    printf '%s CONFIRMED %s\\n' ${m} "$vxs_run"`, '    continue']
            : revertLines('request').map((l) => `    ${l}`)),
          '  fi',
          '  vxs_i=0; while [ -d "$vxs_d/decided" ] && [ ! -f "$vxs_d/reverted.at" ] && [ "$vxs_i" -lt 300 ]; do sleep 0.1; vxs_i=$((vxs_i+1)); done',
        ];
  const lines = [
    SBIN_PATH_LINE,
    // Without a runs directory of this topology (in any network namespace's) there is no run: the
    // network namespace's inode, which names ours, costs a readlink process and is not needed.
    `vxs_any=; for vxs_d in ${quoteShellArg(`${CONFIRM_DIR}/net`)}*/${quoteShellArg(topologyId)}; do [ -d "$vxs_d" ] && vxs_any=1; done`,
    `[ -n "$vxs_any" ] || { printf '%s CEND\\n' ${m}; exit 0; }`,
    `vxs_base=${runsDirWord(topologyId)}`,
    `[ -d "$vxs_base" ] || { printf '%s CEND\\n' ${m}; exit 0; }`,
    'for vxs_d in "$vxs_base"/*; do',
    '  [ -d "$vxs_d" ] || continue',
    '  vxs_run=${vxs_d##*/}',
    ...act,
    '  if [ -f "$vxs_d/reverted.at" ]; then',
    `    printf '%s REVERTED %s %s\\n' ${m} "$vxs_run" "$(cat "$vxs_d/reverted.at")"`,
    `    printf '%s NONCE %s\\n' ${m} "$(cat "$vxs_d/nonce")"`,
    `    printf '%s WHAT\\n' ${m}; cat "$vxs_d/what"`,
    `    printf '%s OUT\\n' ${m}; cat "$vxs_d/reverted.out"`,
    `    printf '%s SNAP\\n' ${m}; cat "$vxs_d/snapshot.out"`,
    '    rm -rf "$vxs_d"',
    `  elif [ -d "$vxs_d/decided" ]; then printf '%s REVERTING %s\\n' ${m} "$vxs_run"`,
    '  else vxs_dl=$(cat "$vxs_d/deadline" 2>/dev/null)',
    `    printf '%s ARMED %s %s %s\\n' ${m} "$vxs_run" "$vxs_dl" "$(date -d "@$vxs_dl" +%H:%M:%S 2>/dev/null)"`,
    '  fi',
    'done',
    // Empty directories go too: a confirmed or reported run leaves nothing behind.
    `rmdir "$vxs_base" "\${vxs_base%/*}" ${quoteShellArg(CONFIRM_DIR)} 2>/dev/null`,
    `printf '%s CEND\\n' ${m}`,
    'exit 0',
  ];
  return lines.join('\n');
}

/** The control script as the shell line the executor runs (as root). */
export function controlLine(topologyId: string, mode: ControlMode, sudo: boolean, m: string): string {
  // Quiet: a sudo that wants a password is reported by the scripts that need it (prepare's NOSUDO, CEND missing).
  // `read` (every round trip 1) runs in a subshell of a root login: a process start less per host. Confirm
  // and revert keep their own sh: they signal the timer's process group and wait on it, and the subshell
  // form was never proven with them.
  if (mode === 'read') return `${rootShellLine(['sh', '-c', controlScript(topologyId, mode, m), 'vxs'], sudo)} 2>/dev/null\n`;
  return `${asRoot(controlScript(topologyId, mode, m), sudo).trimEnd()} 2>/dev/null\n`;
}

/** What a control script reported. */
export interface ControlReport {
  armed: ConfirmWindow[];
  confirmed: string[];
  reverted: RevertRecord[];
  /** Runs the timer is reverting right now. */
  reverting: string[];
  /** The script ran to its end. */
  complete: boolean;
  /** Each reported revert's snapshot (`readBackKey`), by run id: what `settleRestored` compares with. */
  snapshots: Map<string, string>;
  /** The reported reverts whose snapshot has the manager's files: their revert reloaded the manager. */
  withFiles: Set<string>;
}

/**
 * A read-back (snapshot or after the revert) as one comparable string: the links, addresses and
 * FDB entries (`stateKey`), then the manager's files when it read them (`filesKey`).
 */
function readBackKey(text: string, nonce: string, host: string): { key: string; withFiles: boolean } | undefined {
  try {
    const r = parseSteps(text, '', nonce, host);
    if (r.observed === undefined) return undefined;
    if (r.files === undefined) return { key: stateKey(r.observed), withFiles: false };
    return { key: `${stateKey(r.observed)}\n${filesKey(r.files, r.foreign ?? [])}`, withFiles: true };
  } catch {
    return undefined;
  }
}

/** Parses a control script's answer (sections under `m`; the record's own outputs under their nonce). */
export function parseControl(stdout: string, m: string, host: string): ControlReport {
  const out: ControlReport = {
    armed: [],
    confirmed: [],
    reverted: [],
    reverting: [],
    complete: false,
    snapshots: new Map(),
    withFiles: new Set(),
  };
  let rec: { record: RevertRecord; nonce: string; out: string; snap: string } | undefined;
  const flush = (): void => {
    if (rec === undefined) return;
    // A snapshot taken with the files counts them: the host is back only when they are too.
    const after = readBackKey(rec.out, rec.nonce, host);
    const before = readBackKey(rec.snap, rec.nonce, host);
    const run = rec.nonce === '' ? undefined : parseSteps(rec.out, '', rec.nonce, host);
    rec.record.failed = run === undefined ? rec.record.undone.length : [...run.status.values()].filter((c) => c !== 0).length;
    rec.record.restored = after !== undefined && before !== undefined && after.key === before.key;
    if (before !== undefined) out.snapshots.set(rec.record.runId, before.key);
    if (before?.withFiles === true) out.withFiles.add(rec.record.runId);
    out.reverted.push(rec.record);
    rec = undefined;
  };
  for (const s of sections(stdout, m)) {
    const args = s.args.trim().split(/\s+/);
    switch (s.tag) {
      case 'ARMED':
        out.armed.push({ runId: args[0] ?? '', deadlineEpoch: Number(args[1]), deadline: args[2] ?? '' });
        break;
      case 'CONFIRMED':
        out.confirmed.push(args[0] ?? '');
        break;
      case 'REVERTING':
        out.reverting.push(args[0] ?? '');
        break;
      case 'REVERTED':
        flush();
        rec = {
          record: {
            runId: args[0] ?? '',
            atEpoch: Number(args[1]),
            at: args[2] ?? '',
            by: args[3] === 'request' ? 'request' : 'timer',
            undone: [],
            failed: 0,
            restored: false,
          },
          nonce: '',
          out: '',
          snap: '',
        };
        break;
      case 'NONCE':
        if (rec) rec.nonce = args[0] ?? '';
        break;
      case 'WHAT':
        if (rec) rec.record.undone = s.body.split('\n').filter((l) => l.trim() !== '');
        break;
      case 'OUT':
        if (rec) rec.out = s.body;
        break;
      case 'SNAP':
        if (rec) rec.snap = s.body;
        break;
      case 'CEND':
        flush();
        out.complete = true;
        break;
    }
  }
  flush();
  return out;
}

/**
 * A revert the timer ran reads the host back right after its last command, and a network manager
 * it reloaded may still be reconfiguring then (systemd-networkd's reload returns before it has
 * re-applied its files), so that read-back can differ from the snapshot for a moment. At the next
 * contact the host as found now (`observed`, and the manager's files as round trip 1 read them) is
 * compared with the snapshot too: a revert is `restored` when either equals it. `confirm`/`revert`
 * (confirm-run.ts) compare the same way with read-backs taken until the manager has settled.
 */
export function settleRestored(
  report: ControlReport,
  observed: ObservedHostState | undefined,
  files: { marked: readonly HostFile[]; foreign: readonly string[] },
): void {
  if (observed === undefined) return;
  for (const rec of report.reverted) {
    const snapshot = report.snapshots.get(rec.runId);
    if (rec.restored || snapshot === undefined) continue;
    // The snapshot has the files when the run wrote some (`readBackKey`): compare in its form.
    const state = stateKey(observed);
    if (snapshot === state || snapshot === `${state}\n${filesKey(files.marked, files.foreign)}`) rec.restored = true;
  }
}

/**
 * The reverts reported not back whose revert reloaded the manager (their snapshot has its files): the
 * manager may still be re-applying, so the host may be back a moment later (`settleReadBack`).
 */
export function unsettledReverts(report: ControlReport): RevertRecord[] {
  return report.reverted.filter((r) => !r.restored && report.withFiles.has(r.runId) && report.snapshots.has(r.runId));
}

/** The arm script as the shell line the executor runs (as root). */
export function armLine(opts: ArmOptions, sudo: boolean, m: string): string {
  return asRoot(armScript(opts, m), sudo);
}

/**
 * Arms the revert on a host before its change: resolves with the window, or the error that refuses
 * the host (nothing changes on a host whose revert is not armed).
 */
export async function armHost(
  exec: HostExecutor,
  host: StepHost,
  opts: ArmOptions & { timeoutMs: number },
): Promise<{ window: ConfirmWindow } | { error: AppErrorData }> {
  const m = newNonce();
  try {
    const r = await exec.run(armLine(opts, host.sudo, m), { timeoutMs: opts.timeoutMs });
    for (const s of sections(r.stdout, m)) {
      const args = s.args.trim().split(/\s+/);
      if (s.tag === 'ARMED') return { window: { runId: opts.runId, deadlineEpoch: Number(args[0]), deadline: args[1] ?? '' } };
      if (s.tag === 'ARMERR')
        return { error: appError('COMMAND_FAILED', `${host.name}: could not arm the revert: ${s.args}`, { host: host.name }) };
    }
    return {
      error: appError('COMMAND_FAILED', `${host.name}: the arm script did not finish: ${r.stderr.trim().slice(-300)}`, {
        host: host.name,
      }),
    };
  } catch (err) {
    return { error: sessionError(err, host.name) };
  }
}

/** Runs the control script on a host; rejects only when the session fails. */
export async function controlHost(
  exec: HostExecutor,
  host: StepHost,
  topologyId: string,
  mode: ControlMode,
  timeoutMs: number,
): Promise<ControlReport> {
  const m = newNonce();
  const r = await exec.run(controlLine(topologyId, mode, host.sudo, m), { timeoutMs });
  return parseControl(r.stdout, m, host.name);
}

/** "reverted on its own at 18:42:07 (run 1b2c...): undid 11 commands, back to the snapshot". */
export function formatRevertRecord(r: RevertRecord): string {
  const how = r.by === 'timer' ? 'reverted on its own' : 'reverted on request';
  const state = r.restored ? 'back to the snapshot taken before the change' : 'NOT equal to the snapshot taken before the change';
  const failed = r.failed > 0 ? ` (${r.failed} command(s) had nothing to undo or failed)` : '';
  return `${how} at ${r.at} (run ${r.runId}): undid ${r.undone.length} command${r.undone.length === 1 ? '' : 's'}${failed}, ${state}`;
}
