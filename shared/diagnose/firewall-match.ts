/**
 * The judging the firewall walkers share: three-valued matches ("unknown" for what cannot be judged),
 * the packet a peer VTEP sends, and port, address and interface membership.
 */
import { cidrContains, parseAddress, type IpFamily } from '../validate/ip';

/** Linux default VXLAN source ports: the local port range (ip-link(8) `srcport`, net.ipv4.ip_local_port_range). */
export const VXLAN_SOURCE_PORTS: readonly [number, number] = [32768, 60999];

export type Tri = boolean | 'unknown';

export function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

export function not(a: Tri): Tri {
  return a === 'unknown' ? 'unknown' : !a;
}

/** One packet a peer sends. */
export interface Packet {
  family: IpFamily;
  saddr?: string;
  /** The receiving host's own (unicast) underlay address, when known. */
  daddr?: string;
  port: number;
  iifname?: string;
}

/** Port membership: exact dport, or the source port range (true only when the range is covered). */
export function portIn(value: [number, number], ranges: Array<[number, number]>): Tri {
  const [lo, hi] = value;
  if (lo === hi) return ranges.some(([a, b]) => lo >= a && lo <= b);
  if (ranges.some(([a, b]) => a <= lo && b >= hi)) return true;
  if (ranges.every(([a, b]) => b < lo || a > hi)) return false;
  return 'unknown';
}

export function addrIn(addr: string | undefined, family: IpFamily, items: string[]): Tri {
  if (addr === undefined) return 'unknown';
  let any: Tri = false;
  for (const item of items) {
    const cidr = item.includes('/') ? item : `${item}/${family === 4 ? 32 : 128}`;
    const p = parseAddress(item.split('/')[0] ?? '');
    if (typeof p === 'string') {
      any = any === true ? true : 'unknown';
      continue;
    }
    if (p.family !== family) continue;
    if (cidrContains(cidr, addr)) return true;
  }
  return any;
}

export function ifaceMatches(pattern: string, name: string | undefined): Tri {
  // A peer's packet never arrives on loopback.
  if (name === undefined) return pattern === 'lo' ? false : 'unknown';
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** How a walk through one chain ended: the deciding rule, and earlier drops that might have hit. */
export interface WalkHit<R extends object> {
  verdict: 'accept' | 'drop' | 'fallthrough';
  rule?: R;
  certain: boolean;
  possible: R[];
}

/** The rules a walk reports: the certain drop (if the walk ended on one), then each possible one, once. */
export function droppingRules<R extends object>(hit: WalkHit<R>): Array<{ rule: R; certain: boolean }> {
  const rules: Array<{ rule: R; certain: boolean }> =
    hit.verdict === 'drop' && hit.rule ? [{ rule: hit.rule, certain: hit.certain }] : [];
  for (const p of hit.possible) if (!rules.some((r) => r.rule === p)) rules.push({ rule: p, certain: false });
  return rules;
}
