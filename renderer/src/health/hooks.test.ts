import { describe, expect, it } from 'vitest';
import { meshTemplate } from '../files/templates';
import { createStudioStore } from '../store/store';
import { selectEdgeHealthView, selectHostHealthView } from './hooks';
import { MESH_HOSTS as HOSTS, meshHealthRound as round } from './mesh-round.testing';

describe('canvas health views', () => {
  it('a health round gives a new view object only to the host and edge that changed, so only they re-render', () => {
    const store = createStudioStore();
    store.getState().loadDocument(meshTemplate(3), null);
    store.getState().setHealthPolling('running', 'poll-0001');
    store.getState().applyHealthView(round(1, null));
    const hosts = HOSTS.map((h) => selectHostHealthView(h));
    const edges = HOSTS.map((h, i) => selectEdgeHealthView(`m-${i + 1}`, h, 'vni-200'));
    const hostViews = hosts.map((sel) => sel(store.getState()));
    const edgeViews = edges.map((sel) => sel(store.getState()));

    store.getState().applyHealthView(round(2, 'host-2'));
    const st = store.getState();
    expect(hosts.map((sel, i) => sel(st) === hostViews[i])).toEqual([true, false, true]);
    expect(edges.map((sel, i) => sel(st) === edgeViews[i])).toEqual([true, false, true]);
    expect(hosts[1]?.(st).className).toContain('health-down');
    expect(edges[1]?.(st).className).toContain('health-edge-down');
  });

  it('a drag tick or a selection keeps every health view object', () => {
    const store = createStudioStore();
    store.getState().loadDocument(meshTemplate(3), null);
    store.getState().setHealthPolling('running', 'poll-0001');
    store.getState().applyHealthView(round(1, 'host-3'));
    const sel = selectHostHealthView('host-3');
    const view = sel(store.getState());
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-3', position: { x: 96, y: 96 }, dragging: true }]);
    store.getState().setSelection(['host-3'], []);
    expect(sel(store.getState())).toBe(view);
  });
});
