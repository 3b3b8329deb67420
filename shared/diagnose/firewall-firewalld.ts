/**
 * The firewalld walker (firewalld.zones(5), firewalld.richlanguage(5)): the zone a peer's packet lands
 * in, its rich rules by priority, its open ports and services, then the zone's target.
 */
import type { FirewalldState, FirewalldZone } from '../observe/firewalld';
import type { VxlanDrop } from './firewall-types';
import { addrIn, and, not, portIn, type Packet, type Tri } from './firewall-match';

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

export function firewalldDrops(st: FirewalldState, pkt: Packet): VxlanDrop[] {
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
