/**
 * Content-Security-Policy of the desktop renderer (Electron security checklist item 7). The built
 * page loads over file://, which gets no HTTP headers, so the same policy must also sit in
 * renderer/index.html as a <meta>; main adds it as a header to every http(s) answer (dev server).
 */

/**
 * @param dev the Vite dev server needs an inline React-refresh preamble and its HMR WebSocket;
 *   production allows neither.
 */
export function rendererCsp(dev: boolean): string {
  return [
    "default-src 'none'",
    dev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    dev ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
  ].join('; ');
}
