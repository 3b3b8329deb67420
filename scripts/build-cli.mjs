#!/usr/bin/env node
// Bundles the CLI (electron/cli/main.ts and the core it uses) with esbuild into dist/cli/:
// vxlan-studio.mjs (the entry: argument dispatch and `--help` only) plus one chunk per command and
// shared chunks, so `vxlan-studio --help` or `validate` loads neither SSH nor the web server.
// `validate` is bundled on its own and run with a V8 code cache (see STANDALONE_COMMANDS), so a
// quick check starts quickly.
// ESM for Node 20+. Bundled: our code and the pure-JS dependencies (zod, ipaddr.js). Left to
// node_modules: ssh2 (optional native addons, loaded inside try/catch) and ws (optional native
// bufferutil/utf-8-validate), which Node loads as installed.
//
// build.json beside the entry lists the source files that went in, all of them and those of each
// command; bin/vxlan-studio.mjs compares the modification times of those the command it runs is
// built from with the build's, to tell a stale build (edited sources, a new checkout).
//
// Usage: node scripts/build-cli.mjs [--outdir DIR] [--if-stale]
// Run by `npm ci` (the prepare script), scripts/setup.sh, and bin/vxlan-studio.mjs when stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = path.join(ROOT, 'dist', 'cli');
export const ENTRY = 'vxlan-studio.mjs';
const MANIFEST = 'build.json';
/** This script itself: a change to how the CLI is built makes the build stale too. */
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));

/**
 * Commands built as one file each, apart from the split build of the rest. esbuild splits code
 * between chunks file by file: a chunk shared with the commands that use zod's classic API holds
 * every zod file that API reaches (its JSON Schema and compiled-parser code included, about 390 KB),
 * although `validate` runs a fraction of it. Bundled alone, `validate` gets zod's tree-shaken core
 * (about 150 KB with its own code).
 *
 * What Node then spends most on is compiling that code, at every start: Node 20 keeps no compile
 * cache for ES modules. So the command is bundled as a CommonJS function body,
 * `<name>-<content hash>.cjs`, which `<name>.mjs` (see codeCacheLoader) compiles with vm.Script
 * and the V8 code cache kept beside it, `<name>-<hash>.cjs.cache`.
 */
const STANDALONE_COMMANDS = ['validate'];

/**
 * Modules of the entry that a standalone command imports and must share with it, not copy: the
 * entry tells a usage error by `instanceof UsageError`. Each becomes an entry of the split build,
 * `<name>.mjs`, which the standalone command imports.
 */
const SHARED_WITH_ENTRY = { 'electron/cli/args.ts': 'cli-args' };

/** The dynamic `import('./<command>')` of a standalone command, left to Node as `./<command>.mjs`. */
const standaloneCommandImports = {
  name: 'standalone-command-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z-]+$/ }, (args) => {
      const name = args.path.slice(2);
      return args.kind === 'dynamic-import' &&
        STANDALONE_COMMANDS.includes(name) &&
        args.resolveDir === path.join(ROOT, 'electron', 'cli', 'commands')
        ? { path: `./${name}.mjs`, external: true }
        : undefined;
    });
  },
};

/** A standalone command's import of a SHARED_WITH_ENTRY module, left to its loader as `./<name>.mjs`. */
const sharedWithEntryImports = {
  name: 'shared-with-entry-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const name = SHARED_WITH_ENTRY[`${path.relative(ROOT, path.resolve(args.resolveDir, args.path))}.ts`];
      return name === undefined ? undefined : { path: `./${name}.mjs`, external: true };
    });
  },
};

/**
 * zod's `z.locales` namespace pulls every language's error messages (half of zod's size) into the
 * bundle; the app uses only the default English one, which zod installs itself from locales/en.js.
 * The bundle gets a locales index with English alone, which makes `validate` start measurably faster.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Why the build in `outdir` cannot be used as is ('missing', or the first source newer than it),
 * or null when it is current. Costs one stat per source file, no esbuild: all of them (about 200),
 * or, given the `command` about to run (the first argument: `validate`, `--help`...), only those the
 * entry and that command's chunks were built from (about 25 for `validate`). A stat is not cheap
 * everywhere (a sandbox's system calls), and a quick command should not pay for the others' sources;
 * a source only another command uses rebuilds the CLI when that command runs.
 */
