/**
 * Content-Security-Policy of the desktop renderer (Electron security checklist item 7). The built
 * page loads over file://, which gets no HTTP headers, so the renderer build writes the production
 * policy into dist/renderer/index.html as a <meta> (renderer/vite.config.ts); main also adds it as a
 * header to every http(s) answer (the dev server). Web mode serves the same page with its own header
 * policy instead (electron/core/web/static-files.ts).
 */

/**
 * @param dev the Vite dev server needs an inline React-refresh preamble and its HMR WebSocket;
 *   production allows neither, and no connection at all: the desktop renderer talks to main over
 *   IPC only, so a WebSocket or fetch (to a local service, say) is never ours.
 */
export function rendererCsp(dev: boolean): string {
  return [
    "default-src 'none'",
    dev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    dev ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
  ].join('; ');
}
