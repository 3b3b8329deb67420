/**
 * The scripts the runner sends to a host and the parsers of their answers. Every value that comes
 * from the topology reaches the shell through `quoteShellArg`/`stepLine` (shared/plan), never raw.
 *
 * Output sections start with a line `<nonce> <TAG> [args]` (../ssh/remote-script.ts); the nonce is
 * random per script, so no command output (an interface alias, an error message) can fake a section.
 */
import { appError, type AppErrorData } from '../../../shared/errors/catalogue';
import type { Host } from '../../../shared/model';
import { completeObserveOutput, OBSERVE_COMMANDS, parseObserved, type ObservedHostState } from '../../../shared/observe';
import { argvToShell, quoteShellArg, stepLine, type HostFacts, type Step } from '../../../shared/plan';
import { outputTail, rootShellLine, SBIN_PATH_LINE, sections, type Section } from '../ssh/remote-script';
import { parsePersistSections, persistFilesArgv, persistProbeArgv, type PersistRead } from './persist';

/**
 * Where deploy locks live on a host: a directory only root can enter, in /run (a tmpfs on every
 * systemd distribution, emptied at boot). Not the world-writable /run/lock: there any local user
 * could create a topology's lock file first and hold it (no deploy ever gets through) or make it
 * a symlink that root then opens.
 */
export const LOCK_DIR = '/run/vxlan-studio';

/**
 * The lock file for a topology on a host, as a shell word: the name carries the inode of the host's
 * network namespace, because what the lock guards is that network stack, and containers or lab
 * hosts that share one filesystem must not share (and serialise on) one lock.
 */
export function lockPathWord(topologyId: string): string {
  return `${quoteShellArg(`${LOCK_DIR}/vxlan-studio-${topologyId}`)}"-net${NETNS_INODE}.lock"`;
}

/**
 * A shell command substitution printing the inode of the host's network namespace (`net:[4026531840]`
 * -> `4026531840`): what tells apart hosts that share one filesystem (containers, lab hosts) in
 * names under /run. Use it inside double quotes.
 */
export const NETNS_INODE = '$(vxs_ns=$(readlink /proc/self/ns/net 2>/dev/null); vxs_ns=${vxs_ns#net:?}; echo "${vxs_ns%?}")';

/** Seconds after which a lock holder gives up even if its session shell still lives (a stuck client). */
export const LOCK_LEASE_SECONDS = 900;

/** Shell lines that print observe outputs (all of them, or the ones named), each in its own section. */
function observeLines(m: string, keys = Object.keys(OBSERVE_COMMANDS) as Array<keyof typeof OBSERVE_COMMANDS>): string[] {
  return keys.flatMap((k) => [
    `printf '%s OBS ${k}\\n' ${m}`,
    `${argvToShell(OBSERVE_COMMANDS[k])} || printf '\\n%s OBSFAIL ${k} %d\\n' ${m} $?`,
  ]);
}

export interface PrepareOptions {
  topologyId: string;
  /** Take the topology's lock (apply/destroy); `status` reads without it. */
  lock: boolean;
  /** Peer underlay addresses: `ip -j route get` the first one for the underlay facts. */
  peers: string[];
  sudo: boolean;
}

/**
 * Shell line setting `vxs_uid` to the effective uid, as `id -u` prints it (the second figure of
 * /proc/self/status's `Uid:` line), with no process; empty when /proc cannot say.
 */
export const EUID_LINE =
  'vxs_uid=; while read -r vxs_k vxs_r vxs_e vxs_x; do [ "$vxs_k" = Uid: ] && { vxs_uid=$vxs_e; break; }; done </proc/self/status 2>/dev/null';

/** Shell function `vxs_live PID`: the process runs (a zombie or a vanished pid counts as gone). */
export const LIVE_FUNCTION = `vxs_live() { kill -0 "$1" 2>/dev/null || return 1; read -r vxs_st 2>/dev/null <"/proc/$1/stat" || return 0; vxs_st=\${vxs_st##*) }; case $vxs_st in Z*|X*) return 1;; esac; return 0; }`;

