/**
 * Each lab host's private /etc, /var/lib and /run on a real kernel: what a host writes stays in
 * the host, SSH and `hostRun` see the same view, restarts keep it, teardown removes it. Root only.
 */
import { randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holderPid, hostRootPaths } from './host-ns';
import { labDown, labUp, restartSshd } from './lab';
import { isRunning } from './netns';
import { hostRun, hostShell, nsRun, sshFromController } from './netns-exec';
import { isRoot } from './preflight';
import type { LabState } from './state';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root) console.log('host-ns.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

suite("lab hosts' private /etc, /var/lib and /run", () => {
  const name = randomLabName('priv');
  let lab: LabState;
  // A fresh name per run: a leftover from an earlier run can never make the test pass.
  const marker = `vxs-private-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
  });
  afterAll(async () => {
    await labDown(name);
  });

  it('keeps a file written under /etc, /var/lib and /run through SSH on the host, off this machine and off the other hosts', async () => {
    const write = await sshFromController(lab, 'h1', [
      `echo on-h1 > /etc/${marker} && echo on-h1 > /var/lib/${marker} && mkdir -p /run/network && echo on-h1 > /run/network/${marker}`,
    ]);
    expect(write).toMatchObject({ code: 0, stderr: '' });
    const paths = [`/etc/${marker}`, `/var/lib/${marker}`, `/run/network/${marker}`];

    const onH1 = await sshFromController(lab, 'h1', ['cat', ...paths]);
    expect(onH1.stdout).toBe('on-h1\non-h1\non-h1\n');
    // hostRun enters the same namespaces as the SSH session.
    expect((await hostRun(lab, 'h1', ['cat', ...paths])).stdout).toBe('on-h1\non-h1\non-h1\n');

    for (const path of paths) expect({ path, onMachine: await exists(path) }).toEqual({ path, onMachine: false });
    const onH2 = await sshFromController(lab, 'h2', ['ls', ...paths]);
    expect(onH2.code).not.toBe(0);
    expect(onH2.stdout).toBe('');
    // Where it really is: the host's own upper layer in the lab's state dir.
    const h1 = lab.hosts[0] as LabState['hosts'][number];
    expect(await readFile(`${hostRootPaths(h1).etcUpper}/${marker}`, 'utf8')).toBe('on-h1\n');
    expect(await readFile(`${hostRootPaths(h1).run}/network/${marker}`, 'utf8')).toBe('on-h1\n');
  });

  it("runs hostRun with the host's hostname and mounts, where nsRun sees only its network namespace", async () => {
    const view = await hostShell(
      lab,
      'h2',
      'hostname; findmnt -n -o FSTYPE /etc; findmnt -n -o FSTYPE /var/lib; findmnt -n -o SOURCE /run; ip -br addr show eth0',
    );
    const [hostname, etcType, varLibType, runSource, eth0] = view.stdout.trim().split('\n');
    expect({ hostname, etcType, varLibType, code: view.code }).toEqual({
      hostname: 'h2',
      etcType: 'overlay',
      varLibType: 'overlay',
      code: 0,
    });
    // /run is the host's own directory in the lab state, bound over the machine's.
    expect(runSource).toContain(`[${hostRootPaths(lab.hosts[1] as LabState['hosts'][number]).run}]`);
    expect(eth0).toContain(lab.hosts[1]?.address);
    const plain = await nsRun(lab.hosts[1]?.namespace ?? '', ['findmnt', '-n', '-o', 'FSTYPE', '/etc']);
    expect(plain.stdout.trim()).not.toBe('overlay');
  });

  it("still has the lab users and sshd's state dir inside the private view", async () => {
    const r = await hostShell(lab, 'h1', 'id -u vxsadmin; test -r "$1" && echo config-readable', [
      lab.hosts[0]?.sshd.config ?? '',
    ]);
    expect(r.stdout).toBe('46001\nconfig-readable\n');
  });

  it('keeps the namespace and what the host wrote across an sshd restart', async () => {
    const h1 = lab.hosts[0] as LabState['hosts'][number];
    const holder = await holderPid(h1);
    expect(holder).toBeGreaterThan(1);
    await restartSshd(lab, 'h1');
    expect(await holderPid(h1)).toBe(holder);
    const r = await sshFromController(lab, 'h1', ['cat', `/etc/${marker}`, ';', 'hostname']);
    expect(r.stdout).toBe('on-h1\nh1\n');
  });

  it('lab down stops every holder and removes the private layers', async () => {
    const holders = await Promise.all(lab.hosts.map((h) => holderPid(h)));
    expect(holders.every((p) => p !== undefined)).toBe(true);
    await labDown(name);
    for (const pid of holders) expect(await isRunning(pid as number)).toBe(false);
    expect(await exists(hostRootPaths(lab.hosts[0] as LabState['hosts'][number]).dir)).toBe(false);
    expect(await exists(`/etc/${marker}`)).toBe(false);
  });
});
