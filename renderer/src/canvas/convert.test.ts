import { describe, expect, it } from 'vitest';
import { bridgeNodeId, TopologySchema, type Topology } from '../../../shared/model';
import { meshTemplate, textbookTemplate } from '../files/templates';
import { flowToTopology, topologyMeta, topologyToFlow } from './convert';

function roundTrip(t: Topology): Topology {
  const { nodes, edges } = topologyToFlow(t);
  return flowToTopology(topologyMeta(t), nodes, edges);
}

describe('canvas conversion', () => {
  it('gives back the same textbook topology after topology -> nodes/edges -> topology', () => {
    const t = textbookTemplate();
    expect(roundTrip(t)).toEqual(t);
  });

  it('gives back the same mesh topology, with $schema, viewport and a membership without bridge', () => {
    const mesh = meshTemplate(5);
    const t: Topology = TopologySchema.parse({
      ...mesh,
      $schema: '../docs/topology.schema.json',
      memberships: [
        ...mesh.memberships.slice(0, 4),
        { id: 'm-bare', hostId: 'host-5', segmentId: 'vni-200', address: '10.20.0.5/24' },
      ],
      layout: { ...mesh.layout, viewport: { x: 10, y: -20, zoom: 0.75 } },
    });
    expect(roundTrip(t)).toEqual(t);
  });

  it('draws bridges as nodes of their host and memberships from the bridge when one is set', () => {
    const { nodes, edges } = topologyToFlow(textbookTemplate());
    expect(nodes.map((n) => n.type).sort()).toEqual(['bridge', 'bridge', 'host', 'host', 'segment']);
    const bridgeA = bridgeNodeId('host-a', 'br-overlay');
    expect(nodes.find((n) => n.id === bridgeA)?.data).toEqual({ kind: 'bridge', hostId: 'host-a', name: 'br-overlay' });
    expect(edges.find((e) => e.id === 'host-a-seg-100')).toMatchObject({ source: bridgeA, target: 'seg-100' });
    expect(edges.find((e) => e.data?.kind === 'attachment' && e.source === 'host-a')?.target).toBe(bridgeA);
  });

  it('keeps node data serialisable (no functions), so the view can be cloned and compared', () => {
    const { nodes, edges } = topologyToFlow(meshTemplate(3));
    expect(JSON.parse(JSON.stringify({ nodes, edges }))).toEqual({ nodes, edges });
  });
});
