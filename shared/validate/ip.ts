/**
 * Small pure IP helpers over ipaddr.js, used by validation, the plan compiler and the renderer.
 *
 * Parsing is stricter than ipaddr.js alone: IPv4 must be four dotted decimal parts without leading
 * zeros (what iproute2's inet_pton accepts; ipaddr.js would read `010.0.0.1` as octal 8.0.0.1 and
 * `10` as 0.0.0.10), and IPv6 zone ids (`fe80::1%eth0`) are refused because no topology field
 * takes one. Every function that can fail returns an error sentence (a string) instead of throwing,
 * so callers write `if (typeof r === 'string') report(r)`.
 */
import ipaddr from 'ipaddr.js';
import { VXLAN_OVERHEAD_IPV4, VXLAN_OVERHEAD_IPV6 } from '../model';

export type IpFamily = 4 | 6;

/** A parsed single address. */
export interface ParsedAddress {
  family: IpFamily;
  /** Canonical text: dotted decimal for IPv4, RFC 5952 compressed lowercase for IPv6. */
  normalized: string;
}

/** A parsed `address/prefix`. */
export interface ParsedCidr {
  family: IpFamily;
  /** The address part, normalised (may have host bits set, e.g. `10.0.0.1` of `10.0.0.1/24`). */
  address: string;
  prefix: number;
  /** The network address (host bits cleared), normalised, e.g. `10.0.0.0`. */
  network: string;
  /** `network/prefix`, e.g. `10.0.0.0/24`. */
  cidr: string;
  /** True when the address part has host bits set (it names a host, not a network). */
  hasHostBits: boolean;
}

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

function familyOf(ip: Ip): IpFamily {
  return ip.kind() === 'ipv4' ? 4 : 6;
}

function normalize(ip: Ip): string {
  return ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString();
}

const IPV4_PART = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses are memoised (bounded) because one validation or plan of a large topology asks about the
 * same subnet and underlay strings thousands of times. Results are frozen so sharing is safe.
 */
const MEMO_LIMIT = 20_000;
const ipMemo = new Map<string, Ip | string>();
const cidrMemo = new Map<string, ParsedCidr | string>();

function memo<T>(cache: Map<string, T>, key: string, compute: (k: string) => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute(key);
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function parseIp(s: string): Ip | string {
  return memo(ipMemo, s, parseIpUncached);
}

function parseIpUncached(s: string): Ip | string {
  if (s.trim() !== s || s === '') return `"${s}" is not an IP address (empty or surrounded by spaces)`;
  if (s.includes('%')) return `"${s}" has an IPv6 zone id ("%..."), which is not allowed here`;
  if (s.includes(':')) {
    if (!ipaddr.IPv6.isValid(s)) return `"${s}" is not a valid IPv6 address`;
    return Object.freeze(ipaddr.IPv6.parse(s));
  }
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => IPV4_PART.test(p) && Number(p) <= 255)) {
    return `"${s}" is not a valid IPv4 address (four decimal numbers 0-255 without leading zeros, e.g. 192.168.1.10)`;
  }
  return Object.freeze(new ipaddr.IPv4(parts.map(Number)));
}

/**
 * Parses a single IPv4 or IPv6 address (no prefix).
 *
 * @example parseAddress('2001:DB8::1') // { family: 6, normalized: '2001:db8::1' }
 * @example parseAddress('10.0.0.1/24') // 'is a CIDR ...' error string
 */
export function parseAddress(s: string): ParsedAddress | string {
  if (s.includes('/')) return `"${s}" has a prefix length; give a plain address such as 192.168.1.10`;
  const ip = parseIp(s);
  if (typeof ip === 'string') return ip;
  return { family: familyOf(ip), normalized: normalize(ip) };
}

function networkOf(ip: Ip, prefix: number): Ip {
  const bytes = ip.toByteArray();
  const masked = bytes.map((b, i) => {
    const bitsLeft = prefix - i * 8;
    if (bitsLeft >= 8) return b;
    if (bitsLeft <= 0) return 0;
    return b & (0xff << (8 - bitsLeft)) & 0xff;
  });
  return ipaddr.fromByteArray(masked);
}

