/**
 * `sudo npm run bench:health -- --hosts 20 [--json]`: builds an N-host lab, deploys a unicast mesh
 * (1 segment, N x (N-1) tunnel directions: 380 for 20 hosts) and measures, in one run:
 *
 * - the first round (connects every host; the poll timeout is 10 s) and how many pairs it had no
 *   time left to probe;
 * - one full health round (per host: links, addresses, FDB, nftables, counters twice, a DF probe at
 *   the MTU per peer, small overlay and underlay pings only where it fails, a window of peers at a
 *   time; diagnosis);
 * - one overlay mesh check over the pooled connections (every member pings every peer);
 * - the same mesh check done by a parallel OpenSSH script: one `ssh root@host sh -s < script` per
 *   host, all at once, the very same ping script, over fresh connections and over warm OpenSSH
 *   ControlMaster connections (multiplexed, opened once before timing: the fair warm baseline);
 * - one full round with a silent black hole (the last host's router port drops frames over 1400
 *   bytes, no ICMP), the path MTU searched afresh each round, against the healthy round, and the
 *   programs each of the last 3 hosts starts in such a round (one traced round per host);
 * - the app's CPU use (process.cpuUsage of the poller process) while polling every host every 2 s
 *   for ~20 s (fixed interval, no adaptation).
 *
 * Every client runs inside the lab's controller namespace (the only place that reaches the lab):
 * VXLAN Studio as a child process (bench/health-worker.ts) that times its own work
 * (node start-up and the first connect excluded); the OpenSSH clients are started by the same
 * worker and timed from their start to their exit, so both sides start from the same point (no
 * `ip netns exec` or wrapper shell counted against OpenSSH). Each timing is
 * the median of 3 runs (load average printed per run); the ControlMaster ratio is the median of 7
 * alternating pairs (pooled mesh check, then ControlMaster, back to back). Targets (reported, not asserted): mesh check < 1.0 s and < 0.5x OpenSSH
 * with ControlMaster; a black-hole round <= 2x a healthy one; polling CPU < 5% of one core.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../electron/cli/args';
import { serializeTopology } from '../shared/model';
import { runDeploy } from '../electron/core/deploy';
import { netnsConnector } from '../electron/core/lab/netns-executor';
import { removeLockFiles } from '../electron/core/lab/lab-check';
import { healthRoundScript, parseHealthRound, probePlan } from '../electron/core/health';
import { hostCpuSeconds, hostProcesses } from './health-host-cost';
import {
  controllerArgv,
  isRoot,
  labTopology,
  MAX_HOSTS,
  restoreUnderlayMtu,
  run,
  setUnderlayMtu,
  sshArgv,
  withLab,
  type LabState,
} from '../electron/core/lab/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 3;
/** Alternating (pooled, ControlMaster) mesh-check pairs for the fair warm ratio. */
const FAIR_PAIRS = 7;

function parseCli(argv: string[]): { hosts: number; json: boolean; pollSeconds: number } {
  const args = parseArgs(argv, { hosts: 'string', json: 'boolean', 'poll-seconds': 'string' });
  if (args.positionals.length > 0)
    throw new UsageError(
      `unexpected argument "${args.positionals[0] ?? ''}" (usage: npm run bench:health -- --hosts N [--json] [--poll-seconds S])`,
    );
  return {
    hosts: intArg(stringFlag(args, 'hosts') ?? '20', '--hosts', 2, MAX_HOSTS),
    json: boolFlag(args, 'json'),
    pollSeconds: intArg(stringFlag(args, 'poll-seconds') ?? '20', '--poll-seconds', 2, 600),
  };
}

interface Answer {
  ok: boolean;
  seconds: number;
  error?: string;
  [k: string]: unknown;
}

