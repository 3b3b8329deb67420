/**
 * One health round on one host as ONE script over the host's persistent shell: link state and VXLAN
 * parameters (`ip -j -d link`), addresses, FDB, the route to a peer (underlay facts), every
 * firewall present (nftables, iptables-save and ip6tables-save when they have tables to list; ufw
 * and firewalld when installed and running), counters (/proc/net/dev) before and after the probes,
 * and the probes themselves: with fping where the host has it (fping-probe.ts: one process per
 * segment for all peers), else ping windows run concurrently on the host as background jobs
 * (`ping -c 1 -W ... &` then `wait`). Per segment per peer a DF probe at the MTU, which catches an
 * overlay MTU too big for the underlay, where small packets pass and big ones vanish (`-M do -s
 * <mtu-28>` must pass; the MTU is read from sysfs on the host at probe time, so the probe matches
 * what the kernel has), a small overlay ping and an underlay ping where it fails, and per device
 * the DF probe one byte over (`-s <mtu-27>` must fail locally with "message too long").
 *
 * Output sections start with `<nonce> <TAG> [key]` (`sections` in ../ssh/remote-script), so no command output can fake one.
 */
import { deviceName, type Topology } from '../../../shared/model';
import {
  completeObserveOutput,
  OBSERVE_COMMANDS,
  parseObserved,
  ObserveParseError,
  type ObservedHostState,
} from '../../../shared/observe';
import { parseLinkCounters, type LinkCounters } from '../../../shared/observe/counters';
import { FIREWALLD_COMMAND, FIREWALLD_DEFAULT_ZONE_COMMAND, parseFirewalldListAll } from '../../../shared/observe/firewalld';
import { IP6TABLES_COMMAND, IPTABLES_COMMAND, parseIptablesSave } from '../../../shared/observe/iptables';
import { NFT_COMMANDS, parseNftRuleset, withoutNftWarnings } from '../../../shared/observe/nft';
import { parsePing, pingArgv, type PingResult } from '../../../shared/observe/ping';
import { parseUfwStatus, UFW_COMMAND } from '../../../shared/observe/ufw';
import type { FirewallRuleset } from '../../../shared/diagnose/firewall';
import { minPathMtu } from '../../../shared/diagnose/path-mtu';
import type { HostHealth, PairProbe } from '../../../shared/diagnose/types';
import { argvToShell, quoteShellArg, type HostFacts } from '../../../shared/plan';
import { SBIN_PATH_LINE, sections } from '../ssh/remote-script';
import { overheadFor, parseAddress } from '../../../shared/validate/ip';
import {
  fpingProbeLines,
  fpingResult,
  fpingSearchShellFunctions,
  fpingSectionOf,
  fpingShellFunctions,
  parseFpingLines,
} from './fping-probe';
import { roundDirLines } from './round-dir';
import { countersLine, NET_DEV_FUNCTION, parseNetDev } from './net-dev-counters';
import {
  FRACTIONAL_WAIT_LINE,
  pathMtuShellFunctions,
  printAnswersLine,
  sweepCall,
  sweptPathMtu,
  SWEEP_ROOM_LINE,
} from './path-mtu-probe';
import type { HostProbePlan, ProbeSpec, SweepSpec } from './probe-plan';

/** Options of `probePlan`. */
export interface ProbePlanOptions {
  /** Facts from earlier rounds, for peers whose underlay address is "auto". */
  facts?: Record<string, HostFacts | undefined>;
  /** Overlay pings only (the mesh check): no underlay or DF probes. */
  overlayOnly?: boolean;
  /** Leave out the DF probes (e.g. on a segment under path-MTU search). Default false. */
  skipDf?: boolean;
  /** Sweep the underlay path MTU in the round when a DF probe fails. Default true. */
  pathMtu?: boolean;
  /** Peers whose path MTU is known already (cached by the poller): no sweep toward them. */
  pathMtuKnown?: ReadonlySet<string>;
}

function addressOnly(cidr: string): string {
  const i = cidr.indexOf('/');
  return i < 0 ? cidr : cidr.slice(0, i);
}

/** The underlay (VTEP) address of a host: the topology's, else the one it reported in an earlier round. */
export function underlayAddressOf(
  t: Topology,
  hostId: string,
  facts: Record<string, HostFacts | undefined> = {},
): string | undefined {
  const h = t.hosts.find((x) => x.id === hostId);
  if (h && h.underlay.address !== 'auto') return h.underlay.address;
  return facts[hostId]?.underlayAddress;
}

