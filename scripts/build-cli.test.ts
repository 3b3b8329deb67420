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

/** `node bin/vxlan-studio.mjs args...` in the copy. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'vxlan-studio.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The file name of validate's own bundle in the copy's dist/cli (named after its content hash). */
function validateBundle(): string {
  const bundles = readdirSync(path.join(dir, 'dist', 'cli')).filter((n) => /^validate-\w+\.cjs$/.test(n));
  if (bundles.length !== 1 || bundles[0] === undefined)
    throw new Error(`expected one validate bundle, found ${bundles.join(', ')}`);
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

  it("bundles validate on its own with zod's mini API: none of zod's classic API, JSON Schema or compiled parsers", () => {
    const bundle = readFileSync(path.join(dir, 'dist', 'cli', validateBundle()), 'utf8');
    // zod names each schema class by a string that survives bundling and minifying.
    expect(bundle).toContain('"ZodMiniObject"');
    for (const absent of ['"ZodObject"', '"ZodString"', 'JSONSchemaGenerator', 'ZodCompileUnsupportedError']) {
      expect(bundle).not.toContain(absent);
    }
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
    const cache = path.join(dir, 'dist', 'cli', `${validateBundle()}.cache`);
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

  it('deletes the code cache of a validate bundle that a rebuild replaced', () => {
    const cliDir = path.join(dir, 'dist', 'cli');
    const cachesBefore = readdirSync(cliDir).filter((n) => n.endsWith('.cjs.cache'));
    expect(cachesBefore).toHaveLength(1);
    appendFileSync(path.join(dir, 'electron', 'cli', 'commands', 'validate.ts'), '\nexport const builtAgain = true;\n');
    const r = cli('validate', 'examples/textbook.vxlan.json');
    expect(r.stderr).toBe('vxlan-studio: rebuilding the CLI (electron/cli/commands/validate.ts changed)\n');
    expect(r.status).toBe(0);
    const cache = `${validateBundle()}.cache`;
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
