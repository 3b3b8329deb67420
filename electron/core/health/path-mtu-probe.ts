/**
 * Underlay path-MTU discovery as a search in few stages, run ON the host by shell functions: each
 * stage sends `SWEEP_FANOUT` (3) DF pings (`ping -M do -s <payload>`) at once, splitting what is left
 * between the largest size that passed and the smallest larger size that failed into four parts
 * (`pathMtuSearchSizes`), so a search over 576-1500 bytes costs five stages of three probes. Each
 * probe is a process (10-20 ms of CPU on a busy host, one size each: neither ping nor fping sends
 * several sizes in one run) and each stage with a lost probe costs one probe wait: three sizes per
 * stage cut the old 96/10/1-byte sweep's ~30 processes to 15 for two more short waits (a binary
 * search would take 10 processes but 10 stages, each a process start and most a wait, in a row).
 * The next stage's sizes are worked out by the shell: no extra round trip. The round's ping path
 * (round-script.ts, hosts without fping) starts it for a peer as soon as that peer's DF probe at the
 * segment MTU fails while its overlay ping answers; `searchPathMtus` runs the same functions in one
 * script of its own for pairs the round could not sweep (a peer whose underlay address was learnt
 * only in this round). The fping path runs ONE search per host for all its failing peers instead
 * (`pathMtuSearchConfirmed` below, `vxs_fsearch` in fping-probe.ts): one fping per size reaches
 * every peer, stages before the last wait a short wait, and a bound a short wait set is tried again
 * at the full wait before it counts.
 *
 * Waits: every DF and sweep probe waits twice the underlay round trip measured by a ping to the same
 * peer just before, plus `PROBE_WAIT_MARGIN_MS` (at most `PROBE_WAIT_MAX_MS`), instead of a fixed
 * second: a black hole costs a few short waits. The result stays conservative: the largest size
 * seen passing, never one that was not (a probe lost to a too-short wait can only lower it).
 */
import type { Host } from '../../../shared/model';
import { minPathMtu, pathMtuSweepResult, pingHeaderBytes } from '../../../shared/diagnose/path-mtu';
import { parsePing } from '../../../shared/observe/ping';
import { quoteShellArg } from '../../../shared/plan';
import { parseAddress, type IpFamily } from '../../../shared/validate/ip';
import { newNonce, sections } from '../ssh/remote-script';
import { roundDirLines } from './round-dir';
import { runWithin, type HealthTransport } from './transport';

export interface PathMtuTarget {
  /** Peer host id. */
  to: string;
  /** Peer underlay address. */
  address: string;
}

/** DF probes per stage of the path-MTU search (see the file comment for why three). */
export const SWEEP_FANOUT = 3;

/**
 * The sizes of one stage of the path-MTU search, given `passed` (the largest size seen passing, or
 * the floor minus one when none has) and `failed` (the smallest larger size seen failing, or the
 * interface MTU plus one): the `SWEEP_FANOUT` sizes splitting the sizes between them into equal
 * parts, without repeats; empty when no size is left between them. `vxs_sweep` computes the same.
 *
 * @example
 * pathMtuSearchSizes(575, 1501) // [806, 1038, 1269]
 * pathMtuSearchSizes(1399, 1402) // [1400, 1401]
 */
export function pathMtuSearchSizes(passed: number, failed: number, fanout = SWEEP_FANOUT): number[] {
  const sizes: number[] = [];
  for (let i = 1; i <= fanout; i++) {
    const s = passed + Math.floor((i * (failed - passed)) / (fanout + 1));
    if (s > (sizes[sizes.length - 1] ?? passed)) sizes.push(s);
  }
  return sizes;
}

/**
 * The whole search over a path where `passes(size)` says whether a DF probe of that size gets
 * through: its stages' sizes and what it reports (the largest size seen passing; undefined when none
 * did, even the floor). A lost probe (`passes` not monotonic) can only lower the figure.
 */
