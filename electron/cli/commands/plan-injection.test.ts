/**
 * Nothing in a drawing runs what it did not draw. Every string field of a valid topology gets an
 * arbitrary value (hostile shell text, any Unicode, control characters); `vxlan-studio plan` then
 * either refuses the file or prints scripts that, fed whole to a real `sh` with fake `ip`, `bridge`,
 * `sysctl`, `sudo` and `cat` first on PATH, run exactly the commands its `--format json` lists, with
 * exactly those arguments, and nothing else (no other command, no file written, no error).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type TopologyInput } from '../../../shared/model';
import { compilePlan, ownerMark, type Guard } from '../../../shared/plan';
import { CONTROL_CHARACTER } from '../../../shared/validate';
import { planCommand, printedScripts } from './plan';

let scratch: string;
let bin: string;
let cwd: string;
let log: string;

/** The fakes log `argc, name, args...` NUL-separated; `cat` answers the ownership mark so `owned` guards hold. */
const FAKE = `#!/bin/sh
printf '%s\\000' "$#" "\${0##*/}" "$@" >> "$VXS_FAKE_LOG"
if [ "\${0##*/}" = cat ]; then printf '%s\\n' "$VXS_FAKE_ALIAS"; fi
exit 0
`;
const FAKES = ['ip', 'bridge', 'sysctl', 'sudo', 'cat'];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'vxs-plan-inject-'));
  bin = path.join(scratch, 'bin');
  cwd = path.join(scratch, 'cwd');
  log = path.join(scratch, 'calls');
  mkdirSync(bin);
  mkdirSync(cwd);
  for (const name of FAKES) {
    writeFileSync(path.join(bin, name), FAKE);
    chmodSync(path.join(bin, name), 0o755);
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs printed scripts in a real sh: only the fakes are on PATH, cwd is an empty folder. */
function runScripts(text: string, alias: string): { calls: string[][]; stderr: string; status: number | null } {
  writeFileSync(log, '');
  const r = spawnSync('/bin/sh', ['-s'], {
    input: text,
    cwd,
    encoding: 'utf8',
    env: { PATH: bin, VXS_FAKE_LOG: log, VXS_FAKE_ALIAS: alias, HOME: cwd },
  });
  const parts = readFileSync(log, 'utf8').split('\0');
  const calls: string[][] = [];
  let i = 0;
  while (i < parts.length - 1) {
    const argc = Number(parts[i]);
    calls.push(parts.slice(i + 1, i + 2 + argc));
    i += 2 + argc;
  }
  return { calls, stderr: r.stderr, status: r.status };
}

interface JsonStep {
  argv: string[];
  guards?: Guard[];
}
interface JsonPlan {
  topologyId: string;
  hosts: Array<{ sudo: boolean; steps: JsonStep[] }>;
}

/**
 * The calls the JSON plan says must happen, in order: for a guarded step, the guard's `cat` of the
 * ifalias (`owned`; the fake answers our mark) and the `[ -e ]` test of a bridge port (a shell
 * builtin: judged here on the same filesystem), then the step itself when every guard held.
 */
function expectedCalls(plan: JsonPlan): string[][] {
  const out: string[][] = [];
  for (const h of plan.hosts) {
    for (const s of h.steps) {
      let ok = true;
      for (const g of s.guards ?? []) {
        if (g.kind === 'owned') out.push(['cat', `/sys/class/net/${g.ifname}/ifalias`]);
        else ok = existsSync(`/sys/class/net/${g.master}/brif/${g.ifname}`);
        if (!ok) break;
      }
      if (ok) out.push(h.sudo ? ['sudo', '-n', ...s.argv] : s.argv);
    }
  }
  return out;
}

async function runPlanCli(file: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await planCommand.run([file, ...args], { out: (t) => (out += t), err: (t) => (err += t), cwd: scratch });
  return { code, out, err };
}

/** Hostile values aimed at sh: each would run a command or write a file if it escaped its quoting. */
const HOSTILE = [
  'a\ntouch PWNED #',
  'host-a\ntouch PWNED #',
  '$(touch PWNED)',
  '`touch PWNED`',
  "'; touch PWNED; '",
  '"; touch PWNED; "',
  '>PWNED',
  'a;b',
  'a|touch PWNED',
  '${IFS}',
  '\\',
  '#',
  '-rf',
  'x\u2028touch PWNED',
  'x\rtouch PWNED',
  '~root',
  '*',
  'vxlan100',
  'br0',
  'eth0',
];
const anyString = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      '0',
      '-',
      '.',
      ':',
      '/',
      ' ',
      '\n',
      "'",
      '"',
      '$',
      '`',
      ';',
      '&',
      '|',
      '>',
      '<',
      '(',
      ')',
      '#',
      '\\',
      '*',
      '\t',
    ),
    maxLength: 16,
  }),
);
/** Printable text (any Unicode and shell syntax, no control characters): what validation lets through to the scripts. */
const printable = fc.oneof(
  fc.constantFrom(...HOSTILE.filter((h) => !CONTROL_CHARACTER.test(h))),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((x) => !CONTROL_CHARACTER.test(x)),
  fc.string({
    unit: fc.constantFrom(
      'a',
      '0',
      '-',
      '.',
      ' ',
      "'",
      '"',
      '$',
      '`',
      ';',
      '&',
      '|',
      '>',
      '<',
      '(',
      ')',
      '#',
      '\\',
      '*',
      '!',
      '{',
    ),
    minLength: 1,
    maxLength: 16,
  }),
);
/** Free text (names, paths): printable most of the time, anything now and then. */
const text = fc.oneof({ arbitrary: printable, weight: 30 }, { arbitrary: anyString, weight: 1 });
/** Structural fields (ids, interface names, addresses) keep their valid value most of the time, so many runs still plan. */
const sometimes = (valid: string): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constant(valid), weight: 60 }, { arbitrary: anyString, weight: 1 });

