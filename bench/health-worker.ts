/**
 * The VXLAN Studio side of `npm run bench:health` (bench/health.bench.ts), run as a child process
 * INSIDE a lab's controller namespace, so it dials the hosts directly (no relay), like the OpenSSH
 * run it is compared with.
 *
 * Protocol: one JSON request per stdin line, one JSON answer per stdout line, times measured here:
 * - `{"op":"open","file":...,"knownHosts":...}`: pool + poller; the first round (connects every host),
 *   timed, with how many pairs it had no time to probe.
 * - `{"op":"round","forgetPathMtus":true}`: one full health round (all probes, diagnosis);
 *   `forgetPathMtus` drops the cached path MTUs first, so a failing DF probe is searched again.
 * - `{"op":"mesh"}`: one overlay mesh check (every member pings every peer).
 * - `{"op":"openssh","runs":[{"argv":[...],"input":...,"output":...}]}`: starts every OpenSSH client at
 *   once (argv, stdin from `input`, stdout to `output`) and times them from here, from the first start
 *   to the last exit: the same starting point as the pooled mesh check, in the same namespace.
 * - `{"op":"poll","seconds":20,"intervalMs":2000}`: polls on a fixed interval; answers this process's
 *   CPU time (process.cpuUsage) over the wall time.
 * - `{"op":"exit"}`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { parseTopologyText, type Topology } from '../shared/model';
import { KnownHostsStore, SshPool } from '../electron/core/ssh';
import { overlayMeshCheck } from '../electron/core/health/mesh-check';
import { HealthPoller } from '../electron/core/health/poller';
import { sshHealthTransport, type HealthTransport } from '../electron/core/health/transport';
import { serveRequests } from './worker-loop';

interface Request {
  op: 'open' | 'round' | 'mesh' | 'openssh' | 'poll' | 'exit';
  runs?: Array<{ argv: string[]; input: string; output: string }>;
  file?: string;
  knownHosts?: string;
  seconds?: number;
  intervalMs?: number;
  forgetPathMtus?: boolean;
}

let pool: SshPool | undefined;
let transport: HealthTransport | undefined;
let topology: Topology | undefined;
let poller: HealthPoller | undefined;

function ready(): { transport: HealthTransport; topology: Topology; poller: HealthPoller } {
  if (!transport || !topology || !poller) throw new Error('send "open" first');
  return { transport, topology, poller };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'exit':
      await poller?.stop();
      await pool?.closeAll();
      return { ok: true };
    case 'open': {
      const parsed = parseTopologyText(readFileSync(req.file ?? '', 'utf8'));
      if (!parsed.ok) return { ok: false, error: `bad topology: ${JSON.stringify(parsed.issues[0])}` };
      topology = parsed.topology;
      pool = new SshPool({
        knownHosts: new KnownHostsStore({ appFile: req.knownHosts ?? '', userFile: null }),
        hostKeyPolicy: 'refuse',
      });
      transport = sshHealthTransport(pool);
      poller = new HealthPoller({ topology, transport, adaptive: false, pollTimeoutMs: 10_000 });
      const started = performance.now();
      const r = await poller.runRound();
      const seconds = (performance.now() - started) / 1000;
      const down = r.view.hosts.filter((h) => h.state !== 'ok');
      return {
        ok: down.length === 0,
        seconds,
        pairs: r.view.pairs.length,
        // Pairs the round had no time left to probe (named in its problems), not failures.
        unprobed: r.view.pairs.filter((x) => x.status === 'unknown').length,
        bad: r.view.pairs.filter((x) => x.status !== 'ok' && x.status !== 'unknown').length,
        error: down.map((h) => `${h.hostId}: ${h.message ?? h.state}`).join('; '),
      };
    }
    case 'round': {
      const { poller: p, topology: t } = ready();
      if (req.forgetPathMtus === true) p.setTopology(t);
      const started = performance.now();
      const r = await p.runRound();
      const seconds = (performance.now() - started) / 1000;
      // A pair the round had no time left to probe is unknown (named in the round's problems), not down.
      const bad = r.view.pairs.filter((x) => x.status !== 'ok' && x.status !== 'unknown').length;
      // Hosts that did not answer within the poll timeout (a loaded machine at scale): counted, and
      // their HOST_UNREACHABLE findings are not counted as a fault of the mesh.
      const timedOut = r.view.hosts.filter((h) => h.state === 'timeout').map((h) => h.hostId);
      return {
        ok:
          bad === 0 &&
          r.findings.every(
            (f) => f.severity !== 'error' || (f.code === 'HOST_UNREACHABLE' && f.hosts.every((h) => timedOut.includes(h))),
          ),
        timedOut: timedOut.length,
        seconds,
        pairs: r.view.pairs.length,
        bad,
        unprobed: r.view.pairs.filter((x) => x.status === 'unknown').length,
        findings: r.findings.map((f) => f.title),
        pathMtus: r.snapshot.pairs.filter((x) => x.pathMtu !== undefined).map((x) => `${x.from}>${x.to} ${String(x.pathMtu)}`),
      };
    }
    case 'mesh': {
      const { transport: tr, topology: t } = ready();
      const r = await overlayMeshCheck(t, tr);
      // A pair the check had no time left to probe (a loaded machine at scale) is counted, not failed.
      const unprobed = r.failures.filter((f) => f.endsWith('not probed, no time left')).length;
      return {
        ok: r.ok + unprobed === r.pairs,
        unprobed,
        seconds: r.durationMs / 1000,
        pairs: r.pairs,
        okPairs: r.ok,
        failures: r.failures.slice(0, 5),
      };
    }
    case 'openssh': {
      const runs = req.runs ?? [];
      const fds = runs.map((r) => [openSync(r.input, 'r'), openSync(r.output, 'w')] as const);
      try {
        const started = performance.now();
        const codes = await Promise.all(
          runs.map(
            (r, i) =>
              new Promise<number>((resolve) => {
                const [file = 'ssh', ...args] = r.argv;
                const [input, output] = fds[i] ?? [];
                const c = spawn(file, args, { stdio: [input, output, 'ignore'] });
                c.on('error', () => resolve(-1));
                c.on('close', (code) => resolve(code ?? -1));
              }),
          ),
        );
        const seconds = (performance.now() - started) / 1000;
        const failed = runs.filter((_, i) => codes[i] !== 0).map((r) => r.argv.join(' '));
        return { ok: failed.length === 0, seconds, error: failed.join('; ') };
      } finally {
        for (const [a, b] of fds) {
          closeSync(a);
          closeSync(b);
        }
      }
    }
    case 'poll': {
      const { transport: tr, topology: t } = ready();
      let rounds = 0;
      let roundMs = 0;
      const p = new HealthPoller({
        topology: t,
        transport: tr,
        adaptive: false,
        intervalMs: req.intervalMs ?? 2000,
        onRound: (r) => ((rounds += 1), (roundMs += r.view.durationMs)),
      });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      p.start();
      await new Promise((r) => setTimeout(r, (req.seconds ?? 20) * 1000));
      await p.stop();
      const cpu = process.cpuUsage(cpu0);
      const wall = (performance.now() - t0) / 1000;
      const cpuS = (cpu.user + cpu.system) / 1e6;
      return {
        ok: rounds > 0,
        seconds: wall,
        rounds,
        avgRoundS: rounds > 0 ? roundMs / rounds / 1000 : null,
        cpuS,
        cpuPercent: (100 * cpuS) / wall,
      };
    }
  }
}

await serveRequests(handle);