/** The probes of one host for a topology: every peer of every segment it is a member of. */
export function probePlan(t: Topology, hostId: string, opts: ProbePlanOptions = {}): HostProbePlan {
  const host = t.hosts.find((h) => h.id === hostId);
  if (!host) throw new Error(`host ${hostId} is not in topology ${t.id}`);
  const facts = opts.facts ?? {};
  const probes: ProbeSpec[] = [];
  const segments: HostProbePlan['segments'] = [];
  const underlayDone = new Set<string>();
  let n = 0;
  const add = (p: Omit<ProbeSpec, 'key'>): void => {
    probes.push({ key: `p${n++}`, ...p });
  };
  for (const m of t.memberships.filter((x) => x.hostId === hostId)) {
    const seg = t.segments.find((s) => s.id === m.segmentId);
    if (!seg) continue;
    const dev = deviceName(m, seg);
    const peers = t.memberships.filter((x) => x.segmentId === seg.id && x.hostId !== hostId);
    segments.push({ segmentId: seg.id, peers: peers.map((p) => p.hostId) });
    for (const p of peers) {
      const ul = underlayAddressOf(t, p.hostId, facts);
      if (!opts.overlayOnly && ul !== undefined && !underlayDone.has(p.hostId)) {
        underlayDone.add(p.hostId);
        add({ kind: 'underlay', target: ul, to: p.hostId });
      }
      if (p.address === undefined) continue;
      const ov = addressOnly(p.address);
      add({ kind: 'overlay', target: ov, to: p.hostId, segmentId: seg.id });
      if (!opts.overlayOnly && opts.skipDf !== true) {
        add({ kind: 'dfAtMtu', target: ov, to: p.hostId, segmentId: seg.id, device: dev });
        add({ kind: 'dfOverMtu', target: ov, to: p.hostId, segmentId: seg.id, device: dev });
      }
    }
  }
  const sweeps: SweepSpec[] = [];
  if (opts.pathMtu !== false) {
    for (const p of probes) {
      if (p.kind !== 'underlay' || opts.pathMtuKnown?.has(p.to) === true) continue;
      if (!probes.some((q) => q.kind === 'dfAtMtu' && q.to === p.to)) continue;
      const a = parseAddress(p.target);
      if (typeof a !== 'string') sweeps.push({ key: `s${sweeps.length}`, to: p.to, target: p.target, family: a.family });
    }
  }
  const firstPeer = segments.flatMap((s) => s.peers)[0];
  const routeTo = firstPeer === undefined ? undefined : underlayAddressOf(t, firstPeer, facts);
  return {
    hostId,
    hostName: host.name,
    sudo: host.sudo,
    ...(routeTo === undefined ? {} : { routeTo }),
    probes,
    sweeps,
    segments,
  };
}

/** Shell variable holding a device's MTU (`vxs_mtu_<n>`), one per device. */
function mtuVar(devices: Map<string, string>, dev: string): string {
  let v = devices.get(dev);
  if (v === undefined) {
    v = `vxs_mtu_${devices.size}`;
    devices.set(dev, v);
  }
  return v;
}

/**
 * Peers a host probes at once. Every ping is a process of its own, and starting one costs the host
 * milliseconds of CPU: at 20 hosts one round is ~1,500 processes across the mesh, so a round probes a
 * small window of peers at a time, and a round short of time stops between windows (see `budgetMs`).
 */
export const PROBE_WINDOW = 8;
/** The least time left (ms) in which a window of probes is still started. */
export const MIN_WINDOW_MS = 200;
/** The probe budget of a round script when its caller gives none (ms). */
export const DEFAULT_PROBE_BUDGET_MS = 5000;

/** The round's clock starts with the script: `vxs_t0`, centiseconds of /proc/uptime (a builtin read). */
const CLOCK_START_LINE = 'read -r vxs_c _ </proc/uptime 2>/dev/null || vxs_c=0.00; vxs_t0=${vxs_c%.*}${vxs_c#*.}';

/**
 * Shell lines of the round's clock (`CLOCK_START_LINE` set `vxs_t0`):
 * `vxs_room MS`, true when at least MS of the probe budget is left; it sets `vxs_pw`, the wait of
 * the pings it lets start (the time left, at most 1 s; whole seconds when ping takes no fractions).
 * Builtins only: reading the clock starts no process.
 */
function clockLines(budgetMs: number): string[] {
  return [
    'vxs_cut=',
    // Whole-second waits (old iputils) need a whole second of budget per window.
    `vxs_minw=${MIN_WINDOW_MS}; [ "$vxs_w" = 1 ] && vxs_minw=1000`,
    'vxs_room() {',
    '  read -r vxs_c _ </proc/uptime 2>/dev/null || vxs_c=0.00',
    `  vxs_left=$((${budgetMs} - (\${vxs_c%.*}\${vxs_c#*.} - vxs_t0) * 10))`,
    '  [ $vxs_left -ge "$1" ] || return 1',
    '  [ $vxs_left -gt 1000 ] && vxs_left=1000',
    '  vxs_f=$((vxs_left % 1000 + 1000)); vxs_pw=$((vxs_left / 1000)).${vxs_f#1}; [ "$vxs_w" = 1 ] && vxs_pw=1; return 0',
    '}',
    SWEEP_ROOM_LINE,
  ];
}

