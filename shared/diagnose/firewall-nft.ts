/** The nftables walker (libnftables-json(5)): which rule or base-chain policy drops a peer's VXLAN packet. */
import type { NftChain, NftRule, NftRuleset } from '../observe/nft';
import type { IpFamily } from '../validate/ip';
import type { VxlanDrop } from './firewall-types';
import {
  addrIn,
  and,
  droppingRules,
  not,
  portIn,
  VXLAN_SOURCE_PORTS,
  type Packet,
  type Tri,
  type WalkHit,
} from './firewall-match';

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
      if (p.field === 'daddr')
        return pkt.daddr === undefined ? { kind: 'unknown' } : { kind: 'addr', addr: pkt.daddr, family: pkt.family };
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
  if ('fib' in o) {
    // `fib daddr type local`: the packet is unicast to one of the host's own addresses (firewall.ts).
    const f = o['fib'] as { result?: string; flags?: unknown };
    const flags = Array.isArray(f.flags) ? f.flags : [f.flags];
    if (f.result === 'type' && flags.length === 1 && flags[0] === 'daddr') return { kind: 'words', words: ['local'] };
    return { kind: 'unknown' };
  }
  if ('ct' in o) {
    const key = (o['ct'] as { key?: string }).key;
    if (key === 'state') return { kind: 'words', words: ['new'] };
    if (key === 'direction') return { kind: 'words', words: ['original'] };
    // A new flow to the host itself: no NAT, not yet seen in both directions.
    if (key === 'status') return { kind: 'words', words: [] };
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
    case 'xt': {
      // iptables-nft's targets that nft cannot translate: REJECT decides, LOG, MARK and the like do not.
      const x = stmt[k] as { type?: string; name?: string };
      return x.type === 'target' && x.name === 'REJECT' ? { kind: 'drop' } : undefined;
    }
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
    // An iptables-nft match nft shows only as opaque `xt` (`-m conntrack`, `-m multiport`...):
    // its test is unknown here (iptables-save spells it out; see firewall-host.ts).
    const xt = k === 'xt' ? (stmt[k] as { type?: string; name?: string }) : undefined;
    if (xt?.type === 'match' && xt.name !== 'comment') {
      match = and(match, 'unknown');
      continue;
    }
    if (k === 'xt') continue;
    // A rate limit or quota only matches some packets.
    if (k === 'limit' || k === 'quota' || k === 'numgen') match = and(match, 'unknown');
    else if (!NFT_PASSIVE.has(k)) match = and(match, 'unknown');
  }
  return { match };
}

function nftWalk(rs: NftRuleset, family: string, table: string, chain: string, pkt: Packet, depth: number): WalkHit<NftRule> {
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

export function nftDrops(rs: NftRuleset, pkt: Packet): VxlanDrop[] {
  const out: VxlanDrop[] = [];
  for (const base of nftBaseChains(rs, pkt.family)) {
    const hit = nftWalk(rs, base.family, base.table, base.name, pkt, 0);
    for (const { rule, certain } of droppingRules(hit)) {
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