/**
 * The lock taken as root (through `sudo -n` on a sudo host): LOCK_DIR is made 0700 if missing and
 * refused unless it is a real directory of this uid that nobody else may write to; the topology's
 * file in it is opened on fd 9 and `flock`ed, and a holder keeps fd 9 while both the process `$1`
 * (the login user's token, see prepareScript) and `$2` (the SSH session) live, looking once a second.
 * Exit 0 = locked; 3 = a tagged line says why not. The uid comes from /proc/self/status and the
 * directory is made only when missing: no `id` or `mkdir` process in every locked round trip 1.
 */
function rootLockScript(topologyId: string, m: string): string {
  const refuse = (why: string, ...args: string[]): string =>
    `{ printf '%s LOCKERR refusing %s: ${why}\\n' ${m} "$vxs_dir" ${args.join(' ')}; exit 3; }`;
  return [
    `vxs_dir=${quoteShellArg(LOCK_DIR)}`,
    `[ -d "$vxs_dir" ] || mkdir -p -m 0700 "$vxs_dir" 2>/dev/null`,
    EUID_LINE,
    `[ -n "$vxs_uid" ] || vxs_uid=$(id -u); vxs_st=$(stat -c '%F:%u:%a' "$vxs_dir" 2>/dev/null)`,
    `case $vxs_st in "directory:$vxs_uid:"*) ;; *) ${refuse('it is not a directory owned by uid %s (%s)', '"$vxs_uid"', '"${vxs_st:-missing}"')};; esac`,
    // Mode digits: the last two are group and other; 2, 3, 6 and 7 carry the write bit.
    `case \${vxs_st##*:} in *[2367]?|*[2367]) ${refuse('group or others may write to it (mode %s)', '"${vxs_st##*:}"')};; esac`,
    `vxs_lock=${lockPathWord(topologyId)}`,
    `exec 9>>"$vxs_lock" || { printf '%s LOCKERR cannot open %s\\n' ${m} "$vxs_lock"; exit 3; }`,
    // A short wait absorbs a holder that is just exiting (a run right after another).
    `if ! flock -w 2 9; then printf '%s LOCKED\\n' ${m}; exit 3; fi`,
    LIVE_FUNCTION,
    `( trap '' HUP; while vxs_live "$1" && vxs_live "$2"; do sleep 1 9>&-; done ) </dev/null >/dev/null 2>&1 &`,
    'exit 0',
  ].join('\n');
}

/** An address `ip -batch` may read as one word: IPv4 or IPv6 characters only. */
const BATCH_ADDRESS = /^[0-9A-Fa-f.:]+$/;

/** Observe's `link` command (`ip -j -d addr show`) as a batch: its global options, reading commands from stdin. */
const LINK_BATCH = [...OBSERVE_COMMANDS.link.slice(0, -2), '-force', '-batch', '-'];

/**
 * The routes to the SSH client (the interface carrying the session) and to the first peer (the
 * underlay), and the links with their addresses (observe's `link`): all three in one `ip -j -d
 * -batch` when both routes are asked (one process per host in every round trip 1 instead of two). That
 * batch answers only when every command succeeds (a failed lookup prints nothing, and a malformed
 * address stops the batch; `ip` then exits non-zero), else each runs alone as before, in its own section.
 */
function routeAndLinkLines(peer: string | undefined, m: string): string[] {
  const alone = [
    `if [ -n "$1" ]; then printf '%s SSHROUTE\\n' ${m}; ip -j route get "$1"; fi`,
    ...(peer === undefined ? [] : [`printf '%s PEERROUTE\\n' ${m}`, `ip -j route get ${quoteShellArg(peer)}`]),
    ...observeLines(m, ['link']),
  ];
  if (peer === undefined || !BATCH_ADDRESS.test(peer)) return ['set -- $SSH_CONNECTION', ...alone];
  return [
    'set -- $SSH_CONNECTION',
    // A here-document, not `printf | ip`: the shell writes a short one itself, with no process for it.
    `case $1 in *[!0-9A-Fa-f.:]*|'') vxs_rt='' ;; *) vxs_rt=$(${argvToShell(LINK_BATCH)} 2>/dev/null <<VXS_BATCH`,
    'route get $1',
    `route get ${peer}`,
    'addr show',
    'VXS_BATCH',
    `) || vxs_rt='' ;; esac`,
    `if [ -n "$vxs_rt" ]; then printf '%s ROUTES_LINK\\n%s\\n' ${m} "$vxs_rt"; else`,
    ...alone.map((l) => `  ${l}`),
    'fi',
  ];
}

