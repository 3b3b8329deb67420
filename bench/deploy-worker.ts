/**
 * The VXLAN Studio side of `npm run bench` (bench/deploy.bench.ts), run as a child process INSIDE a
 * lab's controller namespace (`ip netns exec <ctl> node --import tsx bench/deploy-worker.ts`), so it dials
 * the hosts directly like the OpenSSH and Ansible runs do, with no relay in between.
 *
 * Protocol: one JSON request per stdin line (`{"op":"apply","file":"...","fresh":true}`,
 * `{"op":"settle"}` or `{"op":"exit"}`), one JSON answer per stdout line with the run's wall time
 * measured here (node start-up excluded). `fresh` closes the pool first (cold: new connections);
 * otherwise the pooled connections of the previous run are reused (warm). `settle` waits for the
 * watches the app arms on the hosts after a run (DeployMemory.settled) and answers how long that took.
 */
import { readFileSync } from 'node:fs';
import { parseTopologyText } from '../shared/model';
import { KnownHostsStore, SshPool } from '../electron/core/ssh';
import { runDeploy } from '../electron/core/deploy/runner';
import { DeployMemory } from '../electron/core/deploy/memory';
import { sshConnector } from '../electron/core/deploy/ssh-executor';
import { serveRequests } from './worker-loop';

interface Request {
  op: 'apply' | 'settle' | 'exit';
  file?: string;
  fresh?: boolean;
  /** Forget the hosts' watches first (the app reads every host again, and arms them anew). */
  forgetWatches?: boolean;
  knownHosts?: string;
  concurrency?: number;
}

let pool: SshPool | undefined;
/** The app's memory of earlier runs lives as long as its pool: a fresh pool is a newly started app. */
let memory = new DeployMemory();

async function handle(req: Request): Promise<unknown> {
  if (req.op === 'exit') {
    await pool?.closeAll();
    return { ok: true };
  }
  if (req.op === 'settle') {
    const t0 = performance.now();
    await memory.settled();
    return { ok: true, seconds: (performance.now() - t0) / 1000 };
  }
  const parsed = parseTopologyText(readFileSync(req.file ?? '', 'utf8'));
  if (!parsed.ok) return { ok: false, error: `bad topology: ${JSON.stringify(parsed.issues[0])}` };
  if (req.fresh === true || pool === undefined) {
    await pool?.closeAll();
    memory = new DeployMemory();
    pool = new SshPool({
      knownHosts: new KnownHostsStore({ appFile: req.knownHosts ?? '', userFile: null }),
      hostKeyPolicy: 'refuse',
      maxChannels: 4,
    });
  }
  if (req.forgetWatches === true) for (const h of parsed.topology.hosts) memory.forgetWatch(parsed.topology.id, h.id);
  const started = performance.now();
  const r = await runDeploy({
    action: 'apply',
    topology: parsed.topology,
    connect: sshConnector(pool),
    memory,
    ...(req.concurrency === undefined ? {} : { concurrency: req.concurrency }),
  });
  const seconds = (performance.now() - started) / 1000;
  const counts: Record<string, number> = {};
  for (const h of r.hosts) counts[h.outcome] = (counts[h.outcome] ?? 0) + 1;
  const slowest = (k: 'connectMs' | 'observeMs' | 'applyMs'): number => Math.max(...r.hosts.map((h) => h.timings[k]));
  return {
    ok: r.ok,
    seconds,
    counts,
    slowestMs: { connect: slowest('connectMs'), observe: slowest('observeMs'), apply: slowest('applyMs') },
    steps: r.hosts.reduce((n, h) => n + h.applied, 0),
    errors: r.hosts.filter((h) => h.error).map((h) => `${h.hostName}: ${h.error?.message ?? ''}`),
  };
}

await serveRequests(handle);