/** Options of the probe lines and the round script. */
export interface RoundScriptOptions {
  /** Overlay pings only (the mesh check): no facts, counters or DF probes. */
  overlayOnly?: boolean;
  /**
   * Time (ms, from the script's start) within which the probes must end: a window of peers starts
   * only while `MIN_WINDOW_MS` of it is left (one whole second when ping takes no fractions), and
   * its pings wait at most the time left. Peers left out are named in a `CUT` section. Default 5000.
   */
  budgetMs?: number;
  /** Index (in the plan's peer order) of the peer probed first: rounds cut short rotate through the peers. */
  firstPeer?: number;
  /**
   * Peers probed before all others (`probeOrder`): those of pairs whose DF probe failed at their
   * last probe, so a path-MTU figure and the tunnels that corroborate it are measured first.
   */
  priorityPeers?: readonly string[];
}

/** The peers of a plan in probe order (each once). */
export function planPeers(plan: HostProbePlan): string[] {
  return [...new Set(plan.probes.map((p) => p.to))];
}

/**
 * The order a round probes a plan's peers in: the priority peers first (in plan order), then the
 * others from the `firstPeer`-th peer of the plan on, around. A round short of time cuts the last.
 */
export function probeOrder(plan: HostProbePlan, firstPeer = 0, priorityPeers: readonly string[] = []): string[] {
  const peers = planPeers(plan);
  const n = peers.length;
  const rotated = peers.map((_, i) => peers[(i + (n === 0 ? 0 : firstPeer % n)) % n] as string);
  const first = new Set(priorityPeers);
  return [...peers.filter((p) => first.has(p)), ...rotated.filter((p) => !first.has(p))];
}

/** Per device, the key of the one `dfOverMtu` probe run for all its pairs (the local refusal depends on the device only). */
function dfOverKeys(plan: HostProbePlan): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of plan.probes) if (p.kind === 'dfOverMtu' && !out.has(p.device ?? '')) out.set(p.device ?? '', p.key);
  return out;
}

/**
 * The probe lines, window by window (`PROBE_WINDOW` peers, in `probeOrder`): every ping of
 * a window in the background writing to `$vxs_d/<key>`, waiting at most the budget left. Per peer
 * an underlay ping, and per segment an overlay ping and a DF probe at the MTU; the DF probe one byte
 * over (refused by the local stack) once per device. Once the window's underlay pings have
 * answered, a DF probe at the MTU that has not answered within twice the slowest round trip plus a
 * margin (`vxs_rtt_wait`), or that failed, while the overlay ping of its segment answered, starts
 * the path-MTU sweep toward that peer right there (`vxs_sweep`, see path-mtu-probe.ts) when the
 * budget leaves room for its stages (`vxs_sroom`): a black hole costs a few short waits in the same round
 * trip. A DF probe still waiting when the sweep has shown the path too small for it is stopped
 * (SIGINT: ping prints its statistics); one the path can carry keeps its full wait, so a slow host
 * never turns a good path into an MTU finding.
 */
