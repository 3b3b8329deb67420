/**
 * Injection safety: every user-editable string that reaches a command is
 * validated or quoted. Proven with a real `sh`: each quoted value must arrive as exactly one argv
 * token equal to the input, and a canary command hidden in the values must never run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterfaceNameSchema, CURRENT_FORMAT, TopologySchema, type TopologyInput } from '../model';
import { argvToShell, compilePlan, compileTeardown, hostScript, stepLine } from './index';

let dir: string;
let canary: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vxs-inject-'));
  canary = path.join(dir, 'CANARY');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `printf '%s\0' <quoted...>` in a real sh (cwd = the scratch dir) and returns the tokens it got. */
function tokensThroughShell(quoted: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${quoted}`], { cwd: dir, encoding: 'utf8' });
  const parts = out.split('\0');
  expect(parts.pop()).toBe('');
  return parts;
}

/** Hostile strings; those without spaces are short enough to pass as interface names where the schema allows. */
function hostileStrings(): string[] {
  return [
    ';',
    ';>CANARY',
    `; touch ${canary}`,
    '$(>CANARY)',
    `$(touch ${canary})`,
    '`>CANARY`',
    `\`touch ${canary}\``,
    "'",
    "'>CANARY'",
    `'; touch ${canary}; '`,
    '"',
    `"$(touch ${canary})"`,
    '\\',
    '\\;>CANARY',
    `a\ntouch ${canary}`,
    `a\rb`,
    'a\tb',
    '|>CANARY',
    '&>CANARY',
    '&&>CANARY',
    '>CANARY',
    '<CANARY',
    '${IFS}>CANARY',
    '$HOME',
    '~',
    '~root',
    '*',
    '?',
    '[a]',
    '{a,b}',
    '#comment',
    '!',
    'if',
    'a=b',
    '-rf',
    '--help',
    '-',
    'x'.repeat(100),
    'Büro-ü',
    'ネットワーク',
    '🙂',
    '',
    ' ',
    'a b',
  ];
}

// The property tests spawn hundreds of real shells: on a loaded 2-core machine that takes minutes.
describe('argvToShell with hostile strings', () => {
  it('delivers every hostile string to a real sh as exactly one identical argv token', () => {
    const values = hostileStrings();
    const tokens = tokensThroughShell(values.map((v) => argvToShell([v])).join(' '));
    expect(tokens).toEqual(values);
    expect(existsSync(canary)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a NUL byte, which no argv element can carry', () => {
    expect(() => argvToShell(['ip', 'link', 'del', 'a\0b'])).toThrow(/NUL/);
  });

  it('delivers random strings (fast-check) to a real sh unchanged, one token each, and never runs anything', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 24 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({
        unit: fc.constantFrom("'", '"', '`', '$', '(', ')', ';', '\\', '\n', ' ', '>', 'C', '-', '!', '*', '~', '#', '='),
        maxLength: 16,
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          value.filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 20 },
        ),
        (values) => {
          const tokens = tokensThroughShell(values.map((v) => argvToShell([v])).join(' '));
          expect(tokens).toEqual(values);
        },
      ),
      { numRuns: 150 },
    );
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});

describe('interface names through validation and the compiled script', () => {
  it('refuses hostile names the kernel or ip(8) would misread: empty, spaces, newlines, leading "-", over 15 bytes, non-ASCII', () => {
    for (const bad of [
      '',
      'a b',
      `a\ntouch`,
      'a\tb',
      '-rf',
      '--help',
      'x'.repeat(100),
      'Büro',
      '🙂',
      'a/b',
      'a:b',
      '.',
      '..',
      'a\0b',
    ]) {
      expect(InterfaceNameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('keeps every accepted hostile name one argv token in each generated command, and no canary runs', () => {
    const accepted = hostileStrings().filter((s) => InterfaceNameSchema.safeParse(s).success);
    // The schema lets shell metacharacters through (the kernel allows them); quoting must carry them.
    expect(accepted).toEqual(expect.arrayContaining(['$(>CANARY)', '`>CANARY`', ';>CANARY', "'>CANARY'", '\\;>CANARY']));
    const input: TopologyInput = {
      format: CURRENT_FORMAT,
      id: 'inject',
      name: 'Injection',
      hosts: [
        {
          id: 'a',
          name: 'a $(>CANARY)',
          ssh: { host: '192.0.2.1' },
          underlay: { interface: 'eth0', address: '192.0.2.1', mtu: 1500 },
          bridges: accepted.map((_, i) => `br${i}`),
        },
        { id: 'b', name: 'b', ssh: { host: '192.0.2.2' }, underlay: { interface: 'eth0', address: '192.0.2.2', mtu: 1500 } },
      ],
      segments: accepted.map((_, i) => ({ id: `s${i}`, name: `s${i}`, vni: 100 + i, flood: { mode: 'unicast-mesh' } })),
      memberships: accepted.flatMap((name, i) => [
        {
          id: `a${i}`,
          hostId: 'a',
          segmentId: `s${i}`,
          device: name,
          bridge: `br${i}`,
          bridgePorts: [name.length < 15 ? `${name}p` : 'tap0'],
          address: `10.${i}.0.1/24`,
        },
        { id: `b${i}`, hostId: 'b', segmentId: `s${i}` },
      ]),
    };
    const t = TopologySchema.parse(input);
    const plans = [compilePlan(t, { hostIds: ['a'] }), compileTeardown(t, { hostIds: ['a'] })];
    for (const plan of plans) {
      const host = plan.hosts[0];
      expect(host?.steps.length).toBeGreaterThan(0);
      // `ip` and `bridge` are replaced by functions that print their argv, so every real line runs.
      for (const step of host?.steps ?? []) {
        const line = stepLine({ ...step, guards: [] });
        const out = execFileSync(
          'sh',
          ['-c', `ip() { printf '%s\\0' ip "$@"; }; bridge() { printf '%s\\0' bridge "$@"; }; ${line}`],
          { cwd: dir, encoding: 'utf8' },
        );
        expect(out.split('\0').slice(0, -1)).toEqual(step.argv);
      }
      // The whole script, guards and header included, runs clean, even with a line break in the host
      // name (validation refuses one; the comment helper must hold on its own).
      const script = hostScript({ ...host!, hostName: 'a\n$(>CANARY)' }).replace(
        'set -e',
        `set -e\nip() { :; }\nbridge() { :; }`,
      );
      execFileSync('sh', ['-c', script], { cwd: dir });
      expect(readdirSync(dir)).toEqual([]);
    }
  }, 120_000);
});
