/** A topology the health round's unit tests share. Test code only. */
import { CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';

/** `n` hosts on one unicast-mesh segment (h1..hn), underlay 172.30.1.(10+i). */
export function wideMesh(n: number): Topology {
  const hosts = Array.from({ length: n }, (_, k) => k + 1).map((i) => ({
    id: `h${i}`,
    name: `h${i}`,
    ssh: { host: `172.30.1.${10 + i}`, user: 'root', auth: { type: 'agent' } },
    underlay: { interface: 'eth0', address: `172.30.1.${10 + i}`, mtu: 1500 },
    bridges: ['br100'],
  }));
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: 'lab',
    name: 'lab',
    hosts,
    segments: [{ id: 'seg100', name: 'overlay 100', vni: 100, mtu: 1450, subnet: '10.100.0.0/24' }],
    memberships: hosts.map((h, i) => ({
      id: `m${i + 1}`,
      hostId: h.id,
      segmentId: 'seg100',
      bridge: 'br100',
      address: `10.100.0.${i + 1}/24`,
    })),
  });
}
