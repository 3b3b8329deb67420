import { describe, expect, it } from 'vitest';
import { bridgeNodeId } from '../../../shared/model';
import { textbookTemplate } from '../files/templates';
import { parseBadge, selectBadge, selectProblems } from './problems';
import { createStudioStore } from '../store/store';

describe('problems and badges', () => {
  it('pin a refused edit to its element, on the canvas and in the list, without touching the document', () => {
    const store = createStudioStore();
    store.getState().loadDocument(textbookTemplate(), null);
    const before = store.getState().topology;
    store.getState().setFieldError({
      elementId: 'seg-100',
      canvasId: 'seg-100',
      elementKind: 'segment',
      field: 'segments[0].vni',
      label: 'VNI',
      raw: '0',
      message: 'must be 1-16777215',
    });
    expect(store.getState().topology).toBe(before);
    const problem = selectProblems(store.getState()).find((p) => p.origin === 'field');
    expect(problem).toMatchObject({ severity: 'error', canvasId: 'seg-100', target: 'node', path: 'segments[0].vni' });
    expect(parseBadge(selectBadge('seg-100')(store.getState()))).toMatchObject({ severity: 'error', count: 1 });
    store.getState().clearFieldError('seg-100', 'segments[0].vni');
    expect(selectBadge('seg-100')(store.getState())).toBe('');
  });

  it('draw a finding about a declared bridge on the bridge node, and info findings only in the list', () => {
    const store = createStudioStore();
    store.getState().loadDocument(textbookTemplate(), null);
    store.setState({
      diagnostics: [
        {
          code: 'IFNAME_INVALID',
          severity: 'warning',
          message: 'bad bridge',
          elementId: 'host-b',
          elementKind: 'host',
          path: 'hosts[1].bridges[0]',
        },
        {
          code: 'NOTE',
          severity: 'info',
          message: 'fyi',
          elementId: 'host-a',
          elementKind: 'host',
          path: 'hosts[0].underlay.mtu',
        },
      ],
    });
    const problems = selectProblems(store.getState());
    expect(problems.map((p) => p.canvasId)).toEqual([bridgeNodeId('host-b', 'br-overlay'), 'host-a']);
    expect(parseBadge(selectBadge(bridgeNodeId('host-b', 'br-overlay'))(store.getState()))?.severity).toBe('warning');
    expect(selectBadge('host-a')(store.getState())).toBe('');
  });
});
