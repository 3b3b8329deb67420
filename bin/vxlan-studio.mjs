#!/usr/bin/env node
// The CLI as it was first named (scripts, tests and notes run `node bin/vxlan-studio.mjs`): runs
// bin/vxlan-studio.cjs, the bin package.json names. That one starts faster, since as CommonJS it
// needs no ES module loader for the quick commands; this file, being an ES module, starts it.
import './vxlan-studio.cjs';
