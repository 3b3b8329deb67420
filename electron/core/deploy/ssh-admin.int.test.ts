/**
 * SSH as admins use it, on a real 3-host lab (root only): hosts named by ~/.ssh/config aliases and
 * reached through several ProxyJump hosts, and sudo that asks a password (the lab's vxsnosudo).
 * Deploy and health go through the product's pool (createDeploySsh) as the app and CLI do.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/catalogue';
import type { Topology } from '../../../shared/model';
import { HealthPoller, sshHealthTransport } from '../health';
import { overlayPingFailures, removeLockFiles } from '../lab/lab-check';
import { labDown, labHost, labUp } from '../lab/lab';
import { isRoot } from '../lab/preflight';
import { allowSshOnlyFrom } from '../lab/ssh-jump';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import { KnownHostsStore, SshClientConfig, SshPool, type SshEvent } from '../ssh';
import { labConnector } from '../lab/controller-connector';
import { runDeploy } from './runner';
import { createDeploySsh, type DeploySsh } from './ssh-setup';
import type { DeployResult } from './types';

const root = isRoot();
if (!root) console.log('ssh-admin.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run with sudo');
const suite = root ? describe : describe.skip;

const outcomes = (r: DeployResult): Record<string, string> => Object.fromEntries(r.hosts.map((h) => [h.hostName, h.outcome]));

/** Every process's argv (`ps -eo args`) every few ms while `fn` runs: what another user of the machine could see. */
async function psDuring<T>(fn: () => Promise<T>): Promise<{ result: T; snapshots: string[] }> {
  const snapshots: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      snapshots.push(
        await new Promise<string>((resolve) => {
          const ps = spawn('ps', ['-eo', 'args'], { stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          ps.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
          ps.on('close', () => resolve(out));
        }),
      );
    }
  })();
  try {
    return { result: await fn(), snapshots };
  } finally {
    running = false;
    await loop;
  }
}

async function healthStates(topology: Topology, ssh: DeploySsh): Promise<Record<string, string>> {
  // A generous per-host limit: hosts behind two jumps on a loaded 2-core machine answer slowly; this test is about
  // whether they answer, not how fast.
  const poller = new HealthPoller({ topology, transport: sshHealthTransport(ssh.pool), adaptive: false, pollTimeoutMs: 60_000 });
  const r = await poller.runRound();
  return Object.fromEntries(r.view.hosts.map((h) => [h.hostId, h.state]));
}

