/**
 * Which firewall rule drops VXLAN? Walks a host's ruleset (nftables, iptables, ufw or firewalld) with
 * the packet a peer VTEP sends: UDP to the segment's port (RFC 7348: 4789 by default) from the
 * peer's underlay address, Linux's default VXLAN source port range (ip-link(8) `srcport`, the local
 * port range 32768-60999), connection state `new` (each direction of VXLAN is its own flow), arriving
 * on the underlay interface for local delivery. The answer names the exact rule (or default policy).
 *
 * A match the walker cannot judge (a rate limit, a mark, an unknown module) is "unknown": a drop
 * behind it is reported with `certain: false`, and an accept behind it makes later drops uncertain.
 */
import type { FirewalldState, FirewalldZone } from '../observe/firewalld';
import type { IptablesRuleset, IptablesRule } from '../observe/iptables';
import type { NftChain, NftRule, NftRuleset } from '../observe/nft';
import type { UfwEndpoint, UfwStatus } from '../observe/ufw';
import { cidrContains, parseAddress, type IpFamily } from '../validate/ip';

/** Any firewall we read. */
export type FirewallRuleset = NftRuleset | IptablesRuleset | UfwStatus | FirewalldState;
export type FirewallBackend = FirewallRuleset['backend'];

/** What to look for. */
export interface VxlanDropQuery {
  /** The segment's UDP port (`dstport`). */
  port: number;
  /** Underlay addresses of the peers that send to this host; omitted = any source (judged "unknown"). */
  peers?: string[];
  /** The underlay interface packets arrive on, when known (for `iifname` matches). */
  iifname?: string;
  /** Address family of the packets when no peers are given (default IPv4). */
  family?: IpFamily;
}

/** A rule or default policy that drops (or rejects) inbound VXLAN. */
export interface VxlanDrop {
  backend: FirewallBackend;
  /** `rule`: a rule's verdict; `policy`: the chain's/zone's default for packets no rule decided. */
  kind: 'rule' | 'policy';
  /** The rule exactly as the tool prints it (`udp dport 4789 drop`), or the policy line. */
  text: string;
  /** Where it sits, for people: `table inet filter, chain input`, `iptables -t filter chain INPUT`, `ufw`, `firewalld zone public`. */
  where: string;
  /** False when a match before or in it could not be judged (see module comment). */
  certain: boolean;
  /** The given peers whose packets it drops (empty when no peers were given). */
  peers: string[];
  /** nftables: the chain holding the rule (for a policy, the base chain) and the rule's handle. */
  nft?: { family: string; table: string; chain: string; handle?: number };
  /** iptables: table, chain and 1-based rule number. */
  iptables?: { table: string; chain: string; position?: number };
  /** ufw: the rule number. */
  ufw?: { number?: number };
  /** firewalld: the zone and, for a rich rule, its priority. */
  firewalld?: { zone: string; priority?: number };
}

/** Linux default VXLAN source ports: the local port range (ip-link(8) `srcport`, net.ipv4.ip_local_port_range). */
export const VXLAN_SOURCE_PORTS: readonly [number, number] = [32768, 60999];

type Tri = boolean | 'unknown';

function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

function not(a: Tri): Tri {
  return a === 'unknown' ? 'unknown' : !a;
}

/** One packet a peer sends. */
interface Packet {
  family: IpFamily;
  saddr?: string;
  port: number;
  iifname?: string;
}

function packetsFor(q: VxlanDropQuery): Packet[] {
  const base = (p: Partial<Packet>): Packet => {
    const out: Packet = { family: q.family ?? 4, port: q.port, ...p };
    if (q.iifname !== undefined) out.iifname = q.iifname;
    return out;
  };
  if (q.peers === undefined || q.peers.length === 0) return [base({})];
  return q.peers.map((peer) => {
    const a = parseAddress(peer);
    if (typeof a === 'string') throw new Error(`peer address ${JSON.stringify(peer)} is not an IP address: ${a}`);
    return base({ family: a.family, saddr: a.normalized });
  });
}