function probeLines(plan: HostProbePlan, budgetMs: number, order: readonly string[], marker: string, direct?: string): string[] {
  const lines: string[] = [];
  const devices = new Map<string, string>();
  for (const p of plan.probes) if (p.device !== undefined) mtuVar(devices, p.device);
  for (const [dev, v] of devices) lines.push(`read -r ${v} 2>/dev/null <${quoteShellArg(`/sys/class/net/${dev}/mtu`)} || ${v}=0`);
  // Fractional -W needs iputils 20190709 or later; older ones refuse it, so fall back to 1 s.
  lines.push(FRACTIONAL_WAIT_LINE, ...clockLines(budgetMs));
  if (devices.size > 0) lines.push(...pathMtuShellFunctions());
  const file = (p: ProbeSpec): string => `"$vxs_d/${p.key}"`;
  const pingArgs = (p: ProbeSpec): string => `ping -n -c 1 -W "$vxs_pw" ${quoteShellArg(p.target)}`;
  // A ping whose answer nothing on the host reads (the mesh check) prints its own section in one
  // printf, one write of a few hundred bytes (atomic on a pipe): no answer files, no awk.
  const ping = (p: ProbeSpec): string =>
    direct === undefined
      ? `${pingArgs(p)} >${file(p)} 2>&1`
      : `{ vxs_r=$(${pingArgs(p)} 2>&1); printf '%s PING ${p.key}\\n%s\\n' ${direct} "$vxs_r"; }`;
  const df = (p: ProbeSpec, wait: string): string => {
    const v = mtuVar(devices, p.device ?? '');
    // ping's -s is the ICMP payload: MTU minus 20 (IP) and 8 (ICMP) bytes.
    const size = p.kind === 'dfAtMtu' ? `$(($${v}-28))` : `$(($${v}-27))`;
    return `ping -n -c 1 -W ${wait} -M do -s ${size} ${quoteShellArg(p.target)} >${file(p)} 2>&1`;
  };
  const mtuKnown = (p: ProbeSpec): string => `[ "$${mtuVar(devices, p.device ?? '')}" -gt 100 ]`;
  const pid = (q: ProbeSpec): string => `vxs_${q.key}`;
  const overKeys = new Set(dfOverKeys(plan).values());
  // The health round (not the mesh check, whose pings print their own answers) probes with fping
  // where the host has it (fping-probe.ts); the ping windows below run where it does not.
  const fping = direct === undefined && plan.probes.some((p) => p.kind === 'overlay');
  if (fping) {
    // The DF probe over the MTU (refused locally, once per device) stays a ping on both paths; it
    // prints its own answer, so it needs no answer file.
    const over = plan.probes.filter((p) => p.kind === 'dfOverMtu' && overKeys.has(p.key));
    if (over.length > 0)
      lines.push(
        'if vxs_room "$vxs_minw"; then',
        ...over.map(
          (p) =>
            `${mtuKnown(p)} && { vxs_r=$(${df(p, '"$vxs_w"').replace(` >${file(p)} 2>&1`, ' 2>&1')}); printf '%s PING ${p.key}\\n%s\\n' ${marker} "$vxs_r"; } &`,
        ),
        'fi',
      );
    lines.push(
      ...fpingShellFunctions(),
      ...(plan.sweeps.length > 0 ? fpingSearchShellFunctions() : []),
      ...fpingProbeLines(plan, order, { marker, mtuVar: (d) => mtuVar(devices, d) }),
      'if [ -z "$vxs_fp" ]; then vxs_mkd',
    );
  } else if (direct === undefined) lines.push('vxs_mkd');
  let first = true;
  for (let w = 0; w < order.length; w += PROBE_WINDOW) {
    const window = order.slice(w, w + PROBE_WINDOW);
    const body: string[] = [];
    if (first && !fping)
      for (const p of plan.probes)
        // Refused by the local stack at once, but ping still lingers for -W after the error: a short wait.
        if (p.kind === 'dfOverMtu' && overKeys.has(p.key)) body.push(`${mtuKnown(p)} && ${df(p, '"$vxs_w"')} &`);
    first = false;
    const groups: Array<{ under?: ProbeSpec; checked: Array<[ProbeSpec, ProbeSpec]> }> = [];
    for (const to of window) {
      const mine = plan.probes.filter((q) => q.to === to);
      const under = mine.find((q) => q.kind === 'underlay');
      const overlays = mine.filter((q) => q.kind === 'overlay');
      const dfs = mine.filter((q) => q.kind === 'dfAtMtu');
      // No overlay address to ping: the underlay ping is all there is to learn about the peer.
      if (under && overlays.length === 0) body.push(`${ping(under)} &`);
      const checked: Array<[ProbeSpec, ProbeSpec]> = [];
      for (const o of overlays) {
        const d = dfs.find((x) => x.segmentId === o.segmentId);
        if (d === undefined) body.push(`${ping(o)} &`);
        else checked.push([o, d]);
      }
      for (const [, d] of checked) body.push(`if ${mtuKnown(d)}; then ${df(d, '"$vxs_pw"')} & ${pid(d)}=$!; fi`);
      if (checked.length > 0) groups.push({ ...(under ? { under } : {}), checked });
    }
    const pacer = groups[0]?.checked[0]?.[0];
    if (pacer) {
      // A DF probe at the MTU that answers is an overlay ping that answered, big packets included: a
      // healthy pair costs one ping. The window's first overlay ping (small) measures the round trip
      // the DF probes get (twice it plus the margin); a pair whose DF probe has not answered by then
      // gets its small overlay ping, which tells an MTU problem (small pings pass) from a dead overlay.
      const checked = groups.flatMap((g) => g.checked);
      const followUps = checked
        .filter(([o]) => o !== pacer)
        .map(([o, d]) => `vxs_ok ${file(d)} || { ${ping(o)} & vxs_ow="$vxs_ow $!"; }`);
      body.push(
        `${ping(pacer)} &`,
        'vxs_pp=$!; vxs_ow=',
        'wait $vxs_pp',
        `vxs_rtt_wait ${file(pacer)}`,
        `${checked.map(([, d]) => `vxs_done ${file(d)}`).join(' && ')} || sleep "$vxs_wt" 2>/dev/null || sleep 1`,
        // Only with time left: a busy host can spend the budget on the window's own starts.
        ...(followUps.length > 0 ? ['if vxs_room "$vxs_minw"; then', ...followUps, 'fi'] : []),
        '[ -n "$vxs_ow" ] && wait $vxs_ow',
      );
      for (const g of groups) {
        // The underlay ping only tells a dead underlay from a dead overlay: it runs when the overlay failed.
        if (g.under)
          body.push(
            `if { ${g.checked.map(([o, d]) => `! vxs_ok ${file(o)} && ! vxs_ok ${file(d)}`).join(' || ')}; } && vxs_room "$vxs_minw"; then ${ping(g.under)} & fi`,
          );
        const sweep = plan.sweeps.find((x) => x.to === g.under?.to);
        if (!sweep) continue;
        const failing = g.checked.map(
          ([o, d]) => `{ ${mtuKnown(d)} && vxs_ok ${file(o)} && ! vxs_ok ${file(d)} && ! vxs_toolong ${file(d)}; }`,
        );
        const overhead = overheadFor(sweep.family);
        // The search's stages each wait vxs_wt: it starts only when the budget has room for them (vxs_sroom).
        body.push(
          `if { ${failing.join(' || ')}; } && vxs_sroom; then (`,
          `vxs_lo=; ${sweepCall(sweep.key, sweep.target, sweep.family)}`,
          ...g.checked.map(
            ([, q]) =>
              `[ -n "$vxs_lo" ] && [ $vxs_lo -lt $(($${mtuVar(devices, q.device ?? '')}+${overhead})) ] && kill -INT $${pid(q)} 2>/dev/null`,
          ),
          ') & fi',
        );
      }
    }
    body.push('wait');
    lines.push(
      `if [ -z "$vxs_cut" ] && vxs_room "$vxs_minw"; then`,
      ...body,
      `else vxs_cut="$vxs_cut ${window.map((to) => quoteShellArg(to)).join(' ')}"; fi`,
    );
  }
  lines.push('wait');
  if (fping) lines.push('fi');
  return lines;
}

