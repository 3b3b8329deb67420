/**
 * The round's probes through `fping` (one process for many targets), for hosts that have it: every
 * ping of iputils is a process of its own, and a process start costs a busy host 10-20 ms of CPU, so
 * a round at 20 hosts spent most of its CPU starting pings. With fping a healthy round costs two
 * probe processes per segment, however many peers: one fping sends the small overlay ping to every
 * peer (it measures the round trip), one sends the DF probe at the segment MTU (`-M -b <mtu-28>`)
 * to every peer and waits twice the slowest round trip plus a margin, as the ping path's
 * `vxs_rtt_wait` does. Only pairs that failed cost more: their underlay ping (one fping for all of
 * them) and, for DF probes failing while the small ping answered, ONE path-MTU search for all those
 * peers (`vxs_fsearch`: per stage one fping per size to every peer that needs it, the plan of
 * `pathMtuSearchConfirmed` in path-mtu-probe.ts). A DF probe the search shows the path can carry is
 * sent again with the full wait (a slow host never turns a good path into a finding), as is one no
 * search runs for.
 *
 * fping attributes each answer to its target (it matches replies by ICMP id and sequence number) and
 * prints one line per target with `-C 1 -q`: `10.100.0.2 : 0.068` (ms) or `10.100.0.2 : -` (no
 * reply). The DF probe over the MTU stays an iputils ping: fping does not say whether the local
 * stack refused a packet ("message too long"), which is what that probe checks.
 *
 * A host without fping (or whose fping prints no line for its first target: no raw socket, say) runs
 * the ping path of round-script.ts: the round detects it itself with the `command -v` builtin.
 */
import type { PingResult } from '../../../shared/observe/ping';
import { quoteShellArg } from '../../../shared/plan';
import { overheadFor } from '../../../shared/validate/ip';
import { minPathMtu, pingHeaderBytes } from '../../../shared/diagnose/path-mtu';
import {
  FPING_SEARCH_FANOUT,
  LIKELY_PATH_MTU,
  PROBE_WAIT_MARGIN_MS,
  PROBE_WAIT_MAX_MS,
  SEARCH_MAX_STAGES,
  SEARCH_SHORT_MARGIN_MS,
} from './path-mtu-probe';
import type { HostProbePlan, ProbeSpec } from './probe-plan';

/** Options of an fping probe: one packet per target, results only (`-C 1 -q`), 1 ms between sends. */
const FPING = 'fping -C 1 -q -i 1';

/**
 * Shell functions of the fping path (builtins only):
 * - `vxs_fhas OUT TARGET`: OUT (fping's output) has a line for TARGET.
 * - `vxs_fok OUT TARGET`: TARGET answered in OUT.
 * - `vxs_frtt OUT...`: sets `vxs_wms` (ms) and `vxs_wt` (seconds, for ping -W) to twice the slowest
 *   reply in the OUTs plus the margin (the margin alone when none answered), as `vxs_rtt_wait` does.
 */
export function fpingShellFunctions(): string[] {
  return [
    'vxs_nl="',
    '"',
    'vxs_fhas() { vxs_ifs=$IFS; IFS=$vxs_nl; set -f; for vxs_l in $1; do case $vxs_l in "$2 "*) IFS=$vxs_ifs; set +f; return 0 ;; esac; done; IFS=$vxs_ifs; set +f; return 1; }',
    'vxs_fok() { vxs_ifs=$IFS; IFS=$vxs_nl; set -f; for vxs_l in $1; do case $vxs_l in "$2 "*) IFS=$vxs_ifs; set +f; case ${vxs_l##*: } in [0-9]*) return 0 ;; esac; return 1 ;; esac; done; IFS=$vxs_ifs; set +f; return 1; }',
    'vxs_frtt() {',
    `  vxs_ms=${PROBE_WAIT_MARGIN_MS}; vxs_ifs=$IFS; IFS=$vxs_nl; set -f`,
    '  for vxs_l in "$@"; do for vxs_k in $vxs_l; do vxs_t=${vxs_k##*: }',
    `    case $vxs_t in [0-9]*) vxs_t=\${vxs_t%%[!0-9]*}; [ $((2 * vxs_t + 2 + ${PROBE_WAIT_MARGIN_MS})) -gt $vxs_ms ] && vxs_ms=$((2 * vxs_t + 2 + ${PROBE_WAIT_MARGIN_MS})) ;; esac`,
    '  done; done; IFS=$vxs_ifs; set +f',
    `  [ $vxs_ms -gt ${PROBE_WAIT_MAX_MS} ] && vxs_ms=${PROBE_WAIT_MAX_MS}`,
    '  vxs_wms=$vxs_ms; vxs_f=$((vxs_ms % 1000 + 1000)); vxs_wt=$((vxs_ms / 1000)).${vxs_f#1}; [ "$vxs_w" = 1 ] && vxs_wt=1; return 0',
    '}',
  ];
}

