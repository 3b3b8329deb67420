/** The iptables walker (iptables(8), iptables-extensions(8)): which rule or chain policy drops a peer's VXLAN packet. */
import type { IptablesRule, IptablesRuleset } from '../observe/iptables';
import type { VxlanDrop } from './firewall-types';
import {
  addrIn,
  and,
  droppingRules,
  ifaceMatches,
  not,
  portIn,
  VXLAN_SOURCE_PORTS,
  type Packet,
  type Tri,
  type WalkHit,
} from './firewall-match';

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

/**
 * `-d`: the host's own address when known; without it only multicast and broadcast destinations are
 * known not to match (a peer's VXLAN to a VTEP is unicast).
 */
function destinationIn(pkt: Packet, items: string[]): Tri {
  if (pkt.daddr !== undefined) return addrIn(pkt.daddr, pkt.family, items);
  const groupOnly = items.every((item) => {
    const a = item.split('/')[0] ?? '';
    return pkt.family === 4 ? /^(22[4-9]|23\d|255)\./.test(a) : /^ff/i.test(a);
  });
  return groupOnly ? false : 'unknown';
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
        apply(addrIn(pkt.saddr, pkt.family, (val ?? '').split(',')));
        i++;
        break;
      case '-d':
      case '--destination':
        apply(destinationIn(pkt, (val ?? '').split(',')));
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
        // The packet is unicast to one of the host's own addresses (see firewall.ts).
        apply((val ?? '').split(',').some((t) => t === 'LOCAL' || t === 'UNICAST'));
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

function iptWalk(rs: IptablesRuleset, table: string, chain: string, pkt: Packet, depth: number): WalkHit<IptablesRule> {
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

export function iptDrops(rs: IptablesRuleset, pkt: Packet): VxlanDrop[] {
  if (pkt.family !== rs.family) return [];
  const out: VxlanDrop[] = [];
  const tool = rs.family === 6 ? 'ip6tables' : 'iptables';
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
    for (const { rule, certain } of droppingRules(hit))
      out.push({
        backend: 'iptables',
        kind: 'rule',
        text: rule.text,
        where: `${tool} table ${rule.table}, chain ${rule.chain}, rule ${rule.position}`,
        certain,
        peers: [],
        iptables: { family: rs.family, table: rule.table, chain: rule.chain, position: rule.position },
      });
    if (hit.verdict === 'fallthrough' && c.policy === 'DROP')
      out.push({
        backend: 'iptables',
        kind: 'policy',
        text: `:${chain} DROP`,
        where: `${tool} table ${table}, chain ${chain} (policy)`,
        certain: hit.certain,
        peers: [],
        iptables: { family: rs.family, table, chain },
      });
    // A certain drop here ends the packet's way: later tables never see it.
    if (hit.verdict === 'drop' ? hit.certain : hit.verdict === 'fallthrough' && c.policy === 'DROP' && hit.certain) break;
  }
  return out;
}
