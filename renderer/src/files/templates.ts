/**
 * Starting drawings offered by File > New from template. The textbook one is the usual hand-made two-host
 * recipe exactly (RFC 7348 point-to-point: `remote <peer>`), so its Commands panel shows the lines
 * an admin already knows.
 */
import {
  bridgeNodeId,
  CURRENT_FORMAT,
  VXLAN_DEFAULT_PORT,
  type Host,
  type Membership,
  type Position,
  type Topology,
} from '../../../shared/model';
import { newTopologyId } from '../editor/topology-ops';

function host(id: string, name: string, address: string, bridge: string, mtu: Host['underlay']['mtu'] = 'auto'): Host {
  return {
    id,
    name,
    ssh: { host: address, port: 22, user: 'root', auth: { type: 'agent' } },
    sudo: false,
    underlay: { interface: 'eth0', address, mtu },
    bridges: [bridge],
    persist: 'auto',
  };
}

export function textbookTemplate(): Topology {
  const bridge = 'br-overlay';
  const hosts = [host('host-a', 'host-a', '192.168.1.10', bridge), host('host-b', 'host-b', '192.168.1.20', bridge)];
  const memberships: Membership[] = [
    {
      id: 'host-a-seg-100',
      hostId: 'host-a',
      segmentId: 'seg-100',
      device: 'vxlan100',
      bridge,
      address: '10.0.0.1/24',
      bridgePorts: [],
    },
    {
      id: 'host-b-seg-100',
      hostId: 'host-b',
      segmentId: 'seg-100',
      device: 'vxlan100',
      bridge,
      address: '10.0.0.2/24',
      bridgePorts: [],
    },
  ];
  return {
    format: CURRENT_FORMAT,
    // Each drawing made from a template is a drawing of its own (see newTopologyId).
    id: newTopologyId('textbook'),
    name: 'Two hosts (textbook)',
    hosts,
    segments: [
      {
        id: 'seg-100',
        name: 'overlay-100',
        vni: 100,
        port: VXLAN_DEFAULT_PORT,
        mtu: 1450,
        flood: { mode: 'point-to-point' },
        learning: true,
        subnet: '10.0.0.0/24',
      },
    ],
    memberships,
    layout: {
      positions: {
        'host-a': { x: 0, y: 0 },
        'host-b': { x: 0, y: 224 },
        [bridgeNodeId('host-a', bridge)]: { x: 320, y: 16 },
        [bridgeNodeId('host-b', bridge)]: { x: 320, y: 240 },
        'seg-100': { x: 576, y: 112 },
      },
    },
  };
}

export const MESH_MIN = 2;
export const MESH_MAX = 200;

/** N hosts on one routed underlay, one head-end-replication segment, a bridge on each host. */
export function meshTemplate(n: number): Topology {
  const count = Math.min(MESH_MAX, Math.max(MESH_MIN, Math.floor(n)));
  const bridge = 'br-mesh';
  const hosts: Host[] = [];
  const memberships: Membership[] = [];
  const positions: Record<string, Position> = {};
  for (let i = 1; i <= count; i++) {
    const id = `host-${i}`;
    // A known underlay MTU lets the plan set the overlay MTU (1500 - 50) instead of leaving it to the kernel.
    hosts.push(host(id, id, `192.168.1.${10 + i}`, bridge, 1500));
    memberships.push({ id: `m-${i}`, hostId: id, segmentId: 'vni-200', bridge, address: `10.20.0.${i}/24`, bridgePorts: [] });
    positions[id] = { x: 0, y: (i - 1) * 160 };
    positions[bridgeNodeId(id, bridge)] = { x: 320, y: (i - 1) * 160 + 16 };
  }
  positions['vni-200'] = { x: 576, y: Math.round(((count - 1) * 160) / 2 / 16) * 16 };
  return {
    format: CURRENT_FORMAT,
    id: newTopologyId(`mesh-${count}`),
    name: `${count}-host mesh`,
    hosts,
    segments: [
      {
        id: 'vni-200',
        name: 'mesh',
        vni: 200,
        port: VXLAN_DEFAULT_PORT,
        mtu: 'auto',
        flood: { mode: 'unicast-mesh' },
        learning: true,
        subnet: '10.20.0.0/24',
      },
    ],
    memberships,
    layout: { positions },
  };
}