/** Targets one fping of the search is given at most: its per-ping lines (~65 bytes each) stay within one 4 KiB write. */
export const SEARCH_TARGETS_PER_FPING = 48;

/**
 * Shell functions of the fping path's path-MTU search (builtins only but `fping`), ONE search per
 * host for every peer it searches: each stage sends each size once, in one fping to all the peers
 * that need it (`-M -b <size - header>`), all sizes of a stage at once. Stages mirror
 * `pathMtuSearchConfirmed` (path-mtu-probe.ts): while more than `FPING_SEARCH_FANOUT` sizes are left
 * they wait twice the round trip plus `SEARCH_SHORT_MARGIN_MS` (`vxs_sws`), then every size left,
 * and a bound set by a short wait, is probed at the full wait (`vxs_wms`). They expect `$vxs_umtu`,
 * `$vxs_wms` (`vxs_frtt`), per key its address in `$vxs_sa_<key>`, and `vxs_skey ADDRESS` setting
 * `vxs_k` to the key of an address.
 *
 * - `vxs_fsearch MARKER HEADER FLOOR KEY...`: the search; per key `vxs_sd_<key>` is set, and
 *   `vxs_ps_<key>` to the largest size seen passing (the floor minus one: none) when the interface
 *   MTU is known; prints `<MARKER> PMTU <address> <size>` per key.
 * - `vxs_fsroom`: true when the round's budget has room for a search up to `$vxs_umtu`.
 */
