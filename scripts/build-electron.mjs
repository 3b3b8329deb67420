#!/usr/bin/env node
// Bundles the Electron main process and the preload with esbuild:
//   electron/main/main.ts       -> dist/electron/main.cjs
//   electron/preload/preload.ts -> dist/electron/preload.cjs
// Both are CommonJS for Node (Electron's own runtime) with `electron` left external. A sandboxed
// preload may only require('electron'), so the build fails if the preload bundle requires anything else.
// Usage: node scripts/build-electron.mjs [--outdir DIR]
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flag = process.argv.indexOf('--outdir');
const outdir = flag === -1 ? path.join(root, 'dist', 'electron') : path.resolve(process.argv[flag + 1] ?? '');
if (flag !== -1 && !process.argv[flag + 1]) {
  console.error('build-electron: --outdir needs a folder');
  process.exit(2);
}

/** Electron 45 embeds Node 22. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // ssh2 loads its optional native addons (sshcrypto.node, cpu-features) inside try/catch and falls
  // back to pure JS when they are missing, so they stay out of the bundle rather than break it.
  external: ['electron', '*.node'],
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** Module names a CommonJS bundle still requires at run time. */
function requiredModules(code) {
  return [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))].sort();
}

try {
  await build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: path.join(outdir, 'main.cjs') });
  await build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: path.join(outdir, 'preload.cjs') });
} catch {
  // esbuild already printed the errors with file and line.
  process.exit(1);
}

const preloadRequires = requiredModules(readFileSync(path.join(outdir, 'preload.cjs'), 'utf8'));
const stray = preloadRequires.filter((name) => name !== 'electron');
if (stray.length > 0) {
  console.error(`build-electron: the preload requires ${stray.join(', ')}; a sandboxed preload may only require electron.`);
  process.exit(1);
}
console.log(`build-electron: wrote ${path.join(outdir, 'main.cjs')} and ${path.join(outdir, 'preload.cjs')}`);