export function pathMtuSearch(
  underlayMtu: number,
  family: IpFamily,
  passes: (size: number) => boolean,
): { stages: number[][]; pathMtu: number | undefined } {
  const floor = minPathMtu(family);
  const stages: number[][] = [];
  if (underlayMtu < floor) return { stages, pathMtu: undefined };
  let passed = floor - 1;
  let failed = underlayMtu + 1;
  let found: number | undefined;
  for (let sizes = pathMtuSearchSizes(passed, failed); sizes.length > 0; sizes = pathMtuSearchSizes(passed, failed)) {
    stages.push(sizes);
    const ok = sizes.filter(passes);
    const top = ok.length > 0 ? Math.max(...ok) : undefined;
    if (top !== undefined && top > passed) passed = found = top;
    for (const s of sizes) if (s > passed && s < failed && !ok.includes(s)) failed = s;
  }
  return { stages, pathMtu: found };
}

/**
 * Probes per stage of the fping path's search (fping-probe.ts `vxs_fsearch`): one fping per size,
 * covering every searching peer. Each process start costs a busy host 5-10 ms, each stage with a
 * lost probe a wait: 3 sizes a stage (5 stages over 576-1500 bytes) measured fastest on the lab
 * beside 5 and 9 (4 and 3 stages), whose extra processes cost more than the stages they save.
 */
export const FPING_SEARCH_FANOUT = 3;
/**
 * What the fping search's stages before the last wait on top of twice the underlay round trip,
 * instead of `PROBE_WAIT_MARGIN_MS`: a probe they lose is tried again at the full wait before it
 * bounds the figure, so the short wait only risks an extra stage, never the figure.
 */
export const SEARCH_SHORT_MARGIN_MS = 10;

/** One stage of the fping path's search toward one peer: its sizes, and whether they wait the full wait. */
export interface SearchStage {
  sizes: number[];
  full: boolean;
}

/**
 * The next stage of the fping path's search toward one peer, given `passed` (the largest size seen
 * passing, or the floor minus one), `failed` (the smallest larger size seen failing, or the
 * interface MTU plus one) and whether that failure is `trusted` (seen at the full wait, or the
 * interface bound). While more than `fanout` + 1 sizes are left, the `pathMtuSearchSizes` split at
 * the short wait; then every size left at the full wait, the untrusted bound included (it is tried
 * again: a probe lost to a short wait never bounds the figure). Empty when the figure is proven: the
 * size above it failed at the full wait.
 *
 * @example
 * pathMtuSearchStage(575, 1501, true) // { sizes: [806, 1038, 1269], full: false }
 * pathMtuSearchStage(1398, 1402, false) // { sizes: [1399, 1400, 1401, 1402], full: true }
 */
export function pathMtuSearchStage(
  passed: number,
  failed: number,
  trusted: boolean,
  fanout = FPING_SEARCH_FANOUT,
  from = passed,
): SearchStage {
  const last = trusted ? failed - 1 : failed;
  if (last <= passed) return { sizes: [], full: true };
  // The first stage (`from` over `passed`): `from` itself and the split from there up.
  if (from > passed && last - from > fanout + 1)
    return { sizes: [from, ...pathMtuSearchSizes(from, failed, fanout)], full: false };
  // One size more than a split: the last stage then also tries an untrusted bound again.
  if (last - passed > fanout + 1) return { sizes: pathMtuSearchSizes(passed, failed, fanout), full: false };
  const sizes: number[] = [];
  for (let s = passed + 1; s <= last; s++) sizes.push(s);
  return { sizes, full: true };
}

/**
 * The fping path's whole search over a path where `passes(size, full)` says whether a DF probe of
 * that size gets through (`full`: at the full wait; a probe at the short wait may be lost on a busy
 * host): its stages and what it reports, the largest size seen passing (undefined when none did).
 * `vxs_fsearch` in fping-probe.ts computes the same stages in the host's shell.
 */
