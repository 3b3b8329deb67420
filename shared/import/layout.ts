/**
 * The canvas layout of an imported drawing: the columns the templates and the editor's
 * auto-layout use (hosts, then their bridges, then the segments between), so an import opens tidy.
 */
import { bridgeNodeId, type Layout, type Topology } from '../model';

const ROW = 160;
const BRIDGE_X = 320;
const BRIDGE_STEP = 200;
const SEGMENT_GAP = 256;
/** Positions snap to the canvas grid. */
const GRID = 16;

const snap = (v: number): number => Math.round(v / GRID) * GRID;

/**
 * Hosts one under the other, each host's bridges to its right, segments in a column right of the
 * bridges, spread over the height of the hosts.
 *
 * @example
 * importLayout(twoHostsOneBridge).positions
 * // { 'host-a': { x: 0, y: 0 }, 'bridge:host-a:br-overlay': { x: 320, y: 16 }, 'host-b': { x: 0, y: 160 }, ..., 'seg-100': { x: 576, y: 80 } }
 */
export function importLayout(t: Pick<Topology, 'hosts' | 'segments'>): Layout {
  const positions: Layout['positions'] = {};
  let widest = 0;
  t.hosts.forEach((h, i) => {
    positions[h.id] = { x: 0, y: i * ROW };
    h.bridges.forEach((b, j) => {
      positions[bridgeNodeId(h.id, b)] = { x: BRIDGE_X + j * BRIDGE_STEP, y: i * ROW + GRID };
    });
    widest = Math.max(widest, h.bridges.length);
  });
  const x = BRIDGE_X + Math.max(0, widest - 1) * BRIDGE_STEP + SEGMENT_GAP;
  const height = Math.max(0, t.hosts.length - 1) * ROW;
  const n = t.segments.length;
  t.segments.forEach((s, k) => {
    // One segment sits at mid height; several share the height evenly.
    positions[s.id] = { x, y: snap(n === 1 ? height / 2 : (height * k) / (n - 1)) };
  });
  return { positions };
}
