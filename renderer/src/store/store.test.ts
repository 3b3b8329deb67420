import { describe, expect, it } from 'vitest';
import { bridgeNodeId, parseTopologyText, serializeTopology } from '../../../shared/model';
import { validateTopology } from '../../../shared/validate';
import { deployBlocker } from '../deploy/deploy-actions';
import { textbookTemplate } from '../files/templates';
import { createStudioStore, selectDirty } from './store';
import { diagnosticsOf, HISTORY_LIMIT } from '../editor/topology-slice';
import { addHost, addSegment, connect } from '../editor/topology-ops';

function drawTwoHostsAndASegment(store: ReturnType<typeof createStudioStore>) {
  const s = () => store.getState();
  const a = addHost(s().topology, { x: 0, y: 0 });
  s().commit(a.topology);
  const seg = addSegment(s().topology, { x: 400, y: 0 });
  s().commit(seg.topology);
  const m = connect(s().topology, a.id, seg.id);
  if ('error' in m) throw new Error(m.error);
  s().commit(m.topology);
  return { hostId: a.id, segmentId: seg.id, membershipId: m.id };
}

describe('undo and redo', () => {
  it('step back through every edit to the empty drawing and forward again', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    drawTwoHostsAndASegment(store);
    const drawn = s().topology;
    expect(s().nodes).toHaveLength(2);
    expect(s().edges).toHaveLength(1);

    s().undo();
    expect(s().edges).toHaveLength(0);
    s().undo();
    s().undo();
    expect(s().nodes).toHaveLength(0);
    s().undo();
    expect(s().nodes).toHaveLength(0);

    s().redo();
    s().redo();
    s().redo();
    expect(s().topology).toBe(drawn);
    expect(s().future).toHaveLength(0);
  });

  it('a new edit after undo drops the redo branch', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    drawTwoHostsAndASegment(store);
    s().undo();
    s().commit(addHost(s().topology, { x: 0, y: 200 }).topology);
    expect(s().future).toHaveLength(0);
    s().redo();
    expect(s().topology.hosts).toHaveLength(2);
    expect(s().topology.memberships).toHaveLength(0);
  });

  it('records a whole drag as one step, and undo puts the node back where it was', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    const { hostId } = drawTwoHostsAndASegment(store);
    const depth = s().past.length;
    s().checkpoint();
    for (let x = 16; x <= 160; x += 16)
      s().applyNodeChanges([{ type: 'position', id: hostId, position: { x, y: 32 }, dragging: true }]);
    s().applyNodeChanges([{ type: 'position', id: hostId, dragging: false }]);
    expect(s().past).toHaveLength(depth + 1);
    expect(s().topology.layout.positions[hostId]).toEqual({ x: 160, y: 32 });
    s().undo();
    expect(s().topology.layout.positions[hostId]).toEqual({ x: 0, y: 0 });
  });

  it('keeps at most HISTORY_LIMIT steps', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) s().commit(addSegment(s().topology, { x: 0, y: i * 16 }).topology);
    expect(s().past).toHaveLength(HISTORY_LIMIT);
  });

  it('undoes a refused field value before the edit that came before it', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadDocument(textbookTemplate(), null);
    const seg = s().topology.segments[0];
    if (!seg) throw new Error('the template has no segment');
    // An accepted MTU change, then a VNI out of range that the Inspector refused (it never reached the drawing).
    s().commit({ ...s().topology, segments: [{ ...seg, mtu: 1400 }] });
    const withMtu = s().topology;
    s().setFieldError({
      elementId: seg.id,
      canvasId: seg.id,
      elementKind: 'segment',
      field: 'segments[0].vni',
      label: 'VNI',
      raw: '20000000',
      message: 'must be 1-16777215',
    });
    expect(deployBlocker(s())).not.toBeNull();

    s().undo();
    expect(s().fieldErrors).toEqual({});
    expect(s().topology).toBe(withMtu);
    expect(s().topology.segments[0]?.mtu).toBe(1400);
    expect(s().topology.segments[0]?.vni).toBe(seg.vni);
    expect(deployBlocker(s())).toBeNull();

    // The next Undo reverts the MTU change as usual.
    s().undo();
    expect(s().topology.segments[0]?.mtu).toBe(seg.mtu);
  });

  it('undoes refused field values newest first, a value refused again counting as the newest', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadDocument(textbookTemplate(), null);
    const error = (field: string, raw: string) => ({
      elementId: 'seg-100',
      canvasId: 'seg-100',
      elementKind: 'segment' as const,
      field,
      label: field,
      raw,
      message: 'refused',
    });
    s().setFieldError(error('vni', '0'));
    s().setFieldError(error('mtu', '9'));
    s().setFieldError(error('vni', '-1'));
    s().undo();
    expect(Object.values(s().fieldErrors).map((e) => e.raw)).toEqual(['9']);
    s().undo();
    expect(s().fieldErrors).toEqual({});
    expect(s().past).toHaveLength(0);
  });

  it('undoing back to the saved drawing makes it clean again', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadDocument(textbookTemplate(), '/tmp/x.vxlan.json');
    expect(selectDirty(s())).toBe(false);
    s().commit(addHost(s().topology, { x: 0, y: 500 }).topology);
    expect(selectDirty(s())).toBe(true);
    s().undo();
    expect(selectDirty(s())).toBe(false);
  });
});

