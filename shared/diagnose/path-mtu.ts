/**
 * Underlay path-MTU discovery by binary search with DF set (RFC 1191 "packetization layer" style
 * probing, as `tracepath` does without ICMP help): the largest packet that crosses the path
 * unfragmented, between 576 (the IPv4 minimum every host must accept, RFC 791) and the local
 * underlay MTU. Pure: a step function (`startPathMtuSearch` / `nextPathMtuProbe` /
 * `recordPathMtuProbe`) for a poller that runs probes its own way, and `pathMtuSearch` over an
 * injected async prober.
 */
import type { IpFamily } from '../validate/ip';

/** ICMP echo header + IP header: `ping -s` takes the payload, this much less than the packet. */
export function pingHeaderBytes(family: IpFamily): number {
  return family === 4 ? 28 : 48;
}

/** Smallest path MTU searched: 576 for IPv4 (RFC 791), 1280 for IPv6 (RFC 8200). */
export function minPathMtu(family: IpFamily): number {
  return family === 4 ? 576 : 1280;
}

export interface PathMtuState {
  family: IpFamily;
  /** Largest packet size known to pass (or the floor, not yet proven, while `floorProven` is false). */
  low: number;
  /** Smallest size known to fail, or `max + 1` when none failed yet. */
  high: number;
  max: number;
  floorProven: boolean;
  probes: Array<{ mtu: number; ok: boolean }>;
  /** Set when the search is over: the path MTU, or `undefined` with `belowFloor` when even the floor failed. */
  done: boolean;
  pathMtu?: number;
  belowFloor?: boolean;
}

/** A probe to send: packet size and the `ping -M do -s` payload for it. */
export interface PathMtuProbe {
  mtu: number;
  payload: number;
}

/** Starts a search; `underlayMtu` is the local interface's MTU (the upper bound). */
export function startPathMtuSearch(underlayMtu: number, family: IpFamily = 4): PathMtuState {
  const floor = minPathMtu(family);
  if (!Number.isInteger(underlayMtu) || underlayMtu < floor)
    throw new Error(`underlay MTU ${String(underlayMtu)} is below the IPv${family} minimum ${floor}`);
  return { family, low: floor, high: underlayMtu + 1, max: underlayMtu, floorProven: false, probes: [], done: false };
}

/**
 * The next probe, or undefined when done. The first probe is the full underlay MTU (the common
 * case, one probe); after a failure the search halves the gap, then proves the floor last.
 */
export function nextPathMtuProbe(s: PathMtuState): PathMtuProbe | undefined {
  if (s.done) return undefined;
  let mtu: number;
  if (s.probes.length === 0) mtu = s.max;
  else if (s.high - s.low > 1) mtu = Math.floor((s.low + s.high) / 2);
  else mtu = s.low;
  return { mtu, payload: mtu - pingHeaderBytes(s.family) };
}

/** Records a probe's outcome (passed unfragmented or not) and returns the new state. */
export function recordPathMtuProbe(s: PathMtuState, probe: PathMtuProbe, ok: boolean): PathMtuState {
  const next: PathMtuState = { ...s, probes: [...s.probes, { mtu: probe.mtu, ok }] };
  if (ok) {
    next.low = Math.max(s.low, probe.mtu);
    if (probe.mtu >= s.low) next.floorProven = true;
  } else {
    next.high = Math.min(s.high, probe.mtu);
    if (probe.mtu <= s.low) {
      next.done = true;
      next.belowFloor = true;
      return next;
    }
  }
  if (next.high - next.low <= 1 && next.floorProven) {
    next.done = true;
    next.pathMtu = next.low;
  }
  return next;
}

/**
 * Runs the whole search with `probe(payload, mtu)` sending one DF ping (`ping -M do -s payload`)
 * and resolving true when it was answered. About log2(max - 576) probes when the path is smaller
 * than the interface; one probe when it is not.
 *
 * @example
 * await pathMtuSearch(1500, (payload) => Promise.resolve(payload + 28 <= 1400)) // { pathMtu: 1400, probes: [...] }
 */
export async function pathMtuSearch(
  underlayMtu: number,
  probe: (payload: number, mtu: number) => Promise<boolean>,
  family: IpFamily = 4,
): Promise<{ pathMtu?: number; belowFloor?: boolean; probes: Array<{ mtu: number; ok: boolean }> }> {
  let s = startPathMtuSearch(underlayMtu, family);
  for (let p = nextPathMtuProbe(s); p !== undefined; p = nextPathMtuProbe(s))
    s = recordPathMtuProbe(s, p, await probe(p.payload, p.mtu));
  const out: { pathMtu?: number; belowFloor?: boolean; probes: Array<{ mtu: number; ok: boolean }> } = { probes: s.probes };
  if (s.pathMtu !== undefined) out.pathMtu = s.pathMtu;
  if (s.belowFloor === true) out.belowFloor = true;
  return out;
}

/**
 * What a sweep stage's outcomes say, on top of what earlier stages (`known`) proved: the largest
 * size that passed (conservative: never a size that was not seen to pass) and the smallest larger
 * size that failed (`max + 1` when none did).
 */
export function pathMtuSweepResult(
  outcomes: ReadonlyArray<{ mtu: number; ok: boolean }>,
  underlayMtu: number,
  known?: { passed: number | undefined; failed: number },
): { passed: number | undefined; failed: number } {
  let passed = known?.passed;
  for (const o of outcomes) if (o.ok && (passed === undefined || o.mtu > passed)) passed = o.mtu;
  let failed = known !== undefined && (passed === undefined || known.failed > passed) ? known.failed : underlayMtu + 1;
  for (const o of outcomes) if (!o.ok && o.mtu > (passed ?? 0) && o.mtu < failed) failed = o.mtu;
  return { passed, failed };
}
