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
import { parseAddress } from '../validate/ip';
import { firewalldDrops } from './firewall-firewalld';
import { iptDrops } from './firewall-iptables';
import type { Packet } from './firewall-match';
import type { FirewallRuleset, VxlanDrop, VxlanDropQuery } from './firewall-types';
import { nftDrops } from './firewall-nft';
import { ufwDrops } from './firewall-ufw';

export { VXLAN_SOURCE_PORTS } from './firewall-match';

export type { FirewallBackend, FirewallRuleset, VxlanDrop, VxlanDropQuery } from './firewall-types';

function packetsFor(q: VxlanDropQuery): Packet[] {
  const base = (p: Partial<Packet>): Packet => {
    const out: Packet = { family: q.family ?? 4, port: q.port, ...p };
    if (q.iifname !== undefined) out.iifname = q.iifname;
    if (q.local !== undefined) {
      const l = parseAddress(q.local);
      if (typeof l !== 'string' && l.family === out.family) out.daddr = l.normalized;
    }
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