/** A valid three-host drawing with every flood mode, bridges, bridge ports, a sudo host and an identity file. */
const topologyArb: fc.Arbitrary<TopologyInput> = fc
  .record({
    schema: text,
    id: sometimes('inject'),
    name: text,
    hostNames: fc.tuple(text, text, text),
    hostIds: fc.tuple(sometimes('h1'), sometimes('h2'), sometimes('h3')),
    sshHosts: fc.tuple(sometimes('192.0.2.1'), sometimes('h2.example.net'), sometimes('2001:db8::3')),
    users: fc.tuple(sometimes('root'), sometimes('admin')),
    keyPath: text,
    jump: sometimes('bastion.example.net'),
    ifaces: fc.tuple(sometimes('eth0'), sometimes('ens3')),
    underlays: fc.tuple(sometimes('192.168.10.1'), sometimes('192.168.20.2'), sometimes('192.168.30.3')),
    bridges: fc.tuple(sometimes('br-blue'), sometimes('br-red')),
    segNames: fc.tuple(text, text, text),
    segIds: fc.tuple(sometimes('blue'), sometimes('p2p'), sometimes('mc')),
    subnet: sometimes('10.10.0.0/24'),
    group: sometimes('239.1.1.1'),
    memberIds: fc.tuple(
      sometimes('m1'),
      sometimes('m2'),
      sometimes('m3'),
      sometimes('m4'),
      sometimes('m5'),
      sometimes('m6'),
      sometimes('m7'),
    ),
    device: sometimes('vxp2p'),
    address: sometimes('10.10.0.1/24'),
    port: sometimes('tap0'),
  })
  .map((v) => ({
    $schema: v.schema,
    format: CURRENT_FORMAT,
    id: v.id,
    name: v.name,
    hosts: [
      {
        id: v.hostIds[0],
        name: v.hostNames[0],
        ssh: { host: v.sshHosts[0], user: v.users[0] },
        underlay: { interface: v.ifaces[0], address: v.underlays[0], mtu: 1500 },
        bridges: [v.bridges[0]],
      },
      {
        id: v.hostIds[1],
        name: v.hostNames[1],
        ssh: { host: v.sshHosts[1], user: v.users[1], auth: { type: 'identity-file' as const, path: v.keyPath }, jump: v.jump },
        sudo: true,
        underlay: { interface: v.ifaces[1], address: v.underlays[1], mtu: 1500 },
        bridges: [v.bridges[0], v.bridges[1]],
      },
      {
        id: v.hostIds[2],
        name: v.hostNames[2],
        ssh: { host: v.sshHosts[2] },
        underlay: { interface: 'eth0', address: v.underlays[2], mtu: 1500 },
        bridges: [v.bridges[1]],
      },
    ],
    segments: [
      { id: v.segIds[0], name: v.segNames[0], vni: 100, flood: { mode: 'unicast-mesh' as const }, subnet: v.subnet },
      { id: v.segIds[1], name: v.segNames[1], vni: 200, flood: { mode: 'point-to-point' as const } },
      { id: v.segIds[2], name: v.segNames[2], vni: 300, flood: { mode: 'multicast' as const, group: v.group } },
    ],
    memberships: [
      {
        id: v.memberIds[0],
        hostId: v.hostIds[0],
        segmentId: v.segIds[0],
        bridge: v.bridges[0],
        address: v.address,
        bridgePorts: [v.port],
      },
      { id: v.memberIds[1], hostId: v.hostIds[1], segmentId: v.segIds[0], bridge: v.bridges[0], address: '10.10.0.2/24' },
      { id: v.memberIds[2], hostId: v.hostIds[2], segmentId: v.segIds[0], address: '10.10.0.3/24' },
      { id: v.memberIds[3], hostId: v.hostIds[0], segmentId: v.segIds[1], device: v.device, address: '10.20.0.1/30' },
      { id: v.memberIds[4], hostId: v.hostIds[1], segmentId: v.segIds[1], address: '10.20.0.2/30' },
      { id: v.memberIds[5], hostId: v.hostIds[1], segmentId: v.segIds[2], bridge: v.bridges[1] },
      { id: v.memberIds[6], hostId: v.hostIds[2], segmentId: v.segIds[2], bridge: v.bridges[1], bridgePorts: ['veth-c1'] },
    ],
  }));