/**
 * Round trip 1: checks tools (and `sudo -n`), takes the lock, gathers facts and observes, in one
 * script. The lock has two parts, so that a login user whose root comes from sudo can still let
 * go of it: a token process of the login user, a `sleep` for the lease, lives until it is killed
 * (release) or the lease ends; as root, rootLockScript takes the lock and leaves a holder that
 * keeps it while both the token and the SSH session live (checked every second: the connection
 * died; a zombie counts as gone). LOCK reports the token's pid. One process looks once a second
 * (the holder) instead of two: the token used to watch the session itself.
 */
export function prepareScript(opts: PrepareOptions, m: string): string {
  const lines = [
    SBIN_PATH_LINE,
    `for c in ip bridge${opts.lock ? ' flock' : ''}; do command -v "$c" >/dev/null 2>&1 || printf '%s MISSING %s\\n' ${m} "$c"; done`,
  ];
  if (opts.sudo) lines.push(`sudo -n true >/dev/null 2>&1 || printf '%s NOSUDO\\n' ${m}`);
  if (opts.lock) {
    const asRoot = argvToShell([...(opts.sudo ? ['sudo', '-n'] : []), 'sh', '-c', rootLockScript(opts.topologyId, m), 'vxs']);
    lines.push(
      `if ! command -v flock >/dev/null 2>&1; then exit 0; fi`,
      // The owner is the host's SSH session: the persistent shell (`$$`), or the pid the pool
      // passes as $1 when the script runs under sudo or on an exec channel (see pool.ts).
      'vxs_owner=${1:-$$}',
      // The holder watches the owner too: a dead owner can linger as a zombie (its parent sshd was
      // killed and the host's init does not reap), and vxs_live reads its state for that.
      `( trap '' HUP; exec sleep ${LOCK_LEASE_SECONDS} ) </dev/null >/dev/null 2>&1 &`,
      'vxs_token=$!',
      `${asRoot} "$vxs_token" "$vxs_owner"; vxs_rc=$?`,
      `if [ "$vxs_rc" -eq 0 ]; then printf '%s LOCK %d\\n' ${m} "$vxs_token"; else kill "$vxs_token" 2>/dev/null; fi`,
      `if [ "$vxs_rc" -ne 0 ] && [ "$vxs_rc" -ne 3 ]; then printf '%s LOCKERR could not take the lock as root (exit %d)\\n' ${m} "$vxs_rc"; fi`,
      `if [ "$vxs_rc" -ne 0 ]; then exit 0; fi`,
    );
  }
  lines.push(`printf '%s SSH %s\\n' ${m} "$SSH_CONNECTION"`);
  lines.push(...routeAndLinkLines(opts.peers[0], m));
  // Which network manager owns the underlay and our files in its drop-in places (persist.ts).
  lines.push(rootShellLine(persistProbeArgv(m), opts.sudo));
  lines.push(...observeLines(m, ['fdb']));
  lines.push(`printf '%s END\\n' ${m}`);
  return `${lines.join('\n')}\n`;
}

export interface Prepared {
  missing: string[];
  noSudo: boolean;
  lock: { kind: 'held'; pid: number } | { kind: 'locked' } | { kind: 'error'; message: string } | { kind: 'none' };
  ssh?: { clientAddress: string; serverAddress: string; interface?: string };
  peerRoute?: { dev?: string; prefsrc?: string };
  observed?: ObservedHostState;
  /** Observe command that failed, with its stderr. */
  observeError?: string;
  /** The network manager probe and our files (persist.ts). */
  persist: PersistRead;
  complete: boolean;
  /** The host's watch armed before this read: its token and report (watch.ts `parseWatchBody`). */
  watch?: { token: string; body: string };
}

function firstRoute(json: string): { dev?: string; prefsrc?: string } | undefined {
  try {
    const parsed = JSON.parse(json) as unknown;
    const r = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
    if (!r) return undefined;
    const out: { dev?: string; prefsrc?: string } = {};
    if (typeof r.dev === 'string') out.dev = r.dev;
    if (typeof r.prefsrc === 'string') out.prefsrc = r.prefsrc;
    return out;
  } catch {
    return undefined;
  }
}

