import { describe, expect, it } from 'vitest';
import { meshTemplate } from '../files/templates';
import { createStudioStore } from '../store/store';

function storeWithMesh(hosts: number) {
  const store = createStudioStore();
  store.getState().loadDocument(meshTemplate(hosts), null);
  return store;
}

describe('canvas view derivation', () => {
  it('a drag tick gives React Flow a new object for the dragged node only, and the very same edges and selection', () => {
    const store = storeWithMesh(5);
    const s = () => store.getState();
    s().setSelection(['host-2'], []);
    const before = s();
    s().applyNodeChanges([{ type: 'position', id: 'host-2', position: { x: 48, y: 192 }, dragging: true }]);
    const after = s();
    const changed = after.nodes.filter((n, i) => n !== before.nodes[i]).map((n) => n.id);
    expect(changed).toEqual(['host-2']);
    expect(after.nodes.find((n) => n.id === 'host-2')?.position).toEqual({ x: 48, y: 192 });
    expect(after.edges).toBe(before.edges);
    expect(after.selectedNodeIds).toBe(before.selectedNodeIds);
    expect(after.selectedEdgeIds).toBe(before.selectedEdgeIds);
  });

  it('a change that moves nothing hands back the previous node and edge arrays themselves', () => {
    const store = storeWithMesh(5);
    const s = () => store.getState();
    const before = s();
    s().applyNodeChanges([
      { type: 'position', id: 'host-3', position: { ...(before.topology.layout.positions['host-3'] ?? { x: 0, y: 0 }) } },
    ]);
    expect(s().nodes).toBe(before.nodes);
    expect(s().edges).toBe(before.edges);
  });

  it('selecting one node renews that node only; an edit renews only the edited host and its edges stay', () => {
    const store = storeWithMesh(5);
    const s = () => store.getState();
    const before = s();
    s().setSelection(['host-4'], []);
    expect(
      s()
        .nodes.filter((n, i) => n !== before.nodes[i])
        .map((n) => n.id),
    ).toEqual(['host-4']);
    expect(s().edges).toBe(before.edges);

    const selected = s();
    const topology = selected.topology;
    s().commit({ ...topology, hosts: topology.hosts.map((h) => (h.id === 'host-1' ? { ...h, name: 'renamed' } : h)) });
    expect(
      s()
        .nodes.filter((n, i) => n !== selected.nodes[i])
        .map((n) => n.id),
    ).toEqual(['host-1']);
    expect(s().edges).toBe(selected.edges);
  });

  it('a drag then an undo puts the node back where the drawing had it', () => {
    const store = storeWithMesh(3);
    const s = () => store.getState();
    const start = s().nodes.find((n) => n.id === 'host-1')?.position;
    s().checkpoint();
    s().applyNodeChanges([{ type: 'position', id: 'host-1', position: { x: 400, y: 400 }, dragging: true }]);
    s().undo();
    expect(s().nodes.find((n) => n.id === 'host-1')?.position).toEqual(start);
  });
});
