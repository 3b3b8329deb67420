/**
 * The one subscriber of API events: each event goes to the feature that owns it. The transport
 * (api/ipc-client.ts, api/ws-client.ts) has already parsed every payload against the contract, so
 * nothing here parses again.
 */
import type { ApiClient } from '../../../shared/api/contract';
import { getApiClient } from '../api/backend';
import { receiveHealthView } from '../health/health-actions';
import { useStore } from '../store/store';
import { runCommand } from './actions';

const state = () => useStore.getState();

/** Subscribes to every contract event the renderer acts on; returns the unsubscribe. */
export function subscribeApiEvents(api: ApiClient | null = getApiClient()): () => void {
  if (!api) return () => undefined;
  const offs = [
    api.on('menu.command', (e) => runCommand(e.command)),
    api.on('deploy.progress', (e) => state().applyDeployProgress(e)),
    api.on('hosts.hostKeyPrompt', (e) => state().addHostKeyPrompt(e)),
    api.on('hosts.credentialPrompt', (e) => state().addCredentialPrompt(e)),
    api.on('health.changed', receiveHealthView),
  ];
  return () => {
    for (const off of offs) off();
  };
}
