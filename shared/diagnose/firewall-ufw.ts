/** The ufw walker (ufw(8)): first matching rule wins, then the default incoming policy. */
import type { UfwEndpoint, UfwRule, UfwStatus } from '../observe/ufw';
import type { VxlanDrop } from './firewall-types';
import { addrIn, and, ifaceMatches, portIn, VXLAN_SOURCE_PORTS, type Packet, type Tri } from './firewall-match';

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

/** The address of a rule that is exactly `<action> proto udp from <address> to any port <port>` (see VxlanDrop.ufw). */
function sameTuple(rule: UfwRule, port: number): { sameTupleFrom?: string; action?: 'deny' | 'reject' } {
  const { to, from } = rule;
  const exact =
    to.protocol === 'udp' &&
    to.ports?.length === 1 &&
    to.ports[0]?.[0] === port &&
    to.ports[0]?.[1] === port &&
    to.address === undefined &&
    to.iface === undefined &&
    to.app === undefined &&
    from.ports === undefined &&
    from.app === undefined &&
    from.iface === undefined &&
    from.address !== undefined;
  if (!exact || rule.action === 'ALLOW' || rule.action === 'LIMIT') return {};
  return {
    sameTupleFrom: (from.address as string).replace(/\/(32|128)$/, ''),
    action: rule.action === 'DENY' ? 'deny' : 'reject',
  };
}

export function ufwDrops(st: UfwStatus, pkt: Packet): VxlanDrop[] {
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
        ufw: { number: rule.number, ...sameTuple(rule, pkt.port) },
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
      where: 'ufw',
      certain: !uncertain,
      peers: [],
      ufw: {},
    });
  return out;
}