/**
 * Parses `address/prefix` (prefix 0-32 for IPv4, 0-128 for IPv6), as taken by `ip addr add`.
 *
 * @example parseCidr('10.0.0.1/24') // { family: 4, address: '10.0.0.1', prefix: 24, network: '10.0.0.0', cidr: '10.0.0.0/24', hasHostBits: true }
 */
export function parseCidr(s: string): ParsedCidr | string {
  return memo(cidrMemo, s, parseCidrUncached);
}

function parseCidrUncached(s: string): ParsedCidr | string {
  const slash = s.indexOf('/');
  if (slash < 0) return `"${s}" has no prefix length; write it in CIDR form such as 10.0.0.1/24`;
  const addrText = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  const ip = parseIp(addrText);
  if (typeof ip === 'string') return `"${s}" is not valid CIDR: ${ip}`;
  const family = familyOf(ip);
  const max = family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > max) {
    return `"${s}" has an invalid prefix length "${prefixText}" (must be 0-${max} for IPv${family})`;
  }
  const prefix = Number(prefixText);
  const address = normalize(ip);
  const network = normalize(networkOf(ip, prefix));
  return Object.freeze({ family, address, prefix, network, cidr: `${network}/${prefix}`, hasHostBits: network !== address });
}

/** Address or CIDR text to [ip, prefix]; a plain address counts as a /32 or /128. */
function toRange(s: string): [Ip, number] | undefined {
  if (s.includes('/')) {
    const c = parseCidr(s);
    if (typeof c === 'string') return undefined;
    const net = parseIp(c.network);
    return typeof net === 'string' ? undefined : [net, c.prefix];
  }
  const ip = parseIp(s);
  if (typeof ip === 'string') return undefined;
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

/** True when `addr` (plain address) is a multicast address (224.0.0.0/4 or ff00::/8). False if invalid. */
export function isMulticast(addr: string): boolean {
  const ip = parseIp(addr);
  return typeof ip !== 'string' && ip.range() === 'multicast';
}

/**
 * True when `addr` lies inside `cidr`. `addr` may be a plain address or a CIDR (its address part
 * is tested, so `cidrContains('10.0.0.0/24', '10.0.0.1/24')` is true). False when either is
 * invalid or the families differ.
 */
export function cidrContains(cidr: string, addr: string): boolean {
  const c = parseCidr(cidr);
  if (typeof c === 'string') return false;
  const a = parseIp(addr.includes('/') ? addr.slice(0, addr.indexOf('/')) : addr);
  const net = parseIp(c.network);
  if (typeof a === 'string' || typeof net === 'string' || a.kind() !== net.kind()) return false;
  return a.match(net, c.prefix);
}

/**
 * True when two CIDRs (or plain addresses, taken as /32 or /128) share at least one address.
 * Two ranges overlap exactly when the shorter prefix contains the other's network. False when
 * either is invalid or the families differ.
 */
export function cidrsOverlap(a: string, b: string): boolean {
  const ra = toRange(a);
  const rb = toRange(b);
  if (!ra || !rb || ra[0].kind() !== rb[0].kind()) return false;
  const [wide, narrow] = ra[1] <= rb[1] ? [ra, rb] : [rb, ra];
  return narrow[0].match(wide[0], wide[1]);
}

/**
 * VXLAN encapsulation overhead for an underlay family (RFC 7348 section 5): outer Ethernet 14 +
 * IPv4 20 + UDP 8 + VXLAN 8 = 50 bytes; IPv6's 40-byte header makes it 70.
 */
export function overheadFor(family: IpFamily): number {
  return family === 4 ? VXLAN_OVERHEAD_IPV4 : VXLAN_OVERHEAD_IPV6;
}

/** Largest overlay MTU an underlay of `underlayMtu` bytes carries without fragmentation. */
export function maxOverlayMtu(underlayMtu: number, family: IpFamily): number {
  return underlayMtu - overheadFor(family);
}