export function fpingSearchShellFunctions(): string[] {
  const k = FPING_SEARCH_FANOUT;
  const short = `$((vxs_wms - ${PROBE_WAIT_MARGIN_MS} + ${SEARCH_SHORT_MARGIN_MS}))`;
  return [
    `vxs_fsroom() { vxs_n=$((vxs_umtu - 575)); vxs_ns=0; while [ $vxs_n -gt 0 ]; do vxs_n=$((vxs_n / ${k + 1})); vxs_ns=$((vxs_ns + 1)); done; vxs_room $((vxs_ns * ${short} + vxs_wms)); }`,
    // Size vxs_s for key vxs_k, at the full wait when vxs_f is set: its addresses in vxs_z_<size>,
    // its keys in vxs_zk_<size>, a full wait in vxs_zw_<size>; vxs_sz lists the stage's sizes.
    'vxs_fadd() {',
    '  eval "vxs_c=\\${vxs_zk_$vxs_s-}"; [ -n "$vxs_c" ] || vxs_sz="$vxs_sz $vxs_s"',
    '  eval "vxs_z_$vxs_s=\\"\\${vxs_z_$vxs_s-} \\$vxs_sa_$vxs_k\\"; vxs_zk_$vxs_s=\\"\\$vxs_c $vxs_k\\""',
    '  [ -z "$vxs_f" ] || eval "vxs_zw_$vxs_s=1"',
    '}',
    'vxs_fsearch() {',
    '  vxs_m=$1; vxs_hd=$2; vxs_fl=$3; shift 3',
    '  for vxs_k in "$@"; do eval "vxs_sd_$vxs_k=1"; done',
    '  [ "${vxs_umtu:-0}" -ge "$vxs_fl" ] 2>/dev/null || return 0',
    '  for vxs_k in "$@"; do eval "vxs_ps_$vxs_k=$((vxs_fl - 1)); vxs_hi_$vxs_k=$((vxs_umtu + 1)); vxs_ht_$vxs_k=1"; done',
    `  vxs_sws=${short}; vxs_st=0; vxs_fr=${LIKELY_PATH_MTU}; [ $vxs_fl -gt $vxs_fr ] && vxs_fr=$vxs_fl`,
    `  while [ $vxs_st -lt ${SEARCH_MAX_STAGES} ]; do`,
    '    vxs_st=$((vxs_st + 1)); vxs_sz=',
    // The stage's sizes per key (pathMtuSearchStage): every size left at the full wait, else the split.
    '    for vxs_k in "$@"; do',
    '      eval "vxs_p=\\$vxs_ps_$vxs_k; vxs_h=\\$vxs_hi_$vxs_k; vxs_t=\\$vxs_ht_$vxs_k"',
    '      vxs_e=$((vxs_h - 1)); [ "$vxs_t" = 1 ] || vxs_e=$vxs_h',
    '      [ $vxs_e -gt $vxs_p ] || continue',
    // The sizes from LIKELY_PATH_MTU up first (pathMtuSearchStage's `from`): that size and the split above it.
    `      if [ $vxs_fr -gt $vxs_p ] && [ $((vxs_e - vxs_fr)) -gt ${k + 1} ]; then`,
    `        vxs_f=; vxs_s=$vxs_fr; vxs_fadd; vxs_q=$vxs_fr; vxs_i=1; while [ $vxs_i -le ${k} ]; do vxs_s=$((vxs_fr + vxs_i * (vxs_h - vxs_fr) / ${k + 1})); [ $vxs_s -gt $vxs_q ] && vxs_q=$vxs_s && vxs_fadd; vxs_i=$((vxs_i + 1)); done`,
    `      elif [ $((vxs_e - vxs_p)) -le ${k + 1} ]; then`,
    '        vxs_f=1; vxs_s=$((vxs_p + 1)); while [ $vxs_s -le $vxs_e ]; do vxs_fadd; vxs_s=$((vxs_s + 1)); done',
    '      else',
    `        vxs_f=; vxs_q=$vxs_p; vxs_i=1; while [ $vxs_i -le ${k} ]; do vxs_s=$((vxs_p + vxs_i * (vxs_h - vxs_p) / ${k + 1})); [ $vxs_s -gt $vxs_q ] && vxs_q=$vxs_s && vxs_fadd; vxs_i=$((vxs_i + 1)); done`,
    '      fi',
    '    done',
    '    [ -n "$vxs_sz" ] || break',
    // Every size at once, one fping per size (per SEARCH_TARGETS_PER_FPING peers); their per-ping
    // lines (`ADDRESS : [0], <ICMP bytes> bytes, ...`, or `timed out`) name the size an answer had.
    '    vxs_out=$(for vxs_s in $vxs_sz; do',
    '      eval "set -- \\$vxs_z_$vxs_s; vxs_t=\\${vxs_zw_$vxs_s:+\\$vxs_wms}"; [ -n "$vxs_t" ] || vxs_t=$vxs_sws',
    `      while [ $# -gt 0 ]; do vxs_c=; vxs_i=0; while [ $# -gt 0 ] && [ $vxs_i -lt ${SEARCH_TARGETS_PER_FPING} ]; do vxs_c="$vxs_c $1"; shift; vxs_i=$((vxs_i + 1)); done`,
    '        fping -C 1 -i 1 -t "$vxs_t" -M -b $((vxs_s - vxs_hd)) $vxs_c 2>/dev/null &',
    '      done',
    '    done; wait)',
    '    vxs_ifs=$IFS; IFS=$vxs_nl; set -f',
    '    for vxs_l in $vxs_out; do',
    '      IFS=$vxs_ifs',
    "      case $vxs_l in *' bytes, '*) ;; *) continue ;; esac",
    "      vxs_x=${vxs_l#*'], '}; vxs_x=${vxs_x%% *}",
    "      case $vxs_x in ''|*[!0-9]*) continue ;; esac",
    '      vxs_skey "${vxs_l%% *}"; [ -n "$vxs_k" ] || continue',
    '      vxs_s=$((vxs_x - 8 + vxs_hd))',
    '      eval "vxs_ok_${vxs_k}_$vxs_s=1; [ $vxs_s -gt \\$vxs_ps_$vxs_k ] && vxs_ps_$vxs_k=$vxs_s"',
    '    done',
    '    IFS=$vxs_ifs; set +f',
    // A size seen passing at or over the bound: that bound was a lost probe. Then the smallest
    // failure above the largest pass bounds the search, trusted when it waited the full wait.
    '    for vxs_k in "$@"; do eval "[ \\$vxs_ps_$vxs_k -lt \\$vxs_hi_$vxs_k ] || { vxs_hi_$vxs_k=$((vxs_umtu + 1)); vxs_ht_$vxs_k=1; }"; done',
    '    for vxs_s in $vxs_sz; do',
    '      eval "vxs_c=\\$vxs_zk_$vxs_s; vxs_f=\\${vxs_zw_$vxs_s:-0}"',
    '      for vxs_k in $vxs_c; do',
    '        eval "vxs_o=\\${vxs_ok_${vxs_k}_$vxs_s-}; unset vxs_ok_${vxs_k}_$vxs_s"',
    '        [ -z "$vxs_o" ] || continue',
    '        eval "vxs_p=\\$vxs_ps_$vxs_k; vxs_h=\\$vxs_hi_$vxs_k"; [ $vxs_s -gt $vxs_p ] || continue',
    '        if [ $vxs_s -lt $vxs_h ]; then eval "vxs_hi_$vxs_k=$vxs_s; vxs_ht_$vxs_k=$vxs_f"; elif [ $vxs_s = $vxs_h ] && [ $vxs_f = 1 ]; then eval "vxs_ht_$vxs_k=1"; fi',
    '      done',
    '      unset vxs_z_$vxs_s vxs_zk_$vxs_s vxs_zw_$vxs_s',
    '    done',
    '  done',
    `  for vxs_k in "$@"; do eval "vxs_a=\\$vxs_sa_$vxs_k; vxs_p=\\$vxs_ps_$vxs_k"; printf '%s PMTU %s %s\\n' "$vxs_m" "$vxs_a" "$vxs_p"; done`,
    '  return 0',
    '}',
  ];
}

