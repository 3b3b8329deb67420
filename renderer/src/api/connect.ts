/**
 * Picks the transport at start: the preload bridge inside the Electron app, otherwise the WebSocket
 * of web mode with the token from the page URL (`?token=...`, as printed by `vxlan-studio serve`).
 */
import type { PreloadBridge } from '../../../shared/api/bridge';
import type { ApiClient } from '../../../shared/api/contract';
import { AppError } from '../../../shared/errors/catalogue';
import { createIpcClient } from './ipc-client';
import { createWsClient, type WsClientOptions } from './ws-client';

/** Where the page runs; defaults to the real `window`. */
export interface ConnectEnvironment {
  bridge: PreloadBridge | undefined;
  /** `location.href` of the page. */
  href: string;
}

/** The WebSocket URL of the API for a page URL: same host, `/api`, the page's token. */
export function apiSocketUrl(pageHref: string, token: string): string {
  const page = new URL(pageHref);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api?token=${encodeURIComponent(token)}`;
}

/**
 * Connects to the backend. In web mode it also checks the connection with `app.info`, so a wrong
 * token or a stopped server shows up at start, not at the first save.
 * @throws AppError UNAUTHORIZED when the page URL has no token; DISCONNECTED when the server refuses.
 */
export async function connectApi(env?: ConnectEnvironment, options: WsClientOptions = {}): Promise<ApiClient> {
  const { bridge, href } = env ?? { bridge: window.vxlanStudio, href: window.location.href };
  if (bridge) return createIpcClient(bridge);
  const token = new URL(href).searchParams.get('token');
  if (token === null || token === '') {
    throw new AppError('UNAUTHORIZED', 'This page was opened without its access token (the ?token=... part of the URL).');
  }
  const client = createWsClient(apiSocketUrl(href, token), options);
  const info = await client.call('app.info', {});
  if (!info.ok) {
    client.close();
    throw new AppError(info.error.code, info.error.message, info.error.detail);
  }
  return client;
}
