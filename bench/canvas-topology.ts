/**
 * Large, valid drawings for the canvas benchmark and the canvas-at-scale e2e spec: `hosts` hosts in
 * groups of 10, one segment per group, and every host a member of its group's segment and of the
 * next group's (2 memberships per host). 100 hosts give 110 nodes and 200 edges, 1,000 hosts 1,100
 * nodes and 2,000 edges. Laid out as a square-ish grid of blocks (10 hosts in two columns, the
 * segment to their right), like a drawing someone arranged by hand.
 */
import {
  serializeTopology,
  CURRENT_FORMAT,
  TopologySchema,
  type Position,
  type Topology,
  type TopologyInput,
} from '../shared/model';

export const HOSTS_PER_GROUP = 10;

type MembershipIn = NonNullable<TopologyInput['memberships']>[number];

const COLUMN = 288;
const ROW = 144;
const BLOCK_WIDTH = 3 * COLUMN + 96;
const BLOCK_HEIGHT = 5 * ROW + 96;

function underlay(i: number): string {
  return `172.16.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** The drawing; `hosts` must be a multiple of 10 (at least 20, so the "next group" is another one). */
export function canvasTopology(hosts: number): Topology {
  if (hosts % HOSTS_PER_GROUP !== 0 || hosts < 2 * HOSTS_PER_GROUP)
    throw new Error(`canvasTopology: hosts must be a multiple of ${HOSTS_PER_GROUP} and at least 20, got ${hosts}`);
  const groups = hosts / HOSTS_PER_GROUP;
  const blocksPerRow = Math.ceil(Math.sqrt(groups * (BLOCK_HEIGHT / BLOCK_WIDTH)));
  const positions: Record<string, Position> = {};
  const memberships: MembershipIn[] = [];
  const hostList = Array.from({ length: hosts }, (_, i) => ({
    id: `h${i}`,
    name: `host-${i}`,
    ssh: { host: underlay(i) },
    underlay: { interface: 'eth0', address: underlay(i), mtu: 1500 },
  }));
  const segments = Array.from({ length: groups }, (_, g) => ({
    id: `s${g}`,
    name: `segment-${g}`,
    vni: 1000 + g,
    flood: { mode: 'multicast' as const, group: `239.1.${Math.floor(g / 250)}.${(g % 250) + 1}`, ttl: 8 },
    subnet: `10.${Math.floor(g / 250)}.${g % 250}.0/24`,
  }));
  for (let g = 0; g < groups; g++) {
    const left = (g % blocksPerRow) * BLOCK_WIDTH;
    const top = Math.floor(g / blocksPerRow) * BLOCK_HEIGHT;
    positions[`s${g}`] = { x: left + 2 * COLUMN, y: top + 2 * ROW };
    for (let k = 0; k < HOSTS_PER_GROUP; k++) {
      const i = g * HOSTS_PER_GROUP + k;
      positions[`h${i}`] = { x: left + (k % 2) * COLUMN, y: top + Math.floor(k / 2) * ROW };
      const next = (g + 1) % groups;
      // Own segment: addresses .1-.10; the next group's segment: .101-.110 (no clash with its own hosts).
      memberships.push({
        id: `m${i}-a`,
        hostId: `h${i}`,
        segmentId: `s${g}`,
        address: `10.${Math.floor(g / 250)}.${g % 250}.${k + 1}/24`,
      });
      memberships.push({
        id: `m${i}-b`,
        hostId: `h${i}`,
        segmentId: `s${next}`,
        address: `10.${Math.floor(next / 250)}.${next % 250}.${k + 101}/24`,
      });
    }
  }
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: `canvas-bench-${hosts}`,
    name: `Canvas bench, ${hosts} hosts`,
    hosts: hostList,
    segments,
    memberships,
    layout: { positions },
  });
}

/** The drawing as the file Save writes. */
export function canvasTopologyFile(hosts: number): string {
  return serializeTopology(canvasTopology(hosts));
}
