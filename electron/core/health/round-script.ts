/**
 * One health round on one host as ONE script over the host's persistent shell: link state and VXLAN
 * parameters (`ip -j -d link`), addresses, FDB, the route to a peer (underlay facts), every
 * firewall present (nftables, iptables-save and ip6tables-save; ufw and firewalld when installed and
 * running), counters
 * (`ip -j -s link`) before and after the probes, and the probes themselves run concurrently on the
 * host as background jobs (`ping -c 1 -W 1 ... &` then `wait`): underlay ping per peer VTEP, and per
 * segment per peer an overlay ping and the two don't-fragment probes that catch an overlay MTU too
 * big for the underlay, where small packets pass and big ones vanish (`-M do -s <mtu-28>` must
 * pass, `-s <mtu-27>` must fail locally with "message too long"; the MTU is read from sysfs on the
 * host at probe time, so the probe matches what the kernel has).
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
import { COUNTERS_COMMAND, parseLinkCounters, type LinkCounters } from '../../../shared/observe/counters';
import { FIREWALLD_COMMAND, FIREWALLD_DEFAULT_ZONE_COMMAND, parseFirewalldListAll } from '../../../shared/observe/firewalld';
import { IP6TABLES_COMMAND, IPTABLES_COMMAND, parseIptablesSave } from '../../../shared/observe/iptables';
import { NFT_COMMANDS, parseNftRuleset, withoutNftWarnings } from '../../../shared/observe/nft';
import { parsePing, pingArgv, type PingResult } from '../../../shared/observe/ping';
import { parseUfwStatus, UFW_COMMAND } from '../../../shared/observe/ufw';
import type { FirewallRuleset } from '../../../shared/diagnose/firewall';
import type { HostHealth, PairProbe } from '../../../shared/diagnose/types';
import { argvToShell, quoteShellArg, type HostFacts } from '../../../shared/plan';
import { SBIN_PATH_LINE, sections } from '../ssh/remote-script';
import type { IpFamily } from '../../../shared/validate/ip';
import { overheadFor, parseAddress } from '../../../shared/validate/ip';
import { FRACTIONAL_WAIT_LINE, pathMtuShellFunctions, printAnswersLine, sweepCall, sweptPathMtu } from './path-mtu-probe';

/** One probe of a round: a ping from this host, and where its result goes. */
export interface ProbeSpec {
  /** Key of the output file and section (`p<n>`). */
  key: string;
  kind: 'underlay' | 'overlay' | 'dfAtMtu' | 'dfOverMtu';
  /** Underlay address of the peer (underlay) or its overlay address. */
  target: string;
  /** Peer host id. */
  to: string;
  /** Segment id (all kinds but `underlay`). */
  segmentId?: string;
  /** DF probes: the VXLAN device whose MTU sets the size. */
  device?: string;
}

/** A path-MTU sweep the round starts toward a peer when its DF probe at the segment MTU fails. */
export interface SweepSpec {
  /** Prefix of the answer files (`s<n>`). */
  key: string;
  /** Peer host id. */
  to: string;
  /** Peer underlay address. */
  target: string;
  family: IpFamily;
}

/** What one host probes in a round. */
export interface HostProbePlan {
  hostId: string;
  hostName: string;
  sudo: boolean;
  /** A peer's underlay address: `ip -j route get` it for the underlay interface and source address. */
  routeTo?: string;
  probes: ProbeSpec[];
  /** Path-MTU sweeps started inside the round when a peer's DF probe fails (see path-mtu-probe.ts). */
  sweeps: SweepSpec[];
  /** Segment memberships of this host: (segment id, peer host ids), for building `PairProbe`s. */
  segments: Array<{ segmentId: string; peers: string[] }>;
}

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
 * The probe lines: every ping in the background writing to `$vxs_d/<key>`, then `wait`. A peer with
 * an underlay ping and DF probes gets a background group of its own: its underlay, overlay and DF
 * pings start at once as before; once the underlay ping answered, a DF probe at the MTU that has
 * not answered within twice that round trip plus a margin (`vxs_rtt_wait`) while the overlay ping
 * of its segment did, or that failed, starts the path-MTU sweep toward that peer right there
 * (`vxs_sweep`, see path-mtu-probe.ts): a black hole costs a few short waits in the same round
 * trip. A DF probe still waiting when the sweep has shown the path too small for it is stopped
 * (SIGINT: ping prints its statistics); one the path can carry keeps its full wait, so a slow host
 * never turns a good path into an MTU finding.
 */
