/**
 * The installed CLI runs as bundled JavaScript, without tsx. A copy of the checkout (sources, bin,
 * scripts, examples) gets a node_modules holding every installed package except tsx, and is set up
 * by scripts/setup.sh as the README says (apt and npm stand-ins that report everything installed:
 * no network, no `npm ci` here). Then `vxlan-studio` must answer `--help`, `validate` and a
 * command's `--help` from the build, and rebuild once after a source changes.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COPY = ['package.json', 'tsconfig.base.json', 'bin', 'scripts', 'electron', 'shared', 'examples'];

const dir = mkdtempSync(path.join(tmpdir(), 'vxs-build-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bin package.json names (what `npx vxlan-studio` runs), relative to the checkout. */
const BIN = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[
  'vxlan-studio'
];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `node <bin> args...` in the copy, the bin package.json names unless `bin` says another. */
function runIn(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(process.execPath, [path.join(dir, bin), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(...args: string[]): Run {
  return runIn(BIN ?? '', args);
}

/** The file name of the quick commands' bundle in the copy's dist/cli (named after its content hash). */
function quickBundle(): string {
  const bundles = readdirSync(path.join(dir, 'dist', 'cli')).filter((n) => /^quick-\w+\.cjs$/.test(n));
  if (bundles.length !== 1 || bundles[0] === undefined) throw new Error(`expected one quick bundle, found ${bundles.join(', ')}`);
  return bundles[0];
}

beforeAll(() => {
  for (const entry of COPY) {
    cpSync(path.join(REPO, entry), path.join(dir, entry), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}dist`),
    });
  }
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(path.join(REPO, 'node_modules'))) {
    if (name !== 'tsx' && name !== '.bin') symlinkSync(path.join(REPO, 'node_modules', name), path.join(modules, name));
  }
  // Stand-ins for the machine's package tools: every apt package installed, npm 11, `npm ci` a no-op.
  const fakeBin = path.join(dir, 'fake-bin');
  mkdirSync(fakeBin);
  writeFileSync(path.join(fakeBin, 'dpkg-query'), '#!/bin/sh\necho "install ok installed"\n');
  writeFileSync(path.join(fakeBin, 'npm'), '#!/bin/sh\n[ "$1" = "--version" ] && echo 11.0.0\nexit 0\n');
  for (const tool of ['dpkg-query', 'npm']) chmodSync(path.join(fakeBin, tool), 0o755);
  const setup = spawnSync('bash', [path.join(dir, 'scripts', 'setup.sh')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PATH: `${fakeBin}:${path.dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
  });
  if (setup.status !== 0) throw new Error(`setup.sh failed (${String(setup.status)}): ${setup.stdout}${setup.stderr}`);
}, 180_000);

describe('the built CLI', () => {
  it('is built by scripts/setup.sh, even when npm ci ran no prepare script', () => {
    expect(existsSync(path.join(dir, 'dist', 'cli', 'vxlan-studio.mjs'))).toBe(true);
  });

  it('prints the command list for --help without tsx installed', () => {
    const r = cli('--help');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: vxlan-studio <command> [options]');
    expect(r.stdout).toMatch(/^ {2}validate +check topology files/m);
    expect(r.status).toBe(0);
  });

  it('validates the textbook example', () => {
    const r = cli('validate', 'examples/textbook.vxlan.json');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('examples/textbook.vxlan.json: ok');
    expect(r.status).toBe(0);
  });

  it("runs the command list and validate from the CommonJS entry, without Node's ES module loader; other commands from the ES module build", () => {
    // Node's ES module loader says what it loads on stderr under NODE_DEBUG=esm, lines starting "ESM".
    const traced = (args: string[]): Run => runIn(BIN ?? '', args, { ...process.env, NODE_DEBUG: 'esm' });
    const esmLines = (r: Run): string[] => r.stderr.split('\n').filter((l) => l.startsWith('ESM'));
    expect(BIN).toMatch(/\.cjs$/);
    for (const args of [['--help'], ['-h'], ['help'], ['validate', 'examples/textbook.vxlan.json'], ['validate', '--help']]) {
      const r = traced(args);
      expect(esmLines(r), args.join(' ')).toEqual([]);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
    }
    const none = traced([]);
    expect(esmLines(none)).toEqual([]);
    expect(none.stdout).toContain('Usage: vxlan-studio <command> [options]');
    expect(none.status).toBe(2);
    const plan = traced(['plan', '--help']);
    expect(esmLines(plan).some((l) => l.includes('dist/cli/vxlan-studio.mjs'))).toBe(true);
    expect(plan.stdout).toContain('Usage: vxlan-studio plan <file>');
    expect(plan.status).toBe(0);
  });

  it('still runs as bin/vxlan-studio.mjs, the name scripts and tests use', () => {
    const help = runIn('bin/vxlan-studio.mjs', ['--help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^ {2}validate +check topology files/m);
    expect(help.status).toBe(0);
    const validate = runIn('bin/vxlan-studio.mjs', ['validate', 'examples/textbook.vxlan.json']);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toContain('examples/textbook.vxlan.json: ok');
    expect(validate.status).toBe(0);
    const unknown = runIn('bin/vxlan-studio.mjs', ['bogus']);
    expect(unknown.stderr).toMatch(/^vxlan-studio: unknown command "bogus"\n\nVXLAN Studio:/);
    expect(unknown.status).toBe(2);
  });

  it("bundles validate and the command list with zod's mini API: none of zod's classic API, JSON Schema or compiled parsers", () => {
    const bundle = readFileSync(path.join(dir, 'dist', 'cli', quickBundle()), 'utf8');
    // zod names each schema class by a string that survives bundling and minifying.
    expect(bundle).toContain('"ZodMiniObject"');
    for (const absent of ['"ZodObject"', '"ZodString"', 'JSONSchemaGenerator', 'ZodCompileUnsupportedError']) {
      expect(bundle).not.toContain(absent);
    }
    // Nor any other command's code: no SSH, no web server (what `plan` prints is not in it either).
    for (const absent of ['ssh2', '"ws"', 'node:http', 'Usage: vxlan-studio plan']) expect(bundle).not.toContain(absent);
  });

  it("reports zod's own messages in English from the validate bundle, which loads no classic zod to set them", () => {
    const file = path.join(dir, 'bad-types.vxlan.json');
    const textbook = JSON.parse(readFileSync(path.join(dir, 'examples', 'textbook.vxlan.json'), 'utf8')) as {
      hosts: Array<Record<string, unknown>>;
    };
    Object.assign(textbook.hosts[0] ?? {}, { sudo: 'yes', colour: 'red' });
    writeFileSync(file, JSON.stringify(textbook));
    const r = cli('validate', file);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('hosts[0]: error: Unrecognized key: "colour" (FIELD_INVALID)');
    expect(r.stdout).toContain(
      'hosts[0].sudo: error: Invalid input: expected boolean, received string (got "yes") (FIELD_INVALID)',
    );
    expect(r.status).toBe(2);
  });

  it("shares the entry's UsageError with the validate bundle: a bad option prints the usage and exits 2", () => {
    const r = cli('validate', '--bogus', 'examples/textbook.vxlan.json');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vxlan-studio validate: unknown option --bogus\n\nUsage: vxlan-studio validate <file\.\.\.>/);
    expect(r.status).toBe(2);
  });

  it('runs validate with a V8 code cache beside its bundle: written once, reused as is, replaced when V8 refuses it', () => {
    const cache = path.join(dir, 'dist', 'cli', `${quickBundle()}.cache`);
    rmSync(cache, { force: true });
    const validate = (): void => {
      const r = cli('validate', 'examples/textbook.vxlan.json');
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('examples/textbook.vxlan.json: ok');
      expect(r.status).toBe(0);
    };
    validate();
    const written = statSync(cache);
    expect(written.size).toBeGreaterThan(10_000);
    // The cache is written by rename, so a rewrite would give it a new inode.
    validate();
    expect(statSync(cache).ino).toBe(written.ino);
    writeFileSync(cache, 'not a V8 code cache');
    validate();
    expect(statSync(cache).size).toBeGreaterThan(10_000);
  });

  it('writes the code cache after validate only: --help runs without one and leaves none', () => {
    const cache = path.join(dir, 'dist', 'cli', `${quickBundle()}.cache`);
    rmSync(cache, { force: true });
    const help = cli('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(existsSync(cache)).toBe(false);
    expect(cli('validate', 'examples/textbook.vxlan.json').status).toBe(0);
    expect(statSync(cache).size).toBeGreaterThan(10_000);
  });

  it('deletes the code cache of a quick bundle that a rebuild replaced', () => {
    const cliDir = path.join(dir, 'dist', 'cli');
    const cachesBefore = readdirSync(cliDir).filter((n) => n.endsWith('.cjs.cache'));
    expect(cachesBefore).toHaveLength(1);
    appendFileSync(path.join(dir, 'electron', 'cli', 'commands', 'validate.ts'), '\nexport const builtAgain = true;\n');
    const r = cli('validate', 'examples/textbook.vxlan.json');
    expect(r.stderr).toBe('vxlan-studio: rebuilding the CLI (electron/cli/commands/validate.ts changed)\n');
    expect(r.status).toBe(0);
    const cache = `${quickBundle()}.cache`;
    expect(readdirSync(cliDir).filter((n) => n.endsWith('.cjs.cache'))).toEqual([cache]);
    expect(cachesBefore).not.toContain(cache);
  });

  it("loads a command that needs ssh2 from node_modules (apply's usage)", () => {
    const r = cli('apply', '--help');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: vxlan-studio apply <file>');
    expect(r.status).toBe(0);
  });

  it('rebuilds once after a source file changes, then runs the new build quietly', () => {
    const now = new Date();
    utimesSync(path.join(dir, 'electron', 'cli', 'args.ts'), now, now);
    const first = cli('--help');
    expect(first.stderr).toBe('vxlan-studio: rebuilding the CLI (electron/cli/args.ts changed)\n');
    expect(first.stdout).toContain('Usage: vxlan-studio <command> [options]');
    expect(first.status).toBe(0);
    const second = cli('--help');
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
  });

  it("checks only the sources of what it runs: a change to validate's rules rebuilds at validate, not at --help", () => {
    const now = new Date();
    utimesSync(path.join(dir, 'shared', 'validate', 'rules.ts'), now, now);
    const help = cli('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    const validate = cli('validate', 'examples/textbook.vxlan.json');
    expect(validate.stderr).toBe('vxlan-studio: rebuilding the CLI (shared/validate/rules.ts changed)\n');
    expect(validate.stdout).toContain('examples/textbook.vxlan.json: ok');
    expect(validate.status).toBe(0);
    expect(cli('validate', 'examples/textbook.vxlan.json').stderr).toBe('');
  });

  it('is built by the prepare script that npm ci runs', () => {
    rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    const r = spawnSync('npm', ['run', '-s', 'prepare'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(cli('--help').status).toBe(0);
    expect(cli('--help').stderr).toBe('');
  });
});