describe('plan output runs only what the drawing says, whatever its strings hold', () => {
  it('for arbitrary strings in every string field: refused, or the printed scripts run exactly the planned commands', async () => {
    const file = path.join(scratch, 'arb.vxlan.json');
    let planned = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(topologyArb, fc.boolean(), async (input, teardown) => {
        writeFileSync(file, JSON.stringify(input));
        const extra = teardown ? ['--teardown'] : [];
        const sh = await runPlanCli(file, ['--format', 'sh', ...extra]);
        const json = await runPlanCli(file, ['--format', 'json', ...extra]);
        expect(json.code).toBe(sh.code);
        if (sh.code !== 0) {
          refused++;
          expect(sh.code).toBe(2);
          expect(sh.out).toBe('');
          return;
        }
        planned++;
        const plan = JSON.parse(json.out) as JsonPlan;
        const r = runScripts(sh.out, ownerMark(plan.topologyId));
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.calls).toEqual(expectedCalls(plan));
        expect(readdirSync(cwd)).toEqual([]);
      }),
      { numRuns: 40 },
    );
    // Both outcomes must have been exercised for the property to mean anything.
    expect(planned).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
    // Each planned run forks every fake command in a real sh: bounds a loaded machine, not a speed target.
  }, 180_000);

  it('a host name with a newline is refused by plan with its field path, and nothing runs', async () => {
    const file = path.join(scratch, 'newline.vxlan.json');
    const t = JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')) as { hosts: Array<{ name: string }> };
    (t.hosts[0] as { name: string }).name = 'host-a\ntouch PWNED #';
    writeFileSync(file, JSON.stringify(t));
    for (const extra of [[], ['--teardown']]) {
      const r = await runPlanCli(file, ['--host', 'host-a\ntouch PWNED #', '--format', 'sh', ...extra]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/hosts\[0\]\.name: name holds the control character U\+000A/);
    }
  });

  it('the printed end-of-host line is a comment even for a name that bypassed validation', () => {
    const t = TopologySchema.parse(JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')));
    const plan = compilePlan(t);
    for (const hp of plan.hosts) hp.hostName = `${hp.hostName}\ntouch PWNED #\u2028touch PWNED2`;
    const text = printedScripts(t, plan, false);
    const r = runScripts(text, ownerMark(t.id));
    expect(r.stderr).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
    expect(r.calls).toEqual(plan.hosts.flatMap((h) => h.steps.map((s) => s.argv)));
    // Every line is a comment, `set -e`, or a planned command.
    execFileSync('sh', ['-n'], { input: text });
  });
});
