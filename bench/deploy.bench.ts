/**
 * `sudo npm run bench -- --hosts 20[,50,100] [--json]`: for each size, deploys the same unicast-mesh
 * topology (1 segment, a bridge and an overlay address per host) to a fresh N-host lab several ways
 * and times each:
 *
 * - in-app cold: new SSH connections, lock + facts + observe, diff, apply, read back, release.
 * - in-app warm no-op: the same apply again over the pooled connections (nothing to change), once
 *   the app has armed each host's watch after the cold run (deploy/watch.ts; the time that took,
 *   in the background, is printed): no process starts on the hosts. Also without the watches (the
 *   app forgets them first): every host read again, as right after an apply or on a sudo login.
 * - in-app warm change: a real change (overlay MTU 1450 -> 1400) over the pooled connections.
 * - CLI cold: `vxlan-studio apply FILE --yes` (the built CLI) timed from process start to exit, as a
 *   user runs it: inside the controller namespace, and from the host with `--lab NAME`.
 * - parallel OpenSSH: one `ssh root@host sh -s < script` per host, all at once, with the script
 *   `vxlan-studio plan` prints (hostScript): a blind apply, no observe, no read-back.
 * - Ansible (ansible-core is installed with apt when missing), forks = N, the same script two ways: as a
 *   playbook is usually written (Ansible's default fact gathering, the `script` module; the target
 *   is measured against this one) and at its fastest (no facts, the `raw` module; shown too).
 *
 * Every client runs inside the lab's controller namespace (the only place that reaches the lab),
 * except the `--lab` run, which dials through it from the host. The in-app rows come from a child
 * process (bench/deploy-worker.ts) that times its own runs, so node start-up and file parsing are not
 * counted; the CLI, OpenSSH and Ansible rows are timed from process start to exit. Hosts are torn
 * down between runs so each starts from scratch, and each run is verified by a full overlay ping
 * mesh. Targets (reported, not asserted): CLI cold <= 1.0x parallel OpenSSH, in-app cold <= 0.7x,
 * in-app warm no-op < 0.25 s (< 0.5 s at 100 hosts), >= 6x faster than Ansible as usually written.
 *
 * The bench's own harness is timed too and printed per size: the lab build, every overlay ping mesh
 * check, every reset between runs (a `destroy` of the topology through a shell in each host's
 * namespace: the hosts are back to no overlay at all, as before a user's first apply, without
 * rebuilding the lab) and the lab teardown. Target: build + one mesh check + teardown < 3 minutes at
 * 100 hosts. `--harness-only` runs just that (build, one apply through the namespaces, the mesh
 * check, a reset, teardown), to measure the harness without the clients.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serializeTopology, type Topology } from '../shared/model';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../electron/cli/args';
import { compilePlan, compileTeardown, hostScript } from '../shared/plan';
import { overlayPingMesh, removeLockFiles } from '../electron/core/lab/lab-check';
import {
  applyHostPlan,
  controllerArgv,
  isRoot,
  labFacts,
  labHost,
  labTopology,
  mapLimit,
  MAX_HOSTS,
  run,
  sshArgv,
  tailOf,
  withLab,
  type LabState,
} from '../electron/core/lab/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseCli(argv: string[]): { sizes: number[]; json: boolean; harnessOnly: boolean } {
  const args = parseArgs(argv, { hosts: 'string', json: 'boolean', 'harness-only': 'boolean' });
  if (args.positionals.length > 0)
    throw new UsageError(
      `unexpected argument "${args.positionals[0] ?? ''}" (usage: npm run bench -- --hosts N[,N...] [--harness-only] [--json])`,
    );
  const sizes = (stringFlag(args, 'hosts') ?? '20').split(',').map((n) => intArg(n.trim(), '--hosts', 2, MAX_HOSTS));
  return { sizes, json: boolFlag(args, 'json'), harnessOnly: boolFlag(args, 'harness-only') };
}

/** The built CLI the user runs (`npx vxlan-studio`); built here first when the sources changed. */
const CLI_ENTRY = path.join(ROOT, 'dist', 'cli', 'vxlan-studio.mjs');

function buildCliIfStale(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs'), '--if-stale'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr.trim()}`);
}

/**
 * `vxlan-studio apply FILE --yes` timed from process start to exit: inside the controller namespace
 * with the lab's known_hosts, or (`viaLab`) from the host through `--lab`, as the README shows.
 */