export function parsePrepare(stdout: string, stderr: string, m: string, host: string): Prepared {
  const all = sections(stdout, m);
  const p: Prepared = {
    missing: [],
    noSudo: false,
    lock: { kind: 'none' },
    persist: parsePersistSections(all),
    complete: false,
  };
  const obs: Partial<Record<keyof typeof OBSERVE_COMMANDS, string>> = {};
  for (const s of all) {
    switch (s.tag) {
      case 'MISSING':
        p.missing.push(s.args);
        break;
      case 'NOSUDO':
        p.noSudo = true;
        break;
      case 'LOCKED':
        p.lock = { kind: 'locked' };
        break;
      case 'LOCKERR':
        p.lock = { kind: 'error', message: s.args };
        break;
      case 'LOCK':
        p.lock = { kind: 'held', pid: Number(s.args) };
        break;
      case 'SSH': {
        const [client, , server] = s.args.trim().split(/\s+/);
        if (client && server) p.ssh = { clientAddress: client, serverAddress: server };
        break;
      }
      case 'SSHROUTE': {
        const r = firstRoute(s.body);
        if (p.ssh && r?.dev !== undefined) p.ssh.interface = r.dev;
        break;
      }
      case 'ROUTES_LINK': {
        // The SSH client's route, the first peer's, then observe's `link` output (routeAndLinkLines).
        const [sshLine = '', peerLine = '', ...link] = s.body.split('\n');
        const sshRoute = firstRoute(sshLine);
        const peerRoute = firstRoute(peerLine);
        if (p.ssh && sshRoute?.dev !== undefined) p.ssh.interface = sshRoute.dev;
        if (peerRoute) p.peerRoute = peerRoute;
        obs.link = link.join('\n');
        break;
      }
      case 'PEERROUTE': {
        const r = firstRoute(s.body);
        if (r) p.peerRoute = r;
        break;
      }
      case 'OBS': {
        const key = s.args as keyof typeof OBSERVE_COMMANDS;
        if (key in OBSERVE_COMMANDS) obs[key] = s.body;
        break;
      }
      case 'OBSFAIL':
        p.observeError = `\`${s.args}\` failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`;
        break;
      case 'END':
        p.complete = true;
        break;
      case 'WATCH':
        p.watch = { token: s.args.trim(), body: s.body };
        break;
    }
  }
  const out = completeObserveOutput(obs);
  if (p.complete && p.observeError === undefined && out !== undefined) p.observed = parseObserved(out, { host });
  return p;
}

/** What stops a host after round trip 1: missing tools, sudo wanting a password, the lock, a failed observe. */
export function prepareError(p: Prepared, host: Host, lock: boolean, stderr: string): AppErrorData | undefined {
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
    return appError('COMMAND_FAILED', `${host.name}: the observe script did not finish: ${outputTail(stderr, 3)}`, d);
  return undefined;
}

/** Facts from round trip 1 (underlay via the route to a peer, SSH path via `$SSH_CONNECTION`). */
export function factsFrom(p: Prepared): HostFacts {
  const f: HostFacts = {};
  if (p.peerRoute?.dev !== undefined) {
    f.underlayInterface = p.peerRoute.dev;
    const mtu = p.observed?.links.find((l) => l.name === p.peerRoute?.dev)?.mtu;
    if (mtu !== undefined) f.underlayMtu = mtu;
  }
  if (p.peerRoute?.prefsrc !== undefined) f.underlayAddress = p.peerRoute.prefsrc;
  if (p.ssh) {
    f.sshAddress = p.ssh.serverAddress;
    f.sshClientAddress = p.ssh.clientAddress;
    if (p.ssh.interface !== undefined) f.sshInterface = p.ssh.interface;
  }
  return f;
}

export interface StepsScriptOptions {
  sudo: boolean;
  /** Stop at the first failing command (apply) or go on (rollback: undo as much as possible). */
  stopOnError: boolean;
  /** Append an observe (read-back) after the commands; skipped after a failure when stopping. */
  readBack: boolean;
  /** Kill the lock holder at the end. */
  releasePid?: number;
  /** With `readBack`: also read back our network manager files (persist.ts). */
  readFiles?: boolean;
}

/**
 * Words iproute2's batch reader passes on as they are: its line splitter knows quotes, backslashes
 * and `#` comments, which our steps never need (names, addresses, numbers, our mark).
 */
const BATCH_WORD = /^[A-Za-z0-9_.:/@+,=-]+$/;