/** The whole round script for one host; `marker` is a fresh random nonce (`newNonce`). */
export function healthRoundScript(plan: HostProbePlan, marker: string, opts: RoundScriptOptions = {}): string {
  const m = marker;
  const tag = (t: string, arg = ''): string => `printf '%s ${t}${arg === '' ? '' : ` ${arg}`}\\n' ${m}`;
  // The mesh check's pings print their own answers (`probeLines`): it needs no answer directory.
  const direct = opts.overlayOnly === true;
  const lines: string[] = [CLOCK_START_LINE, SBIN_PATH_LINE, ...(direct ? [] : roundDirLines('vxs-health', { lazy: true }))];
  if (opts.overlayOnly !== true) {
    lines.push(`printf '%s SSH %s\\n' ${m} "$SSH_CONNECTION"`);
    for (const [k, argv] of Object.entries(OBSERVE_COMMANDS)) lines.push(tag('OBS', k), `${argvToShell(argv)} 2>/dev/null`);
    if (plan.routeTo !== undefined) {
      lines.push(tag('ROUTE'), `vxs_rt=$(ip -j route get ${quoteShellArg(plan.routeTo)} 2>/dev/null); printf '%s\\n' "$vxs_rt"`);
      // The MTU of the route's device bounds the path-MTU sweeps (`vxs_umtu`).
      if (plan.sweeps.length > 0)
        lines.push(
          `vxs_umtu=0; vxs_dev=\${vxs_rt#*'"dev":"'}; vxs_dev=\${vxs_dev%%'"'*}`,
          `case $vxs_dev in ''|*[!A-Za-z0-9._@-]*) ;; *) read -r vxs_umtu 2>/dev/null <"/sys/class/net/$vxs_dev/mtu" || vxs_umtu=0 ;; esac`,
        );
    }
    lines.push(
      // The JSON listing is kept in a variable: whether the text listing and iptables-save have
      // anything to add is read from it. The text listing (exact rule text and chain headers; whether
      // firewalld's table is there is read from it) runs only when the JSON listing has a chain or
      // failed: with no chain it adds nothing (firewalld's table has chains).
      'vxs_nft=; vxs_nftj=',
      `if command -v nft >/dev/null 2>&1; then ${tag('NFTJ')}; vxs_nftj=$(${argvToShell(NFT_COMMANDS.json)} 2>&1); printf '%s\\n' "$vxs_nftj"`,
      `  case $vxs_nftj in '{'*'"chain":'*|[!{]*) ${tag('NFTT')}; vxs_nft=$(${argvToShell(NFT_COMMANDS.text)} 2>&1); printf '%s\\n' "$vxs_nft" ;; esac`,
      'fi',
      // iptables-save lists the tables of its family in nftables (iptables-nft) and the legacy ones
      // (/proc/net/ip_tables_names, per network namespace): with neither it prints nothing, so it is
      // not started. Without a JSON listing to read the tables from, it always runs.
      // pgrep, as a builtin pass over /proc: is a process named $1 running (comm: a script's file name)?
      'vxs_running() { for vxs_p in /proc/[0-9]*; do read -r vxs_x 2>/dev/null <"$vxs_p/comm" || continue; [ "$vxs_x" = "$1" ] && return 0; done; return 1; }',
      `vxs_iptneed() { case $vxs_nftj in '{'*) ;; *) return 0 ;; esac; case $vxs_nftj in *"\\"family\\": \\"$1\\","*|*"\\"family\\":\\"$1\\","*) return 0 ;; esac; read -r vxs_x 2>/dev/null <"$2" && return 0; return 1; }`,
      // iptables-nft's tables are in the nft listing too, but only iptables-save spells out matches
      // such as `-m conntrack` (nft's JSON has them as opaque `xt`): read both, judge those tables
      // from iptables-save (shared/diagnose/firewall-host.ts). With iptables-legacy they are separate rules.
      `vxs_ipt=; if command -v iptables-save >/dev/null 2>&1 && vxs_iptneed ip /proc/net/ip_tables_names; then ${tag('IPT')}; vxs_ipt=$(${argvToShell(IPTABLES_COMMAND)} 2>&1); printf '%s\\n' "$vxs_ipt"; fi`,
      `vxs_ipt6=; if command -v ip6tables-save >/dev/null 2>&1 && vxs_iptneed ip6 /proc/net/ip6_tables_names; then ${tag('IPT6')}; vxs_ipt6=$(${argvToShell(IP6TABLES_COMMAND)} 2>&1); printf '%s\\n' "$vxs_ipt6"; fi`,
      // ufw is a Python client (~0.15 s of CPU per call); it says "inactive" unless its chains are
      // loaded, which iptables-save has just listed: an inactive ufw is not asked.
      `case "$vxs_ipt$vxs_ipt6" in *':ufw-user-input '*|*':ufw6-user-input '*) if command -v ufw >/dev/null 2>&1; then ${tag('UFW')}; ${argvToShell(UFW_COMMAND)} 2>&1; fi ;; esac`,
      // firewall-cmd is a Python client too (about a second per call on a busy host): it runs only when
      // firewalld does (its nftables table, read from the listing above, or its process for the
      // iptables backend), and its two calls run in the background beside the probes, printing after them.
      `if command -v firewall-cmd >/dev/null 2>&1 && case $vxs_nft in *' firewalld {'*) true ;; *) vxs_running firewalld ;; esac; then vxs_mkd; { ${argvToShell(FIREWALLD_DEFAULT_ZONE_COMMAND)} >"$vxs_d/fwdz" 2>/dev/null && ${argvToShell(FIREWALLD_COMMAND)} >"$vxs_d/fwd" 2>&1; } & fi`,
    );
  }
  // Counters localise lost VXLAN packets for the diagnosis; the mesh check (overlay only) only
  // asks whether each ping answered, so it skips both reads (two `ip` runs per host).
  const counters = opts.overlayOnly !== true;
  if (counters) lines.push(NET_DEV_FUNCTION, countersLine(m, 'CTR0'));
  lines.push(
    ...probeLines(
      plan,
      opts.budgetMs ?? DEFAULT_PROBE_BUDGET_MS,
      probeOrder(plan, opts.firstPeer, opts.priorityPeers),
      m,
      direct ? m : undefined,
    ),
  );
  if (counters) lines.push(countersLine(m, 'CTR1'));
  if (opts.overlayOnly !== true)
    lines.push(
      `if [ -n "$vxs_d" ] && [ -s "$vxs_d/fwd" ]; then ${tag('FWDZ')}; cat "$vxs_d/fwdz"; ${tag('FWD')}; cat "$vxs_d/fwd"; fi`,
    );
  lines.push(`[ -n "$vxs_cut" ] && printf '%s CUT %s\\n' ${m} "$vxs_cut"`);
  // One awk prints every answer (instead of one `cat` per probe), each under its own section, without
  // the lines no parser reads (`PING ... bytes of data.`, blank lines, `--- ... statistics ---`).
  if (plan.probes.length > 0 && !direct)
    lines.push(`[ -z "$vxs_d" ] || ${printAnswersLine(m, plan.sweeps.length > 0 ? '[ps]*' : 'p*')}`);
  lines.push(tag('END'));
  return `${lines.join('\n')}\n`;
}

