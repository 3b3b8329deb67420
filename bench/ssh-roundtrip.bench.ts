/**
 * `sudo npm run bench:ssh [-- --hosts N]`: command round trips to real lab sshd hosts over a pooled
 * connection, through the persistent shell versus a fresh exec channel per command (default 3 hosts).
 *
 * Prints medians (ms) of: connecting (TCP via the controller relay + handshake + auth), one command
 * on the persistent shell, one command on a fresh exec channel, and one round of 2 commands on every
 * host in parallel both ways. Other processes share the 2 cores, so the load average is printed too.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { withLab } from '../electron/core/lab';
import { labConnector } from '../electron/core/lab/controller-connector';
import { isRoot } from '../electron/core/lab/preflight';
import { KnownHostsStore, SshPool, type HostSession } from '../electron/core/ssh';

const SHELL_RUNS = 200;
const EXEC_RUNS = 20;
const PARALLEL_ROUNDS = 10;

function argHosts(): number {
  const i = process.argv.indexOf('--hosts');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 3;
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error('--hosts must be a whole number from 1 to 50');
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  if (!isRoot()) {
    console.error('bench/ssh-roundtrip needs root for the netns lab: sudo npm run bench:ssh');
    process.exit(2);
  }
  const hosts = argHosts();
  await withLab({ hosts, tag: 'bssh' }, async (lab) => {
    const pool = new SshPool({
      knownHosts: new KnownHostsStore({ appFile: '/dev/null', userFile: lab.keys.knownHosts }),
      connector: labConnector(lab),
    });
    try {
      const sessions: HostSession[] = lab.hosts.map((h) =>
        pool.session({ host: h.address, port: 22, user: 'root', auth: { type: 'identity-file', path: lab.keys.clientKey } }),
      );
      const connectMs = await Promise.all(sessions.map((s) => timed(() => s.connect())));
      // Open each persistent shell once so the loop measures steady-state round trips.
      await Promise.all(sessions.map((s) => s.run('true')));

      const shellMs: number[] = [];
      const execMs: number[] = [];
      for (const s of sessions) {
        for (let i = 0; i < SHELL_RUNS; i++) shellMs.push(await timed(() => s.run('true')));
        for (let i = 0; i < EXEC_RUNS; i++) execMs.push(await timed(() => s.exec('true')));
      }
      const parShell: number[] = [];
      const parExec: number[] = [];
      for (let r = 0; r < PARALLEL_ROUNDS; r++) {
        parShell.push(await timed(() => Promise.all(sessions.map(async (s) => (await s.run('true'), await s.run('true'))))));
        parExec.push(await timed(() => Promise.all(sessions.map(async (s) => (await s.exec('true'), await s.exec('true'))))));
      }
      const rows: [string, number][] = [
        [`connect (controller relay + handshake + auth), ${hosts} in parallel, per host`, median(connectMs)],
        [`1 command, persistent shell (median of ${SHELL_RUNS * hosts})`, median(shellMs)],
        [`1 command, fresh exec channel (median of ${EXEC_RUNS * hosts})`, median(execMs)],
        [`2 commands on ${hosts} hosts in parallel, persistent shell`, median(parShell)],
        [`2 commands on ${hosts} hosts in parallel, fresh exec channels`, median(parExec)],
      ];
      console.log(
        `SSH round trips on a ${hosts}-host lab (load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
      for (const [label, ms] of rows) console.log(`  ${label.padEnd(72)} ${ms.toFixed(2).padStart(9)} ms`);
      console.log(`  exec channel / persistent shell: ${(median(execMs) / median(shellMs)).toFixed(0)}x`);
    } finally {
      await pool.closeAll();
    }
  });
}

await main();
