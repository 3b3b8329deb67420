/**
 * The host's watch (watch.ts) on a real lab host over real SSH: once the app has armed it after an
 * apply, a re-apply that changes nothing starts no process on the host (strace on every process of
 * the host's namespace), and whatever changes the host by hand (a link, an FDB flood entry, an
 * address, a route, a file in a network manager's directory) or stops the watch makes the next run
 * read the host again. Learned MACs coming and going do not. Root only.
 *
 * Files are changed only in h1's sshd mount namespace (a tmpfs over a watched directory that exists
 * on this machine, /etc/netplan where there is one, and never a directory made in /etc; nothing
 * propagates back to the machine's /etc).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labHost, labUp } from '../lab/lab';
import { hostSshdPids, removeLockFiles } from '../lab/lab-check';
import { nsRunOk } from '../lab/netns-exec';
import { findExecutable, isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { DeployMemory } from './memory';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';
import type { HostConnector, HostDeployResult } from './types';
import { LOCK_DIR } from './scripts';
import { WATCH_DIR, WATCH_DIRS } from './watch';

const root = isRoot();
const strace = findExecutable('strace');
if (!root) console.log('watch.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run with sudo');
const suite = root ? describe : describe.skip;

suite("the host's watch on a real lab host", () => {
  const name = randomLabName('watch');
  const id = `watch-${name}`;
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  const memory = new DeployMemory();
  /** Runs a command in h1's sshd mount namespace, where h1's SSH sessions (and the watch) live. */
  let inHostMounts: (argv: string[]) => string;
  /** The watched directory a tmpfs covers in h1's sshd mount namespace (see beforeAll). */
  let managerDir = '';
  const inH1 = (argv: string[]): Promise<string> => nsRunOk(labHost(lab, 'h1').namespace, argv);

  /** Applies on h1 with the app's memory, and waits for the watch the app arms after the run. */
  const apply = async (): Promise<HostDeployResult> => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: ['h1'], memory });
    await memory.settled();
    const h = r.hosts[0];
    if (h === undefined) throw new Error('no result for h1');
    expect(h.error).toBeUndefined();
    return h;
  };

  /** The next run reads h1 again (no word from the watch) and finds it converged. */
  const expectReadAgain = async (): Promise<void> => {
    const h = await apply();
    expect(h.fromWatch).toBeUndefined();
    expect(h.outcome).toBe('unchanged');
  };

  /** h1's one watch directory of this drawing. */
  const theWatchDir = (): string => {
    const dirs = execFileSync('sh', ['-c', `ls -d ${WATCH_DIR}/*-${id}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(dirs).toHaveLength(1);
    return dirs[0] ?? '';
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = labTopology(lab, { id });
    ssh = createDeploySsh(labSshOptions(lab));
    const sshd = (await hostSshdPids(lab, 'h1'))[0];
    if (sshd === undefined) throw new Error('h1 has no sshd');
    inHostMounts = (argv) => execFileSync('nsenter', ['-t', String(sshd), '-m', '--', ...argv], { encoding: 'utf8' });
    // A private, empty copy of a watched directory for h1's sessions, made before the first read: a
    // network manager's where this machine has one, else a PATH directory (the read depends on both).
    managerDir =
      WATCH_DIRS.find((d) => d.startsWith('/etc/') && existsSync(d)) ??
      ['/usr/local/sbin', '/usr/local/bin'].find((d) => existsSync(d)) ??
      '';
    if (managerDir === '') throw new Error('none of the watched directories exists on this machine');
    inHostMounts(['mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'vxs-watch-test', managerDir]);
    const first = await apply();
    expect(['applied', 'unchanged']).toContain(first.outcome);
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    try {
      if (managerDir !== '') inHostMounts?.(['umount', '--lazy', managerDir]);
    } catch {
      // the lab (and its sshd's mount namespace) may be gone already
    }
    await labDown(name);
    await removeLockFiles([id]);
  }, 120_000);

  it('answers an unchanged re-apply without starting a process on the host', async () => {
    expect((await apply()).outcome).toBe('unchanged');
    const same = await traced(lab, name, apply);
    expect(same.value.outcome).toBe('unchanged');
    expect(same.value.fromWatch).toBe(true);
    expect(same.execs).toEqual([]);
    // The same tracing sees the programs of a read: after a change by hand, ip and bridge run again.
    await inH1(['ip', 'link', 'set', 'vxlan100', 'mtu', '1300']);
    const read = await traced(lab, name, apply);
    expect(read.value.outcome).toBe('applied');
    expect(read.value.fromWatch).toBeUndefined();
    expect(read.execs.some((l) => /execve\("[^"]*\/ip"/.test(l))).toBe(true);
    expect(read.execs.some((l) => /execve\("[^"]*\/bridge"/.test(l))).toBe(true);
  }, 90_000);

  it('reads the host again after a change by hand, and repairs it', async () => {
    const changes: Array<[string, string[], 'applied' | 'unchanged']> = [
      ['overlay MTU', ['ip', 'link', 'set', 'vxlan100', 'mtu', '1300'], 'applied'],
      [
        'flood entry',
        ['bridge', 'fdb', 'del', '00:00:00:00:00:00', 'dev', 'vxlan100', 'dst', labHost(lab, 'h2').address],
        'applied',
      ],
      ['bridge address', ['ip', 'addr', 'flush', 'dev', 'br100', 'scope', 'global'], 'applied'],
      ['route', ['ip', 'route', 'add', '203.0.113.0/24', 'dev', 'br100'], 'unchanged'],
    ];
    for (const [what, argv, outcome] of changes) {
      expect((await apply()).fromWatch, `armed before the ${what} change`).toBe(true);
      await inH1(argv);
      const h = await apply();
      expect(h.fromWatch, `after the ${what} change`).toBeUndefined();
      expect(h.outcome, `after the ${what} change`).toBe(outcome);
    }
  }, 120_000);

  it('arms once after a run that changed the host, and stops when the watch then answers SAME', async () => {
    expect((await apply()).fromWatch).toBe(true);
    await inH1(['ip', 'link', 'set', 'vxlan100', 'mtu', '1300']);
    // Every script the runner sends h1, through the real session.
    const sent: Array<{ script: string; inShell: boolean }> = [];
    const connect: HostConnector = async (host, signal) => {
      const exec = await ssh.connect(host, signal);
      return {
        run: (script, o) => {
          sent.push({ script, inShell: o?.inShell === true });
          return exec.run(script, o);
        },
        release: () => exec.release(),
      };
    };
    const r = await runDeploy({ action: 'apply', topology, connect, hostIds: ['h1'], memory });
    expect(r.hosts[0]?.outcome).toBe('applied');
    await memory.settled();
    // The run: the watch's check (the MTU event: no SAME), then a read that re-arms it and finds a
    // step, the locked run. After it: one arming read, and the check a settle pause later, which
    // found nothing changed (an MTU change brings no link up, so nothing settles afterwards).
    expect(sent.filter((c) => c.script.includes('vxs_arm')).length).toBe(2);
    expect(sent.filter((c) => c.inShell).length).toBe(2);
    expect((await apply()).fromWatch).toBe(true);
  }, 60_000);

  it("reads the host again after a file changes in a directory the read depends on (a network manager's)", async () => {
    expect((await apply()).fromWatch).toBe(true);
    inHostMounts(['sh', '-c', `printf "network:\\n  version: 2\\n" > ${managerDir}/50-watch-test.yaml`]);
    await expectReadAgain();
    expect((await apply()).fromWatch).toBe(true);
  }, 60_000);

  it('reads the host again when a confirm run of the topology appears on it', async () => {
    expect((await apply()).fromWatch).toBe(true);
    const ino = (await inH1(['readlink', '/proc/self/ns/net'])).trim().replace(/^net:\[(\d+)\]$/, '$1');
    const runs = `${LOCK_DIR}/confirm/net${ino}/${id}`;
    mkdirSync(runs, { recursive: true });
    try {
      await expectReadAgain();
    } finally {
      rmSync(runs, { recursive: true, force: true });
    }
    // With a runs directory there the watch was not armed; without it, the next read arms it again.
    expect((await apply()).fromWatch).toBeUndefined();
    expect((await apply()).fromWatch).toBe(true);
  }, 60_000);

  it('does not count learned MACs coming and going', async () => {
    expect((await apply()).fromWatch).toBe(true);
    const mac = '02:00:5e:10:00:01';
    await inH1(['bridge', 'fdb', 'add', mac, 'dev', 'vxlan100', 'dst', labHost(lab, 'h2').address, 'dynamic']);
    await inH1(['bridge', 'fdb', 'del', mac, 'dev', 'vxlan100', 'dst', labHost(lab, 'h2').address]);
    expect((await apply()).fromWatch).toBe(true);
  }, 60_000);

  it('reads the host again when a watch process is gone, and arms a new watch', async () => {
    expect((await apply()).fromWatch).toBe(true);
    const [ipMonitor] = readFileSync(`${theWatchDir()}/pids`, 'utf8').trim().split(' ').map(Number);
    process.kill(ipMonitor ?? 0, 'SIGKILL');
    await expectReadAgain();
    expect((await apply()).fromWatch).toBe(true);
  }, 60_000);

  it('stops the watch, its processes and its directory, when the drawing is destroyed', async () => {
    expect((await apply()).fromWatch).toBe(true);
    const dir = theWatchDir();
    const pids = readFileSync(`${dir}/pids`, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(4);
    const r = await runDeploy({ action: 'destroy', topology, connect: ssh.connect, hostIds: ['h1'], memory });
    expect(r.hosts[0]?.outcome).toBe('applied');
    expect(existsSync(dir)).toBe(false);
    // Killed (a zombie until the shell reaps it counts as gone).
    const alive = pids.filter((p) => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 60_000);
});

/** The process is gone, or traced by `tracer`. */
function tracedBy(pid: string, tracer: number | undefined): boolean {
  try {
    return new RegExp(`^TracerPid:\\s+${tracer ?? -1}$`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * `during` with strace attached to every process of h1's network namespace (its sshd, the session's
 * shell, the watch), and the programs started meanwhile (execve calls that succeeded; the watch's
 * minute loop may run `sleep`, which is left out).
 */
async function traced<T>(lab: LabState, name: string, during: () => Promise<T>): Promise<{ value: T; execs: string[] }> {
  if (strace === undefined) throw new Error('strace is missing (scripts/setup.sh installs it)');
  const out = execFileSync('ip', ['netns', 'pids', labHost(lab, 'h1').namespace], { encoding: 'utf8' });
  const pids = out.split('\n').filter((p) => /^\d+$/.test(p));
  const log = path.join(tmpdir(), `vxs-watch-strace-${name}.txt`);
  const tracer = spawn(strace, ['-f', '-qq', '-e', 'trace=execve', '-o', log, ...pids.flatMap((p) => ['-p', p])], {
    stdio: 'ignore',
  });
  const exited = new Promise((r) => tracer.once('exit', r));
  try {
    // Traced once every process shows strace as its tracer (attaching takes milliseconds, more under load).
    for (let i = 0; i < 100 && !pids.every((p) => tracedBy(p, tracer.pid)); i++) await new Promise((r) => setTimeout(r, 50));
    const value = await during();
    tracer.kill('SIGINT');
    await exited;
    const execs = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => /execve\(.*\) = 0/.test(l) && !/execve\("[^"]*\/sleep"/.test(l));
    return { value, execs };
  } finally {
    tracer.kill('SIGINT');
    rmSync(log, { force: true });
  }
}
