/**
 * Picks the transport at start: the preload bridge inside the Electron app, otherwise the WebSocket
 * of web mode. The page holds no secret: opening the login URL printed by `vxlan-studio serve` gave
 * this browser an HttpOnly session cookie, which the browser sends with the WebSocket upgrade.
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

/** The WebSocket URL of the API for a page URL: same host, `/api`. */
export function apiSocketUrl(pageHref: string): string {
  const page = new URL(pageHref);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api`;
}

/**
 * Connects to the backend. In web mode it also checks the connection with `app.info`, so a browser
 * that is not logged in or a stopped server shows up at start, not at the first save.
 * @throws AppError DISCONNECTED when the server is gone or refuses this browser.
 */
export async function connectApi(env?: ConnectEnvironment, options: WsClientOptions = {}): Promise<ApiClient> {
  const { bridge, href } = env ?? { bridge: window.vxlanStudio, href: window.location.href };
  if (bridge) return createIpcClient(bridge);
  // Outside the desktop app, only a page served by `vxlan-studio serve` has a backend to reach: a
  // page opened from disk (file://) has no server, and its CSP allows no connection at all.
  const protocol = new URL(href).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new AppError(
      'DISCONNECTED',
      `This page was opened as ${protocol} and has no VXLAN Studio backend: start the desktop app, or open the login URL printed by \`vxlan-studio serve\`.`,
    );
  }
  const launch =
    typeof document === 'undefined'
      ? undefined
      : document.querySelector<HTMLMetaElement>('meta[name="vxs-launch-command"]')?.content;
  const client = createWsClient(apiSocketUrl(href), { ...(launch ? { launchCommand: launch } : {}), ...options });
  const info = await client.call('app.info', {});
  if (!info.ok) {
    client.close();
    throw new AppError(info.error.code, info.error.message, info.error.detail);
  }
  return client;
}
