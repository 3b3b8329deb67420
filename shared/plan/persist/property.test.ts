/**
 * Property test (fast-check): any valid drawing, with any interface names the schema accepts, renders
 * for every manager without throwing; every file lands inside its manager's directories, carries the
 * mark, and a name a manager would read as syntax is refused with a coded error instead of written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, InterfaceNameSchema, TopologySchema, type Topology } from '../../model';
import { desiredHostState } from '../desired';
import { PERSIST_DIRS, PERSIST_MANAGERS, PERSIST_MARK_PREFIX, renderPersist } from './index';

const nameArb = fc
  .oneof(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,11}$/), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 15 }))
  .filter((s) => InterfaceNameSchema.safeParse(s).success);

const drawingArb = fc
  .record({
    mode: fc.constantFrom('point-to-point', 'unicast-mesh', 'multicast'),
    v6: fc.boolean(),
    hosts: fc.integer({ min: 2, max: 4 }),
    device: fc.option(nameArb, { nil: undefined }),
    bridge: fc.option(nameArb, { nil: undefined }),
    port: fc.option(nameArb, { nil: undefined }),
    address: fc.boolean(),
    mtu: fc.oneof(fc.constant('auto' as const), fc.integer({ min: 1280, max: 9000 })),
    learning: fc.boolean(),
    ttl: fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
  })
  .filter(
    (d) =>
      new Set([d.device, d.bridge, d.port, 'eth0'].filter((n) => n !== undefined)).size ===
      [d.device, d.bridge, d.port, 'eth0'].filter((n) => n !== undefined).length,
  )
  .map((d): Topology => {
    const count = d.mode === 'point-to-point' ? 2 : d.hosts;
    const hosts = Array.from({ length: count }, (_, i) => ({
      id: `h${i}`,
      name: `host-${i}`,
      ssh: { host: `h${i}.example` },
      underlay: { interface: 'eth0', address: d.v6 ? `2001:db8::${i + 1}` : `192.0.2.${i + 1}`, mtu: 1500 },
      bridges: d.bridge !== undefined ? [d.bridge] : [],
    }));
    const flood =
      d.mode === 'multicast'
        ? { mode: 'multicast' as const, group: d.v6 ? 'ff05::100' : '239.1.1.1', ...(d.ttl === undefined ? {} : { ttl: d.ttl }) }
        : { mode: d.mode };
    return TopologySchema.parse({
      format: CURRENT_FORMAT,
      id: 'prop',
      name: 'Property',
      hosts,
      segments: [{ id: 's', name: 's', vni: 4242, mtu: d.mtu, learning: d.learning, flood, subnet: '10.9.0.0/24' }],
      memberships: hosts.map((h, i) => ({
        id: `m${i}`,
        hostId: h.id,
        segmentId: 's',
        ...(d.device !== undefined ? { device: d.device } : {}),
        ...(d.bridge !== undefined ? { bridge: d.bridge, bridgePorts: d.port !== undefined ? [d.port] : [] } : {}),
        ...(d.address ? { address: `10.9.0.${i + 1}/24` } : {}),
      })),
    });
  });

describe('renderPersist on arbitrary valid drawings', () => {
  it('never throws, keeps every file inside its manager directory, marks every file, or refuses with PERSIST_NAME_UNSAFE', () => {
    fc.assert(
      fc.property(drawingArb, fc.constantFrom(...PERSIST_MANAGERS), (t, manager) => {
        const desired = desiredHostState(t, 'h0');
        const r = renderPersist(desired, manager);
        const unsafe = r.diagnostics.filter((d) => d.code === 'PERSIST_NAME_UNSAFE');
        if (unsafe.length > 0) {
          expect(r.files).toEqual([]);
          expect(unsafe[0]?.severity).toBe('error');
          return;
        }
        expect(r.files.length).toBeGreaterThan(0);
        for (const f of r.files) {
          expect(
            PERSIST_DIRS[manager].some((dir) => f.path.startsWith(dir)),
            f.path,
          ).toBe(true);
          expect(f.path.split('/')).not.toContain('..');
          const lines = f.content.split('\n');
          expect(lines[0]?.startsWith('#!') ? lines[1] : lines[0]).toContain(`${PERSIST_MARK_PREFIX} (${desired.mark})`);
          // One device per line: no name or value can start a new line, section or stanza.
          for (const line of lines) expect(line).not.toMatch(/[\r\u2028\u2029]/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