async function cliApply(lab: LabState, file: string, viaLab: boolean): Promise<number> {
  const apply = [process.execPath, CLI_ENTRY, 'apply', file, '--yes'];
  const argv = viaLab ? [...apply, '--lab', lab.name] : controllerArgv(lab, [...apply, '--known-hosts', lab.keys.knownHosts]);
  const started = performance.now();
  const r = await run(argv[0] as string, argv.slice(1), { timeoutMs: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  if (r.code !== 0)
    throw new Error(
      `vxlan-studio apply${viaLab ? ' --lab' : ''} failed (exit ${String(r.code)}): ${tailOf(r.stderr || r.stdout)}`,
    );
  return seconds;
}

/** Talks to the VXLAN Studio worker in the controller namespace. */
class Worker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  private closed = false;

  constructor(lab: LabState) {
    const [file, ...args] = controllerArgv(lab, [process.execPath, '--import', 'tsx', path.join(ROOT, 'bench/deploy-worker.ts')]);
    this.child = spawn(file as string, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
  }

  ask(req: object): Promise<{
    ok: boolean;
    seconds: number;
    counts: Record<string, number>;
    steps: number;
    errors: string[];
    error?: string;
    slowestMs?: { connect: number; observe: number; apply: number };
  }> {
    return new Promise((resolve) => {
      this.pending.push((l) => resolve(JSON.parse(l) as never));
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ask({ op: 'exit' });
    this.child.stdin.end();
  }
}

/** The bench's own costs at one size, in seconds: not part of any run's figure. */
interface HarnessTimes {
  build: number;
  /** Each overlay ping mesh check, by the run it verified, with how many first pings went unanswered. */
  meshChecks: Array<{ run: string; seconds: number; firstPingLost: number }>;
  /** Each reset of the hosts between runs (a destroy of the topology). */
  resets: number[];
  /** Null when the run failed before the lab came down. */
  teardown: number | null;
}

const since = (started: number): number => (performance.now() - started) / 1000;

/** `withLab` with the lab build and teardown timed into `harness`. */
async function timedLab<T>(hosts: number, harness: HarnessTimes, fn: (lab: LabState) => Promise<T>): Promise<T> {
  const started = performance.now();
  let left = 0;
  const result = await withLab({ hosts, tag: 'bench' }, async (lab) => {
    harness.build = since(started);
    try {
      return await fn(lab);
    } finally {
      left = performance.now();
    }
  });
  harness.teardown = since(left);
  return result;
}

/**
 * Takes the topology off every host: its guarded teardown script (`compileTeardown`, the devices the
 * topology names, only while they carry our mark) run in each host's namespace, a few hosts at a
 * time. The hosts are back to no overlay device, FDB or neighbour entry of ours, as before a user's
 * first apply, without rebuilding the lab (a `destroy` run through the deploy runner would observe
 * every host first: 20-30 s at 20 hosts on a busy machine, for the same end state).
 */
async function reset(lab: LabState, t: Topology, harness: HarnessTimes): Promise<void> {
  const started = performance.now();
  await mapLimit(compileTeardown(t).hosts, 8, (hp) => applyHostPlan(labHost(lab, hp.hostName).namespace, hp));
  harness.resets.push(since(started));
}

async function verify(lab: LabState, t: Topology, what: string, harness: HarnessTimes): Promise<void> {
  const started = performance.now();
  const mesh = await overlayPingMesh(lab, t);
  harness.meshChecks.push({ run: what, seconds: since(started), firstPingLost: mesh.firstPingLost.length });
  if (mesh.failures.length > 0)
    throw new Error(
      `${what}: the overlay ping mesh failed for ${mesh.failures.length} pair(s): ${mesh.failures.slice(0, 5).join(', ')}`,
    );
}

/** The per-host scripts of `vxlan-studio plan`, written to `dir`. */
function writeScripts(lab: LabState, t: Topology, dir: string): Array<{ host: string; address: string; file: string }> {
  const plan = compilePlan(t, { facts: labFacts(lab, t) });
  return plan.hosts.map((hp) => {
    const file = path.join(dir, `${hp.hostName}.sh`);
    writeFileSync(file, hostScript(hp));
    return { host: hp.hostName, address: lab.hosts.find((h) => h.name === hp.hostName)?.address ?? '', file };
  });
}

function shq(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

async function openssh(lab: LabState, scripts: Array<{ host: string; file: string }>): Promise<number> {
  // One sh in the controller starts every ssh at once and waits for all; each exit status is checked.
  const lines = scripts.map(
    (s, i) => `${sshArgv(lab, s.host, ['sh', '-s']).map(shq).join(' ')} < ${shq(s.file)} > /dev/null 2>&1 & p${i}=$!`,
  );
  const waits = scripts.map((s, i) => `wait $p${i} || { echo "ssh to ${s.host} failed" >&2; rc=1; }`);
  const driver = ['rc=0', ...lines, ...waits, 'exit $rc'].join('\n');
  const argv = controllerArgv(lab, ['sh', '-c', driver]);
  const started = performance.now();
  const r = await run(argv[0] as string, argv.slice(1));
  const seconds = (performance.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`parallel OpenSSH failed: ${r.stderr.trim()}`);
  return seconds;
}

function ansibleInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).status === 0;
}

/**
 * Installs Ansible from the distribution when missing, so a fresh machine gets an Ansible row:
 * ansible-core has both modules the bench uses (script, raw). Returns why not, or null when ready.
 */
async function ensureAnsible(log: (line: string) => void): Promise<string | null> {
  if (ansibleInstalled()) return null;
  log('bench: ansible-playbook not found: installing ansible-core with apt-get...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'ansible-core'],
  ]) {
    const r = await run(argv[0] as string, argv.slice(1), { env, timeoutMs: 900_000 });
    if (r.code !== 0) return `\`${argv.join(' ')}\` failed: ${tailOf(r.stderr || r.stdout)}`;
  }
  return ansibleInstalled() ? null : 'ansible-playbook is still missing after installing ansible-core';
}

/**
 * How Ansible runs the same script: `defaults` is a playbook as usually written (Ansible's default
 * fact gathering, the `script` module), `raw` the fastest form Ansible has (no facts, the `raw`
 * module: one ssh command per host, no Python on the host).
 */
type AnsibleMode = 'defaults' | 'raw';

async function ansible(
  lab: LabState,
  scripts: Array<{ host: string; address: string; file: string }>,
  dir: string,
  mode: AnsibleMode,
): Promise<number> {
  const sshArgs = `-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=${lab.keys.knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`;
  const inventory = [
    '[lab]',
    ...scripts.map((s) => `${s.host} ansible_host=${s.address} vxs_script=${s.file}`),
    '[lab:vars]',
    'ansible_user=root',
    'ansible_python_interpreter=/usr/bin/python3',
    `ansible_ssh_private_key_file=${lab.keys.clientKey}`,
    `ansible_ssh_common_args="${sshArgs}"`,
  ].join('\n');
  const playbook =
    mode === 'raw'
      ? [
          '- hosts: lab',
          '  gather_facts: false',
          '  tasks:',
          '    - name: apply the VXLAN Studio plan script',
          '      raw: "{{ lookup(\'file\', vxs_script) }}"',
          '',
        ]
      : ['- hosts: lab', '  tasks:', '    - name: apply the VXLAN Studio plan script', '      script: "{{ vxs_script }}"', ''];
  const book = path.join(dir, `playbook-${mode}.yml`);
  writeFileSync(path.join(dir, 'inventory.ini'), `${inventory}\n`);
  writeFileSync(book, playbook.join('\n'));
  const env = {
    ...process.env,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-tmp'),
    ANSIBLE_NOCOWS: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
  };
  const argv = controllerArgv(lab, [
    'ansible-playbook',
    '-i',
    path.join(dir, 'inventory.ini'),
    '-f',
    String(scripts.length),
    book,
  ]);
  const started = performance.now();
  const r = await run(argv[0] as string, argv.slice(1), { env, timeoutMs: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  if (r.code !== 0)
    throw new Error(
      `ansible-playbook (${mode}) failed (exit ${String(r.code)}): ${(r.stdout + r.stderr).trim().split('\n').slice(-8).join('\n')}`,
    );
  return seconds;
}

/** One size's figures, in seconds (Ansible null when it could not be installed). */
interface SizeResult {
  hosts: number;
  cold: number;
  noop: number;
  noopRead: number;
  settle: number;
  change: number;
  cliCold: number;
  cliLab: number;
  openssh: number;
  ansible: number | null;
  ansibleRaw: number | null;
  slowestMs: { connect: number; observe: number; apply: number } | undefined;
  harness: HarnessTimes;
  load: number[];
}

/** The harness alone at one size (`--harness-only`). */
interface HarnessResult {
  hosts: number;
  harness: HarnessTimes;
  load: number[];
}

const newHarness = (): HarnessTimes => ({ build: 0, meshChecks: [], resets: [], teardown: null });

/** Every run on a fresh `hosts`-host lab, each verified by the full ping mesh. */
async function benchSize(hosts: number, log: (line: string) => void, ansibleMissing: string | null): Promise<SizeResult> {
  log(`bench: building a ${hosts}-host lab...`);
  const harness = newHarness();
  const result = await timedLab(hosts, harness, async (lab) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-bench-'));
    const worker = new Worker(lab);
    try {
      const t = labTopology(lab);
      const changed = labTopology(lab, { mtu: 1400 });
      const file = path.join(dir, 'mesh.vxlan.json');
      const changedFile = path.join(dir, 'mesh-mtu1400.vxlan.json');
      writeFileSync(file, serializeTopology(t));
      writeFileSync(changedFile, serializeTopology(changed));
      // The app's own concurrency (the runner's default), as a user's Deploy runs.
      const base = { op: 'apply', knownHosts: lab.keys.knownHosts };

      log('bench: in-app cold (new connections)...');
      const cold = await worker.ask({ ...base, file, fresh: true });
      if (!cold.ok) throw new Error(`cold apply failed: ${cold.error ?? cold.errors.join('; ')}`);
      await verify(lab, t, 'in-app cold', harness);

      log("bench: waiting for the hosts' watches the app arms after a run...");
      const settle = await worker.ask({ op: 'settle' });
      log('bench: in-app warm no-op re-apply...');
      const noop = await worker.ask({ ...base, file });
      if (!noop.ok || noop.counts.unchanged !== hosts) throw new Error(`warm no-op was not a no-op: ${JSON.stringify(noop)}`);
      log('bench: in-app warm no-op re-apply without the watches (every host read)...');
      const noopRead = await worker.ask({ ...base, file, forgetWatches: true });
      if (!noopRead.ok || noopRead.counts.unchanged !== hosts)
        throw new Error(`warm no-op (read) was not a no-op: ${JSON.stringify(noopRead)}`);

      log('bench: in-app warm change (overlay MTU 1450 -> 1400)...');
      const change = await worker.ask({ ...base, file: changedFile });
      if (!change.ok || change.counts.applied !== hosts) throw new Error(`warm change failed: ${JSON.stringify(change)}`);
      await verify(lab, changed, 'in-app warm change', harness);
      await worker.close();

      log('bench: CLI cold, `vxlan-studio apply` inside the controller namespace, from process start...');
      await reset(lab, t, harness);
      const cliCold = await cliApply(lab, file, false);
      await verify(lab, t, 'CLI cold', harness);

      log('bench: CLI cold through --lab from the host, from process start...');
      await reset(lab, t, harness);
      const cliLab = await cliApply(lab, file, true);
      await verify(lab, t, 'CLI cold --lab', harness);

      log('bench: parallel OpenSSH (one ssh ... sh -s < script per host, all at once)...');
      await reset(lab, t, harness);
      const scripts = writeScripts(lab, t, dir);
      const opensshS = await openssh(lab, scripts);
      await verify(lab, t, 'parallel OpenSSH', harness);

      let ansibleS: number | null = null;
      let ansibleRawS: number | null = null;
      if (ansibleMissing === null) {
        log(`bench: Ansible as usually written (forks=${hosts}, default fact gathering, script module, same script)...`);
        await reset(lab, t, harness);
        ansibleS = await ansible(lab, scripts, dir, 'defaults');
        await verify(lab, t, 'Ansible (defaults)', harness);
        log(`bench: Ansible at its fastest (forks=${hosts}, no facts, raw module, same script)...`);
        await reset(lab, t, harness);
        ansibleRawS = await ansible(lab, scripts, dir, 'raw');
        await verify(lab, t, 'Ansible (raw)', harness);
      }
      return {
        hosts,
        cold: cold.seconds,
        noop: noop.seconds,
        noopRead: noopRead.seconds,
        settle: settle.seconds,
        change: change.seconds,
        cliCold,
        cliLab,
        openssh: opensshS,
        ansible: ansibleS,
        ansibleRaw: ansibleRawS,
        slowestMs: cold.slowestMs,
        harness,
        load: loadavg(),
      };
    } finally {
      worker.close().catch(() => undefined);
      await removeLockFiles([`lab-${lab.name}`]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return { ...result, load: loadavg() };
}

/**
 * The harness alone: build the lab, apply the topology's plan script in each host's namespace (no
 * SSH: not a figure of this bench), check the ping mesh, reset the hosts, tear the lab down.
 */
async function benchHarness(hosts: number, log: (line: string) => void): Promise<HarnessResult> {
  log(`bench: building a ${hosts}-host lab...`);
  const harness = newHarness();
  await timedLab(hosts, harness, async (lab) => {
    try {
      const t = labTopology(lab);
      const plan = compilePlan(t, { facts: labFacts(lab, t) });
      await mapLimit(plan.hosts, 8, (hp) => applyHostPlan(labHost(lab, hp.hostName).namespace, hp));
      log('bench: overlay ping mesh check...');
      await verify(lab, t, 'apply', harness);
      log('bench: resetting the hosts...');
      await reset(lab, t, harness);
      log('bench: tearing the lab down...');
    } finally {
      await removeLockFiles([`lab-${lab.name}`]);
    }
  });
  return { hosts, harness, load: loadavg() };
}

const secs = (s: number | null): string => (s === null ? 'n/a' : `${s.toFixed(3)} s`);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
const loadText = (load: number[]): string => load.map((l) => l.toFixed(2)).join(' ');

/** Lines printing `rows` as columns; `align` has one letter per column, l(eft) or r(ight). */
function table(rows: string[][], align: string): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    `  ${r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

/** One size in detail: every run, its figure and what it is measured against. */
function sizeReport(r: SizeResult, ansibleMissing: string | null): string[] {
  const ansibleNote = (s: number | null, note: string): string =>
    s === null
      ? `not run: ${ansibleMissing ?? '?'}`
      : `CLI cold ${ratio(s, r.cliCold)} faster, in-app cold ${ratio(s, r.cold)} (${note})`;
  const rows = [
    ['CLI cold, from process start', secs(r.cliCold), `${ratio(r.cliCold, r.openssh)} of parallel OpenSSH (target <= 1.0x)`],
    [
      'CLI cold --lab, from the host',
      secs(r.cliLab),
      `${ratio(r.cliLab, r.cliCold)} of the CLI inside the controller (target <= 1.0x)`,
    ],
    ['in-app cold', secs(r.cold), `${ratio(r.cold, r.openssh)} of parallel OpenSSH (target <= 0.7x)`],
    [
      'in-app warm no-op',
      secs(r.noop),
      `target < ${r.hosts >= 100 ? '0.5' : '0.25'} s; hosts' watches armed (${secs(r.settle)} after the run, in the background)`,
    ],
    ['in-app warm no-op, hosts read', secs(r.noopRead), 'without the watches: right after an apply, or a sudo login'],
    ['in-app warm change', secs(r.change), `MTU 1450 -> 1400 on ${r.hosts} hosts`],
    ['parallel OpenSSH, from process start', secs(r.openssh), 'blind script, no observe/read-back'],
    [`Ansible forks=${r.hosts}, as usually written`, secs(r.ansible), ansibleNote(r.ansible, 'target >= 6x')],
    [`Ansible forks=${r.hosts}, raw`, secs(r.ansibleRaw), ansibleNote(r.ansibleRaw, 'its fastest form')],
  ];
  return [
    '',
    `${r.hosts} hosts, unicast mesh (1 segment, bridge + address per host), every run verified by a full overlay ping mesh.`,
    ...table(rows, 'lrl'),
    `  slowest host in the in-app cold run: connect ${r.slowestMs?.connect ?? '?'} ms, lock+facts+observe ${r.slowestMs?.observe ?? '?'} ms, apply+read-back ${r.slowestMs?.apply ?? '?'} ms`,
    `  load average: ${loadText(r.load)} (2 cores shared)`,
  ];
}

/**
 * The bench's own harness, one row per size: lab build, the slowest and the total of the mesh checks
 * (with first pings lost), the resets between runs, the lab teardown, and build + slowest mesh check
 * + teardown against the 3-minute target at 100 hosts.
 */
function harnessReport(results: readonly HarnessResult[]): string[] {
  const rows = [
    ['hosts', 'lab build', 'mesh check', 'checks', 'all checks', 'first pings lost', 'reset', 'teardown', 'harness', 'load avg'],
    ...results.map(({ hosts, harness: h, load }) => {
      const slowest = Math.max(...h.meshChecks.map((m) => m.seconds));
      const total = h.meshChecks.reduce((n, m) => n + m.seconds, 0);
      const resets = h.resets.length === 0 ? 0 : Math.max(...h.resets);
      return [
        String(hosts),
        secs(h.build),
        secs(slowest),
        String(h.meshChecks.length),
        secs(total),
        String(h.meshChecks.reduce((n, m) => n + m.firstPingLost, 0)),
        secs(resets),
        secs(h.teardown),
        secs(h.build + slowest + (h.teardown ?? 0)),
        loadText(load),
      ];
    }),
  ];
  return [
    '',
    "The bench's own harness (not in any figure above): mesh check = the slowest overlay ping mesh check (one ping per",
    'directed pair, first contact), reset = the slowest destroy between runs; harness = lab build + mesh check + teardown',
    '(target < 180 s at 100 hosts).',
    ...table(rows, 'lrrrrrrrrl'),
  ];
}

/** One row per size, so a reader sees how each cost grows with the host count. */
function scaleReport(results: SizeResult[]): string[] {
  const rows = [
    [
      'hosts',
      'CLI cold',
      '--lab',
      'in-app cold',
      'warm no-op',
      'no-op, read',
      'warm change',
      'OpenSSH',
      'Ansible',
      'Ansible raw',
      'CLI/OpenSSH',
      'Ansible/CLI',
      'load avg',
    ],
    ...results.map((r) => [
      String(r.hosts),
      secs(r.cliCold),
      secs(r.cliLab),
      secs(r.cold),
      secs(r.noop),
      secs(r.noopRead),
      secs(r.change),
      secs(r.openssh),
      secs(r.ansible),
      secs(r.ansibleRaw),
      ratio(r.cliCold, r.openssh),
      r.ansible === null ? 'n/a' : ratio(r.ansible, r.cliCold),
      loadText(r.load.slice(0, 1)),
    ]),
  ];
  return [
    '',
    'Scale: CLI/OpenSSH/Ansible timed from process start to exit; in-app rows exclude node start-up and file parsing.',
    ...table(rows, 'lrrrrrrrrrrr'),
  ];
}

async function main(): Promise<void> {
  const { sizes, json, harnessOnly } = parseCli(process.argv.slice(2));
  if (!isRoot()) {
    console.error('bench: the lab needs root (network namespaces, sshd); run `sudo npm run bench -- --hosts 20`');
    process.exit(2);
  }
  const log = (line: string): void => {
    if (!json) console.log(line);
    else console.error(line);
  };
  if (harnessOnly) {
    const harnesses: HarnessResult[] = [];
    for (const hosts of sizes) harnesses.push(await benchHarness(hosts, log));
    for (const line of harnessReport(harnesses)) log(line);
    if (json) console.log(JSON.stringify(harnesses.map((r) => ({ hosts: r.hosts, harness: r.harness, load_average: r.load }))));
    return;
  }
  buildCliIfStale();
  const ansibleMissing = await ensureAnsible(log);
  if (ansibleMissing !== null) log(`bench: no Ansible rows: ${ansibleMissing}`);
  const results: SizeResult[] = [];
  for (const hosts of sizes) {
    const r = await benchSize(hosts, log, ansibleMissing);
    results.push(r);
    for (const line of sizeReport(r, ansibleMissing)) log(line);
  }
  if (results.length > 1) for (const line of scaleReport(results)) log(line);
  for (const line of harnessReport(results)) log(line);
  if (json) {
    const round = (s: number | null): number | null => (s === null ? null : Number(s.toFixed(3)));
    console.log(
      JSON.stringify(
        results.map((r) => ({
          hosts: r.hosts,
          cli_cold_s: round(r.cliCold),
          cli_lab_s: round(r.cliLab),
          cold_s: round(r.cold),
          warm_noop_s: round(r.noop),
          warm_noop_read_s: round(r.noopRead),
          watch_settle_s: round(r.settle),
          warm_change_s: round(r.change),
          openssh_parallel_s: round(r.openssh),
          ansible_s: round(r.ansible),
          ansible_raw_s: round(r.ansibleRaw),
          harness: r.harness,
          load_average: r.load.map((l) => Number(l.toFixed(2))),
        })),
      ),
    );
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