/** Per segment of the plan (by index): its overlay probes and DF probes at the MTU, in probe order. */
interface SegmentProbes {
  index: number;
  overlays: ProbeSpec[];
  dfs: ProbeSpec[];
}

/** Index of a segment in the plan: names the fping sections (`o<i>`, `d<i>`) in script and parser alike. */
function segmentIndex(plan: HostProbePlan, segmentId: string | undefined): number {
  return plan.segments.findIndex((s) => s.segmentId === segmentId);
}

/** The section an fping answer of a probe is printed under, if the fping path probes it. */
export function fpingSectionOf(plan: HostProbePlan, p: ProbeSpec): string | undefined {
  if (p.kind === 'underlay') return 'u';
  if (p.kind === 'overlay') return `o${segmentIndex(plan, p.segmentId)}`;
  if (p.kind === 'dfAtMtu') return `d${segmentIndex(plan, p.segmentId)}`;
  return undefined;
}

/** What the fping path needs from the round script's generator. */
export interface FpingLineContext {
  /** The section marker (the round's nonce). */
  marker: string;
  /** The shell variable holding a device's MTU (`vxs_mtu_<n>`). */
  mtuVar: (device: string) => string;
}

/**
 * The probe lines of the fping path: `vxs_fp` is set when fping is installed; when its first
 * fping prints no line for its first target, it is unset again and the ping path runs instead.
 * Every answer is printed under `<m> FPING <section>`; a peer not probed is named in `vxs_cut`.
 */
