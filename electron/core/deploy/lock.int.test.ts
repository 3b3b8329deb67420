/**
 * Where the deploy lock lives on a real lab host over real SSH: in /run/vxlan-studio, a directory
 * of root's that nobody else may write to, and never in the world-writable /run/lock. Root only.
 *
 * The lab hosts share this machine's /run, so every change to /run/vxlan-studio is made inside the
 * lab host's own sshd mount namespace (a slave of the machine's: nothing propagates back), and the
 * one file made in the machine's /run/lock is removed again.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labHost, labUp } from '../lab/lab';
import { nsRunOk } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { hostSshdPids, ownedIfindexes, removeLockFiles } from '../lab/lab-check';
import { DeployMemory } from './memory';
import { runDeploy } from './runner';
import { LOCK_DIR } from './scripts';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root)
  console.log('lock.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

suite('the deploy lock on a real lab host', () => {
  const name = randomLabName('lock');
  const id = `lock-${name}`;
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;
  /** The lock file's name on h1: it carries the inode of h1's network namespace. */
  let lockName: string;
  /** Runs a command in h1's sshd mount namespace, where the SSH sessions of h1 live. */
  let inHostMounts: (argv: string[]) => string;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    topology = labTopology(lab, { id });
    ssh = createDeploySsh(labSshOptions(lab));
    const ns = (await nsRunOk(labHost(lab, 'h1').namespace, ['readlink', '/proc/self/ns/net']))
      .trim()
      .replace(/^net:\[(\d+)\]$/, '$1');
    lockName = `vxlan-studio-${id}-net${ns}.lock`;
    const sshd = (await hostSshdPids(lab, 'h1'))[0];
    if (sshd === undefined) throw new Error('h1 has no sshd');
    inHostMounts = (argv) => execFileSync('nsenter', ['-t', String(sshd), '-m', '--', ...argv], { encoding: 'utf8' });
  }, 120_000);
  afterAll(async () => {
    await ssh?.close();
    await labDown(name);
    await removeLockFiles([id]);
  }, 120_000);

  /** Applies the topology on h1 only; `during` runs while the lock is held (before the first step). */
  const applyH1 = (during?: () => void) =>
    runDeploy({
      action: 'apply',
      topology,
      connect: ssh.connect,
      hostIds: ['h1'],
      ...(during ? { beforeStep: (_host: string, i: number) => Promise.resolve(i === 0 ? during() : undefined) } : {}),
    });

  it("takes the lock in root's closed /run/vxlan-studio, even when a local user holds a /run/lock file of the old name", async () => {
    const old = `/run/lock/${lockName}`;
    let squatter: ChildProcess | undefined;
    try {
      // Any local user can create this file in the world-writable /run/lock and hold it for ever.
      writeFileSync(old, '');
      chmodSync(old, 0o666);
      squatter = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'flock', '-n', old, 'sleep', '120'], {
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(execFileSync('sh', ['-c', `flock -n '${old}' true; echo $?`], { encoding: 'utf8' }).trim()).toBe('1');

      let held: { dirMode: number; dirUid: number; fileHeld: string } | undefined;
      const r = await applyH1(() => {
        const dir = statSync(LOCK_DIR);
        held = {
          dirMode: dir.mode & 0o777,
          dirUid: dir.uid,
          // flock -n on the file fails while the deploy holds it.
          fileHeld: execFileSync('sh', ['-c', `flock -n '${LOCK_DIR}/${lockName}' true; echo $?`], { encoding: 'utf8' }).trim(),
        };
      });
      expect(r.hosts[0]?.error).toBeUndefined();
      expect(r.hosts[0]?.outcome).toBe('applied');
      expect(held?.dirUid).toBe(0);
      // No write bit for group or others (the lab's own state under it makes it 0711 on this machine).
      expect((held?.dirMode ?? 0o777) & 0o022).toBe(0);
      expect(held?.fileHeld).toBe('1');
      // Released at the end of the run.
      expect(execFileSync('sh', ['-c', `flock -w 3 '${LOCK_DIR}/${lockName}' true; echo $?`], { encoding: 'utf8' }).trim()).toBe(
        '0',
      );
    } finally {
      squatter?.kill('SIGKILL');
      rmSync(old, { force: true });
    }
    expect(existsSync(old)).toBe(false);
  });

  it('takes the lock as root through sudo for a non-root login, and that login lets go of it at the end', async () => {
    const admin = lab.users.find((u) => u.name === 'vxsadmin');
    if (admin?.sudo !== 'nopasswd')
      throw new Error('the lab has no vxsadmin with passwordless sudo: install sudo on this machine (scripts/setup.sh)');
    const asAdmin: Topology = {
      ...topology,
      hosts: topology.hosts.map((h) => ({ ...h, ssh: { ...h.ssh, user: 'vxsadmin' }, sudo: true })),
    };
    let held: { fileUid: number; fileHeld: string } | undefined;
    const r = await runDeploy({
      action: 'destroy',
      topology: asAdmin,
      connect: ssh.connect,
      hostIds: ['h1'],
      beforeStep: () => {
        held = {
          fileUid: statSync(`${LOCK_DIR}/${lockName}`).uid,
          fileHeld: execFileSync('sh', ['-c', `flock -n '${LOCK_DIR}/${lockName}' true; echo $?`], { encoding: 'utf8' }).trim(),
        };
        return Promise.resolve();
      },
    });
    expect(r.hosts[0]?.error).toBeUndefined();
    expect(r.hosts[0]?.outcome).toBe('applied');
    expect(held).toEqual({ fileUid: 0, fileHeld: '1' });
    expect(execFileSync('sh', ['-c', `flock -w 3 '${LOCK_DIR}/${lockName}' true; echo $?`], { encoding: 'utf8' }).trim()).toBe(
      '0',
    );
    await applyH1();
  });

  it('creates /run/vxlan-studio with mode 0700 when the host has none', async () => {
    // An empty /run in h1's mount namespace only; the pooled SSH session (already logged in) sees it.
    await applyH1();
    inHostMounts(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'vxs-lock-test', '/run']);
    try {
      expect(inHostMounts(['ls', '-A', '/run'])).toBe('');
      await runDeploy({ action: 'destroy', topology, connect: ssh.connect, hostIds: ['h1'] });
      expect(inHostMounts(['stat', '-c', '%F %u %a', LOCK_DIR]).trim()).toBe('directory 0 700');
      expect(inHostMounts(['ls', '-A', LOCK_DIR]).trim()).toBe(lockName);
    } finally {
      inHostMounts(['umount', '--lazy', '/run']);
    }
  });

  it('refuses to deploy with a clear error when /run/vxlan-studio is writable by others or owned by another uid, changing nothing', async () => {
    const before = await ownedIfindexes(lab, 'h1');
    for (const [options, why] of [
      ['mode=0777', 'refusing /run/vxlan-studio: group or others may write to it (mode 777)'],
      ['mode=0770', 'refusing /run/vxlan-studio: group or others may write to it (mode 770)'],
      ['mode=0700,uid=65534', 'refusing /run/vxlan-studio: it is not a directory owned by uid 0 (directory:65534:700)'],
    ] as const) {
      inHostMounts(['mount', '-t', 'tmpfs', '-o', options, 'vxs-lock-test', LOCK_DIR]);
      try {
        const r = await applyH1();
        expect(r.hosts[0]?.outcome, options).toBe('failed');
        expect(r.hosts[0]?.error).toMatchObject({ code: 'COMMAND_FAILED', message: `h1: lock: ${why}` });
        expect(r.hosts[0]?.applied).toBe(0);
        // Nothing was made in the refused directory.
        expect(inHostMounts(['ls', '-A', LOCK_DIR])).toBe('');
      } finally {
        inHostMounts(['umount', '--lazy', LOCK_DIR]);
      }
    }
    expect(await ownedIfindexes(lab, 'h1')).toEqual(before);
  });

  it("with the app's memory, an unchanged re-apply takes no lock, while a host changed by hand or a changed drawing still waits for it", async () => {
    const memory = new DeployMemory();
    const apply = (t: Topology = topology) =>
      runDeploy({ action: 'apply', topology: t, connect: ssh.connect, hostIds: ['h1'], memory });
    const first = await apply();
    expect(first.hosts[0]?.error).toBeUndefined();
    expect(['applied', 'unchanged']).toContain(first.hosts[0]?.outcome);
    // Another deploy (here: a plain flock on the same file, and its sleep) holds h1's lock.
    const holdLock = (): (() => void) => {
      const holder = spawn('flock', [`${LOCK_DIR}/${lockName}`, 'sleep', '120'], { stdio: 'ignore', detached: true });
      return () => process.kill(-(holder.pid ?? 0), 'SIGKILL');
    };
    const letGo = holdLock();
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(execFileSync('sh', ['-c', `flock -n '${LOCK_DIR}/${lockName}' true; echo $?`], { encoding: 'utf8' }).trim()).toBe(
        '1',
      );

      // Remembered converged and found converged: unchanged, without waiting for the lock.
      const again = await apply();
      expect(again.hosts[0]?.error).toBeUndefined();
      expect(again.hosts[0]?.outcome).toBe('unchanged');
      // Without the memory the same re-apply waits for the lock and gives up.
      const forgetful = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: ['h1'] });
      expect(forgetful.hosts[0]?.error?.code).toBe('LOCKED');

      // A drawing the host was not left converged with locks first.
      const mtu = await apply(labTopology(lab, { id, mtu: 1400 }));
      expect(mtu.hosts[0]?.error?.code).toBe('LOCKED');
      // That failed run is remembered too: the original drawing is no longer expected converged.
      expect((await apply()).hosts[0]?.error?.code).toBe('LOCKED');
    } finally {
      letGo();
    }
    // Converged again once the lock is free, and remembered so.
    expect((await apply()).hosts[0]?.outcome).toBe('unchanged');

    // The host changed by hand since: the look without the lock sees it, and the run goes the locked way.
    const vxlan = JSON.parse(
      await nsRunOk(labHost(lab, 'h1').namespace, ['ip', '-j', 'link', 'show', 'type', 'vxlan']),
    ) as Array<{
      ifname: string;
    }>;
    const dev = vxlan[0]?.ifname;
    if (dev === undefined) throw new Error('h1 has no VXLAN device after apply');
    await nsRunOk(labHost(lab, 'h1').namespace, ['ip', 'link', 'del', dev]);
    const letGo2 = holdLock();
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await apply()).hosts[0]?.error?.code).toBe('LOCKED');
    } finally {
      letGo2();
    }
    const fixed = await apply();
    expect(fixed.hosts[0]?.error).toBeUndefined();
    expect(fixed.hosts[0]?.outcome).toBe('applied');
    expect(fixed.hosts[0]?.steps.some((s) => s.target === dev)).toBe(true);
  }, 120_000);
});
