// Where the built CLI lives (dist/cli), which of its two entries runs a command, and whether the
// build is current. CommonJS, so that bin/vxlan-studio.cjs starts without Node's ES module loader;
// scripts/build-cli.mjs, which writes the build, imports it too.
'use strict';
const { existsSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_OUTDIR = path.join(ROOT, 'dist', 'cli');
/** The ES module entry: every command, each in its own chunks. */
const ENTRY = 'vxlan-studio.mjs';
/** The CommonJS entry of the quick commands (one bundle run with a V8 code cache). */
const QUICK_ENTRY = 'quick.cjs';
/** build.json: the sources each part of the build was made from, and when. */
const MANIFEST = 'build.json';

/**
 * Commands that the quick entry runs, besides the command list (`--help`, `-h`, `help`, none): the
 * ones a user waits on most, which load neither SSH nor the web server.
 */
const QUICK_COMMANDS = ['validate'];

/** Whether the quick entry runs `command`, the CLI's first argument ('' when none). */
function isQuick(command) {
  return command === '' || command === '--help' || command === '-h' || command === 'help' || QUICK_COMMANDS.includes(command);
}

/**
 * Why the build in `outdir` cannot be used as is ('missing', or the first source newer than it),
 * or null when it is current. Costs one stat per source file, no esbuild: all of them (about 200),
 * or, given the `command` about to run (the first argument: `validate`, `--help`..., '' for none),
 * only those of its entry's start and of that command (about 25 for `validate`, 7 for `--help`). A
 * stat is not cheap everywhere (a sandbox's system calls), and a quick command should not pay for
 * the others' sources; a source only another command uses rebuilds the CLI when that command runs.
 */
function staleReason(outdir = DEFAULT_OUTDIR, command = undefined) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(outdir, MANIFEST), 'utf8'));
  } catch {
    return 'missing';
  }
  const quick = command !== undefined && isQuick(command);
  if (!existsSync(path.join(outdir, quick ? QUICK_ENTRY : ENTRY))) return 'missing';
  let inputs = manifest.inputs;
  if (command !== undefined && manifest.quick !== undefined) {
    const part = quick ? manifest.quick : manifest;
    inputs = [...part.startup, ...(Object.hasOwn(part.commands, command) ? part.commands[command] : [])];
  }
  for (const input of inputs) {
    let mtime;
    try {
      mtime = statSync(path.join(ROOT, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > manifest.builtAtMs) return `${input} changed`;
  }
  return null;
}

module.exports = { ROOT, DEFAULT_OUTDIR, ENTRY, QUICK_ENTRY, MANIFEST, QUICK_COMMANDS, isQuick, staleReason };