/** The tool (`ip` or `bridge`) whose `-batch` can run `step`, or undefined when it must run on its own. */
function batchTool(step: Step): 'ip' | 'bridge' | undefined {
  const [tool, object, ...rest] = step.argv;
  if (tool !== 'ip' && tool !== 'bridge') return undefined;
  if (step.guards !== undefined && step.guards.length > 0) return undefined;
  // A leading option (`ip -6 ...`) is global to the process, not part of a batch line.
  if (object === undefined || object.startsWith('-')) return undefined;
  return [object, ...rest].every((w) => BATCH_WORD.test(w)) ? tool : undefined;
}

/**
 * Runs of two or more consecutive steps that one `ip -batch` / `bridge -batch` process can run: one
 * process instead of one per command (a 100-host mesh has 99 `bridge fdb append` per host). A run
 * ends after a link is deleted, so a later line never meets a name an older iproute2 may have cached
 * with the deleted link's index.
 */
export function stepBatches(steps: readonly Step[]): Array<{ from: number; to: number; tool?: 'ip' | 'bridge' }> {
  const out: Array<{ from: number; to: number; tool?: 'ip' | 'bridge' }> = [];
  let i = 0;
  while (i < steps.length) {
    const tool = batchTool(steps[i] as Step);
    let j = i;
    if (tool !== undefined)
      while (j + 1 < steps.length && steps[j]?.kind !== 'link-del' && batchTool(steps[j + 1] as Step) === tool) j++;
    out.push(j > i ? { from: i, to: j, tool } : { from: i, to: i });
    i = j + 1;
  }
  return out;
}

/**
 * A script that runs `steps` in order, reporting each one's exit status on stdout
 * (`<m> R <index> <status>`) and marking where each one's stderr starts (`<m> S <index>` on stderr),
 * so a failure names its step, exit code and stderr tail. A run of `ip`/`bridge` steps goes through
 * one `-batch` process (`stepBatches`): its section `<m> B <from> <to> <status> <force>` carries the
 * batch's stderr, where iproute2 names each failed line (`Command failed -:<line>`); `-force` (when
 * not stopping on errors) runs the lines after a failed one too.
 */
