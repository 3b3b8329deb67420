#!/usr/bin/env node
// Runs the built CLI (dist/cli/vxlan-studio.mjs, bundled JavaScript: no TypeScript compiler at
// run time). `npm ci` (prepare) and scripts/setup.sh build it. In a checkout whose sources changed
// since (an edit, a pull), it is rebuilt once here, which takes about a second; when that cannot be
// done (esbuild not installed, dist/ not writable) the sources run through tsx instead, with a note.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_OUTDIR, ENTRY, buildCli, staleReason } from '../scripts/build-cli.mjs';
import path from 'node:path';

// Only the sources of what this run loads: the entry and the command named first.
const why = staleReason(DEFAULT_OUTDIR, process.argv[2] ?? '');
let entry = path.join(DEFAULT_OUTDIR, ENTRY);
if (why !== null) {
  try {
    if (why !== 'missing') process.stderr.write(`vxlan-studio: rebuilding the CLI (${why})\n`);
    entry = await buildCli();
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`vxlan-studio: running from source through tsx (slower start): the build failed: ${reason}\n`);
    const { register } = await import('tsx/esm/api');
    register();
    entry = fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url));
  }
}
await import(pathToFileURL(entry).href);
