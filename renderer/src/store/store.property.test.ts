import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopologySchema, type Topology } from '../../../shared/model';
import { topologyToFlow } from '../canvas/convert';
import { createStudioStore } from './store';
import { addBridge, addHost, addSegment, connect } from '../editor/topology-ops';

type Op =
  | { op: 'host' | 'segment'; x: number; y: number }
  | { op: 'bridge' | 'connect' | 'select'; a: number; b: number }
  | { op: 'delete' | 'copy' | 'paste' | 'undo' | 'redo' | 'selectAll' };

const coord = fc.integer({ min: -2000, max: 2000 });
const pick = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('host' as const, 'segment' as const), x: coord, y: coord }),
  fc.record({ op: fc.constantFrom('bridge' as const, 'connect' as const, 'select' as const), a: pick, b: pick }),
  fc.record({
    op: fc.constantFrom(
      'delete' as const,
      'copy' as const,
      'paste' as const,
      'undo' as const,
      'redo' as const,
      'selectAll' as const,
    ),
  }),
);

function nth<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

describe('the store under any sequence of edits', () => {
  it('keeps a schema-valid topology, a canvas view that matches it, and undo back to the start', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const store = createStudioStore();
        const s = () => store.getState();
        const start: Topology = s().topology;
        for (const o of ops) {
          const t = s().topology;
          switch (o.op) {
            case 'host':
              s().commit(addHost(t, { x: o.x, y: o.y }).topology);
              break;
            case 'segment':
              s().commit(addSegment(t, { x: o.x, y: o.y }).topology);
              break;
            case 'bridge': {
              const host = nth(t.hosts, o.a);
              if (host) {
                const r = addBridge(t, host.id, { x: o.b, y: o.b });
                if (!('error' in r)) s().commit(r.topology);
              }
              break;
            }
            case 'connect': {
              const from = nth(
                s().nodes.filter((n) => n.data.kind !== 'segment'),
                o.a,
              );
              const to = nth(t.segments, o.b);
              if (from && to) {
                const r = connect(t, from.id, to.id);
                if (!('error' in r)) s().commit(r.topology);
              }
              break;
            }
            case 'select': {
              const n = nth(s().nodes, o.a);
              const e = nth(
                s().edges.filter((x) => x.data?.kind === 'membership'),
                o.b,
              );
              s().setSelection(n ? [n.id] : [], e ? [e.id] : []);
              break;
            }
            case 'delete':
              s().deleteSelection();
              break;
            case 'copy':
              s().copySelection();
              break;
            case 'paste':
              s().paste();
              break;
            case 'undo':
              s().undo();
              break;
            case 'redo':
              s().redo();
              break;
            case 'selectAll':
              s().selectAll();
              break;
          }
          const now = s().topology;
          expect(TopologySchema.safeParse(now).success).toBe(true);
          const view = topologyToFlow(now);
          expect(s().nodes.map((n) => n.id)).toEqual(view.nodes.map((n) => n.id));
          expect(s().edges.map((e) => e.id)).toEqual(view.edges.map((e) => e.id));
          const ids = new Set(s().nodes.map((n) => n.id));
          expect(s().selectedNodeIds.every((id) => ids.has(id))).toBe(true);
          // Every membership joins a live host and segment, through a bridge that host declares.
          for (const m of now.memberships) {
            const host = now.hosts.find((h) => h.id === m.hostId);
            expect(host).toBeDefined();
            expect(now.segments.some((g) => g.id === m.segmentId)).toBe(true);
            if (m.bridge !== undefined) expect(host?.bridges).toContain(m.bridge);
          }
        }
        while (s().past.length > 0) s().undo();
        expect(s().topology).toBe(start);
      }),
      { numRuns: 150 },
    );
  });
});
