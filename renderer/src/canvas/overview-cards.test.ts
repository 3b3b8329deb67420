import { describe, expect, it } from 'vitest';
import { meshTemplate } from '../files/templates';
import { meshHealthRound } from '../health/mesh-round.testing';
import { createStudioStore } from '../store/store';
import type { Store } from '../store/types';
import {
  cardLooksSelector,
  drawnCardsInside,
  overviewNodeCache,
  overviewNodes,
  OVERVIEW_SIZE,
  type CardLook,
} from './overview-cards';

function meshStore() {
  const store = createStudioStore();
  store.getState().loadDocument(meshTemplate(3), null);
  return store;
}

describe('overview cards', () => {
  it('hides from React Flow every card but the selected, dragged and pointed ones, and draws the hidden ones', () => {
    const store = meshStore();
    store.getState().setSelection(['host-1'], []);
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-2', position: { x: 96, y: 96 }, dragging: true }]);
    const { nodes } = store.getState();
    const { flow, drawn } = overviewNodes(nodes, 'vni-200', overviewNodeCache());
    expect(flow.map((n) => n.id)).toEqual(nodes.map((n) => n.id));
    expect(flow.filter((n) => n.hidden !== true).map((n) => n.id)).toEqual(['host-1', 'host-2', 'vni-200']);
    const live = ['host-1', 'host-2', 'vni-200'];
    expect(drawn.map((n) => n.id)).toEqual(nodes.map((n) => n.id).filter((id) => !live.includes(id)));
    expect(drawn.map((n) => n.id)).toContain('host-3');
    // Each card comes with its overview size, so React Flow shows a live card in the frame it mounts.
    const host = flow.find((n) => n.id === 'host-3');
    expect([host?.initialWidth, host?.initialHeight]).toEqual([OVERVIEW_SIZE.host.width, OVERVIEW_SIZE.host.height]);
  });

  it("keeps an unchanged card's copy, so React Flow re-syncs only the cards that changed", () => {
    const store = meshStore();
    const cache = overviewNodeCache();
    const before = overviewNodes(store.getState().nodes, null, cache).flow;
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-2', position: { x: 96, y: 96 }, dragging: true }]);
    const after = overviewNodes(store.getState().nodes, null, cache).flow;
    expect(after.map((n, i) => n === before[i])).toEqual(after.map((n) => n.id !== 'host-2'));
  });

  it('gives back the same drawn array while a live card is dragged, so the drawn layer does not re-render for it', () => {
    const store = meshStore();
    store.getState().setSelection(['host-1'], []);
    const cache = overviewNodeCache();
    const before = overviewNodes(store.getState().nodes, null, cache).drawn;
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-1', position: { x: 96, y: 96 }, dragging: true }]);
    expect(overviewNodes(store.getState().nodes, null, cache).drawn).toBe(before);
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-2', position: { x: 96, y: 96 } }]);
    expect(overviewNodes(store.getState().nodes, null, cache).drawn).not.toBe(before);
  });

  it('gives every drawn card its look from one subscription: a health round re-renders only the cards whose health changed', () => {
    const store = meshStore();
    const looks = new Map<string, (s: Store) => CardLook>();
    const look = (): CardLook[] => cardLooksSelector(store.getState().nodes, looks)(store.getState());
    const ids = store.getState().nodes.map((n) => n.id);
    const at = (all: CardLook[], id: string): CardLook | undefined => all[ids.indexOf(id)];

    // A drag tick changes no card's look: the same array comes back.
    const select = cardLooksSelector(store.getState().nodes, looks);
    const first = select(store.getState());
    store.getState().applyNodeChanges([{ type: 'position', id: 'host-1', position: { x: 96, y: 96 }, dragging: true }]);
    expect(select(store.getState())).toBe(first);

    store.getState().setHealthPolling('running', 'poll-0001');
    store.getState().applyHealthView(meshHealthRound(1, null));
    const healthy = look();
    expect(at(healthy, 'host-3')?.className).toBe(' health-up');
    store.getState().applyHealthView(meshHealthRound(2, 'host-3'));
    const down = look();
    expect(at(down, 'host-3')?.className).toBe(' health-down');
    // Only host-3's look is a new object: the other cards' memo components keep theirs.
    expect(ids.filter((id) => at(down, id) !== at(healthy, id))).toEqual(['host-3']);
  });

  it("shows a card's problem badge", () => {
    const store = meshStore();
    const topology = store.getState().topology;
    store.getState().commit({ ...topology, segments: topology.segments.map((s) => ({ ...s, vni: 0 })) });
    const nodes = store.getState().nodes;
    const looks = cardLooksSelector(nodes, new Map())(store.getState());
    expect(looks[nodes.findIndex((n) => n.id === 'vni-200')]?.badge?.severity).toBe('error');
  });
});

describe('box selection of drawn cards', () => {
  const card = (id: string, x: number, y: number, hidden = true) => ({
    id,
    hidden,
    data: { kind: 'bridge' as const, hostId: 'h', name: id },
    internals: { positionAbsolute: { x, y } },
  });

  it('takes the hidden cards wholly inside the box, in flow coordinates under the view transform', () => {
    // Bridge cards are 128 x 56 zoomed out; at zoom 0.5 shifted by (10, 20) the box (10, 20)-(110, 70)
    // covers flow (0, 0)-(200, 100).
    const nodes = [card('in', 0, 0), card('partly', 150, 0), card('live', 10, 10, false), card('far', 500, 500)];
    expect(drawnCardsInside(nodes, { x: 10, y: 20, width: 100, height: 50 }, [10, 20, 0.5])).toEqual(['in']);
  });
});
