/**
 * The CSP the packaged desktop page really gets: the renderer is built with the real Vite config,
 * and the <meta> policy in the built index.html (the only policy a file:// page has) is read back.
 * The same build is then served through web mode's static-file code, which must drop that meta.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders, serveStatic } from '../core/web/static-files';
import { rendererCsp } from './csp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tmp: string;
let builtPage: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-csp-'));
  await build({
    configFile: path.join(ROOT, 'renderer', 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir: path.join(tmp, 'renderer'), emptyOutDir: true, sourcemap: false },
  });
  builtPage = await fs.readFile(path.join(tmp, 'renderer', 'index.html'), 'utf8');
}, 180_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The attributes of every <meta> element of `html`, names lower-cased (what a browser reads). */
function metaElements(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<meta\b([^>]*)>/gi)].map((m) =>
    Object.fromEntries(
      [...(m[1] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)].map((a) => [
        (a[1] ?? '').toLowerCase(),
        (a[2] ?? a[3] ?? a[4] ?? '')
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&amp;/g, '&'),
      ]),
    ),
  );
}

function metaPolicies(html: string): string[] {
  return metaElements(html)
    .filter((m) => m['http-equiv']?.toLowerCase() === 'content-security-policy')
    .map((m) => m['content'] ?? '');
}

/** `directive -> sources` of a serialized policy. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0] !== '')
      .map(([name, ...sources]) => [(name ?? '').toLowerCase(), sources]),
  );
}

describe('the packaged renderer page', () => {
  it('carries exactly one meta CSP, and it is the desktop header policy, allowing no connection at all', () => {
    const policies = metaPolicies(builtPage);
    expect(policies).toEqual([rendererCsp(false)]);
    const policy = directives(policies[0] ?? '');
    expect(policy.get('connect-src')).toEqual(["'none'"]);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    const everySource = [...policy.values()].flat();
    expect(everySource.filter((s) => /^(wss?:|https?:|\*)/i.test(s))).toEqual([]);
  });

  it('puts the policy before every script and stylesheet, since a meta policy governs only what follows it', () => {
    const at = builtPage.search(/<meta\b[^>]*content-security-policy/i);
    expect(at).toBeGreaterThan(builtPage.search(/<head\b/i));
    expect(at).toBeLessThan(builtPage.search(/<script\b/i));
    expect(at).toBeLessThan(builtPage.search(/<link\b[^>]*stylesheet/i));
  });

  it('is served in web mode with only the header policy, which allows its own WebSocket', async () => {
    const wsOrigin = 'ws://127.0.0.1:4321';
    const server = http.createServer(
      (req, res) => void serveStatic(path.join(tmp, 'renderer'), req, res, securityHeaders(wsOrigin)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const target of ['/', '/index.html']) {
        const res = await fetch(`http://127.0.0.1:${port}${target}`);
        const body = await res.text();
        // A meta policy would be enforced on top of the header and block the WebSocket.
        expect(metaPolicies(body), target).toEqual([]);
        expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(body));
        expect(directives(res.headers.get('content-security-policy') ?? '').get('connect-src')).toEqual(["'self'", wsOrigin]);
        expect(body).toContain('<div id="root"></div>');
      }
      // The file on disk, which the desktop app loads, keeps its own policy.
      expect(metaPolicies(await fs.readFile(path.join(tmp, 'renderer', 'index.html'), 'utf8'))).toEqual([rendererCsp(false)]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