describe('copy and paste', () => {
  it('pastes copies with new ids, moved positions, remapped memberships and a free VNI, and selects them', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    const loaded = textbookTemplate();
    s().loadDocument(loaded, null);
    s().setSelection(['host-a', 'host-b', 'seg-100'], []);
    expect(s().copySelection()).toBe(3);
    s().paste();

    const t = s().topology;
    expect(t.hosts).toHaveLength(4);
    expect(t.segments).toHaveLength(2);
    expect(t.memberships).toHaveLength(4);
    const [copyA, copyB] = t.hosts.slice(2);
    const copySeg = t.segments[1];
    if (!copyA || !copyB || !copySeg) throw new Error('paste made nothing');
    expect(new Set(t.hosts.map((h) => h.id)).size).toBe(4);
    expect(copyA.name).toBe('host-a (2)');
    expect(copySeg.vni).toBe(101);
    expect(copySeg.id).not.toBe('seg-100');
    const pasted = t.memberships.slice(2);
    expect(pasted.map((m) => [m.hostId, m.segmentId, m.bridge, m.address])).toEqual([
      [copyA.id, copySeg.id, 'br-overlay', '10.0.0.1/24'],
      [copyB.id, copySeg.id, 'br-overlay', '10.0.0.2/24'],
    ]);
    expect(t.layout.positions[copyA.id]).toEqual({ x: 32, y: 32 });
    expect(t.layout.positions[bridgeNodeId(copyA.id, 'br-overlay')]).toEqual({ x: 352, y: 48 });
    expect(s().selectedNodeIds).toEqual([
      copyA.id,
      bridgeNodeId(copyA.id, 'br-overlay'),
      copyB.id,
      bridgeNodeId(copyB.id, 'br-overlay'),
      copySeg.id,
    ]);

    s().paste();
    expect(s().topology.layout.positions[s().topology.hosts[4]?.id ?? '']).toEqual({ x: 64, y: 64 });
    s().undo();
    s().undo();
    expect(s().topology).toEqual(loaded);
  });

  it('copies only memberships whose host and segment are both selected', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadDocument(textbookTemplate(), null);
    s().setSelection(['host-a'], []);
    s().copySelection();
    s().paste();
    expect(s().topology.hosts).toHaveLength(3);
    expect(s().topology.memberships).toHaveLength(2);
  });
});

describe('delete', () => {
  it('deleting a host removes its bridges and memberships; deleting a bridge keeps the membership without it', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadDocument(textbookTemplate(), null);
    s().setSelection([bridgeNodeId('host-b', 'br-overlay')], []);
    s().deleteSelection();
    expect(s().topology.hosts[1]?.bridges).toEqual([]);
    expect(s().topology.memberships.find((m) => m.id === 'host-b-seg-100')).toEqual({
      id: 'host-b-seg-100',
      hostId: 'host-b',
      segmentId: 'seg-100',
      device: 'vxlan100',
      address: '10.0.0.2/24',
      bridgePorts: [],
    });

    s().setSelection(['host-a'], []);
    s().deleteSelection();
    expect(s().topology.hosts.map((h) => h.id)).toEqual(['host-b']);
    expect(s().topology.memberships.map((m) => m.id)).toEqual(['host-b-seg-100']);
    expect(Object.keys(s().topology.layout.positions).sort()).toEqual(['host-b', 'seg-100']);
    expect(s().selectedNodeIds).toEqual([]);
  });
});

describe('connections', () => {
  it('refuses a second membership of the same host in the same segment, with the reason', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    const { hostId, segmentId } = drawTwoHostsAndASegment(store);
    const again = connect(s().topology, hostId, segmentId);
    expect(again).toEqual({ error: expect.stringContaining('already a member') as unknown });
    expect(connect(s().topology, segmentId, segmentId)).toHaveProperty('error');
  });
});

describe('opening', () => {
  it('loading a drawing that Open has already validated (in a task of its own) takes those diagnostics instead of validating again', () => {
    const store = createStudioStore();
    const topology = textbookTemplate();
    topology.segments[1] = { ...topology.segments[1]!, vni: topology.segments[0]!.vni };
    const diagnostics = diagnosticsOf(topology);
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    store.getState().loadDocument(topology, '/work/t.vxlan.json');
    expect(store.getState().diagnostics).toBe(diagnostics);
  });

  it("Open's validation of a file the schema has just parsed skips the schema pass and finds the same problems", () => {
    const drawing = textbookTemplate();
    drawing.segments.push({ ...drawing.segments[0]!, id: 'seg-copy', name: 'copy' });
    const parsed = parseTopologyText(serializeTopology(drawing));
    if (!parsed.ok) throw new Error('the template does not parse');
    const diagnostics = diagnosticsOf(parsed.topology, { schema: false });
    expect(diagnostics.some((d) => d.code === 'VNI_DUPLICATE')).toBe(true);
    expect(diagnostics).toEqual(validateTopology(parsed.topology));
  });
});
