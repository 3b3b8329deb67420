import { describe, expect, it } from 'vitest';
import type { PreloadBridge } from '../../../shared/api/bridge';
import { createIpcClient } from './ipc-client';

function bridgeWith(overrides: Partial<Record<string, unknown>>): PreloadBridge {
  return { onEvent: () => () => undefined, ...overrides } as unknown as PreloadBridge;
}

describe('createIpcClient', () => {
  it('calls the preload function named after the method with the request', async () => {
    const calls: unknown[] = [];
    const bridge = bridgeWith({
      filePickSave: (request: unknown) => {
        calls.push(request);
        return Promise.resolve({ ok: true, value: { path: '/tmp/x.vxlan.json' } });
      },
    });
    const result = await createIpcClient(bridge).call('file.pickSave', { suggestedName: 'x.vxlan.json' });
    expect(result).toEqual({ ok: true, value: { path: '/tmp/x.vxlan.json' } });
    expect(calls).toEqual([{ suggestedName: 'x.vxlan.json' }]);
  });

  it('turns a rejected invoke into DISCONNECTED instead of throwing', async () => {
    const bridge = bridgeWith({ recentList: () => Promise.reject(new Error("Error invoking remote method 'api:recent.list'")) });
    const result = await createIpcClient(bridge).call('recent.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
  });

  it('reports UNKNOWN_METHOD when an older preload lacks the function', async () => {
    const result = await createIpcClient(bridgeWith({})).call('autosave.clear', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('subscribes to events through the bridge', () => {
    const subscribed: string[] = [];
    const bridge = bridgeWith({
      onEvent: (name: string) => {
        subscribed.push(name);
        return () => undefined;
      },
    });
    createIpcClient(bridge).on('menu.command', () => undefined);
    expect(subscribed).toEqual(['menu.command']);
  });

  it('parses each event payload against the contract before a listener sees it, and drops one that does not parse', () => {
    let deliver: (payload: unknown) => void = () => undefined;
    const bridge = bridgeWith({
      onEvent: (_name: string, listener: (payload: unknown) => void) => {
        deliver = listener;
        return () => undefined;
      },
    });
    const seen: unknown[] = [];
    createIpcClient(bridge).on('deploy.progress', (e) => seen.push(e));
    deliver({ runId: 'run-0001', hostId: 'h1', phase: 'apply', status: 'exploded' });
    deliver({ runId: 'run-0001', hostId: 'h1', phase: 'apply', status: 'running', step: 2, total: 5, extra: 'dropped' });
    expect(seen).toEqual([{ runId: 'run-0001', hostId: 'h1', phase: 'apply', status: 'running', step: 2, total: 5 }]);
  });
});