/** Port membership: exact dport, or the source port range (true only when the range is covered). */
function portIn(value: [number, number], ranges: Array<[number, number]>): Tri {
  const [lo, hi] = value;
  if (lo === hi) return ranges.some(([a, b]) => lo >= a && lo <= b);
  if (ranges.some(([a, b]) => a <= lo && b >= hi)) return true;
  if (ranges.every(([a, b]) => b < lo || a > hi)) return false;
  return 'unknown';
}

function addrIn(addr: string | undefined, family: IpFamily, items: string[]): Tri {
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

// ---------------------------------------------------------------------------------------------
// nftables (libnftables-json(5))

type NftValue =
  | { kind: 'port'; range: [number, number] }
  | { kind: 'addr'; addr: string | undefined; family: IpFamily }
  | { kind: 'words'; words: string[] }
  /** An input interface we do not know, except that a peer's packet never arrives on loopback. */
  | { kind: 'iface' }
  | { kind: 'absent' }
  | { kind: 'unknown' };

function nftLeft(left: unknown, pkt: Packet): NftValue {
  if (typeof left !== 'object' || left === null) return { kind: 'unknown' };
  const o = left as Record<string, unknown>;
  if ('payload' in o) {
    const p = o['payload'] as { protocol?: string; field?: string };
    const proto = p.protocol;
    if (proto === 'udp' || proto === 'th') {
      if (p.field === 'dport') return { kind: 'port', range: [pkt.port, pkt.port] };
      if (p.field === 'sport') return { kind: 'port', range: [...VXLAN_SOURCE_PORTS] };
      return { kind: 'unknown' };
    }
    if (proto === 'ip' || proto === 'ip6') {
      // A payload match implies its protocol (nft adds `meta nfproto` as a dependency).
      if ((proto === 'ip') !== (pkt.family === 4)) return { kind: 'absent' };
      if (p.field === 'saddr') return { kind: 'addr', addr: pkt.saddr, family: pkt.family };
      if (p.field === 'protocol' || p.field === 'nexthdr') return { kind: 'words', words: ['udp', '17'] };
      return { kind: 'unknown' };
    }
    if (proto !== undefined && ['tcp', 'sctp', 'dccp', 'icmp', 'icmpv6', 'udplite', 'esp', 'ah', 'igmp'].includes(proto))
      return { kind: 'absent' };
    return { kind: 'unknown' };
  }
  if ('meta' in o) {
    const key = (o['meta'] as { key?: string }).key;
    if (key === 'l4proto') return { kind: 'words', words: ['udp', '17'] };
    if (key === 'nfproto') return { kind: 'words', words: [pkt.family === 4 ? 'ipv4' : 'ipv6'] };
    if (key === 'protocol') return { kind: 'words', words: [pkt.family === 4 ? 'ip' : 'ip6'] };
    if (key === 'pkttype') return { kind: 'words', words: ['host'] };
    if (key === 'iifname' || key === 'iif')
      return pkt.iifname !== undefined ? { kind: 'words', words: [pkt.iifname] } : { kind: 'iface' };
    return { kind: 'unknown' };
  }
  if ('ct' in o) {
    const key = (o['ct'] as { key?: string }).key;
    if (key === 'state') return { kind: 'words', words: ['new'] };
    if (key === 'direction') return { kind: 'words', words: ['original'] };
    return { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** Flattens a right-hand side into elements, resolving `@set` references within the rule's table. */
function nftElements(right: unknown, rs: NftRuleset, rule: { family: string; table: string }): unknown[] | undefined {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = rs.sets.find((s) => s.family === rule.family && s.table === rule.table && s.name === right.slice(1));
    return set?.elements;
  }
  if (Array.isArray(right)) return right as unknown[];
  if (typeof right === 'object' && right !== null && 'set' in right) {
    const s: unknown = right.set;
    return Array.isArray(s) ? (s as unknown[]) : [s];
  }
  return [right];
}

function elemText(e: unknown): string | undefined {
  if (typeof e === 'string' || typeof e === 'number') return String(e);
  if (typeof e === 'object' && e !== null && 'prefix' in e) {
    const p = (e as { prefix: { addr?: unknown; len?: unknown } }).prefix;
    return `${String(p.addr)}/${String(p.len)}`;
  }
  return undefined;
}

function nftMatch(match: { op?: string; left?: unknown; right?: unknown }, pkt: Packet, rs: NftRuleset, rule: NftRule): Tri {
  const left = nftLeft(match.left, pkt);
  if (left.kind === 'absent') return false;
  if (left.kind === 'unknown') return 'unknown';
  const elements = nftElements(match.right, rs, rule);
  if (elements === undefined) return 'unknown';
  const op = match.op ?? '==';
  let inSet: Tri;
  if (left.kind === 'port') {
    const ranges: Array<[number, number]> = [];
    let unknown = false;
    for (const e of elements) {
      if (typeof e === 'number') ranges.push([e, e]);
      else if (typeof e === 'object' && e !== null && 'range' in e) {
        const [a, b] = (e as { range: unknown[] }).range;
        if (typeof a === 'number' && typeof b === 'number') ranges.push([a, b]);
        else unknown = true;
      } else unknown = true;
    }
    if (op === '<' || op === '>' || op === '<=' || op === '>=') {
      const [n] = ranges[0] ?? [];
      if (n === undefined || left.range[0] !== left.range[1]) return 'unknown';
      const v = left.range[0];
      return op === '<' ? v < n : op === '>' ? v > n : op === '<=' ? v <= n : v >= n;
    }
    inSet = portIn(left.range, ranges);
    if (inSet === false && unknown) inSet = 'unknown';
  } else if (left.kind === 'addr') {
    const items: string[] = [];
    let unknown = false;
    for (const e of elements) {
      const t = elemText(e);
      if (t === undefined) unknown = true;
      else items.push(t);
    }
    inSet = addrIn(left.addr, left.family, items);
    if (inSet === false && unknown) inSet = 'unknown';
  } else if (left.kind === 'iface') {
    const words = elements.map(elemText);
    inSet = words.every((w) => w === 'lo') ? false : 'unknown';
  } else {
    const words = elements.map(elemText);
    if (words.some((w) => w === undefined)) return 'unknown';
    inSet = left.words.some((w) => words.includes(w));
  }
  if (op === '==' || op === 'in') return inSet;
  if (op === '!=') return not(inSet);
  return 'unknown';
}

type NftVerdict =
  { kind: 'accept' | 'drop' | 'return' | 'continue' } | { kind: 'jump' | 'goto'; target: string } | { kind: 'unknown' };

function verdictOf(stmt: Record<string, unknown>): NftVerdict | undefined {
  const [k] = Object.keys(stmt);
  switch (k) {
    case 'accept':
    case 'drop':
    case 'return':
    case 'continue':
      return { kind: k };
    case 'reject':
      return { kind: 'drop' };
    case 'jump':
    case 'goto':
      return { kind: k, target: String((stmt[k] as { target?: unknown }).target) };
    case 'queue':
      return { kind: 'unknown' };
    default:
      return undefined;
  }
}

/** Statements that do not filter and do not decide (they count, log, set marks...). */
const NFT_PASSIVE = new Set([
  'counter',
  'log',
  'mangle',
  'notrack',
  'ct helper',
  'ct timeout',
  'set',
  'meta',
  'xt',
  'nat',
  'snat',
  'dnat',
  'masquerade',
  'redirect',
]);

/** Evaluates one rule: (does it match, and with which verdict). */
function nftRule(rule: NftRule, pkt: Packet, rs: NftRuleset): { match: Tri; verdict?: NftVerdict } {
  let match: Tri = true;
  for (const raw of rule.expr) {
    if (typeof raw !== 'object' || raw === null) continue;
    const stmt = raw as Record<string, unknown>;
    const [k] = Object.keys(stmt);
    if (k === undefined) continue;
    if (k === 'match') {
      match = and(match, nftMatch(stmt[k] as { op?: string; left?: unknown; right?: unknown }, pkt, rs, rule));
      if (match === false) return { match };
      continue;
    }
    if (k === 'vmap') {
      const m = stmt[k] as { key?: unknown; data?: { set?: unknown[] } };
      const entries = m.data?.set ?? [];
      for (const entry of entries) {
        if (!Array.isArray(entry)) continue;
        const hit = nftMatch({ op: '==', left: m.key, right: entry[0] }, pkt, rs, rule);
        const v = typeof entry[1] === 'object' && entry[1] !== null ? verdictOf(entry[1] as Record<string, unknown>) : undefined;
        if (hit === true && v) return { match, verdict: v };
        if (hit === 'unknown') return { match: and(match, 'unknown'), verdict: v ?? { kind: 'unknown' } };
      }
      return { match: false };
    }
    const v = verdictOf(stmt);
    if (v) return { match, verdict: v };
    // A rate limit or quota only matches some packets.
    if (k === 'limit' || k === 'quota' || k === 'numgen') match = and(match, 'unknown');
    else if (!NFT_PASSIVE.has(k)) match = and(match, 'unknown');
  }
  return { match };
}

interface NftHit {
  verdict: 'accept' | 'drop' | 'fallthrough';
  rule?: NftRule;
  certain: boolean;
  possible: NftRule[];
}

function nftWalk(rs: NftRuleset, family: string, table: string, chain: string, pkt: Packet, depth: number): NftHit {
  const possible: NftRule[] = [];
  let uncertain = false;
  if (depth > 16) return { verdict: 'fallthrough', certain: false, possible };
  const rules = rs.rules
    .filter((r) => r.family === family && r.table === table && r.chain === chain)
    .sort((a, b) => a.index - b.index);
  for (const rule of rules) {
    const { match, verdict } = nftRule(rule, pkt, rs);
    if (match === false || verdict === undefined) continue;
    switch (verdict.kind) {
      case 'accept':
        if (match === true) return { verdict: 'accept', rule, certain: !uncertain, possible };
        uncertain = true;
        break;
      case 'drop':
        if (match === true) return { verdict: 'drop', rule, certain: !uncertain, possible };
        possible.push(rule);
        break;
      case 'return':
        if (match === true) return { verdict: 'fallthrough', certain: !uncertain, possible };
        uncertain = true;
        break;
      case 'jump':
      case 'goto': {
        const sub = nftWalk(rs, family, table, verdict.target, pkt, depth + 1);
        possible.push(...sub.possible);
        if (match === true) {
          if (sub.verdict !== 'fallthrough') return { ...sub, certain: sub.certain && !uncertain, possible };
          uncertain ||= !sub.certain;
          if (verdict.kind === 'goto') return { verdict: 'fallthrough', certain: !uncertain, possible };
        } else {
          if (sub.verdict === 'drop' && sub.rule) possible.push(sub.rule);
          if (sub.verdict === 'accept') uncertain = true;
        }
        break;
      }
      default:
        uncertain = true;
    }
  }
  return { verdict: 'fallthrough', certain: !uncertain, possible };
}

/** Base chains a locally delivered packet of `family` crosses (filter type, prerouting/input/ingress hooks). */
function nftBaseChains(rs: NftRuleset, family: IpFamily): NftChain[] {
  const order = ['ingress', 'prerouting', 'input'];
  return rs.chains
    .filter((c) => c.hook !== undefined && c.type === 'filter' && order.includes(c.hook))
    .filter((c) => {
      if (c.family === 'inet') return true;
      if (c.family === 'ip') return family === 4;
      if (c.family === 'ip6') return family === 6;
      return c.family === 'netdev' && c.hook === 'ingress';
    })
    .sort((a, b) => order.indexOf(a.hook ?? '') - order.indexOf(b.hook ?? '') || (a.priority ?? 0) - (b.priority ?? 0));
}

function nftDrops(rs: NftRuleset, pkt: Packet): VxlanDrop[] {
  const out: VxlanDrop[] = [];
  for (const base of nftBaseChains(rs, pkt.family)) {
    const hit = nftWalk(rs, base.family, base.table, base.name, pkt, 0);
    const rules = hit.verdict === 'drop' && hit.rule ? [{ rule: hit.rule, certain: hit.certain }] : [];
    for (const p of hit.possible) if (!rules.some((r) => r.rule === p)) rules.push({ rule: p, certain: false });
    for (const { rule, certain } of rules) {
      out.push({
        backend: 'nftables',
        kind: 'rule',
        text: rule.text ?? rule.summary,
        where: `table ${rule.family} ${rule.table}, chain ${rule.chain}`,
        certain,
        peers: [],
        nft: { family: rule.family, table: rule.table, chain: rule.chain, handle: rule.handle },
      });
    }
    if (hit.verdict === 'fallthrough' && base.policy === 'drop') {
      out.push({
        backend: 'nftables',
        kind: 'policy',
        text:
          base.headerText ??
          `type ${base.type ?? 'filter'} hook ${base.hook ?? 'input'} priority ${base.priority ?? 0}; policy drop;`,
        where: `table ${base.family} ${base.table}, chain ${base.name}`,
        certain: hit.certain,
        peers: [],
        nft: { family: base.family, table: base.table, chain: base.name },
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// iptables (iptables(8), iptables-extensions(8))

function ipPortRanges(spec: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split(':');
    const lo = a === '' || a === undefined ? 0 : Number(a);
    const hi = b === undefined ? lo : b === '' ? 65535 : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

function ifaceMatches(pattern: string, name: string | undefined): Tri {
  // A peer's packet never arrives on loopback.
  if (name === undefined) return pattern === 'lo' ? false : 'unknown';
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Options whose value we skip without judging (they do not filter). */
const IPT_NEUTRAL = new Set(['--comment']);

function iptRule(rule: IptablesRule, pkt: Packet): { match: Tri; target?: string } {
  const a = rule.args;
  let match: Tri = true;
  let negate = false;
  for (let i = 0; i < a.length; i++) {
    const w = a[i] as string;
    const val = a[i + 1];
    const apply = (t: Tri): void => {
      match = and(match, negate ? not(t) : t);
      negate = false;
    };
    if (w === '!') {
      negate = true;
      continue;
    }
    if (w === '-j' || w === '--jump' || w === '-g' || w === '--goto') return { match, target: val ?? '' };
    if (w === '-m' || w === '--match') {
      i++;
      continue;
    }
    if (IPT_NEUTRAL.has(w)) {
      i++;
      continue;
    }
    switch (w) {
      case '-p':
      case '--protocol':
        apply(val === 'udp' || val === '17' || val === 'all');
        i++;
        break;
      case '-s':
      case '--source':
        apply(pkt.family !== 4 ? false : addrIn(pkt.saddr, 4, (val ?? '').split(',')));
        i++;
        break;
      case '-i':
      case '--in-interface':
        apply(ifaceMatches(val ?? '', pkt.iifname));
        i++;
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports': {
        const r = ipPortRanges(val ?? '');
        apply(r === undefined ? 'unknown' : portIn([pkt.port, pkt.port], r));
        i++;
        break;
      }
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports': {
        const r = ipPortRanges(val ?? '');
        apply(r === undefined ? 'unknown' : portIn([...VXLAN_SOURCE_PORTS], r));
        i++;
        break;
      }
      case '--ports': {
        const r = ipPortRanges(val ?? '');
        apply(r === undefined ? 'unknown' : portIn([pkt.port, pkt.port], r) === true ? true : 'unknown');
        i++;
        break;
      }
      case '--ctstate':
      case '--state':
        apply((val ?? '').split(',').includes('NEW'));
        i++;
        break;
      case '--dst-type':
        apply(val === 'LOCAL' ? true : 'unknown');
        i++;
        break;
      default:
        // An option we do not judge: skip its values.
        apply('unknown');
        while (i + 1 < a.length && !(a[i + 1] as string).startsWith('-') && a[i + 1] !== '!') i++;
    }
  }
  return { match };
}

interface IptHit {
  verdict: 'accept' | 'drop' | 'fallthrough';
  rule?: IptablesRule;
  certain: boolean;
  possible: IptablesRule[];
}

function iptWalk(rs: IptablesRuleset, table: string, chain: string, pkt: Packet, depth: number): IptHit {
  const possible: IptablesRule[] = [];
  let uncertain = false;
  if (depth > 16) return { verdict: 'fallthrough', certain: false, possible };
  for (const rule of rs.rules.filter((r) => r.table === table && r.chain === chain)) {
    const { match, target } = iptRule(rule, pkt);
    if (match === false || target === undefined) continue;
    if (target === 'ACCEPT') {
      if (match === true) return { verdict: 'accept', rule, certain: !uncertain, possible };
      uncertain = true;
    } else if (target === 'DROP' || target === 'REJECT') {
      if (match === true) return { verdict: 'drop', rule, certain: !uncertain, possible };
      possible.push(rule);
    } else if (target === 'RETURN') {
      if (match === true) return { verdict: 'fallthrough', certain: !uncertain, possible };
      uncertain = true;
    } else if (rs.chains.some((c) => c.table === table && c.name === target && c.policy === undefined)) {
      const sub = iptWalk(rs, table, target, pkt, depth + 1);
      possible.push(...sub.possible);
      if (match === true && sub.verdict !== 'fallthrough') return { ...sub, certain: sub.certain && !uncertain, possible };
      if (match === 'unknown' && sub.verdict === 'drop' && sub.rule) possible.push(sub.rule);
      if (sub.verdict === 'accept' || !sub.certain) uncertain = true;
    }
    // LOG, MARK, CT and other non-terminating targets: keep going.
  }
  return { verdict: 'fallthrough', certain: !uncertain, possible };
}

function iptDrops(rs: IptablesRuleset, pkt: Packet): VxlanDrop[] {
  if (pkt.family !== 4) return [];
  const out: VxlanDrop[] = [];
  const path: Array<[string, string]> = [
    ['raw', 'PREROUTING'],
    ['mangle', 'PREROUTING'],
    ['mangle', 'INPUT'],
    ['filter', 'INPUT'],
  ];
  for (const [table, chain] of path) {
    const c = rs.chains.find((x) => x.table === table && x.name === chain);
    if (!c) continue;
    const hit = iptWalk(rs, table, chain, pkt, 0);
    const rules = hit.verdict === 'drop' && hit.rule ? [{ rule: hit.rule, certain: hit.certain }] : [];
    for (const p of hit.possible) if (!rules.some((r) => r.rule === p)) rules.push({ rule: p, certain: false });
    for (const { rule, certain } of rules)
      out.push({
        backend: 'iptables',
        kind: 'rule',
        text: rule.text,
        where: `iptables table ${rule.table}, chain ${rule.chain}, rule ${rule.position}`,
        certain,
        peers: [],
        iptables: { table: rule.table, chain: rule.chain, position: rule.position },
      });
    if (hit.verdict === 'fallthrough' && c.policy === 'DROP')
      out.push({
        backend: 'iptables',
        kind: 'policy',
        text: `:${chain} DROP`,
        where: `iptables table ${table}, chain ${chain} (policy)`,
        certain: hit.certain,
        peers: [],
        iptables: { table, chain },
      });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ufw (ufw(8)): first matching rule wins, then the default incoming policy.

function ufwEndpointMatches(e: UfwEndpoint, pkt: Packet, side: 'to' | 'from'): Tri {
  let m: Tri = true;
  if (e.app !== undefined) return 'unknown';
  if (e.protocol !== undefined && e.protocol !== 'udp') return false;
  if (e.ports !== undefined)
    m = and(m, side === 'to' ? portIn([pkt.port, pkt.port], e.ports) : portIn([...VXLAN_SOURCE_PORTS], e.ports));
  if (e.address !== undefined) m = and(m, side === 'from' ? addrIn(pkt.saddr, pkt.family, [e.address]) : 'unknown');
  if (e.iface !== undefined) m = and(m, ifaceMatches(e.iface, pkt.iifname));
  return m;
}

function ufwDrops(st: UfwStatus, pkt: Packet): VxlanDrop[] {
  if (!st.active) return [];
  const out: VxlanDrop[] = [];
  let uncertain = false;
  for (const rule of st.rules) {
    if (rule.direction !== 'IN' || rule.v6 !== (pkt.family === 6)) continue;
    const match = and(ufwEndpointMatches(rule.to, pkt, 'to'), ufwEndpointMatches(rule.from, pkt, 'from'));
    if (match === false) continue;
    const drops = rule.action === 'DENY' || rule.action === 'REJECT';
    if (drops) {
      out.push({
        backend: 'ufw',
        kind: 'rule',
        text: rule.text,
        where: `ufw rule ${rule.number}`,
        certain: match === true && !uncertain,
        peers: [],
        ufw: { number: rule.number },
      });
      if (match === true) return out;
    } else if (match === true) return out;
    else uncertain = true;
  }
  if (st.defaultIncoming === 'deny' || st.defaultIncoming === 'reject')
    out.push({
      backend: 'ufw',
      kind: 'policy',
      text: st.defaultText ?? `Default: ${st.defaultIncoming} (incoming)`,
      where: 'ufw default incoming policy',
      certain: !uncertain,
      peers: [],
      ufw: {},
    });
  return out;
}

// ---------------------------------------------------------------------------------------------
// firewalld (firewalld.zones(5), firewalld.richlanguage(5))

/** Services whose ports we know (firewalld ships `vxlan` as 4789/udp). */
const FIREWALLD_SERVICES: Record<string, Array<{ ports: [number, number]; protocol: string }>> = {
  vxlan: [{ ports: [4789, 4789], protocol: 'udp' }],
};

function firewalldZoneFor(st: FirewalldState, pkt: Packet): FirewalldZone | undefined {
  const bySource = st.zones.find((z) => addrIn(pkt.saddr, pkt.family, z.sources) === true);
  if (bySource) return bySource;
  if (pkt.iifname !== undefined) {
    const byIface = st.zones.find((z) => z.interfaces.includes(pkt.iifname as string));
    if (byIface) return byIface;
  }
  return st.zones.find((z) => z.isDefault) ?? st.zones.find((z) => z.active) ?? st.zones[0];
}

function firewalldDrops(st: FirewalldState, pkt: Packet): VxlanDrop[] {
  const zone = firewalldZoneFor(st, pkt);
  if (!zone) return [];
  const where = `firewalld zone ${zone.name}`;
  const richMatch = (r: FirewalldZone['richRules'][number]): Tri => {
    if (r.family !== undefined && r.family !== (pkt.family === 4 ? 'ipv4' : 'ipv6')) return false;
    let m: Tri = true;
    if (r.source !== undefined) {
      const inSrc = addrIn(pkt.saddr, pkt.family, [r.source]);
      m = and(m, r.sourceInvert ? not(inSrc) : inSrc);
    }
    if (r.port !== undefined) m = and(m, r.port.protocol === 'udp' ? portIn([pkt.port, pkt.port], [r.port.ports]) : false);
    else if (/\b(service|protocol value|icmp-block|icmp-type|forward-port|source-port|masquerade)\b/.test(r.text))
      m = and(m, 'unknown');
    return m;
  };
  const ordered = [...zone.richRules].filter((r) => r.action !== undefined).sort((a, b) => a.priority - b.priority);
  const out: VxlanDrop[] = [];
  let uncertain = false;
  const decide = (rules: typeof ordered): 'accept' | 'drop' | undefined => {
    // Within one priority firewalld puts deny rules before allow rules.
    const sorted = [...rules].sort((a, b) => Number(a.action === 'accept') - Number(b.action === 'accept'));
    for (const r of sorted) {
      const m = richMatch(r);
      if (m === false) continue;
      if (r.action === 'accept') {
        if (m === true) return 'accept';
        uncertain = true;
      } else {
        out.push({
          backend: 'firewalld',
          kind: 'rule',
          text: r.text,
          where,
          certain: m === true && !uncertain,
          peers: [],
          firewalld: { zone: zone.name, priority: r.priority },
        });
        if (m === true) return 'drop';
      }
    }
    return undefined;
  };
  const priorities = [...new Set(ordered.map((r) => r.priority))].filter((p) => p < 0);
  for (const p of priorities) if (decide(ordered.filter((r) => r.priority === p))) return out;
  const zeroDeny = decide(ordered.filter((r) => r.priority === 0 && r.action !== 'accept'));
  if (zeroDeny) return out;
  const portOpen =
    zone.ports.some((p) => p.protocol === 'udp' && portIn([pkt.port, pkt.port], [p.ports]) === true) ||
    zone.services.some((s) =>
      (FIREWALLD_SERVICES[s] ?? []).some((p) => p.protocol === 'udp' && portIn([pkt.port, pkt.port], [p.ports]) === true),
    );
  if (portOpen) return out;
  if (decide(ordered.filter((r) => r.priority >= 0 && (r.priority > 0 || r.action === 'accept')))) return out;
  if (zone.target !== 'ACCEPT')
    out.push({
      backend: 'firewalld',
      kind: 'policy',
      text: zone.targetText || `target: ${zone.target}`,
      where,
      certain: !uncertain,
      peers: [],
      firewalld: { zone: zone.name },
    });
  return out;
}

// ---------------------------------------------------------------------------------------------

function dropKey(d: VxlanDrop): string {
  return `${d.backend}|${d.kind}|${d.where}|${d.text}`;
}

/**
 * Which rule(s) or default policies of `ruleset` drop or reject inbound VXLAN (UDP `port`) from
 * `peers`. Each drop lists the peers it hits; `certain` is false when a match on the way could not
 * be judged. Empty when VXLAN from every peer gets through.
 *
 * @throws Error when a peer is not an IP address.
 * @example
 * findVxlanDrops(parseNftRuleset({ json, text }, 'h2'), { port: 4789, peers: ['172.30.1.11'] })
 * // [{ backend: 'nftables', kind: 'rule', text: 'udp dport 4789 drop',
 * //    where: 'table inet vxlan_studio_lab, chain input', certain: true, peers: ['172.30.1.11'], nft: { ..., handle: 2 } }]
 */
export function findVxlanDrops(ruleset: FirewallRuleset, query: VxlanDropQuery): VxlanDrop[] {
  const merged = new Map<string, VxlanDrop>();
  for (const pkt of packetsFor(query)) {
    let drops: VxlanDrop[];
    switch (ruleset.backend) {
      case 'nftables':
        drops = nftDrops(ruleset, pkt);
        break;
      case 'iptables':
        drops = iptDrops(ruleset, pkt);
        break;
      case 'ufw':
        drops = ufwDrops(ruleset, pkt);
        break;
      case 'firewalld':
        drops = firewalldDrops(ruleset, pkt);
        break;
    }
    for (const d of drops) {
      const key = dropKey(d);
      const seen = merged.get(key);
      const target = seen ?? d;
      if (!seen) merged.set(key, d);
      else target.certain = target.certain || d.certain;
      if (pkt.saddr !== undefined && !target.peers.includes(pkt.saddr)) target.peers.push(pkt.saddr);
    }
  }
  return [...merged.values()].sort((a, b) => Number(b.certain) - Number(a.certain));
}