function probeLines(plan: HostProbePlan): string[] {
  const lines: string[] = [];
  const devices = new Map<string, string>();
  for (const p of plan.probes) if (p.device !== undefined) mtuVar(devices, p.device);
  for (const [dev, v] of devices) lines.push(`${v}=$(cat ${quoteShellArg(`/sys/class/net/${dev}/mtu`)} 2>/dev/null || echo 0)`);
  // Fractional -W needs iputils 20190709 or later; older ones refuse it, so fall back to 1 s.
  if (devices.size > 0) lines.push(FRACTIONAL_WAIT_LINE, ...pathMtuShellFunctions());
  const file = (p: ProbeSpec): string => `"$vxs_d/${p.key}"`;
  const ping = (p: ProbeSpec): string => `${argvToShell(pingArgv(p.target))} >${file(p)} 2>&1`;
  const df = (p: ProbeSpec, wait: string): string => {
    const v = mtuVar(devices, p.device ?? '');
    // ping's -s is the ICMP payload: MTU minus 20 (IP) and 8 (ICMP) bytes.
    const size = p.kind === 'dfAtMtu' ? `$(($${v}-28))` : `$(($${v}-27))`;
    return `ping -n -c 1 -W ${wait} -M do -s ${size} ${quoteShellArg(p.target)} >${file(p)} 2>&1`;
  };
  const mtuKnown = (p: ProbeSpec): string => `[ "$${mtuVar(devices, p.device ?? '')}" -gt 100 ]`;
  const grouped = new Set(
    plan.probes
      .filter((p) => p.kind === 'dfAtMtu' && plan.probes.some((u) => u.kind === 'underlay' && u.to === p.to))
      .map((p) => p.to),
  );
  const started = new Set<string>();
  for (const p of plan.probes) {
    if (p.kind === 'dfOverMtu') {
      // Refused by the local stack at once, but ping still lingers for -W after the error: a short
      // wait keeps it from costing the whole round a second.
      lines.push(`${mtuKnown(p)} && ${df(p, '"$vxs_w"')} &`);
      continue;
    }
    if (!grouped.has(p.to)) {
      lines.push(p.kind === 'underlay' || p.kind === 'overlay' ? `${ping(p)} &` : `${mtuKnown(p)} && ${df(p, '1')} &`);
      continue;
    }
    if (started.has(p.to)) continue;
    started.add(p.to);
    const mine = plan.probes.filter((q) => q.to === p.to);
    const under = mine.find((q) => q.kind === 'underlay') as ProbeSpec;
    const overlays = mine.filter((q) => q.kind === 'overlay');
    const dfs = mine.filter((q) => q.kind === 'dfAtMtu');
    const pid = (q: ProbeSpec): string => `vxs_${q.key}`;
    lines.push('(', `${ping(under)} &`, 'vxs_u=$!', ...overlays.map((q) => `${ping(q)} &`));
    for (const q of dfs) lines.push(`if ${mtuKnown(q)}; then ${df(q, '1')} & ${pid(q)}=$!; fi`);
    // Give the DF probes twice the underlay round trip (plus the margin) once the underlay answered.
    lines.push(
      'wait $vxs_u',
      `vxs_rtt_wait ${file(under)}`,
      `${dfs.map((q) => `vxs_done ${file(q)}`).join(' && ')} || sleep "$vxs_wt" 2>/dev/null || sleep 1`,
    );
    const sweep = plan.sweeps.find((w) => w.to === p.to);
    const failing = dfs
      .map((d) => [overlays.find((o) => o.segmentId === d.segmentId), d] as const)
      .filter((x): x is readonly [ProbeSpec, ProbeSpec] => x[0] !== undefined)
      .map(([o, d]) => `{ ${mtuKnown(d)} && vxs_ok ${file(o)} && ! vxs_ok ${file(d)} && ! vxs_toolong ${file(d)}; }`);
    if (sweep && failing.length > 0) {
      const overhead = overheadFor(sweep.family);
      lines.push(
        `vxs_lo=; if ${failing.join(' || ')}; then ${sweepCall(sweep.key, sweep.target, sweep.family)}; fi`,
        ...dfs.map(
          (q) =>
            `[ -n "$vxs_lo" ] && [ $vxs_lo -lt $(($${mtuVar(devices, q.device ?? '')}+${overhead})) ] && kill -INT $${pid(q)} 2>/dev/null`,
        ),
      );
    }
    lines.push('wait', ') &');
  }
  lines.push('wait');
  return lines;
}