export function pathMtuSearchConfirmed(
  underlayMtu: number,
  family: IpFamily,
  passes: (size: number, full: boolean) => boolean,
  fanout = FPING_SEARCH_FANOUT,
): { stages: SearchStage[]; pathMtu: number | undefined } {
  const floor = minPathMtu(family);
  const stages: SearchStage[] = [];
  if (underlayMtu < floor) return { stages, pathMtu: undefined };
  let passed = floor - 1;
  let failed = underlayMtu + 1;
  let trusted = true;
  // The first stage splits the sizes from LIKELY_PATH_MTU up (see there); below it only when all fail.
  const from = Math.max(floor, LIKELY_PATH_MTU);
  for (let st = pathMtuSearchStage(passed, failed, trusted, fanout, from); st.sizes.length > 0;) {
    stages.push(st);
    const ok = st.sizes.filter((s) => passes(s, st.full));
    for (const s of ok) if (s > passed) passed = s;
    // A size seen passing at or over the bound: that bound was a lost probe.
    if (passed >= failed) {
      failed = underlayMtu + 1;
      trusted = true;
    }
    for (const s of st.sizes) {
      if (ok.includes(s) || s <= passed) continue;
      if (s < failed) {
        failed = s;
        trusted = st.full;
      } else if (s === failed && st.full) trusted = true;
    }
    if (stages.length >= SEARCH_MAX_STAGES) break;
    st = pathMtuSearchStage(passed, failed, trusted, fanout);
  }
  return { stages, pathMtu: passed >= floor ? passed : undefined };
}

/**
 * Where the fping search's first stage starts splitting: a silent black hole is most often a tunnel
 * or PPPoE hop a few dozen bytes under 1500 (PPPoE 1492, GRE 1476, WireGuard 1420, IPsec ~1400),
 * and IPv6 needs 1280 of every link. So the first stage probes 1280 and the sizes splitting 1280 up
 * to the interface MTU (one process more), and a path that passes none of them is searched below as
 * well: over 576-1500, a figure of 1280 or more takes 4 stages instead of 5, a smaller one (rare) 6.
 */
export const LIKELY_PATH_MTU = 1280;

/** The most stages a search runs (a path that flaps could otherwise keep it going). */
export const SEARCH_MAX_STAGES = 40;

/**
 * Shell line defining `vxs_sroom`: true when the round's budget (`vxs_room`) has room for every
 * stage of a search up to `$vxs_umtu`, each waiting `$vxs_wms` (stages: how often a quarter of the
 * sizes between the floor and the MTU can be taken until none is left).
 */
export const SWEEP_ROOM_LINE = `vxs_sroom() { vxs_n=$((vxs_umtu - 575)); vxs_ns=0; while [ $vxs_n -gt 0 ]; do vxs_n=$((vxs_n / ${SWEEP_FANOUT + 1})); vxs_ns=$((vxs_ns + 1)); done; vxs_room $((vxs_ns * vxs_wms)); }`;

/** What a DF or sweep probe waits on top of twice the measured underlay round trip. */
export const PROBE_WAIT_MARGIN_MS = 50;
/** The longest a DF or sweep probe waits (the old fixed wait). */
export const PROBE_WAIT_MAX_MS = 1000;

/**
 * Shell lines that set `vxs_w` to 0.2 when ping takes fractional waits (iputils 20190709 or later),
 * else to 1; every probe wait falls back to whole seconds with it.
 */
export const FRACTIONAL_WAIT_LINE = 'vxs_w=0.2; ping -n -c 1 -W 0.2 127.0.0.1 >/dev/null 2>&1 || vxs_w=1';

/**
 * The shell functions of the sweep (POSIX sh, builtins only but `ping`). They expect `$vxs_d` (the
 * answer directory), `$vxs_w` (FRACTIONAL_WAIT_LINE) and, for `vxs_sweep`, `$vxs_umtu` (the local
 * underlay interface's MTU, the sweep's upper bound).
 *
 * - `vxs_ok FILE`: the single ping in FILE was answered.
 * - `vxs_done FILE`: the ping in FILE has ended (printed its statistics).
 * - `vxs_toolong FILE`: it was refused locally ("message too long").
 * - `vxs_rtt_wait FILE...`: sets `vxs_wt` (seconds) and `vxs_wms` (ms), the wait of the probes that
 *   follow, from the slowest reply time in the FILEs.
 * - `vxs_sweep KEY ADDRESS HEADER FLOOR`: the search's stages toward ADDRESS, each answer in `$vxs_d/KEY_<size>`;
 *   `vxs_lo` is then the largest size that passed (0: none).
 */