export function fpingProbeLines(plan: HostProbePlan, order: readonly string[], ctx: FpingLineContext): string[] {
  const m = ctx.marker;
  const segs: SegmentProbes[] = plan.segments
    .map((s, index) => {
      const mine = (kind: ProbeSpec['kind']): ProbeSpec[] =>
        order.flatMap((to) => plan.probes.filter((p) => p.kind === kind && p.segmentId === s.segmentId && p.to === to));
      return { index, overlays: mine('overlay'), dfs: mine('dfAtMtu') };
    })
    .filter((s) => s.overlays.length > 0);
  const q = (p: ProbeSpec): string => quoteShellArg(p.target);
  const print = (section: string, variable: string): string => `printf '%s FPING ${section}\\n%s\\n' ${m} "${variable}"`;
  const mtuOf = (p: ProbeSpec): string => `$${ctx.mtuVar(p.device ?? '')}`;
  const mtuKnown = (p: ProbeSpec): string => `[ "${mtuOf(p)}" -gt 100 ]`;
  const dfArgs = (p: ProbeSpec): string => `-M -b $((${mtuOf(p)}-28))`;
  const first = segs[0]?.overlays[0];
  const lines: string[] = ['vxs_fp=; command -v fping >/dev/null 2>&1 && vxs_fp=1'];
  if (first === undefined) {
    // No overlay address to ping at all: only underlay pings, which the ping path sends as well.
    lines.push('vxs_fp=');
    return lines;
  }
  const body: string[] = [];
  // The small overlay pings, all peers of a segment in one fping, waiting what is left (at most 1 s).
  for (const s of segs) {
    body.push(`vxs_o${s.index}=$(${FPING} -t "$vxs_left" ${s.overlays.map(q).join(' ')} 2>&1)`);
    if (s === segs[0])
      // An fping that cannot probe (no raw socket, say) prints no line for its target: the ping path then.
      body.push(`if ! vxs_fhas "$vxs_o0" ${q(first)}; then vxs_fp=; else`);
    body.push(print(`o${s.index}`, `$vxs_o${s.index}`));
  }
  body.push(`vxs_frtt ${segs.map((s) => `"$vxs_o${s.index}"`).join(' ')}`);
  // The DF probes at the MTU: twice the slowest small ping's round trip plus the margin.
  for (const s of segs) {
    const d = s.dfs[0];
    if (d === undefined) continue;
    body.push(
      `vxs_d${s.index}=; if ${mtuKnown(d)}; then vxs_d${s.index}=$(${FPING} -t "$vxs_wms" ${dfArgs(d)} ${s.dfs.map(q).join(' ')} 2>&1); ${print(`d${s.index}`, `$vxs_d${s.index}`)}; fi`,
    );
  }
  // Per peer: the underlay ping when the overlay failed (all of them in one fping, in the
  // background), and for a DF probe failing while its small ping answered, the sweep or a DF probe
  // again with the full wait.
  body.push('vxs_ul=');
  const again = (d: ProbeSpec): string =>
    `{ vxs_r=$(${FPING} -t 1000 ${dfArgs(d)} ${q(d)} 2>&1); ${print(`d${segmentIndex(plan, d.segmentId)}`, '$vxs_r')}; }`;
  const peerLines: string[] = [];
  /** The DF probe at the MTU failed while the small ping of its segment answered. */
  const failing = (c: { s: SegmentProbes; o: ProbeSpec; d: ProbeSpec }): string =>
    `${mtuKnown(c.d)} && vxs_fok "$vxs_o${c.s.index}" ${q(c.o)} && ! vxs_fok "$vxs_d${c.s.index}" ${q(c.d)}`;
  const searched: Array<{
    sweep: HostProbePlan['sweeps'][number];
    checked: Array<{ s: SegmentProbes; o: ProbeSpec; d: ProbeSpec }>;
  }> = [];
  if (plan.sweeps.length > 0)
    // The search's peers: their underlay addresses by key, and the key of an address fping names.
    body.push(
      `vxs_sp4=; vxs_sp6=; ${plan.sweeps.map((w) => `vxs_sa_${w.key}=${quoteShellArg(w.target)}`).join('; ')}`,
      `vxs_skey() { case $1 in ${plan.sweeps.map((w) => `${quoteShellArg(w.target)}) vxs_k=${w.key} ;;`).join(' ')} *) vxs_k= ;; esac; }`,
    );
  for (const to of order) {
    const mine = plan.probes.filter((p) => p.to === to);
    const under = mine.find((p) => p.kind === 'underlay');
    const pairs = segs.flatMap((s) => {
      const o = s.overlays.find((p) => p.to === to);
      const d = s.dfs.find((p) => p.to === to);
      return o === undefined ? [] : [{ s, o, d }];
    });
    if (under !== undefined) {
      if (pairs.length === 0) peerLines.push(`vxs_ul="$vxs_ul ${q(under)}"`);
      else
        peerLines.push(
          `if ${pairs.map(({ s, o, d }) => `{ ! vxs_fok "$vxs_o${s.index}" ${q(o)}${d === undefined ? '' : ` && ! vxs_fok "$vxs_d${s.index}" ${q(d)}`}; }`).join(' || ')}; then vxs_ul="$vxs_ul ${q(under)}"; fi`,
        );
    }
    const checked = pairs.flatMap(({ s, o, d }) => (d === undefined ? [] : [{ s, o, d }]));
    const sweep = plan.sweeps.find((w) => w.to === to);
    if (sweep === undefined) {
      // No search toward this peer (its path MTU is known): a failing DF probe is sent again with the full wait.
      for (const c of checked) peerLines.push(`if ${failing(c)} && vxs_room "$vxs_minw"; then ${again(c.d)} & fi`);
      continue;
    }
    if (checked.length === 0) continue;
    // The peer joins the host's one search when a DF probe of any of its segments fails.
    peerLines.push(
      `if ${checked.map((c) => `{ ${failing(c)}; }`).join(' || ')}; then vxs_sp${sweep.family}="$vxs_sp${sweep.family} ${sweep.key}"; fi`,
    );
    searched.push({ sweep, checked });
  }
  if (searched.length > 0) {
    const families = [...new Set(searched.map((x) => x.sweep.family))];
    // A DF probe whose size the search shows passing is sent again with the full wait; so is one
    // whose search could not run (no interface MTU).
    const afterSearch = searched.flatMap(({ sweep, checked }) =>
      checked.map(
        (c) =>
          `if [ -n "\${vxs_sd_${sweep.key}-}" ] && ${failing(c)} && { [ -z "\${vxs_ps_${sweep.key}-}" ] || [ $vxs_ps_${sweep.key} -ge $((${mtuOf(c.d)}+${overheadFor(sweep.family)})) ]; }; then ${again(c.d)}; fi`,
      ),
    );
    peerLines.push(
      `if [ -n "${families.map((f) => `$vxs_sp${f}`).join('')}" ]; then`,
      // Its stages each wait: it starts only when the budget has room for them (vxs_fsroom).
      `if vxs_fsroom; then ( ${families.map((f) => `[ -z "$vxs_sp${f}" ] || vxs_fsearch ${m} ${pingHeaderBytes(f)} ${minPathMtu(f)} $vxs_sp${f}`).join('; ')}`,
      ...afterSearch,
      ') &',
      `elif vxs_room "$vxs_minw"; then ${searched.flatMap(({ checked }) => checked.map((c) => `if ${failing(c)}; then ${again(c.d)} & fi`)).join('; ')}; fi`,
      'fi',
    );
  }
  body.push(
    ...peerLines,
    `[ -n "$vxs_ul" ] && vxs_room "$vxs_minw" && { vxs_u=$(${FPING} -t "$vxs_left" $vxs_ul 2>&1); ${print('u', '$vxs_u')}; } &`,
    'wait',
    'fi',
  );
  lines.push(
    'if [ -n "$vxs_fp" ]; then',
    'if vxs_room "$vxs_minw"; then',
    ...body,
    'else',
    `vxs_cut="$vxs_cut ${order.map((to) => quoteShellArg(to)).join(' ')}"; fi`,
    'fi',
  );
  return lines;
}

/**
 * fping's `-C 1 -q` lines of one section, by target: the round trip (ms) of an answer, or null
 * for no reply. Other lines (fping's own errors) are left out.
 */
export function parseFpingLines(body: string): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const line of body.split('\n')) {
    const m = /^(\S+)\s+:\s+(-|\d+(?:\.\d+)?)\s*$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    out.set(m[1], m[2] === '-' ? null : Number(m[2]));
  }
  return out;
}

/** One fping answer as the diagnosis's `PingResult` (one probe sent). */
export function fpingResult(target: string, rttMs: number | null): PingResult {
  if (rttMs === null)
    return { transmitted: 1, received: 0, errors: 0, lossPercent: 100, ok: false, evidence: [`fping ${target}: no reply`] };
  return {
    transmitted: 1,
    received: 1,
    errors: 0,
    lossPercent: 0,
    ok: true,
    rtt: { min: rttMs, avg: rttMs, max: rttMs, mdev: 0 },
    evidence: [`fping ${target}: reply in ${rttMs} ms`],
  };
}