/** A round's parsed answer from one host. */
export interface HostRound {
  host: HostHealth;
  /** Probes from this host, one per (segment, peer). */
  pairs: PairProbe[];
  /** Problems reading this host's output (a parser error names the command); the round still counts. */
  problems: string[];
  /** The SSH session's ends (`$SSH_CONNECTION`): client address and this host's address. */
  ssh?: { client: string; server: string };
  /** Peers whose path MTU the round swept (their pairs carry `pathMtu` when a size passed). */
  swept: string[];
  /** Peers the round had no time left to probe (its `budgetMs` ran out): their pairs carry no probe. */
  unmeasured: string[];
}

/**
 * Parsed outputs of a host's previous round by section: an unchanged text (links, addresses, FDB and
 * firewall rules rarely change between rounds) is not parsed again.
 */
export type ParseCache = Map<string, { text: string; value: unknown }>;

function cached<T>(cache: ParseCache | undefined, key: string, text: string, parse: () => T): T {
  const hit = cache?.get(key);
  if (hit !== undefined && hit.text === text) return hit.value as T;
  const value = parse();
  cache?.set(key, { text, value });
  return value;
}

function firstRoute(json: string): { dev?: string; prefsrc?: string } | undefined {
  try {
    const parsed = JSON.parse(json) as unknown;
    const r = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
    if (!r) return undefined;
    return {
      ...(typeof r.dev === 'string' ? { dev: r.dev } : {}),
      ...(typeof r.prefsrc === 'string' ? { prefsrc: r.prefsrc } : {}),
    };
  } catch {
    return undefined;
  }
}

