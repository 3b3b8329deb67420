/**
 * A topology file aimed at a running lab: every lab host reachable over SSH with the lab's client
 * key, one unicast-mesh segment across both routed subnets, a bridge per host carrying the overlay
 * address.
 */
import { writeFile } from 'node:fs/promises';
import { bridgeNodeId, serializeTopology, CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import type { LabState } from './state';

export interface LabTopologyOptions {
  id?: string;
  name?: string;
  vni?: number;
  port?: number;
  /** Overlay MTU; default 1450 (underlay 1500 minus 50, RFC 7348 over IPv4). */
  mtu?: number;
  /** Overlay subnet, a /24 written as `a.b.c.0/24`; host i gets `.i`. Default 10.100.0.0/24. */
  subnet?: string;
  bridge?: string;
}

/**
 * The topology for a lab (format 1).
 *
 * @example
 * labTopology(lab).memberships[0]
 * // { id: 'm-h1', hostId: 'h1', segmentId: 'seg100', bridge: 'br100', address: '10.100.0.1/24', bridgePorts: [] }
 */
export function labTopology(state: LabState, options: LabTopologyOptions = {}): Topology {
  const vni = options.vni ?? 100;
  const segmentId = `seg${vni}`;
  const bridge = options.bridge ?? `br${vni}`;
  const subnet = options.subnet ?? '10.100.0.0/24';
  const base = subnet.split('/')[0]?.split('.').slice(0, 3).join('.') ?? '10.100.0';
  const n = state.hosts.length;
  // Columns like the editor's auto-layout: hosts, their bridges, then the segment at mid height,
  // so no node sits on another whatever the host count.
  const rowHeight = 120;
  const positions: Topology['layout']['positions'] = { [segmentId]: { x: 560, y: Math.round(((n - 1) * rowHeight) / 2) } };
  state.hosts.forEach((h, i) => {
    positions[h.name] = { x: 0, y: i * rowHeight };
    positions[bridgeNodeId(h.name, bridge)] = { x: 320, y: i * rowHeight + 14 };
  });
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: options.id ?? `lab-${state.name}`,
    name: options.name ?? `Lab ${state.name} (${n} hosts)`,
    hosts: state.hosts.map((h) => ({
      id: h.name,
      name: h.name,
      ssh: { host: h.address, port: 22, user: 'root', auth: { type: 'identity-file', path: state.keys.clientKey } },
      sudo: false,
      underlay: { interface: h.interface, address: h.address, mtu: h.mtu },
      bridges: [bridge],
    })),
    segments: [
      {
        id: segmentId,
        name: `overlay ${vni}`,
        vni,
        port: options.port ?? 4789,
        mtu: options.mtu ?? 1450,
        flood: { mode: 'unicast-mesh' },
        learning: true,
        subnet,
      },
    ],
    memberships: state.hosts.map((h, i) => ({
      id: `m-${h.name}`,
      hostId: h.name,
      segmentId,
      bridge,
      address: `${base}.${i + 1}/24`,
      bridgePorts: [],
    })),
    layout: { positions },
  });
}

/** Writes `labTopology(state, options)` to `file` in the canonical format; returns the topology. */
export async function writeLabTopology(state: LabState, file: string, options: LabTopologyOptions = {}): Promise<Topology> {
  const topology = labTopology(state, options);
  await writeFile(file, serializeTopology(topology));
  return topology;
}