export function stepsScript(steps: readonly Step[], opts: StepsScriptOptions, m: string): string {
  const lines: string[] = [SBIN_PATH_LINE];
  const release = opts.releasePid === undefined ? [] : [`kill ${opts.releasePid} 2>/dev/null`];
  const sudo = opts.sudo ? ['sudo', '-n'] : [];
  for (const b of stepBatches(steps)) {
    lines.push(`printf '%s S ${b.from}\\n' ${m} >&2`);
    if (b.tool === undefined) {
      lines.push(stepLine(steps[b.from] as Step, { sudo: opts.sudo }));
      lines.push(`vxs_s=$?; printf '%s R ${b.from} %d\\n' ${m} "$vxs_s"`);
    } else {
      const input = steps.slice(b.from, b.to + 1).map((s) => quoteShellArg(s.argv.slice(1).join(' ')));
      const tool = argvToShell([...sudo, b.tool, ...(opts.stopOnError ? [] : ['-force']), '-batch', '-']);
      lines.push(`vxs_e=$(printf '%s\\n' ${input.join(' ')} | ${tool} 2>&1 >/dev/null); vxs_s=$?`);
      lines.push(
        `printf '%s B ${b.from} ${b.to} %d ${opts.stopOnError ? 0 : 1}\\n' ${m} "$vxs_s"; [ -z "$vxs_e" ] || printf '%s\\n' "$vxs_e"`,
      );
    }
    if (opts.stopOnError) lines.push(`[ "$vxs_s" -eq 0 ] || exit 0`);
  }
  lines.push(`printf '%s DONE\\n' ${m}`);
  if (opts.readBack) lines.push(...observeLines(m));
  // In a subshell of a root login (rootShellLine), like round trip 1's probe: a process start less per
  // host. (An earlier try failed persist.int's netplan drift test in CI; the cause was the read-back
  // racing networkd's reload, since fixed by settleReadBack in steps.ts, not the subshell.)
  if (opts.readBack && opts.readFiles === true) lines.push(rootShellLine(persistFilesArgv(m), opts.sudo));
  lines.push(...release);
  lines.push(`printf '%s END\\n' ${m}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The line of a batch that failed without iproute2 naming it: a malformed argument makes iproute2
 * exit at once (`invarg`), quoting the argument (`any valid prefix is expected rather than "X"`).
 * The one line holding every quoted word is it; when that is not clear, the first line is blamed,
 * and the rollback's read-back (compared with the state before) shows what the host holds.
 */
function unnamedFailure(stderr: string, lines: readonly string[][], from: number, to: number): number {
  const quoted = [...stderr.matchAll(/"([^"\n]+)"/g)].map((q) => q[1] as string);
  if (quoted.length === 0) return from;
  const holders: number[] = [];
  for (let i = from; i <= to; i++) if (quoted.every((w) => lines[i]?.includes(w) === true)) holders.push(i);
  return holders.length === 1 ? (holders[0] as number) : from;
}

/**
 * The exit status (and stderr, for a failed one) of each line of a `-batch` section (`stepsScript`):
 * iproute2 prints a failed line's own error, then `Command failed -:<line>`. Without `-force` the
 * lines after the failed one did not run; a failure iproute2 did not name (sudo refused, the tool
 * crashed) is the first line's.
 */
function batchOutcome(section: Section, out: StepsOutcome, batchLines: readonly string[][]): void {
  const [from, to, status, force] = section.args.split(' ').map(Number);
  if (from === undefined || to === undefined || status === undefined || Number.isNaN(status)) return;
  if (status === 0) {
    for (let i = from; i <= to; i++) out.status.set(i, 0);
    return;
  }
  const failed = new Map<number, string>();
  let text: string[] = [];
  for (const line of section.body.split('\n')) {
    const named = /^Command failed -:(\d+)$/.exec(line);
    if (named !== null) {
      failed.set(from + Number(named[1]) - 1, text.join('\n'));
      text = [];
    } else text.push(line);
  }
  if (failed.size === 0) failed.set(unnamedFailure(section.body, batchLines, from, to), section.body);
  const last = force === 1 ? to : Math.min(...failed.keys());
  for (let i = from; i <= last; i++) {
    const err = failed.get(i);
    out.status.set(i, err === undefined ? 0 : status);
    if (err !== undefined) out.stderrOf.set(i, err);
  }
}

export interface StepsOutcome {
  /** Exit status per step index that ran. */
  status: Map<number, number>;
  stderrOf: Map<number, string>;
  done: boolean;
  observed?: ObservedHostState;
  /** Our network manager files as read back (`readFiles`). */
  files?: PersistRead['marked'];
  /** With `files`: the paths of the files there without the mark (never ours). */
  foreign?: PersistRead['foreign'];
  complete: boolean;
}

export function parseSteps(
  stdout: string,
  stderr: string,
  m: string,
  host: string,
  /** The steps the script ran (to tell which batch line an unnamed failure was); optional. */
  steps: readonly Step[] = [],
): StepsOutcome {
  const out: StepsOutcome = { status: new Map(), stderrOf: new Map(), done: false, complete: false };
  const obs: Partial<Record<keyof typeof OBSERVE_COMMANDS, string>> = {};
  const all: Section[] = sections(stdout, m);
  if (all.some((s) => s.tag === 'PERSIST_FILES')) {
    const read = parsePersistSections(all);
    out.files = read.marked;
    out.foreign = read.foreign;
  }
  for (const s of all) {
    if (s.tag === 'R') {
      const [i, code] = s.args.split(' ').map(Number);
      if (i !== undefined && code !== undefined) out.status.set(i, code);
    } else if (s.tag === 'B')
      batchOutcome(
        s,
        out,
        steps.map((x) => x.argv),
      );
    else if (s.tag === 'DONE') out.done = true;
    else if (s.tag === 'OBS') obs[s.args as keyof typeof OBSERVE_COMMANDS] = s.body;
    else if (s.tag === 'END') out.complete = true;
  }
  // A batch's stderr came back in its `B` section, already split by line.
  for (const s of sections(stderr, m))
    if (s.tag === 'S' && !out.stderrOf.has(Number(s.args))) out.stderrOf.set(Number(s.args), s.body);
  const observed = completeObserveOutput(obs);
  if (out.done && observed !== undefined) out.observed = parseObserved(observed, { host });
  return out;
}

/** Kills the lock holder (used when nothing else runs after the observe). */
export function releaseScript(pid: number): string {
  return `kill ${pid} 2>/dev/null; exit 0\n`;
}