/** The whole round script for one host; `marker` is a fresh random nonce (`newNonce`). */
export function healthRoundScript(plan: HostProbePlan, marker: string, opts: { overlayOnly?: boolean } = {}): string {
  const m = marker;
  const tag = (t: string, arg = ''): string => `printf '%s ${t}${arg === '' ? '' : ` ${arg}`}\\n' ${m}`;
  const lines: string[] = [SBIN_PATH_LINE, 'vxs_d=$(mktemp -d /tmp/vxs-health.XXXXXX) || exit 3'];
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
      `if command -v nft >/dev/null 2>&1; then ${tag('NFTJ')}; ${argvToShell(NFT_COMMANDS.json)} 2>&1; ${tag('NFTT')}; ${argvToShell(NFT_COMMANDS.text)} 2>&1; fi`,
      // iptables-nft's tables are in the nft listing too, but only iptables-save spells out matches
      // such as `-m conntrack` (nft's JSON has them as opaque `xt`): read both, judge those tables
      // from iptables-save (shared/diagnose/firewall-host.ts). With iptables-legacy they are separate rules.
      `if command -v iptables-save >/dev/null 2>&1; then ${tag('IPT')}; ${argvToShell(IPTABLES_COMMAND)} 2>&1; fi`,
      `if command -v ip6tables-save >/dev/null 2>&1; then ${tag('IPT6')}; ${argvToShell(IP6TABLES_COMMAND)} 2>&1; fi`,
      `if command -v ufw >/dev/null 2>&1; then ${tag('UFW')}; ${argvToShell(UFW_COMMAND)} 2>&1; fi`,
      // firewall-cmd is a Python client (about a second per call on a busy host): it runs only when
      // firewalld does (its nftables table, or its process for the iptables backend), and its two
      // calls run in the background beside the probes, printing after them.
      `if command -v firewall-cmd >/dev/null 2>&1 && { nft list tables 2>/dev/null | grep -q ' firewalld$' || pgrep -f /usr/sbin/firewalld >/dev/null 2>&1; }; then { ${argvToShell(FIREWALLD_DEFAULT_ZONE_COMMAND)} >"$vxs_d/fwdz" 2>/dev/null && ${argvToShell(FIREWALLD_COMMAND)} >"$vxs_d/fwd" 2>&1; } & fi`,
    );
  }
  // Counters localise lost VXLAN packets for the diagnosis; the mesh check (overlay only) only
  // asks whether each ping answered, so it skips both reads (two `ip` runs per host).
  const counters = opts.overlayOnly !== true;
  if (counters) lines.push(tag('CTR0'), `${argvToShell(COUNTERS_COMMAND)} 2>/dev/null`);
  lines.push(...probeLines(plan));
  if (counters) lines.push(tag('CTR1'), `${argvToShell(COUNTERS_COMMAND)} 2>/dev/null`);
  if (opts.overlayOnly !== true)
    lines.push(`if [ -s "$vxs_d/fwd" ]; then ${tag('FWDZ')}; cat "$vxs_d/fwdz"; ${tag('FWD')}; cat "$vxs_d/fwd"; fi`);
  // One awk prints every answer (instead of one `cat` per probe), each under its own section, without
  // the lines no parser reads (`PING ... bytes of data.`, blank lines, `--- ... statistics ---`).
  if (plan.probes.length > 0) lines.push(printAnswersLine(m, plan.sweeps.length > 0 ? '[ps]*' : 'p*'));
  lines.push('rm -rf "$vxs_d"', tag('END'));
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
  let ssh: HostRound['ssh'];
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
      case 'PING':
        pings.set(s.args, s.body);
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
  if (before && after) health.counters = { before, after };

  const results = new Map<string, PingResult>();
  for (const p of plan.probes) {
    const text = pings.get(p.key);
    if (text === undefined) continue;
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
  for (const w of plan.sweeps)
    if ([...pings.keys()].some((k) => k.startsWith(`${w.key}_`))) swept.set(w.to, sweptPathMtu(pings, w.key, host));
  const pairs: PairProbe[] = [];
  for (const s of plan.segments) {
    for (const peer of s.peers) {
      const probe: PairProbe = { segmentId: s.segmentId, from: plan.hostId, to: peer };
      const ul = underlayByPeer.get(peer);
      if (ul) probe.underlay = ul;
      for (const p of plan.probes) {
        if (p.segmentId !== s.segmentId || p.to !== peer || p.kind === 'underlay') continue;
        const r = results.get(p.key);
        if (r) probe[p.kind] = r;
      }
      const pathMtu = swept.get(peer);
      if (pathMtu !== undefined) probe.pathMtu = pathMtu;
      pairs.push(probe);
    }
  }
  return { host: health, pairs, problems, ...(ssh ? { ssh } : {}), swept: [...swept.keys()] };
}