function guard<T>(problems: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    problems.push(err instanceof ObserveParseError || err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/**
 * Parses a round's output into the diagnosis's `HostHealth` and this host's `PairProbe`s.
 *
 * @throws Error when the output is cut short (no END section): the shell died mid-round.
 */
export function parseHealthRound(
  plan: HostProbePlan,
  stdout: string,
  marker: string,
  opts: { overlayOnly?: boolean; cache?: ParseCache } = {},
): HostRound {
  const cache = opts.cache;
  const host = plan.hostName;
  const problems: string[] = [];
  const secs = sections(stdout, marker);
  if (!secs.some((s) => s.tag === 'END'))
    throw new Error(`${host}: the health round ended before its END marker (output cut short)`);
  const obs: Partial<Record<keyof typeof OBSERVE_COMMANDS, string>> = {};
  const pings = new Map<string, string>();
  const fpings = new Map<string, Map<string, number | null>>();
  let route: string | undefined;
  let nftJson: string | undefined;
  let nftText: string | undefined;
  let ipt: string | undefined;
  let ipt6: string | undefined;
  let ufw: string | undefined;
  let fwd: string | undefined;
  let fwdZone: string | undefined;
  let ctr0: string | undefined;
  let ctr1: string | undefined;
  let ctr0s: string | undefined;
  let ctr1s: string | undefined;
  let ssh: HostRound['ssh'];
  let cut: string[] = [];
  const searched = new Map<string, number>();
  for (const s of secs) {
    switch (s.tag) {
      case 'OBS':
        if (s.args in OBSERVE_COMMANDS) obs[s.args as keyof typeof OBSERVE_COMMANDS] = s.body;
        break;
      case 'ROUTE':
        route = s.body;
        break;
      case 'NFTJ':
        nftJson = s.body;
        break;
      case 'NFTT':
        nftText = s.body;
        break;
      case 'IPT':
        ipt = s.body;
        break;
      case 'IPT6':
        ipt6 = s.body;
        break;
      case 'UFW':
        ufw = s.body;
        break;
      case 'FWD':
        fwd = s.body;
        break;
      case 'FWDZ':
        fwdZone = s.body;
        break;
      case 'CTR0':
        ctr0 = s.body;
        break;
      case 'CTR1':
        ctr1 = s.body;
        break;
      case 'CTR0D':
        ctr0s = s.body;
        break;
      case 'CTR1D':
        ctr1s = s.body;
        break;
      case 'PING':
        pings.set(s.args, s.body);
        break;
      case 'FPING': {
        // A DF probe sent again (with the full wait) answers after its first section: the later line wins.
        const got = fpings.get(s.args) ?? new Map<string, number | null>();
        for (const [target, rtt] of parseFpingLines(s.body)) got.set(target, rtt);
        fpings.set(s.args, got);
        break;
      }
      case 'PMTU': {
        // The fping path's search: `<address> <largest size seen passing>` per searched peer.
        const [address, size] = s.args.trim().split(/\s+/);
        if (address !== undefined && size !== undefined && /^\d+$/.test(size)) searched.set(address, Number(size));
        break;
      }
      case 'CUT':
        cut = s.args.split(/\s+/).filter((x) => x !== '');
        break;
      case 'SSH': {
        const [client, , server] = s.args.trim().split(/\s+/);
        if (client && server) ssh = { client, server };
        break;
      }
    }
  }
  const health: HostHealth = { hostId: plan.hostId, ssh: { state: 'ok' } };
  if (opts.overlayOnly !== true) {
    let observed: ObservedHostState | undefined;
    const o = completeObserveOutput(obs);
    if (o !== undefined) {
      observed = guard(problems, () => cached(cache, 'observed', `${o.link}\0${o.fdb}`, () => parseObserved(o, { host })));
    } else problems.push(`${host}: the round did not report links, addresses and FDB`);
    if (observed) health.observed = observed;
    const r = route === undefined ? undefined : firstRoute(route);
    const facts: HostFacts = {};
    if (r?.dev !== undefined) {
      facts.underlayInterface = r.dev;
      const mtu = observed?.links.find((l) => l.name === r.dev)?.mtu;
      if (mtu !== undefined) facts.underlayMtu = mtu;
    }
    if (r?.prefsrc !== undefined) facts.underlayAddress = r.prefsrc;
    if (Object.keys(facts).length > 0) health.facts = facts;
    const firewalls: FirewallRuleset[] = [];
    if (nftJson !== undefined) nftJson = withoutNftWarnings(nftJson);
    if (nftJson !== undefined && nftJson.trim().startsWith('{')) {
      const j = nftJson;
      const fw = guard(problems, () =>
        cached(cache, 'nft', `${j}\0${nftText ?? ''}`, () =>
          parseNftRuleset({ json: j, ...(nftText === undefined ? {} : { text: nftText }) }, host),
        ),
      );
      if (fw) firewalls.push(fw);
    } else if (nftJson !== undefined && nftJson.trim() !== '')
      problems.push(`${host}: \`nft -j list ruleset\` failed: ${nftJson.trim().split('\n')[0] ?? ''}`);
    for (const [key, text, command] of [
      ['iptables', ipt, IPTABLES_COMMAND],
      ['ip6tables', ipt6, IP6TABLES_COMMAND],
    ] as const) {
      if (text === undefined || text.trim() === '') continue;
      const fw = guard(problems, () => cached(cache, key, text, () => parseIptablesSave(text, host, command.join(' '))));
      if (fw) firewalls.push(fw);
    }
    if (ufw !== undefined) {
      const text = ufw;
      const fw = guard(problems, () => cached(cache, 'ufw', text, () => parseUfwStatus(text, host)));
      if (fw) firewalls.push(fw);
    }
    if (fwd !== undefined) {
      const text = fwd;
      const zone = fwdZone ?? '';
      const fw = guard(problems, () =>
        cached(cache, 'firewalld', `${zone}\0${text}`, () =>
          parseFirewalldListAll(text, host, FIREWALLD_COMMAND.join(' '), zone),
        ),
      );
      if (fw) firewalls.push(fw);
    }
    health.firewalls = firewalls;
  }
  let before: LinkCounters[] | undefined;
  let after: LinkCounters[] | undefined;
  if (ctr0 !== undefined && ctr1 !== undefined) {
    const a = ctr0;
    const b = ctr1;
    before = guard(problems, () => parseLinkCounters(a, host));
    after = guard(problems, () => parseLinkCounters(b, host));
  }
  if (ctr0s !== undefined && ctr1s !== undefined) {
    const a = ctr0s;
    const b = ctr1s;
    before = guard(problems, () => parseNetDev(a, host));
    after = guard(problems, () => parseNetDev(b, host));
  }
  if (before && after) health.counters = { before, after };

  const results = new Map<string, PingResult>();
  /** Probes answered through fping: their small overlay ping was sent beside the DF probe. */
  const fpinged = new Set<string>();
  const overKeys = dfOverKeys(plan);
  for (const p of plan.probes) {
    // One DF probe over the MTU per device answers for every pair on it.
    const text = pings.get(p.kind === 'dfOverMtu' ? (overKeys.get(p.device ?? '') ?? p.key) : p.key);
    if (text === undefined) {
      const section = fpingSectionOf(plan, p);
      const rtt = section === undefined ? undefined : fpings.get(section)?.get(p.target);
      if (rtt !== undefined) {
        results.set(p.key, fpingResult(p.target, rtt));
        fpinged.add(p.key);
      }
      continue;
    }
    const cmd = p.kind === 'underlay' || p.kind === 'overlay' ? argvToShell(pingArgv(p.target)) : `ping -M do ${p.target}`;
    const parsed = guard(problems, () => parsePing(text, { host, command: cmd }));
    if (parsed) results.set(p.key, parsed);
  }
  const underlayByPeer = new Map<string, PingResult>();
  for (const p of plan.probes) {
    const r = results.get(p.key);
    if (p.kind === 'underlay' && r) underlayByPeer.set(p.to, r);
  }
  const swept = new Map<string, number | undefined>();
  for (const w of plan.sweeps) {
    const found = searched.get(w.target);
    if (found !== undefined) swept.set(w.to, found >= minPathMtu(w.family) ? found : undefined);
    else if ([...pings.keys()].some((k) => k.startsWith(`${w.key}_`))) swept.set(w.to, sweptPathMtu(pings, w.key, host));
  }
  const pairs: PairProbe[] = [];
  for (const s of plan.segments) {
    for (const peer of s.peers) {
      const probe: PairProbe = { segmentId: s.segmentId, from: plan.hostId, to: peer };
      const ul = underlayByPeer.get(peer);
      if (ul) probe.underlay = ul;
      let viaFping = false;
      for (const p of plan.probes) {
        if (p.segmentId !== s.segmentId || p.to !== peer || p.kind === 'underlay') continue;
        const r = results.get(p.key);
        if (r) probe[p.kind] = r;
        if (p.kind === 'overlay' && fpinged.has(p.key)) viaFping = true;
      }
      // A DF probe at the MTU that answered crossed the overlay: the small ping was not needed (the
      // ping path sends none; fping's, lost while the big one answered, does not make the overlay down).
      if ((probe.overlay === undefined || viaFping) && probe.overlay?.ok !== true && probe.dfAtMtu?.ok === true)
        probe.overlay = probe.dfAtMtu;
      const pathMtu = swept.get(peer);
      if (pathMtu !== undefined) probe.pathMtu = pathMtu;
      pairs.push(probe);
    }
  }
  const peers = planPeers(plan);
  const unmeasured = peers.filter((x) => cut.includes(x));
  if (unmeasured.length > 0)
    problems.push(
      `${host}: the round's time for probes ran out: ${peers.length - unmeasured.length} of ${peers.length} peers probed; not probed this round (their tunnels are unknown, the next round starts with them): ${unmeasured.join(', ')}`,
    );
  return { host: health, pairs, problems, ...(ssh ? { ssh } : {}), swept: [...swept.keys()], unmeasured };
}
