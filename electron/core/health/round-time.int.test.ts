/**
 * The health round against its own deadline, on real hosts: a 6-host lab (namespaces with their own
 * sshd) deployed with the deploy runner. One host is made slow the way a mesh at scale makes every
 * host slow: each process it starts costs a 0.75 s, one at a time (its `ping` is a wrapper
 * that takes a lock and sleeps before the real ping, in that host's own mount namespace only). And
 * the round's temporary directory, on a host whose /tmp is a private tmpfs. Root only.
 */
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHealthLab } from '../lab/health-lab.testing';
import { hostRun, hostRunOk } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import { newNonce } from '../ssh/remote-script';
import { HealthPoller } from './poller';
import { STALE_ROUND_DIR_SECONDS } from './round-dir';
import { healthRoundScript, probePlan } from './round-script';
import { runWithin, sshHealthTransport } from './transport';

const root = isRoot();
if (!root)
  console.log(
    'round-time.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

/** What each ping start costs the slow host (ms), one after another. */
const PROCESS_COST_MS = 750;
/**
 * The poll timeout of the round below: generous for a loaded machine (15 s timed out no host at load
 * 25 on 2 cores), and less than the 21 pings a host of a 6-host mesh used to start per round cost the
 * slow host (15.75 s) before anything else it runs.
 */
const POLL_TIMEOUT_MS = 15_000;

suite('the health round against its deadline on a 6-host mesh (h1 slow to start processes)', () => {
  const hl = useHealthLab({ tag: 'hrtm', hosts: 6, pollTimeoutMs: 30_000 });
  let dir = '';
  let ping = '';
  let fping = '';

  beforeAll(async () => {
    // Not under /tmp: the second test gives h1 a /tmp of its own, and the wrapper must stay reachable.
    dir = mkdtempSync(path.join('/var/tmp', 'vxs-slowping-'));
    ping = (await hostRunOk(hl.lab, 'h1', ['sh', '-c', 'command -v ping'])).trim();
    copyFileSync(ping, path.join(dir, 'ping.real'));
    chmodSync(path.join(dir, 'ping.real'), 0o755);
    const wrapper = path.join(dir, 'ping');
    writeFileSync(wrapper, `#!/bin/sh\nflock ${dir}/lock sleep ${PROCESS_COST_MS / 1000}\nexec ${dir}/ping.real "$@"\n`, {
      mode: 0o755,
    });
    // h1's own mount namespace (a slave of the machine's): the machine's ping is untouched.
    await hostRunOk(hl.lab, 'h1', ['mount', '--bind', wrapper, ping]);
    fping = (await hostRunOk(hl.lab, 'h1', ['sh', '-c', 'command -v fping'])).trim();
    writeFileSync(path.join(dir, 'no-fping'), '', { mode: 0o644 });
  }, 60_000);

  afterAll(async () => {
    if (ping !== '') await hostRun(hl.lab, 'h1', ['umount', ping]).catch(() => undefined);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('answers from the slow host before the deadline, with every pair either measured or named as not probed', async () => {
    // A pool that has connected already (the lab fixture's first round), and a poller of its own.
    await hl.poller.runRound();
    const poller = new HealthPoller({
      topology: hl.topology,
      transport: sshHealthTransport(hl.ssh.pool),
      pollTimeoutMs: POLL_TIMEOUT_MS,
      adaptive: false,
    });
    try {
      const r = await poller.runRound();
      expect(r.view.hosts.map((h) => [h.hostId, h.state])).toEqual(hl.topology.hosts.map((h) => [h.id, 'ok']));
      const h1 = r.view.pairs.filter((p) => p.from === 'h1');
      expect(h1).toHaveLength(5);
      const unprobed = (r.problems.h1 ?? []).join('\n');
      for (const p of h1)
        if (p.status !== 'ok') {
          expect(p.status).toBe('unknown');
          expect(unprobed).toContain(p.to);
        }
      // The other hosts are not slow: every pair of theirs was measured and is up.
      expect(r.view.pairs.filter((p) => p.from !== 'h1').map((p) => p.status)).toEqual(
        r.view.pairs.filter((p) => p.from !== 'h1').map(() => 'ok'),
      );
    } finally {
      await poller.stop();
    }
  }, 120_000);

  it('removes its temporary directory when it is cut off, and the ones rounds left behind long ago', async () => {
    const h1 = hl.topology.hosts.find((h) => h.id === 'h1');
    if (!h1) throw new Error('no h1');
    // h1's /tmp becomes a private tmpfs: what is there below is this test's alone.
    await hostRunOk(hl.lab, 'h1', ['mount', '-t', 'tmpfs', '-o', 'size=16m', 'vxs-round-tmp', '/tmp']);
    try {
      const uptime = Math.floor(Number((await hostRunOk(hl.lab, 'h1', ['cat', '/proc/uptime'])).split(' ')[0]));
      // What a round killed long ago left (its name holds the uptime it started at), and one a round
      // running right now has (it must stay).
      const old = `/tmp/vxs-health.${uptime - STALE_ROUND_DIR_SECONDS - 60}.aaaaaa`;
      const running = `/tmp/vxs-health.${uptime}.bbbbbb`;
      await hostRunOk(hl.lab, 'h1', ['mkdir', old, running]);
      // The round's directory holds the answers of the ping path: h1 gets no fping (a file it cannot
      // execute is bound over it), as a host without the package, so its round probes with its slow pings.
      await hostRunOk(hl.lab, 'h1', ['mount', '--bind', path.join(dir, 'no-fping'), fping]);
      // The slow host's round is cut off (the transport drops the connection) once its directory is
      // there: it has cleaned up the old ones by then, and its slow pings are far from done. A fixed
      // delay either cut a round a loaded machine had not started yet, or one that had ended.
      const transport = sshHealthTransport(hl.ssh.pool);
      const plan = probePlan(hl.topology, 'h1');
      const round = runWithin(transport, h1, healthRoundScript(plan, newNonce(), { budgetMs: 30_000 }), 60_000);
      round.catch(() => undefined);
      for (let i = 0; i < 240; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const dirs = (await hostRunOk(hl.lab, 'h1', ['sh', '-c', 'ls -d /tmp/vxs-health.* 2>/dev/null; true'])).trim();
        if (dirs.split('\n').some((d) => d !== running && d !== old && d !== '')) break;
      }
      transport.reset(h1);
      await expect(round).rejects.toThrow();
      // The round's processes end within their own waits (the slow pings included): watch the
      // directory until only the running round's is left, or the cut round's processes are all gone.
      let left = '';
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 500));
        left = (await hostRunOk(hl.lab, 'h1', ['sh', '-c', 'ls -d /tmp/vxs-health.* 2>/dev/null; true'])).trim();
        const busy = await hostRun(hl.lab, 'h1', ['pgrep', '-f', `${dir}/|vxs_`]);
        if (left === running || busy.stdout.trim() === '') break;
      }
      expect(left.split('\n')).toEqual([running]);
    } finally {
      await hostRun(hl.lab, 'h1', ['umount', fping]);
      await hostRun(hl.lab, 'h1', ['umount', '/tmp']);
    }
  }, 120_000);
});