export function pathMtuShellFunctions(): string[] {
  return [
    "vxs_ok() { while IFS= read -r vxs_l; do case $vxs_l in '1 packets transmitted, 1 received'*|'1 packets transmitted, 1 packets received'*) return 0 ;; esac; done 2>/dev/null <\"$1\"; return 1; }",
    'vxs_done() { while IFS= read -r vxs_l; do case $vxs_l in *\' packets transmitted, \'*) return 0 ;; esac; done 2>/dev/null <"$1"; return 1; }',
    'vxs_toolong() { while IFS= read -r vxs_l; do case $vxs_l in *\'essage too long\'*) return 0 ;; esac; done 2>/dev/null <"$1"; return 1; }',
    // `time=0.045 ms` -> 2 x 1 + margin ms, from the slowest of the files; no reply at all (the peers
    // are down): the margin alone. `vxs_wms` keeps the wait in ms.
    'vxs_rtt_wait() {',
    `  vxs_ms=${PROBE_WAIT_MARGIN_MS}`,
    '  for vxs_rf in "$@"; do',
    '    while IFS= read -r vxs_l; do',
    '      case $vxs_l in *" time="*) vxs_t=${vxs_l##* time=}; vxs_t=${vxs_t%%[!0-9]*}',
    `        [ -n "$vxs_t" ] && [ $((2 * vxs_t + 2 + ${PROBE_WAIT_MARGIN_MS})) -gt $vxs_ms ] && vxs_ms=$((2 * vxs_t + 2 + ${PROBE_WAIT_MARGIN_MS})); break ;; esac`,
    '    done 2>/dev/null <"$vxs_rf"',
    '  done',
    `  [ $vxs_ms -gt ${PROBE_WAIT_MAX_MS} ] && vxs_ms=${PROBE_WAIT_MAX_MS}`,
    // Seconds with three decimals for ping -W: 52 -> 0.052 (1052 minus its leading 1).
    '  vxs_wms=$vxs_ms; vxs_f=$((vxs_ms % 1000 + 1000)); vxs_wt=$((vxs_ms / 1000)).${vxs_f#1}; [ "$vxs_w" = 1 ] && vxs_wt=1 && vxs_wms=1000; return 0',
    '}',
    // Mirrors pathMtuSearchSizes / pathMtuSearch: vxs_ps = the largest size that passed (the floor
    // minus one: none yet), vxs_hi = the smallest larger size that failed (the MTU plus one: none).
    'vxs_sweep() {',
    '  [ "${vxs_umtu:-0}" -ge "$4" ] 2>/dev/null || return 0',
    '  vxs_lo=0; vxs_ps=$(($4 - 1)); vxs_hi=$((vxs_umtu + 1))',
    '  while [ $((vxs_hi - vxs_ps)) -gt 1 ]; do',
    `    vxs_sz=; vxs_p=$vxs_ps; vxs_i=1; while [ $vxs_i -le ${SWEEP_FANOUT} ]; do vxs_s=$((vxs_ps + vxs_i * (vxs_hi - vxs_ps) / ${SWEEP_FANOUT + 1})); [ $vxs_s -gt $vxs_p ] && vxs_sz="$vxs_sz $vxs_s" && vxs_p=$vxs_s; vxs_i=$((vxs_i + 1)); done`,
    '    for vxs_s in $vxs_sz; do',
    '      ping -n -c 1 -W "$vxs_wt" -M do -s $((vxs_s - $3)) "$2" >"$vxs_d/${1}_$vxs_s" 2>&1 &',
    '    done',
    '    wait',
    '    for vxs_s in $vxs_sz; do vxs_ok "$vxs_d/${1}_$vxs_s" && [ $vxs_s -gt $vxs_ps ] && vxs_ps=$vxs_s && vxs_lo=$vxs_s; done',
    // Every size is below vxs_hi: a failure above the largest pass lowers it (one below it was a lost probe).
    '    for vxs_s in $vxs_sz; do [ $vxs_s -gt $vxs_ps ] && [ $vxs_s -lt $vxs_hi ] && ! vxs_ok "$vxs_d/${1}_$vxs_s" && vxs_hi=$vxs_s; done',
    '  done',
    '  return 0',
    '}',
  ];
}

