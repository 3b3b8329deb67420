import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient, EventName, EventOf } from '../../../shared/api/contract';
import { meshTemplate } from '../files/templates';
import { useStore } from '../store/store';
import { subscribeApiEvents } from './api-events';

/** An ApiClient whose events the test emits (the transports' parsing is tested with them). */
function emitter(): { api: ApiClient; emit: <E extends EventName>(event: E, payload: EventOf<E>) => void; count: () => number } {
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const api: ApiClient = {
    call: () => Promise.reject(new Error('no calls here')),
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const entry = listener as (payload: never) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
  };
  return {
    api,
    emit: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload as never);
    },
    count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
  };
}

const s = () => useStore.getState();
let unsubscribe = (): void => undefined;
afterEach(() => unsubscribe());

describe('subscribeApiEvents', () => {
  it('hands each event to the slice that owns it, and unsubscribes from all of them', () => {
    s().loadDocument(meshTemplate(2), null);
    const hostId = s().topology.hosts[0]?.id ?? '';
    const { api, emit, count } = emitter();
    unsubscribe = subscribeApiEvents(api);
    expect(count()).toBe(5);

    s().beginDeployRun('apply', 'run-0001', 'run');
    emit('deploy.progress', { runId: 'run-0001', hostId, phase: 'connect', status: 'running' });
    expect(s().hostProgress[hostId]).toMatchObject({ phase: 'connect', status: 'running' });

    const key = { promptId: 'k1', host: '10.0.0.1', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' };
    emit('hosts.hostKeyPrompt', key);
    emit('hosts.hostKeyPrompt', key);
    expect(s().hostKeyPrompts).toEqual([key]);

    const credential = { promptId: 'c1', kind: 'password' as const, host: '10.0.0.1', user: 'root', canRemember: false };
    emit('hosts.credentialPrompt', credential);
    emit('hosts.credentialPrompt', credential);
    expect(s().credentialPrompts).toEqual([credential]);

    unsubscribe();
    expect(count()).toBe(0);
  });
});