export function staleReason(outdir = DEFAULT_OUTDIR, command = undefined) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(outdir, MANIFEST), 'utf8'));
  } catch {
    return 'missing';
  }
  if (!existsSync(path.join(outdir, ENTRY))) return 'missing';
  const inputs =
    command === undefined || manifest.startup === undefined
      ? manifest.inputs
      : [...manifest.startup, ...(Object.hasOwn(manifest.commands, command) ? manifest.commands[command] : [])];
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

/**
 * `<command>.mjs`: the ES module the entry imports for a standalone command. It runs `code` (the
 * command's CommonJS bundle) through vm.Script with the V8 code cache `<code>.cache` when there is
 * one, and after the command ran writes one when there was none or V8 refused it (another Node
 * version): created after the run, the cache holds the functions the run compiled, not only the
 * top level. V8 checks a cache against the source's length, not its content, so the cache is named
 * after the bundle, whose name carries its content hash; an old build's are deleted with it. The
 * write goes by rename and is skipped when dist/ is read-only (the command then compiles as usual).
 */
function codeCacheLoader(command, code) {
  const shared = Object.values(SHARED_WITH_ENTRY);
  return `// Generated by scripts/build-cli.mjs (codeCacheLoader): runs ${code} with its V8 code cache.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
${shared.map((name, i) => `import * as shared${i} from './${name}.mjs';`).join('\n')}

const file = fileURLToPath(new URL(${JSON.stringify(`./${code}`)}, import.meta.url));
const cacheFile = \`\${file}.cache\`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The CommonJS wrapper starts on the code's first line, so line numbers in stack traces hold.
const script = new vm.Script(\`(function (exports, require, module) {\${readFileSync(file, 'utf8')}\\n})\`, {
  filename: file,
  cachedData,
});
const shared = { ${shared.map((name, i) => `'./${name}.mjs': shared${i}`).join(', ')} };
const nodeRequire = createRequire(file);
const module = { exports: {} };
script.runInThisContext()(module.exports, (id) => shared[id] ?? nodeRequire(id), module);
const command = module.exports.${command}Command;

function writeCache() {
  if (cachedData !== undefined && !script.cachedDataRejected) return;
  const tmp = \`\${cacheFile}.\${process.pid}.tmp\`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install: every run compiles, as without a cache.
  }
}

export const ${command}Command = {
  ...command,
  async run(argv, io) {
    const code = await command.run(argv, io);
    writeCache();
    return code;
  },
};
`;
}

/** Writes `file` by rename, so a CLI starting meanwhile reads the old file or the new one, never half. */
function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** Our source files among esbuild's inputs (not node_modules, nor the zod-en stand-in). */
function ourInputs(inputs) {
  return inputs.filter((i) => !i.includes('node_modules/'));
}

/**
 * The sources each part of the build was made from: `startup`, the entry and the chunks it imports
 * (this script too, since it decides how every part is built), and for each command (named by its
 * file, commands/<name>.ts) those of its chunk and every chunk it loads, less the startup ones.
 * `standalone` holds the metafile of each standalone command's own build.
 */
function inputsByCommand(metafile, standalone) {
  const closure = (start, followDynamic) => {
    const seen = new Set();
    const inputs = new Set();
    const todo = [start];
    while (todo.length > 0) {
      const output = todo.pop();
      if (seen.has(output)) continue;
      seen.add(output);
      for (const i of ourInputs(Object.keys(metafile.outputs[output].inputs))) inputs.add(i);
      for (const imp of metafile.outputs[output].imports) {
        if (!imp.external && (followDynamic || imp.kind === 'import-statement')) todo.push(imp.path);
      }
    }
    return inputs;
  };
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([name]) => path.basename(name) === ENTRY)?.[0];
  if (entry === undefined) throw new Error(`esbuild wrote no ${ENTRY}`);
  const startup = closure(entry, false).add(SELF);
  const commands = {};
  for (const [name, output] of outputs) {
    const source = output.entryPoint ?? '';
    if (path.dirname(source) !== 'electron/cli/commands') continue;
    commands[path.basename(source, '.ts')] = [...closure(name, true)].filter((i) => !startup.has(i)).sort();
  }
  for (const [command, own] of Object.entries(standalone)) {
    // Its own sources, and those of the shared modules it imports from the split build.
    const shared = Object.entries(metafile.outputs)
      .filter(([, output]) => Object.keys(SHARED_WITH_ENTRY).includes(output.entryPoint ?? ''))
      .flatMap(([name]) => [...closure(name, false)]);
    commands[command] = [...new Set([...ourInputs(Object.keys(own.inputs)), ...shared])].filter((i) => !startup.has(i)).sort();
  }
  return { startup: [...startup].sort(), commands };
}

