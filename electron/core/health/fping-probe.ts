/**
 * The round's probes through `fping` (one process for many targets), for hosts that have it: every
 * ping of iputils is a process of its own, and a process start costs a busy host 10-20 ms of CPU, so
 * a round at 20 hosts spent most of its CPU starting pings. With fping a healthy round costs two
 * probe processes per segment, however many peers: one fping sends the small overlay ping to every
 * peer (it measures the round trip), one sends the DF probe at the segment MTU (`-M -b <mtu-28>`)
 * to every peer and waits twice the slowest round trip plus a margin, as the ping path's
 * `vxs_rtt_wait` does. Only pairs that failed cost more: their underlay ping (one fping for all of
 * them) and, for a DF probe failing while the small ping answered, the path-MTU sweep of
 * path-mtu-probe.ts. A DF probe the sweep shows the path can carry is sent again with the full wait
 * (a slow host never turns a good path into a finding), as is one no sweep runs for.
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
import { PROBE_WAIT_MARGIN_MS, PROBE_WAIT_MAX_MS, sweepCall } from './path-mtu-probe';
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
    for (const { s, o, d } of checked) {
      const failing = `${mtuKnown(d)} && vxs_fok "$vxs_o${s.index}" ${q(o)} && ! vxs_fok "$vxs_d${s.index}" ${q(d)}`;
      if (sweep === undefined || d !== checked[0]?.d) {
        // No sweep toward this peer (its path MTU is known, or another segment's DF probe starts it).
        if (sweep === undefined) peerLines.push(`if ${failing} && vxs_room "$vxs_minw"; then ${again(d)} & fi`);
        continue;
      }
      const overhead = overheadFor(sweep.family);
      // The search's stages each wait vxs_wt: it starts only when the budget has room for them (vxs_sroom).
      // A DF probe whose size the sweep shows passing is sent again with the full wait.
      peerLines.push(
        `if { ${checked.map((c) => `{ ${mtuKnown(c.d)} && vxs_fok "$vxs_o${c.s.index}" ${q(c.o)} && ! vxs_fok "$vxs_d${c.s.index}" ${q(c.d)}; }`).join(' || ')}; }; then`,
        `if vxs_sroom; then vxs_mkd; ( vxs_lo=; ${sweepCall(sweep.key, sweep.target, sweep.family)}`,
        ...checked.map(
          (c) =>
            `if { ${mtuKnown(c.d)} && vxs_fok "$vxs_o${c.s.index}" ${q(c.o)} && ! vxs_fok "$vxs_d${c.s.index}" ${q(c.d)}; } && { [ -z "$vxs_lo" ] || [ $vxs_lo -ge $((${mtuOf(c.d)}+${overhead})) ]; }; then ${again(c.d)}; fi`,
        ),
        ') &',
        `elif vxs_room "$vxs_minw"; then ${checked.map((c) => `if ${mtuKnown(c.d)} && vxs_fok "$vxs_o${c.s.index}" ${q(c.o)} && ! vxs_fok "$vxs_d${c.s.index}" ${q(c.d)}; then ${again(c.d)} & fi`).join('; ')}; fi`,
        'fi',
      );
    }
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