suite('SSH as admins use it: ~/.ssh/config aliases, ProxyJump chains and sudo with a password', () => {
  const name = randomLabName('sshadm');
  const topologyIds = [`jump-${name}`, `sudopw-${name}`];
  let lab: LabState;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vxs-sshadm-'));
    lab = (await labUp({ name, hosts: 3 })).state;
  }, 120_000);
  afterAll(async () => {
    try {
      await labDown(name);
      await removeLockFiles(topologyIds);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  /** An ssh config file in the test's dir (Include resolved against that dir's .ssh). */
  const sshConfig = async (text: string): Promise<SshClientConfig> => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, text);
    return SshClientConfig.load(file, { home: dir });
  };
  const address = (h: string): string => labHost(lab, h).address;

  describe('ProxyJump through two lab hosts (controller -> h1 -> h3 -> h2)', () => {
    let unblock: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      unblock = await allowSshOnlyFrom(lab, 'h2', 'h3');
    });
    afterAll(async () => {
      await unblock?.();
    });

    const configText = (): string => `
Host jump1
  HostName ${address('h1')}
Host jump2
  HostName ${address('h3')}
Host lab-h2
  HostName ${address('h2')}
  ProxyJump jump1,jump2
`;

    it('cannot reach h2 directly: its firewall lets only h3 talk to port 22', async () => {
      const pool = new SshPool({
        knownHosts: new KnownHostsStore({ appFile: join(dir, 'direct'), userFile: lab.keys.knownHosts }),
        connector: labConnector(lab),
        readyTimeoutMs: 1500,
      });
      try {
        const t = labTopology(lab).hosts.find((h) => h.id === 'h2');
        const err = await pool
          .session(t?.ssh ?? { host: address('h2'), port: 22, user: 'root', auth: { type: 'agent' } })
          .run('true')
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).data.code).toMatch(/SSH_TIMEOUT|SSH_UNREACHABLE/);
      } finally {
        await pool.closeAll();
      }
    });

    it('deploys and health-checks all three hosts with h2 named by its alias, reached hop by hop, each host key checked', async () => {
      const events: SshEvent[] = [];
      const ssh = createDeploySsh({
        ...labSshOptions(lab),
        sshConfig: await sshConfig(configText()),
        log: (e) => events.push(e),
      });
      const base = labTopology(lab, { id: topologyIds[0] ?? '' });
      const topology: Topology = {
        ...base,
        hosts: base.hosts.map((h) => (h.id === 'h2' ? { ...h, ssh: { ...h.ssh, host: 'lab-h2' } } : h)),
      };
      try {
        const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
        expect(r.hosts.map((h) => h.error)).toEqual([undefined, undefined, undefined]);
        expect(outcomes(r)).toEqual({ h1: 'applied', h2: 'applied', h3: 'applied' });
        expect(await overlayPingFailures(lab, topology)).toEqual([]);
        expect(await healthStates(topology, ssh)).toEqual({ h1: 'ok', h2: 'ok', h3: 'ok' });
        // h2 was dialled through h3, h3 (as a jump host) through h1; every endpoint's host key was checked.
        const label = (h: string): string => `root@${address(h)}:22`;
        const vias = events.flatMap((e) => (e.kind === 'connect' && e.via !== undefined ? [[e.endpoint, e.via]] : []));
        expect(vias).toContainEqual([label('h2'), label('h3')]);
        expect(vias).toContainEqual([label('h3'), label('h1')]);
        const checked = new Set(events.flatMap((e) => (e.kind === 'host-key' ? [`${e.endpoint} ${e.status}`] : [])));
        for (const h of ['h1', 'h2', 'h3']) expect(checked).toContain(`${label(h)} trusted`);
      } finally {
        // Removed also when an expectation failed, so the next test finds the hosts clean.
        const destroyed = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
        await ssh.close();
        expect(destroyed.ok).toBe(true);
      }
    }, 180_000);

    it('names the jump host that failed: a hop whose user does not exist there', async () => {
      const config = await sshConfig(`${configText()}
Host lab-h2-bad
  HostName ${address('h2')}
  ProxyJump jump1,vxsnosuchuser@jump2,${address('h3')}
`);
      const ssh = createDeploySsh({ ...labSshOptions(lab), sshConfig: config });
      try {
        const t = labTopology(lab).hosts.find((h) => h.id === 'h2');
        const target = { ...(t?.ssh ?? { port: 22, user: 'root', auth: { type: 'agent' as const } }), host: 'lab-h2-bad' };
        const err = await ssh.pool
          .session(target)
          .run('true')
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).data).toMatchObject({
          code: 'SSH_AUTH_FAILED',
          detail: { jump: 'vxsnosuchuser@jump2', jumpHop: 2 },
        });
        expect((err as AppError).message).toMatch(/^jump host vxsnosuchuser@jump2 \(2 of 3\): vxsnosuchuser@.* refused the key/);
      } finally {
        await ssh.close();
      }
    }, 60_000);
  });

  describe('sudo with a password (vxsnosudo)', () => {
    const asNoSudo = (): Topology => {
      const t = labTopology(lab, { id: topologyIds[1] ?? '' });
      return { ...t, hosts: t.hosts.map((h) => ({ ...h, ssh: { ...h.ssh, user: 'vxsnosudo' }, sudo: true })) };
    };
    const password = (): string => {
      const u = lab.users.find((x) => x.name === 'vxsnosudo');
      if (u?.sudo !== 'password' || u.password === undefined)
        throw new Error('the lab has no vxsnosudo with a sudo password: install sudo on this machine (scripts/setup.sh)');
      return u.password;
    };

    it('deploys and health-checks as vxsnosudo, asking the password once per host, and it never shows in argv, events or results', async () => {
      const secret = password();
      const asked: string[] = [];
      const events: SshEvent[] = [];
      const ssh = createDeploySsh({
        ...labSshOptions(lab),
        log: (e) => events.push(e),
        credentials: { sudoPassword: (host, user) => (asked.push(`${user}@${host}`), Promise.resolve(secret)) },
      });
      const topology = asNoSudo();
      try {
        const { result, snapshots } = await psDuring(async () => {
          const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
          const health = await healthStates(topology, ssh);
          return { r, health };
        });
        expect(result.r.hosts.map((h) => h.error)).toEqual([undefined, undefined, undefined]);
        expect(outcomes(result.r)).toEqual({ h1: 'applied', h2: 'applied', h3: 'applied' });
        expect(result.health).toEqual({ h1: 'ok', h2: 'ok', h3: 'ok' });
        expect(await overlayPingFailures(lab, topology)).toEqual([]);
        expect(asked.sort()).toEqual(['h1', 'h2', 'h3'].map((h) => `vxsnosudo@${address(h)}`).sort());
        expect(events.filter((e) => e.kind === 'sudo-auth')).toHaveLength(3);
        expect(snapshots.length).toBeGreaterThan(0);
        expect(snapshots.join('\n')).toMatch(/sudo/);
        for (const text of [...snapshots, JSON.stringify(events), JSON.stringify(result)]) expect(text).not.toContain(secret);
      } finally {
        // Removed also when an expectation failed, so the next test finds the hosts clean.
        const destroyed = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
        await ssh.close();
        expect(destroyed.ok).toBe(true);
      }
    }, 180_000);

    it('fails with SUDO_AUTH_FAILED on a wrong password, before any step, without the password in the error', async () => {
      const wrong = `wrong-${Math.random().toString(36).slice(2)}`;
      const ssh = createDeploySsh({ ...labSshOptions(lab), credentials: { sudoPassword: () => Promise.resolve(wrong) } });
      try {
        const r = await runDeploy({ action: 'apply', topology: asNoSudo(), connect: ssh.connect });
        expect(outcomes(r)).toEqual({ h1: 'failed', h2: 'failed', h3: 'failed' });
        for (const h of r.hosts) {
          expect(h.error).toMatchObject({ code: 'SUDO_AUTH_FAILED' });
          expect(h.error?.message).toContain('vxsnosudo');
          expect(h.applied).toBe(0);
        }
        expect(JSON.stringify(r)).not.toContain(wrong);
      } finally {
        await ssh.close();
      }
    }, 120_000);
  });
});