/** Builds the CLI into `outdir`; resolves with the entry's path. Throws (esbuild's message) on failure. */
export async function buildCli(outdir = DEFAULT_OUTDIR) {
  const { build } = await import('esbuild');
  // Sources read after this instant count as newer than the build (an edit during the build).
  const builtAtMs = Date.now();
  const common = {
    absWorkingDir: ROOT,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: ['ssh2', 'ws', '*.node'],
    // CommonJS code bundled into ESM (ipaddr.js) still calls require() for Node's built-ins.
    banner: { js: "import { createRequire as __cliRequire } from 'node:module'; const require = __cliRequire(import.meta.url);" },
    metafile: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  };
  const result = await build({
    ...common,
    entryPoints: {
      'vxlan-studio': 'electron/cli/main.ts',
      ...Object.fromEntries(Object.entries(SHARED_WITH_ENTRY).map(([source, name]) => [name, source])),
    },
    splitting: true,
    plugins: [zodEnglishOnly, standaloneCommandImports],
  });
  const standalone = {};
  const outputFiles = [...result.outputFiles];
  for (const command of STANDALONE_COMMANDS) {
    const own = await build({
      ...common,
      entryPoints: { [command]: `electron/cli/commands/${command}.ts` },
      entryNames: '[name]-[hash]',
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
      banner: {},
      plugins: [zodEnglishOnly, sharedWithEntryImports],
    });
    standalone[command] = own.metafile;
    const [code] = own.outputFiles;
    if (code === undefined || own.outputFiles.length !== 1) throw new Error(`esbuild wrote no single bundle for ${command}`);
    const loader = codeCacheLoader(command, path.basename(code.path));
    outputFiles.push(code, { path: path.join(outdir, `${command}.mjs`), contents: loader });
  }
  mkdirSync(outdir, { recursive: true });
  const written = new Set([MANIFEST]);
  // Chunks first (their names carry a content hash), the entry last: a CLI starting meanwhile
  // finds every chunk the entry it reads imports.
  const files = outputFiles.sort((a, b) => Number(path.basename(a.path) === ENTRY) - Number(path.basename(b.path) === ENTRY));
  for (const f of files) {
    writeAtomic(f.path, f.contents);
    written.add(path.basename(f.path));
  }
  const inputs = [
    ...new Set([
      ...ourInputs(Object.keys(result.metafile.inputs)),
      ...Object.values(standalone).flatMap((m) => ourInputs(Object.keys(m.inputs))),
      SELF,
    ]),
  ].sort();
  writeAtomic(
    path.join(outdir, MANIFEST),
    `${JSON.stringify({ builtAtMs, inputs, ...inputsByCommand(result.metafile, standalone) }, null, 1)}\n`,
  );
  for (const name of readdirSync(outdir)) {
    const cacheOf = name.endsWith('.cjs.cache') ? name.slice(0, -'.cache'.length) : undefined;
    const stale = cacheOf === undefined ? /\.c?js$|\.mjs$/.test(name) && !written.has(name) : !written.has(cacheOf);
    if (stale) rmSync(path.join(outdir, name), { force: true });
  }
  return path.join(outdir, ENTRY);
}

async function main() {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--outdir');
  if (flag !== -1 && !args[flag + 1]) {
    console.error('build-cli: --outdir needs a folder');
    process.exit(2);
  }
  const outdir = flag === -1 ? DEFAULT_OUTDIR : path.resolve(args[flag + 1]);
  if (args.includes('--if-stale')) {
    const why = staleReason(outdir);
    if (why === null) {
      console.log(`build-cli: ${path.join(outdir, ENTRY)} is up to date`);
      return;
    }
  }
  try {
    console.log(`build-cli: wrote ${await buildCli(outdir)}`);
  } catch (err) {
    console.error(`build-cli: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
