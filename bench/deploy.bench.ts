/**
 * `sudo npm run bench -- --hosts 20 [--json]`: deploys the same unicast-mesh topology (1 segment, a
 * bridge and an overlay address per host) to a fresh N-host lab several ways and times each:
 *
 * - VXLAN Studio cold: new SSH connections, lock + facts + observe, diff, apply, read back, release.
 * - VXLAN Studio warm no-op: the same apply again over the pooled connections (nothing to change).
 * - VXLAN Studio warm change: a real change (overlay MTU 1450 -> 1400) over the pooled connections.
 * - parallel OpenSSH: one `ssh root@host sh -s < script` per host, all at once, with the script
 *   `vxlan-studio plan` prints (hostScript): a blind apply, no observe, no read-back.
 * - Ansible (when `ansible-playbook` is installed), forks = N, running the same script two ways: as a
 *   playbook is usually written (Ansible's default fact gathering, the `script` module; the target
 *   is measured against this one) and at its fastest (no facts, the `raw` module; shown too).
 *
 * Every client runs inside the lab's controller namespace (the only place that reaches the lab):
 * VXLAN Studio as a child process (bench/deploy-worker.ts) that times its own runs, so
 * node start-up is not counted; OpenSSH and Ansible are timed from process start to exit. Hosts are
 * torn down between runs so each starts from scratch, and each run is verified by a full overlay
 * ping mesh. Targets (reported, not asserted): cold <= 1.0x parallel OpenSSH, warm re-apply < 0.25 s,
 * >= 6x faster than Ansible.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serializeTopology, type Topology } from '../shared/model';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../electron/cli/args';
import { compilePlan, hostScript } from '../shared/plan';
import { runDeploy } from '../electron/core/deploy';
import { netnsConnector } from '../electron/core/lab/netns-executor';
import { overlayPingFailures, removeLockFiles } from '../electron/core/lab/lab-check';
import { controllerArgv, isRoot, labFacts, labTopology, run, sshArgv, withLab, type LabState } from '../electron/core/lab/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseCli(argv: string[]): { hosts: number; json: boolean } {
  const args = parseArgs(argv, { hosts: 'string', json: 'boolean' });
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}" (usage: npm run bench -- --hosts N [--json])`);
  return { hosts: intArg(stringFlag(args, 'hosts') ?? '20', '--hosts', 2, 64), json: boolFlag(args, 'json') };
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

async function teardown(lab: LabState, t: Topology): Promise<void> {
  const r = await runDeploy({ action: 'destroy', topology: t, connect: netnsConnector(lab), concurrency: 20 });
  if (!r.ok)
    throw new Error(`teardown failed: ${r.hosts.map((h) => `${h.hostName} ${h.outcome} ${h.error?.message ?? ''}`).join('; ')}`);
}

async function verify(lab: LabState, t: Topology, what: string): Promise<void> {
  const failures = await overlayPingFailures(lab, t, 16);
  if (failures.length > 0)
    throw new Error(`${what}: the overlay ping mesh failed for ${failures.length} pair(s): ${failures.slice(0, 5).join(', ')}`);
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

function ansibleRow(name: string, s: number | null, cold: number, warm: number, note: string): [string, string, string] {
  if (s === null) return [name, 'n/a', 'not installed'];
  return [
    name,
    `${s.toFixed(3)} s`,
    `${(s / cold).toFixed(1)}x VXLAN Studio cold, ${(s / warm).toFixed(1)}x warm change (${note})`,
  ];
}

async function main(): Promise<void> {
  const { hosts, json } = parseCli(process.argv.slice(2));
  if (!isRoot()) {
    console.error('bench: the lab needs root (network namespaces, sshd); run `sudo npm run bench -- --hosts 20`');
    process.exit(2);
  }
  const log = (line: string): void => {
    if (!json) console.log(line);
    else console.error(line);
  };
  log(`bench: building a ${hosts}-host lab...`);
  await withLab({ hosts, tag: 'bench' }, async (lab) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-bench-'));
    const worker = new Worker(lab);
    try {
      const t = labTopology(lab);
      const changed = labTopology(lab, { mtu: 1400 });
      const file = path.join(dir, 'mesh.vxlan.json');
      const changedFile = path.join(dir, 'mesh-mtu1400.vxlan.json');
      writeFileSync(file, serializeTopology(t));
      writeFileSync(changedFile, serializeTopology(changed));
      const base = { op: 'apply', knownHosts: lab.keys.knownHosts, concurrency: hosts };

      log('bench: VXLAN Studio cold (new connections)...');
      await teardown(lab, t);
      const cold = await worker.ask({ ...base, file, fresh: true });
      if (!cold.ok) throw new Error(`cold apply failed: ${cold.error ?? cold.errors.join('; ')}`);
      await verify(lab, t, 'VXLAN Studio cold');

      log('bench: VXLAN Studio warm no-op re-apply...');
      const noop = await worker.ask({ ...base, file });
      if (!noop.ok || noop.counts.unchanged !== hosts) throw new Error(`warm no-op was not a no-op: ${JSON.stringify(noop)}`);

      log('bench: VXLAN Studio warm change (overlay MTU 1450 -> 1400)...');
      const change = await worker.ask({ ...base, file: changedFile });
      if (!change.ok || change.counts.applied !== hosts) throw new Error(`warm change failed: ${JSON.stringify(change)}`);
      await verify(lab, changed, 'VXLAN Studio warm change');
      await worker.close();

      log('bench: parallel OpenSSH (one ssh ... sh -s < script per host, all at once)...');
      await teardown(lab, t);
      const scripts = writeScripts(lab, t, dir);
      const opensshS = await openssh(lab, scripts);
      await verify(lab, t, 'parallel OpenSSH');

      let ansibleS: number | null = null;
      let ansibleRawS: number | null = null;
      if (ansibleInstalled()) {
        log(`bench: Ansible as usually written (forks=${hosts}, default fact gathering, script module, same script)...`);
        await teardown(lab, t);
        ansibleS = await ansible(lab, scripts, dir, 'defaults');
        await verify(lab, t, 'Ansible (defaults)');
        log(`bench: Ansible at its fastest (forks=${hosts}, no facts, raw module, same script)...`);
        await teardown(lab, t);
        ansibleRawS = await ansible(lab, scripts, dir, 'raw');
        await verify(lab, t, 'Ansible (raw)');
      } else log('bench: ansible-playbook not installed: skipped (sudo apt-get install ansible)');
      await teardown(lab, t);

      const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
      log(
        `bench: slowest host in the cold run: connect ${cold.slowestMs?.connect ?? '?'} ms, lock+facts+observe ${cold.slowestMs?.observe ?? '?'} ms, apply+read-back ${cold.slowestMs?.apply ?? '?'} ms`,
      );
      const rows: Array<[string, string, string]> = [
        ['VXLAN Studio cold', `${cold.seconds.toFixed(3)} s`, `${ratio(cold.seconds, opensshS)} of OpenSSH (target <= 1.0x)`],
        ['VXLAN Studio warm no-op', `${noop.seconds.toFixed(3)} s`, `target < 0.25 s`],
        ['VXLAN Studio warm change', `${change.seconds.toFixed(3)} s`, `MTU 1450 -> 1400 on ${hosts} hosts`],
        ['parallel OpenSSH', `${opensshS.toFixed(3)} s`, 'blind script, no observe/read-back'],
        ansibleRow(`Ansible forks=${hosts}, defaults`, ansibleS, cold.seconds, change.seconds, 'target >= 6x'),
        ansibleRow(`Ansible forks=${hosts}, raw`, ansibleRawS, cold.seconds, change.seconds, 'its fastest form'),
      ];
      const w0 = Math.max(...rows.map((r) => r[0].length));
      const w1 = Math.max(...rows.map((r) => r[1].length));
      log('');
      log(`${hosts} hosts, unicast mesh (1 segment, bridge + address per host), every run verified by a full overlay ping mesh.`);
      log(
        'All clients ran inside the lab controller namespace; VXLAN Studio as a child process timing its own runs (node start-up excluded).',
      );
      for (const r of rows) log(`  ${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`);
      log(
        `  load average: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} (2 cores shared)`,
      );
      if (json) {
        console.log(
          JSON.stringify({
            hosts,
            cold_s: Number(cold.seconds.toFixed(3)),
            warm_noop_s: Number(noop.seconds.toFixed(3)),
            warm_change_s: Number(change.seconds.toFixed(3)),
            openssh_parallel_s: Number(opensshS.toFixed(3)),
            ansible_s: ansibleS === null ? null : Number(ansibleS.toFixed(3)),
            ansible_raw_s: ansibleRawS === null ? null : Number(ansibleRawS.toFixed(3)),
          }),
        );
      }
    } finally {
      worker.close().catch(() => undefined);
      await removeLockFiles([`lab-${lab.name}`]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