/** Talks to the health worker in the controller namespace. */
class Worker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];

  constructor(lab: LabState) {
    const [file, ...args] = controllerArgv(lab, [process.execPath, '--import', 'tsx', path.join(ROOT, 'bench/health-worker.ts')]);
    this.child = spawn(file as string, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
  }

  ask(req: object): Promise<Answer> {
    return new Promise((resolve) => {
      this.pending.push((l) => resolve(JSON.parse(l) as Answer));
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  async close(): Promise<void> {
    await this.ask({ op: 'exit' });
    this.child.stdin.end();
  }
}

function shq(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * The same overlay ping script per host, sent with one `ssh host sh -s` per host, all at once: over
 * fresh connections, or (`controlDir`) over OpenSSH ControlMaster connections kept open in that
 * directory (the fair warm baseline: multiplexed sessions, no handshake once the masters are up).
 */
async function opensshMesh(
  worker: Worker,
  lab: LabState,
  t: ReturnType<typeof labTopology>,
  dir: string,
  controlDir?: string,
): Promise<{ seconds: number; ok: number; pairs: number }> {
  const mux = controlDir === undefined ? [] : ['ControlMaster=auto', `ControlPath=${controlDir}/%h`, 'ControlPersist=120'];
  const marker = 'VXSBENCH0123456789abcdef';
  const hosts = t.hosts.map((h) => {
    const plan = probePlan(t, h.id, { overlayOnly: true });
    const file = path.join(dir, `${h.name}.sh`);
    writeFileSync(file, healthRoundScript(plan, marker, { overlayOnly: true }));
    return { name: h.name, plan, file, out: path.join(dir, `${h.name}.out`) };
  });
  // Started and timed by the worker, in the controller namespace, like the pooled mesh check: no
  // `ip netns exec` or wrapper shell start is counted against OpenSSH.
  const r = await worker.ask({
    op: 'openssh',
    runs: hosts.map((h) => ({ argv: sshArgv(lab, h.name, ['sh', '-s'], { options: mux }), input: h.file, output: h.out })),
  });
  if (!r.ok) throw new Error(`parallel OpenSSH failed: ${r.error ?? ''}`);
  const seconds = r.seconds;
  let ok = 0;
  let pairs = 0;
  for (const h of hosts) {
    const round = parseHealthRound(h.plan, readFileSync(h.out, 'utf8'), marker, { overlayOnly: true });
    pairs += round.pairs.length;
    ok += round.pairs.filter((p) => p.overlay?.ok === true).length;
  }
  return { seconds, ok, pairs };
}

async function main(): Promise<void> {
  const { hosts, json, pollSeconds } = parseCli(process.argv.slice(2));
  if (!isRoot()) {
    console.error('bench:health: the lab needs root (network namespaces, sshd); run `sudo npm run bench:health -- --hosts 20`');
    process.exit(2);
  }
  const log = (line: string): void => (json ? console.error(line) : console.log(line));
  log(`bench:health: building a ${hosts}-host lab...`);
  await withLab({ hosts, tag: 'hbench' }, async (lab) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-hbench-'));
    let worker: Worker | undefined;
    try {
      const t = labTopology(lab);
      const file = path.join(dir, 'mesh.vxlan.json');
      writeFileSync(file, serializeTopology(t));
      log('bench:health: deploying the unicast mesh...');
      const d = await runDeploy({ action: 'apply', topology: t, connect: netnsConnector(lab), concurrency: hosts });
      if (!d.ok)
        throw new Error(
          `deploy failed: ${d.hosts.map((h) => `${h.hostName} ${h.outcome} ${h.error?.message ?? ''}`).join('; ')}`,
        );

      worker = new Worker(lab);
      log('bench:health: the first round (connects every host)...');
      const open = await worker.ask({ op: 'open', file, knownHosts: lab.keys.knownHosts });
      // A host that timed out in the first round is a figure of this size on this machine, not a
      // reason to stop: printed, and the runs below say whether later rounds answer.
      if (!open.ok) log(`bench:health: the first round: ${open.error ?? ''}`);
      const firstLoad = loadavg()[0] ?? 0;

      const controlDir = path.join(dir, 'cm');
      mkdirSync(controlDir, { mode: 0o700 });
      log('bench:health: opening the OpenSSH ControlMaster connections (warm-up run, not timed)...');
      await opensshMesh(worker, lab, t, dir, controlDir);

      const rounds: number[] = [];
      /** Pairs each full round had no time left to probe. */
      const unprobed: number[] = [];
      /** Hosts each full round timed out on (poll timeout 10 s). */
      const timedOut: number[] = [];
      const meshes: number[] = [];
      /** Pairs each pooled mesh check had no time left to probe. */
      const meshUnprobed: number[] = [];
      const openssh: number[] = [];
      const opensshWarm: number[] = [];
      const loads: number[] = [];
      /** CPU seconds the hosts spent per full round (every process in their namespaces). */
      const roundCpu: number[] = [];
      const fair: Array<{ pooled: number; controlMaster: number; load1: number }> = [];
      let pairs = 0;
      for (let i = 0; i < RUNS; i++) {
        log(`bench:health: run ${i + 1}/${RUNS}: full round, mesh check, OpenSSH mesh check...`);
        const wk = worker;
        const { value: r, cpuSeconds } = await hostCpuSeconds(lab, () => wk.ask({ op: 'round' }));
        if (!r.ok) throw new Error(`health round not green: ${JSON.stringify(r)}`);
        rounds.push(r.seconds);
        roundCpu.push(cpuSeconds);
        unprobed.push(Number(r.unprobed));
        timedOut.push(Number(r.timedOut));
        const m = await worker.ask({ op: 'mesh' });
        if (!m.ok) throw new Error(`mesh check failed: ${JSON.stringify(m)}`);
        meshes.push(m.seconds);
        meshUnprobed.push(Number(m.unprobed));
        pairs = Number(m.pairs);
        const o = await opensshMesh(worker, lab, t, dir);
        if (o.ok !== o.pairs) throw new Error(`OpenSSH mesh check: ${o.pairs - o.ok} of ${o.pairs} pairs failed`);
        openssh.push(o.seconds);
        const w = await opensshMesh(worker, lab, t, dir, controlDir);
        if (w.ok !== w.pairs) throw new Error(`OpenSSH ControlMaster mesh check: ${w.pairs - w.ok} of ${w.pairs} pairs failed`);
        opensshWarm.push(w.seconds);
        loads.push(loadavg()[0] ?? 0);
      }
      // Processes one host starts in a round: its persistent shell traced for one more round (not timed).
      const tracedHost = lab.hosts[0]?.name ?? 'h1';
      const w0 = worker;
      const traced = await hostProcesses(lab, tracedHost, () => w0.ask({ op: 'round' }));
      // The fair warm baseline, measured alternately (pooled, then ControlMaster) so both see the same
      // load: every pair's figures and load average are printed.
      log(`bench:health: ${FAIR_PAIRS} alternating pairs: pooled mesh check, then OpenSSH ControlMaster...`);
      for (let i = 0; i < FAIR_PAIRS; i++) {
        const m = await worker.ask({ op: 'mesh' });
        if (!m.ok) throw new Error(`mesh check failed: ${JSON.stringify(m)}`);
        const w = await opensshMesh(worker, lab, t, dir, controlDir);
        if (w.ok !== w.pairs) throw new Error(`OpenSSH ControlMaster mesh check: ${w.pairs - w.ok} of ${w.pairs} pairs failed`);
        fair.push({ pooled: m.seconds, controlMaster: w.seconds, load1: loadavg()[0] ?? 0 });
      }
      // A silent black hole on one host: its router port drops frames over 1400 bytes, no ICMP.
      const holed = lab.hosts[lab.hosts.length - 1]?.name ?? 'h1';
      log(`bench:health: ${RUNS} full rounds with a silent 1400-byte black hole on ${holed} (path MTU searched each round)...`);
      const faulty: number[] = [];
      const faultyCpu: number[] = [];
      /** Per black-hole run, the path-MTU figures that are not the hole's 1400 (e.g. 1404: VLAN slack). */
      const wrongFigures: string[][] = [];
      let faultyTraced: { execs: number; forks: number } = { execs: 0, forks: 0 };
      const faultyTracedHosts: Array<{ host: string; execs: number; forks: number }> = [];
      await setUnderlayMtu(lab, holed, 1400, 'router');
      try {
        for (let i = 0; i < RUNS; i++) {
          const wk = worker;
          const { value: r, cpuSeconds } = await hostCpuSeconds(lab, () => wk.ask({ op: 'round', forgetPathMtus: true }));
          faultyCpu.push(cpuSeconds);
          const found = Array.isArray(r.pathMtus) && r.pathMtus.some((x) => String(x).endsWith(' 1400'));
          // Not found (its host timed out on a loaded machine, say) is printed with the run, not fatal.
          const wrong = (r.pathMtus as string[]).filter((x) => !x.endsWith(' 1400'));
          wrongFigures.push(found ? wrong : [`not found (${String(r.timedOut)} hosts timed out)`, ...wrong]);
          faulty.push(r.seconds);
        }
        // Processes each host starts in a black-hole round (the holed host searches every peer, the
        // others the holed one): one more round per host, that host traced (at most 3 hosts).
        const wk = worker;
        for (const h of lab.hosts.slice(-3)) {
          const tr = await hostProcesses(lab, h.name, () => wk.ask({ op: 'round', forgetPathMtus: true }));
          faultyTracedHosts.push({ host: h.name, execs: tr.execs, forks: tr.forks });
          if (h.name === holed) faultyTraced = tr;
        }
      } finally {
        await restoreUnderlayMtu(lab, holed);
      }
      await run('sh', [
        '-c',
        `for s in ${shq(controlDir)}/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x 2>/dev/null; done; true`,
      ]);
      log(`bench:health: polling ${hosts} hosts every 2 s for ${pollSeconds} s (CPU of the poller process)...`);
      const poll = await worker.ask({ op: 'poll', seconds: pollSeconds, intervalMs: 2000 });
      if (!poll.ok) throw new Error(`polling failed: ${JSON.stringify(poll)}`);
      await worker.close();
      worker = undefined;

      const round = median(rounds);
      const mesh = median(meshes);
      const ssh = median(openssh);
      const sshWarm = median(opensshWarm);
      // Median of the per-pair ratios: each pair ran back to back under the same load.
      const fairRatio = median(fair.map((f) => f.pooled / f.controlMaster));
      const faultyRound = median(faulty);
      const cpu = Number(poll.cpuPercent);
      const load = loadavg()[0] ?? 0;
      if (json) {
        console.log(
          JSON.stringify({
            hosts,
            pairs,
            first_round_s: Number(open.seconds.toFixed(3)),
            first_round_unprobed: open.unprobed,
            round_unprobed: unprobed,
            round_timed_out_hosts: timedOut,
            round_s: Number(round.toFixed(3)),
            round_host_cpu_s: Number(median(roundCpu).toFixed(2)),
            round_pairs_probed: unprobed.map((u) => pairs - u),
            faulty_round_host_cpu_s: Number(median(faultyCpu).toFixed(2)),
            traced_host: tracedHost,
            traced_round_programs: traced.execs,
            traced_round_forks: traced.forks,
            mesh_s: Number(mesh.toFixed(3)),
            openssh_mesh_s: Number(ssh.toFixed(3)),
            mesh_vs_openssh: Number((mesh / ssh).toFixed(3)),
            openssh_controlmaster_mesh_s: Number(sshWarm.toFixed(3)),
            mesh_vs_openssh_controlmaster: Number(fairRatio.toFixed(3)),
            fair_pairs: fair.map((f) => ({
              pooled_s: Number(f.pooled.toFixed(3)),
              controlmaster_s: Number(f.controlMaster.toFixed(3)),
              load1: Number(f.load1.toFixed(2)),
            })),
            faulty_round_s: Number(faultyRound.toFixed(3)),
            faulty_vs_healthy_round: Number((faultyRound / round).toFixed(3)),
            faulty_wrong_path_mtus: wrongFigures,
            faulty_traced_round_programs: faultyTraced.execs,
            faulty_traced_round_forks: faultyTraced.forks,
            faulty_traced_programs_per_host: faultyTracedHosts,
            poll_cpu_percent: Number(cpu.toFixed(2)),
            poll_rounds: poll.rounds,
            poll_avg_round_s: poll.avgRoundS,
            runs: {
              round_s: rounds,
              mesh_s: meshes,
              openssh_mesh_s: openssh,
              openssh_controlmaster_mesh_s: opensshWarm,
              faulty_round_s: faulty,
              load1: loads.map((l) => Number(l.toFixed(2))),
            },
            load1: Number(load.toFixed(2)),
          }),
        );
      } else {
        const rows: Array<[string, string, string]> = [
          [
            'first round (connect included)',
            `${open.seconds.toFixed(3)} s`,
            `poll timeout 10 s; ${String(open.unprobed)} of ${String(open.pairs)} pairs left unprobed (no time left), ${String(open.bad)} down; load ${firstLoad.toFixed(1)}`,
          ],
          [
            'full health round',
            `${round.toFixed(3)} s`,
            `${hosts} hosts, ${pairs} pairs: a DF probe each (+ overlay/underlay pings where it fails), diagnosis; unprobed pairs per run: ${unprobed.join(' ')}; hosts timed out per run: ${timedOut.join(' ')}`,
          ],
          [
            'full round: CPU on the hosts',
            `${median(roundCpu).toFixed(2)} CPU-s`,
            `every process in the hosts' namespaces (/proc); per run ${roundCpu.map((x) => x.toFixed(2)).join(' ')}; pairs probed per run ${unprobed.map((u) => `${pairs - u}/${pairs}`).join(' ')}; black-hole rounds ${faultyCpu.map((x) => x.toFixed(2)).join(' ')}`,
          ],
          [
            `full round: processes on ${tracedHost}`,
            `${traced.execs} + ${traced.forks}`,
            `programs started + forks, one round with ${tracedHost}'s persistent shell under strace -f (${traced.shells} shell)`,
          ],
          [
            'overlay mesh check (pooled)',
            `${mesh.toFixed(3)} s`,
            `${(mesh / ssh).toFixed(2)}x OpenSSH (targets < 1.0 s, < 0.5x); unprobed pairs per run: ${meshUnprobed.join(' ')}`,
          ],
          [
            'full round, 1400-byte black hole',
            `${faultyRound.toFixed(3)} s`,
            `${(faultyRound / round).toFixed(2)}x the healthy round (target <= 2x), path MTU searched on ${holed}'s tunnels; figures other than 1400 per run: ${wrongFigures.map((w) => (w.length === 0 ? '0' : w.join(','))).join(' / ')}`,
          ],
          [
            `black-hole round: processes on ${holed}`,
            `${faultyTraced.execs} + ${faultyTraced.forks}`,
            `programs started + forks, one black-hole round with ${holed}'s persistent shell under strace -f (its path-MTU search); per host ${faultyTracedHosts.map((t) => `${t.host} ${t.execs}+${t.forks}`).join(', ')}`,
          ],
          ['overlay mesh check (parallel OpenSSH)', `${ssh.toFixed(3)} s`, `one fresh ssh ... sh -s per host, same script`],
          [
            'overlay mesh check (OpenSSH ControlMaster)',
            `${sshWarm.toFixed(3)} s`,
            `warm multiplexed connections, same script; pooled is ${fairRatio.toFixed(2)}x of it (median of ${FAIR_PAIRS} alternating pairs; target < 0.5x)`,
          ],
          [
            'polling CPU (every 2 s)',
            `${cpu.toFixed(2)} %`,
            `of one core over ${Number(poll.seconds).toFixed(1)} s, ${String(poll.rounds)} rounds (target < 5%)`,
          ],
        ];
        const w0 = Math.max(...rows.map((r) => r[0].length));
        const w1 = Math.max(...rows.map((r) => r[1].length));
        console.log('');
        for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
        console.log(
          `\nmedian of ${RUNS} runs each; runs: round ${rounds.map((x) => x.toFixed(3)).join(' ')}, black-hole round ${faulty.map((x) => x.toFixed(3)).join(' ')}, mesh ${meshes.map((x) => x.toFixed(3)).join(' ')}, OpenSSH ${openssh.map((x) => x.toFixed(3)).join(' ')}, ControlMaster ${opensshWarm.map((x) => x.toFixed(3)).join(' ')}; load average per run ${loads.map((l) => l.toFixed(1)).join(' ')}, now ${load.toFixed(2)} (2 cores shared)`,
        );
        console.log(
          `alternating pairs (pooled / ControlMaster @ load): ${fair.map((f) => `${f.pooled.toFixed(3)}/${f.controlMaster.toFixed(3)} @ ${f.load1.toFixed(1)}`).join(', ')}`,
        );
      }
    } finally {
      if (worker) await worker.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      await removeLockFiles([`lab-${lab.name}`]);
    }
  });
}

main().catch((err: unknown) => {
  console.error(`bench:health failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
