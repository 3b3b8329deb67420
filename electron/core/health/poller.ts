/**
 * The health poller: every interval, one round per host over its pooled SSH connection (one script
 * per host, see round-script.ts), all hosts at once; path-MTU discovery only for pairs whose DF probe
 * failed; diagnosis with shared/diagnose (drift against the desired plan included); a `HealthView`
 * streamed only when something changed.
 *
 * Timing: adaptive interval (the base, default 2 s; right after a change the next rounds come at the
 * minimum, then the interval grows by half each quiet round up to the maximum); a host that does not
 * answer within the poll timeout is marked unreachable without delaying the others, and is retried
 * with exponential backoff (interval x 2^failures, at most `maxBackoffMs`).
 */
import { randomUUID } from 'node:crypto';
import type { HealthView } from '../../../shared/api/contract';
import { diagnose } from '../../../shared/diagnose/diagnose';
import type { Finding, HealthSnapshot, HostHealth, PairProbe, SshStatus } from '../../../shared/diagnose/types';
import { AppError } from '../../../shared/errors/catalogue';
import type { Host, Topology } from '../../../shared/model';
import {
  desiredFromIndex,
  indexTopology,
  type DesiredHostState,
  type HostFacts,
  type ProtectOptions,
} from '../../../shared/plan';
import { newNonce } from '../ssh/remote-script';
import { searchPathMtus } from './path-mtu-probe';
import {
  healthRoundScript,
  parseHealthRound,
  planPeers,
  probeOrder,
  probePlan,
  underlayAddressOf,
  type HostRound,
  type ParseCache,
} from './round-script';
import { probeBudgetMs, runWithin, type HealthTransport } from './transport';
import { buildHealthView, viewKey } from './view';

export interface HealthPollerOptions {
  topology: Topology;
  transport: HealthTransport;
  /** Base interval between round starts; default 2000 ms. */
  intervalMs?: number;
  /** Adapt the interval (faster after a change, slower when quiet); default true. */
  adaptive?: boolean;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** Time a host gets to answer its round (connect included); default 5000 ms. */
  pollTimeoutMs?: number;
  /** Longest wait before retrying an unreachable host; default 60 s. */
  maxBackoffMs?: number;
  /** Measure the underlay path MTU after a failed DF probe; default true. */
  pathMtu?: boolean;
  /** Called with each round's view when it differs from the previous one. */
  onChange?: (view: HealthView) => void;
  /** Called after every round, changed or not (benchmarks, tests). */
  onRound?: (round: HealthRoundResult) => void;
  pollId?: string;
}

/** One round's outcome. */
export interface HealthRoundResult {
  view: HealthView;
  snapshot: HealthSnapshot;
  findings: Finding[];
  changed: boolean;
  /** Parse problems per host id (output that could not be read). */
  problems: Record<string, string[]>;
}

interface HostTrack {
  failures: number;
  nextAttempt: number;
  busy: boolean;
  last?: HostHealth;
  lastSeen?: string;
  facts?: HostFacts;
  protect?: ProtectOptions;
  cache: ParseCache;
  /** Index of the peer the next round probes first: after a round cut short, the peers it left out. */
  firstPeer: number;
}

