/**
 * Deploying as a non-root user through real sudo: the lab users (electron/core/lab/users.ts) log in
 * to real sshd, and the runner's privileged commands go through `sudo -n` on the lab hosts. Root
 * only (the lab needs it).
 */
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labDown, labHost, labUp } from '../lab/lab';
import { nsRunOk } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { overlayPingFailures, ownedIfindexes, removeLockFiles } from '../lab/lab-check';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';
import type { DeployResult } from './types';

const root = isRoot();
if (!root)
  console.log('sudo.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

/**
 * Every link of a lab host as `ifindex name mtu master alias`: what a deploy would change. Carrier
 * and operstate are left out, since the kernel updates them on its own a moment after a change.
 */
async function links(lab: LabState, hostName: string): Promise<string[]> {
  const parsed = JSON.parse(await nsRunOk(labHost(lab, hostName).namespace, ['ip', '-j', 'link', 'show'])) as {
    ifindex: number;
    ifname: string;
    mtu: number;
    master?: string;
    ifalias?: string;
  }[];
  return parsed.map((l) => `${l.ifindex} ${l.ifname} mtu ${l.mtu} master ${l.master ?? '-'} alias ${l.ifalias ?? '-'}`);
}

const outcomes = (r: DeployResult): Record<string, string> => Object.fromEntries(r.hosts.map((h) => [h.hostName, h.outcome]));

suite('deploying as a non-root user with sudo on two lab hosts', () => {
  const name = randomLabName('dsudo');
  const topologyIds = [`sudo-${name}`, `nosudo-${name}`];
  let lab: LabState;
  let ssh: DeploySsh;
  let asked: string[];
  /** Where each host's sshd log stood before the deploys, to read what they logged since. */
  const logOffsets = new Map<string, number>();

  /**
   * The lab topology logging in as `user`, by password on `passwordHosts` and by the lab's client
   * key elsewhere, with every privileged command through `sudo -n`.
   */
  const asUser = (user: string, id: string, passwordHosts: readonly string[] = []): Topology => {
    const t = labTopology(lab, { id });
    return {
      ...t,
      hosts: t.hosts.map((h) => ({
        ...h,
        ssh: { ...h.ssh, user, ...(passwordHosts.includes(h.id) ? { auth: { type: 'password' as const } } : {}) },
        sudo: true,
      })),
    };
  };

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    const admin = lab.users.find((u) => u.name === 'vxsadmin');
    if (admin?.sudo !== 'nopasswd' || admin.password === undefined)
      throw new Error('the lab has no vxsadmin with passwordless sudo: install sudo on this machine (scripts/setup.sh)');
    const password = admin.password;
    asked = [];
    ssh = createDeploySsh({
      ...labSshOptions(lab),
      credentials: {
        password: (address, user) => (
          asked.push(`${user}@${address}`),
          Promise.resolve(user === 'vxsadmin' ? password : undefined)
        ),
      },
    });
    for (const h of lab.hosts) logOffsets.set(h.name, statSync(h.sshd.log).size);
  }, 120_000);
  afterAll(async () => {
    try {
      await ssh?.close();
    } finally {
      await labDown(name);
      await removeLockFiles(topologyIds);
    }
  }, 120_000);

  /** What a host's sshd logged since the suite started. */
  const sshdLog = (hostName: string): string =>
    readFileSync(labHost(lab, hostName).sshd.log)
      .subarray(logOffsets.get(hostName) ?? 0)
      .toString('utf8');

  it('converges both hosts as vxsadmin through sudo (h1 by password, h2 by key), and the overlay carries pings', async () => {
    const topology = asUser('vxsadmin', topologyIds[0] ?? '', ['h1']);
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(r.hosts.map((h) => h.error)).toEqual([undefined, undefined]);
    expect(outcomes(r)).toEqual({ h1: 'applied', h2: 'applied' });
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
    expect(Object.keys(await ownedIfindexes(lab, 'h1')).sort()).toEqual(['br100', 'vxlan100']);
    // The password was asked once, for h1's login; sshd logged vxsadmin in, and never root.
    expect(asked).toEqual([`vxsadmin@${labHost(lab, 'h1').address}`]);
    expect(sshdLog('h1')).toMatch(/Accepted password for vxsadmin from /);
    expect(sshdLog('h2')).toMatch(/Accepted publickey for vxsadmin from /);
    for (const h of ['h1', 'h2']) expect(sshdLog(h)).not.toMatch(/Accepted \w+ for root /);
  }, 120_000);

  it('finds both hosts unchanged on a second apply and keeps every device (same ifindexes)', async () => {
    const topology = asUser('vxsadmin', topologyIds[0] ?? '', ['h1']);
    const before = { h1: await ownedIfindexes(lab, 'h1'), h2: await ownedIfindexes(lab, 'h2') };
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(outcomes(r)).toEqual({ h1: 'unchanged', h2: 'unchanged' });
    expect(r.hosts.map((h) => h.steps.length)).toEqual([0, 0]);
    expect({ h1: await ownedIfindexes(lab, 'h1'), h2: await ownedIfindexes(lab, 'h2') }).toEqual(before);
  }, 120_000);

  it('fails with SUDO_PASSWORD_REQUIRED before any step when the user must give sudo a password (vxsnosudo), changing nothing', async () => {
    const topology = asUser('vxsnosudo', topologyIds[1] ?? '');
    const before = { h1: await links(lab, 'h1'), h2: await links(lab, 'h2') };
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(outcomes(r)).toEqual({ h1: 'failed', h2: 'failed' });
    for (const h of r.hosts) {
      expect(h.error).toMatchObject({ code: 'SUDO_PASSWORD_REQUIRED' });
      expect(h.error?.message).toContain('vxsnosudo');
      expect(h.applied).toBe(0);
    }
    expect({ h1: await links(lab, 'h1'), h2: await links(lab, 'h2') }).toEqual(before);
  }, 120_000);

  it('tears the topology down again as vxsadmin through sudo', async () => {
    const topology = asUser('vxsadmin', topologyIds[0] ?? '', ['h1']);
    const r = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
    expect(r.ok).toBe(true);
    expect(await ownedIfindexes(lab, 'h1')).toEqual({});
    expect(await ownedIfindexes(lab, 'h2')).toEqual({});
  }, 120_000);
});
