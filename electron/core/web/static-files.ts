/**
 * Serving the built renderer in web mode: MIME types, security headers and a path check that refuses
 * any `..`, encoded slash or NUL before touching the filesystem (a decoded `..%2f` would otherwise
 * escape the folder after URL normalisation has already run).
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { withCspMeta } from './page-csp';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function mimeType(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The Content-Security-Policy of web mode: only our own scripts, no eval, no inline scripts, no
 * plugins, no framing; the WebSocket back to this same server is the only connection allowed.
 * Inline *styles* stay allowed because React Flow positions nodes with style attributes.
 */
export function contentSecurityPolicy(wsOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${wsOrigin}`,
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent with every HTTP answer. `no-referrer` matters: a login URL carries a one-time code. */
export function securityHeaders(wsOrigin: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(wsOrigin),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export type StaticLookup = { kind: 'file'; file: string } | { kind: 'refused'; reason: string };

/**
 * Maps a raw request target (`/assets/a.js?x=1`) to a file under `root`, or refuses it.
 * Works on the raw target, before any normalisation, so traversal attempts are refused rather than
 * silently rewritten.
 */
export function resolveStaticPath(root: string, rawTarget: string): StaticLookup {
  const pathname = rawTarget.split(/[?#]/, 1)[0] ?? '';
  if (!pathname.startsWith('/')) return { kind: 'refused', reason: 'the path must start with /' };
  const segments: string[] = [];
  for (const encoded of pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { kind: 'refused', reason: 'the path is not valid percent-encoding' };
    }
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return { kind: 'refused', reason: 'the path climbs out of the web root' };
    if (/[/\\\0]/.test(segment)) return { kind: 'refused', reason: 'the path holds an encoded slash or NUL' };
    if (segment.startsWith('.')) return { kind: 'refused', reason: 'hidden files are not served' };
    segments.push(segment);
  }
  const base = path.resolve(root);
  const file = path.resolve(base, ...(segments.length === 0 ? ['index.html'] : segments));
  if (file !== base && !file.startsWith(base + path.sep))
    return { kind: 'refused', reason: 'the path climbs out of the web root' };
  return { kind: 'file', file };
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function statFile(file: string): Promise<number | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** Name of the page meta that tells a browser which command started this server (no secret in it). */
export const LAUNCH_META = 'vxs-launch-command';

/**
 * Adds `<meta name="vxs-launch-command" content="...">` to the page head, so a browser that is not
 * logged in can name the command whose terminal holds the login URL (`vxlan-studio serve` or the demo).
 */
export function withLaunchMeta(html: string, launchCommand: string | undefined): string {
  if (launchCommand === undefined) return html;
  const escaped = launchCommand.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const meta = `<meta name="${LAUNCH_META}" content="${escaped}" />`;
  return /<head>/i.test(html) ? html.replace(/<head>/i, `<head>\n    ${meta}`) : `${meta}\n${html}`;
}

/**
 * Answers one GET/HEAD for a static file. A missing path without a file extension falls back to
 * index.html (client-side routes); a missing asset is a 404.
 */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  launchCommand?: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method not allowed.\n', { ...headers, Allow: 'GET, HEAD' });
    return;
  }
  const lookup = resolveStaticPath(root, req.url ?? '/');
  if (lookup.kind === 'refused') {
    sendText(res, 400, `Bad path: ${lookup.reason}.\n`, headers);
    return;
  }
  let file = lookup.file;
  let size = await statFile(file);
  if (size === undefined && path.extname(file) === '') {
    file = path.join(path.resolve(root), 'index.html');
    size = await statFile(file);
  }
  if (size === undefined) {
    sendText(res, 404, 'Not found.\n', headers);
    return;
  }
  const isHtml = file.endsWith('.html');
  // The built page carries the desktop app's meta policy (no connections at all); here the header
  // policy, which allows this server's WebSocket, is the page's only one.
  const page = isHtml
    ? Buffer.from(withLaunchMeta(withCspMeta(await fs.readFile(file, 'utf8')), launchCommand), 'utf8')
    : undefined;
  res.writeHead(200, {
    ...headers,
    'Content-Type': mimeType(file),
    'Content-Length': page?.length ?? size,
    // The page must never be cached with a stale token flow; hashed assets may be revalidated.
    'Cache-Control': isHtml ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (page !== undefined) {
    res.end(page);
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