function sshStatusOf(err: unknown): SshStatus {
  if (err instanceof AppError) {
    const code = err.data.code;
    if (code === 'SSH_AUTH_FAILED') return { state: 'auth-failed', code, message: err.data.message };
    if (code === 'COMMAND_TIMEOUT' || code === 'SSH_TIMEOUT') return { state: 'timeout', code, message: err.data.message };
    return { state: 'unreachable', code, message: err.data.message };
  }
  return { state: 'unreachable', code: 'SSH_UNREACHABLE', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Linux lets a frame up to 4 bytes (VLAN_HLEN) over the MTU through a bridged or veth hop
 * (is_skb_forwardable), so a DF probe across a 1400-byte link bridged on the way reads up to 1404,
 * while the same link reached through a router reads 1400. A figure a few bytes above the one
 * another tunnel of the same host measured is that slack, not a bigger path: a pair reports the
 * smallest figure within VLAN_HLEN below its own among the measured pairs that share a host with it.
 * A figure with no other measured tunnel of its hosts to compare with (`hasComparison`) may be all
 * slack: it is reported VLAN_HLEN lower, never a size that may only pass through the slack.
 */
export function conservativePathMtu(
  pair: { from: string; to: string; v: number },
  measured: ReadonlyArray<{ from: string; to: string; v: number }>,
): number {
  if (!hasComparison(pair, measured)) return pair.v - VLAN_SLACK_BYTES;
  let out = pair.v;
  const hosts = new Set([pair.from, pair.to]);
  for (const q of measured) {
    if (!hosts.has(q.from) && !hosts.has(q.to)) continue;
    if (q.v < out && q.v >= pair.v - VLAN_SLACK_BYTES) out = q.v;
  }
  return out;
}

/** Whether another measured tunnel (not the pair itself) shares a host with the pair. */
export function hasComparison(
  pair: { from: string; to: string },
  measured: ReadonlyArray<{ from: string; to: string }>,
): boolean {
  const hosts = new Set([pair.from, pair.to]);
  return measured.some((q) => (q.from !== pair.from || q.to !== pair.to) && (hosts.has(q.from) || hosts.has(q.to)));
}

/** VLAN_HLEN: the most a bridged or veth hop lets through over its MTU. */
const VLAN_SLACK_BYTES = 4;

function pairKey(p: { from: string; to: string }): string {
  return `${p.from}>${p.to}`;
}

/** The DF probe at the segment MTU vanished on the way (not refused locally) while small overlay pings answer. */
function dfProbeFailed(p: PairProbe): boolean {
  return p.dfAtMtu !== undefined && !p.dfAtMtu.ok && p.dfAtMtu.messageTooLong === undefined && p.overlay?.ok === true;
}

export class HealthPoller {
  readonly pollId: string;
  private topology: Topology;
  private readonly o: Required<
    Pick<
      HealthPollerOptions,
      'intervalMs' | 'adaptive' | 'minIntervalMs' | 'maxIntervalMs' | 'pollTimeoutMs' | 'maxBackoffMs' | 'pathMtu'
    >
  > &
    HealthPollerOptions;
  private readonly tracks = new Map<string, HostTrack>();
  /** Cached underlay path MTU per `from>to`, kept while that pair's DF probe keeps failing. */
  private readonly pathMtus = new Map<string, number>();
  /**
   * Pairs (`from>to`) whose DF probe at the segment MTU failed when last probed: both their hosts
   * probe each other first in the next round (`priorityPeers`), so the figures that corroborate a
   * path MTU (`conservativePathMtu`) are not the ones a round short of time leaves out.
   */
  private readonly dfFailed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private paused = false;
  private stopped = false;
  private current: Promise<HealthRoundResult> | undefined;
  private round = 0;
  private interval: number;
  private lastKey: string | undefined;
  private lastView: HealthView | undefined;

  constructor(options: HealthPollerOptions) {
    this.o = {
      intervalMs: 2000,
      adaptive: true,
      minIntervalMs: 1000,
      maxIntervalMs: 8000,
      pollTimeoutMs: 5000,
      maxBackoffMs: 60_000,
      pathMtu: true,
      ...options,
    };
    this.topology = options.topology;
    this.pollId = options.pollId ?? randomUUID();
    this.interval = this.o.intervalMs;
  }

  /** The latest view (undefined before the first round ends). */
  latest(): HealthView | undefined {
    return this.lastView;
  }

  /** The interval the next round will wait (adaptive). */
  currentIntervalMs(): number {
    return this.interval;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Polls a changed topology from the next round on (e.g. after an MTU fix changed the segment). */
  setTopology(t: Topology): void {
    this.topology = t;
    this.pathMtus.clear();
  }

  /** Starts the loop: a round now, then one per interval. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.schedule(0);
  }

  /** Pauses the loop; resolves once a round in progress (if any) has finished, so no round ends after. */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
  }

  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    if (this.running && this.current === undefined) this.schedule(0);
  }

  /** Stops the loop and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (!this.running || this.paused || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const started = performance.now();
      this.runRound()
        .catch(() => undefined)
        .finally(() => this.schedule(Math.max(0, this.interval - (performance.now() - started))));
    }, ms);
    // Polling alone never keeps the process alive (the app or server decides when to exit).
    this.timer.unref();
  }

  /** Runs one round now (or joins the one in progress) and returns it. */
  runRound(): Promise<HealthRoundResult> {
    this.current ??= this.doRound().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private track(id: string): HostTrack {
    let t = this.tracks.get(id);
    if (!t) {
      t = { failures: 0, nextAttempt: 0, busy: false, cache: new Map(), firstPeer: 0 };
      this.tracks.set(id, t);
    }
    return t;
  }

  private async pollHost(
    host: Host,
    facts: Record<string, HostFacts | undefined>,
    now: number,
  ): Promise<{ health: HostHealth; pairs: PairProbe[]; problems: string[]; swept: string[] }> {
    const tr = this.track(host.id);
    if (tr.busy || now < tr.nextAttempt) {
      // Backing off (or a previous round still hangs): keep the last answer, which is a failure.
      return {
        health: tr.last ?? {
          hostId: host.id,
          ssh: { state: 'unreachable', code: 'SSH_UNREACHABLE', message: `${host.name}: not polled yet (backing off)` },
        },
        pairs: [],
        problems: [],
        swept: [],
      };
    }
    // Peers whose path MTU is cached (their DF probe kept failing) are not swept again.
    const pathMtuKnown = new Set(
      [...this.pathMtus.keys()].filter((k) => k.startsWith(`${host.id}>`)).map((k) => k.slice(host.id.length + 1)),
    );
    const plan = probePlan(this.topology, host.id, { facts, pathMtu: this.o.pathMtu, pathMtuKnown });
    const priorityPeers = planPeers(plan).filter(
      (q) => this.dfFailed.has(`${host.id}>${q}`) || this.dfFailed.has(`${q}>${host.id}`),
    );
    const m = newNonce();
    tr.busy = true;
    try {
      const script = healthRoundScript(plan, m, {
        budgetMs: probeBudgetMs(this.o.pollTimeoutMs),
        firstPeer: tr.firstPeer,
        priorityPeers,
      });
      const r = await runWithin(this.o.transport, host, script, this.o.pollTimeoutMs);
      const parsed: HostRound = parseHealthRound(plan, r.stdout, m, { cache: tr.cache });
      // The next round starts with the first peer this one left out.
      const cut = probeOrder(plan, tr.firstPeer, priorityPeers).find((q) => parsed.unmeasured.includes(q));
      if (cut !== undefined) tr.firstPeer = planPeers(plan).indexOf(cut);
      tr.failures = 0;
      tr.nextAttempt = 0;
      tr.last = parsed.host;
      tr.lastSeen = new Date().toISOString();
      if (parsed.host.facts) tr.facts = parsed.host.facts;
      if (parsed.ssh) tr.protect = { addresses: [parsed.ssh.client, parsed.ssh.server] };
      return { health: parsed.host, pairs: parsed.pairs, problems: parsed.problems, swept: parsed.swept };
    } catch (err) {
      tr.failures += 1;
      const backoff = Math.min(this.o.maxBackoffMs, this.o.intervalMs * 2 ** (tr.failures - 1));
      tr.nextAttempt = performance.now() + backoff;
      const health: HostHealth = { hostId: host.id, ssh: sshStatusOf(err) };
      tr.last = health;
      return { health, pairs: [], problems: [], swept: [] };
    } finally {
      tr.busy = false;
    }
  }

  private async doRound(): Promise<HealthRoundResult> {
    const t = this.topology;
    const started = performance.now();
    const takenAt = new Date().toISOString();
    const facts: Record<string, HostFacts | undefined> = {};
    for (const h of t.hosts) facts[h.id] = this.tracks.get(h.id)?.facts;
    const now = performance.now();
    const answers = await Promise.all(t.hosts.map((h) => this.pollHost(h, facts, now)));
    const pairs = answers.flatMap((a) => a.pairs);
    for (const p of pairs) {
      // A pair left unprobed keeps what its last probe said.
      if (p.dfAtMtu === undefined) continue;
      if (dfProbeFailed(p)) this.dfFailed.add(pairKey(p));
      else this.dfFailed.delete(pairKey(p));
    }
    if (this.o.pathMtu) {
      const swept = new Set(answers.flatMap((a, i) => a.swept.map((to) => `${t.hosts[i]?.id ?? ''}>${to}`)));
      await this.measurePathMtus(t, pairs, swept);
    }
    const snapshot: HealthSnapshot = { takenAt, hosts: answers.map((a) => a.health), pairs };
    const hostFacts: Record<string, HostFacts> = {};
    for (const h of t.hosts) {
      const f = this.tracks.get(h.id)?.facts;
      if (f) hostFacts[h.id] = f;
    }
    const ix = indexTopology(t, hostFacts);
    const desired: Record<string, DesiredHostState> = {};
    const protect: Record<string, ProtectOptions> = {};
    for (const h of t.hosts) {
      desired[h.id] = desiredFromIndex(ix, h.id);
      const p = this.tracks.get(h.id)?.protect;
      if (p) protect[h.id] = p;
    }
    const findings = diagnose(t, desired, snapshot, { protect });
    const driftSteps: Record<string, number> = {};
    for (const f of findings)
      if (f.code === 'DRIFT' && f.hosts[0] !== undefined) driftSteps[f.hosts[0]] = f.fix?.hosts[0]?.steps.length ?? 1;
    const lastSeen: Record<string, string> = {};
    for (const h of t.hosts) {
      const s = this.tracks.get(h.id)?.lastSeen;
      if (s !== undefined) lastSeen[h.id] = s;
    }
    this.round += 1;
    const view = buildHealthView({
      pollId: this.pollId,
      round: this.round,
      durationMs: Math.round(performance.now() - started),
      topology: t,
      snapshot,
      findings,
      lastSeen,
      driftSteps,
    });
    const key = viewKey(view);
    const changed = key !== this.lastKey;
    this.lastKey = key;
    this.lastView = view;
    if (this.o.adaptive) {
      this.interval = changed
        ? this.o.minIntervalMs
        : Math.min(this.o.maxIntervalMs, Math.max(this.o.intervalMs, Math.round(this.interval * 1.5)));
    }
    const problems: Record<string, string[]> = {};
    answers.forEach((a, i) => {
      if (a.problems.length > 0) problems[t.hosts[i]?.id ?? String(i)] = a.problems;
    });
    const result: HealthRoundResult = { view, snapshot, findings, changed, problems };
    if (changed && !this.stopped) this.o.onChange?.(view);
    this.o.onRound?.(result);
    return result;
  }

  /**
   * Path MTU for every pair whose DF probe at the segment MTU failed (not refused locally): the one
   * the round's own sweep found (`swept`: pairs it swept), else the cached one, else a search of its
   * own (a peer the round could not sweep); cached while the DF probe keeps failing. And the figure
   * of the reverse tunnel of every failed pair when this round left that tunnel unprobed (short of
   * time), searched now: it is what tells the VLAN slack of a bridged hop from the path
   * (`conservativePathMtu`), so a round that measured a host's figure also measures what corrects it.
   */
  private async measurePathMtus(t: Topology, pairs: PairProbe[], swept: ReadonlySet<string>): Promise<void> {
    const need = new Map<string, Array<{ to: string; address: string }>>();
    const facts = (): Record<string, HostFacts | undefined> =>
      Object.fromEntries([...this.tracks].map(([id, tr]) => [id, tr.facts]));
    const search = (from: string, to: string): void => {
      const address = underlayAddressOf(t, to, facts());
      if (address === undefined) return;
      const list = need.get(from) ?? [];
      if (!list.some((x) => x.to === to)) list.push({ to, address });
      need.set(from, list);
    };
    const unprobed = (p: PairProbe): boolean => p.dfAtMtu === undefined && p.overlay === undefined && p.underlay === undefined;
    for (const p of pairs) {
      const k = pairKey(p);
      // A pair this round left unprobed (short of time) keeps what earlier rounds measured: the other
      // tunnels of its hosts compare with it (`conservativePathMtu`).
      if (unprobed(p)) continue;
      if (!dfProbeFailed(p)) {
        this.pathMtus.delete(k);
        delete p.pathMtu;
        continue;
      }
      if (p.pathMtu !== undefined) {
        this.pathMtus.set(k, p.pathMtu);
        continue;
      }
      if (swept.has(k)) continue;
      const cached = this.pathMtus.get(k);
      if (cached !== undefined) {
        p.pathMtu = cached;
        continue;
      }
      search(p.from, p.to);
    }
    for (const p of pairs) {
      if (!dfProbeFailed(p)) continue;
      const back = pairs.find((q) => q.from === p.to && q.to === p.from && q.segmentId === p.segmentId);
      if (back !== undefined && unprobed(back) && !this.pathMtus.has(pairKey(back))) search(back.from, back.to);
    }
    await Promise.all(
      [...need].map(async ([from, targets]) => {
        const host = t.hosts.find((h) => h.id === from);
        const mtu = this.tracks.get(from)?.facts?.underlayMtu;
        if (!host || mtu === undefined) return;
        try {
          const found = await searchPathMtus(this.o.transport, host, mtu, targets, { timeoutMs: this.o.pollTimeoutMs });
          for (const [to, v] of found) this.pathMtus.set(`${from}>${to}`, v);
        } catch {
          // The host stopped answering mid-search: the next round reports it.
        }
      }),
    );
    const measured = [...this.pathMtus].map(([k, v]) => {
      const [from = '', to = ''] = k.split('>');
      return { from, to, v };
    });
    for (const p of pairs) {
      const there = this.pathMtus.get(pairKey(p));
      if (there === undefined || p.dfAtMtu === undefined) continue;
      p.pathMtu = conservativePathMtu({ ...p, v: there }, measured);
      if (hasComparison(p, measured)) delete p.pathMtuSeen;
      else p.pathMtuSeen = there;
    }
  }
}
