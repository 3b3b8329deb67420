#!/usr/bin/env node
// Runs the built CLI (dist/cli, bundled JavaScript: no TypeScript compiler at run time). `npm ci`
// (prepare) and scripts/setup.sh build it. The command list and `validate` run from its CommonJS
// entry (dist/cli/quick.cjs), every other command from its ES module entry (dist/cli/vxlan-studio.mjs):
// this file is CommonJS too, so a quick command never starts Node's ES module loader. In a checkout
// whose sources changed since the build (an edit, a pull), it is rebuilt once here, which takes
// about a second; when that cannot be done (esbuild not installed, dist/ not writable) the sources
// run through tsx instead, with a note.
'use strict';
const path = require('node:path');
const { DEFAULT_OUTDIR, ENTRY, QUICK_ENTRY, isQuick, staleReason } = require('./built-cli.cjs');

const command = process.argv[2] ?? '';
const quick = isQuick(command);
// Only the sources of what this run loads: the entry that runs the command, and the command.
const why = staleReason(DEFAULT_OUTDIR, command);
if (why === null && quick) require(path.join(DEFAULT_OUTDIR, QUICK_ENTRY));
else void run(why);

/** Rebuilds the CLI when `why` says so, then runs it (an ES module import, so not in the quick case). */
async function run(why) {
  const { pathToFileURL } = require('node:url');
  if (why !== null) {
    try {
      if (why !== 'missing') process.stderr.write(`vxlan-studio: rebuilding the CLI (${why})\n`);
      const { buildCli } = await import('../scripts/build-cli.mjs');
      await buildCli();
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      process.stderr.write(`vxlan-studio: running from source through tsx (slower start): the build failed: ${reason}\n`);
      const { register } = await import('tsx/esm/api');
      register();
      await import(pathToFileURL(path.join(__dirname, '..', 'electron', 'cli', 'main.ts')).href);
      return;
    }
  }
  if (quick) require(path.join(DEFAULT_OUTDIR, QUICK_ENTRY));
  else await import(pathToFileURL(path.join(DEFAULT_OUTDIR, ENTRY)).href);
}
