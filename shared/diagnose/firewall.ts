/**
 * Which firewall rule drops VXLAN? Walks a host's ruleset (nftables, iptables, ufw or firewalld) with
 * the packet a peer VTEP sends: UDP to the segment's port (RFC 7348: 4789 by default) from the
 * peer's underlay address, Linux's default VXLAN source port range (ip-link(8) `srcport`, the local
 * port range 32768-60999), connection state `new` (each direction of VXLAN is its own flow), arriving
 * on the underlay interface for local delivery. The answer names the exact rule (or default policy).
 *
 * A match the walker cannot judge (a rate limit, a mark, an unknown module) is "unknown": a drop
 * behind it is reported with `certain: false`, and an accept behind it makes later drops uncertain.
 *
 * One walker per backend, like the parsers in shared/observe: firewall-nft.ts, firewall-iptables.ts,
 * firewall-ufw.ts, firewall-firewalld.ts; the judging they share is in firewall-match.ts.
 */
import type { FirewalldState } from '../observe/firewalld';
import type { IptablesRuleset } from '../observe/iptables';
import type { NftRuleset } from '../observe/nft';
import type { UfwStatus } from '../observe/ufw';
import { parseAddress, type IpFamily } from '../validate/ip';
import { firewalldDrops } from './firewall-firewalld';
import { iptDrops } from './firewall-iptables';
import type { Packet } from './firewall-match';
import { nftDrops } from './firewall-nft';
import { ufwDrops } from './firewall-ufw';

export { VXLAN_SOURCE_PORTS } from './firewall-match';

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