/** The `vxs_sweep` call toward one peer: answers in `$vxs_d/<key>_<size>`. */
export function sweepCall(key: string, address: string, family: IpFamily): string {
  return `vxs_sweep ${key} ${quoteShellArg(address)} ${pingHeaderBytes(family)} ${minPathMtu(family)}`;
}

/**
 * The awk line printing every answer file of `$vxs_d` matching `glob` under its own section
 * `<m> PING <file name>`, without the lines no parser reads (one `cat` per file would double the processes).
 */
export function printAnswersLine(m: string, glob: string): string {
  return `awk -v m=${m} 'FNR == 1 { n = split(FILENAME, a, "/"); print m " PING " a[n] } !/^PING / && !/^$/ && !/^--- /' "$vxs_d"/${glob} 2>/dev/null`;
}

/**
 * The path MTU a sweep found from its answers (`answers` by file name, `<key>_<size>`): the largest
 * size seen passing, or undefined when none did (or no sweep ran).
 */
export function sweptPathMtu(answers: ReadonlyMap<string, string>, key: string, hostName: string): number | undefined {
  const outcomes: Array<{ mtu: number; ok: boolean }> = [];
  for (const [name, body] of answers) {
    if (!name.startsWith(`${key}_`)) continue;
    const mtu = Number(name.slice(key.length + 1));
    if (!Number.isInteger(mtu)) continue;
    let ok = false;
    try {
      ok = parsePing(body, { host: hostName, command: `ping -M do (${mtu} bytes)` }).ok;
    } catch {
      ok = false;
    }
    outcomes.push({ mtu, ok });
  }
  if (outcomes.length === 0) return undefined;
  return pathMtuSweepResult(outcomes, Math.max(...outcomes.map((o) => o.mtu))).passed;
}

/**
 * Path MTU from `host` to each target (by peer id) in ONE script: per target a ping for the round
 * trip, then the sweep (`vxs_sweep`), all targets at once. For pairs the round itself could not
 * sweep. A target none of whose sizes passed (even the floor failed, or the host stopped
 * answering) is left out.
 */
export async function searchPathMtus(
  transport: HealthTransport,
  host: Host,
  underlayMtu: number,
  targets: readonly PathMtuTarget[],
  opts: { timeoutMs?: number } = {},
): Promise<Map<string, number>> {
  const searches: Array<{ t: PathMtuTarget; family: IpFamily; key: string }> = [];
  for (const t of targets) {
    const a = parseAddress(t.address);
    if (typeof a !== 'string') searches.push({ t, family: a.family, key: `s${searches.length}` });
  }
  const out = new Map<string, number>();
  if (searches.length === 0) return out;
  const m = newNonce();
  const lines = [...roundDirLines('vxs-pmtu'), FRACTIONAL_WAIT_LINE, `vxs_umtu=${underlayMtu}`, ...pathMtuShellFunctions()];
  for (const s of searches) {
    const addr = quoteShellArg(s.t.address);
    lines.push(
      `( ping -n -c 1 -W 1 ${addr} >"$vxs_d/r${s.key}" 2>&1; vxs_rtt_wait "$vxs_d/r${s.key}"; ${sweepCall(s.key, s.t.address, s.family)} ) &`,
    );
  }
  lines.push('wait', printAnswersLine(m, 's*'), `printf '%s END\\n' ${m}`);
  const r = await runWithin(transport, host, `${lines.join('\n')}\n`, opts.timeoutMs ?? 10_000);
  const answers = new Map(
    sections(r.stdout, m)
      .filter((s) => s.tag === 'PING')
      .map((s) => [s.args, s.body]),
  );
  for (const s of searches) {
    const v = sweptPathMtu(answers, s.key, host.name);
    if (v !== undefined) out.set(s.t.to, v);
  }
  return out;
}
