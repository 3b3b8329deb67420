/**
 * Real network managers in lab hosts on a real kernel: systemd-networkd configures the underlay
 * from the host's own /etc, answers networkctl over the host's private D-Bus, and a reboot brings
 * back exactly what its files describe. Root only.
 */
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostRootPaths } from './host-ns';
import { labDown, labStatus, labUp, rebootHost } from './lab';
import { pidsInNamespace, processInfo } from './netns';
import { hostRun, hostShell, sshFromController } from './netns-exec';
import { isRoot } from './preflight';
import type { LabState } from './state';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root) console.log('managers.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** A VXLAN in a bridge, as an admin would persist it for networkd (systemd.netdev(5), systemd.network(5)). */
const VXLAN_BRIDGE_FILES: Record<string, string> = {
  '/etc/systemd/network/20-br100.netdev': '[NetDev]\nName=br100\nKind=bridge\n',
  '/etc/systemd/network/20-br100.network': '[Match]\nName=br100\n\n[Network]\nAddress=10.100.0.1/24\n',
  '/etc/systemd/network/20-vxlan100.netdev':
    '[NetDev]\nName=vxlan100\nKind=vxlan\nMTUBytes=1450\n\n[VXLAN]\nVNI=100\nLocal=172.30.1.11\nDestinationPort=4789\nIndependent=yes\n',
  '/etc/systemd/network/20-vxlan100.network': '[Match]\nName=vxlan100\n\n[Network]\nBridge=br100\n',
};

suite('systemd-networkd in lab hosts', () => {
  const name = randomLabName('nwd');
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2, manager: 'networkd' })).state;
  });
  afterAll(async () => {
    await labDown(name);
  });

  const h1 = (): LabState['hosts'][number] => lab.hosts[0] as LabState['hosts'][number];

  it('records the manager in lab.json and status', async () => {
    expect(lab.manager).toBe('networkd');
    expect((await labStatus(name)).lab?.manager).toBe('networkd');
  });

  it("manages the underlay from the host's own .network file: networkctl says configured, over the host's D-Bus", async () => {
    const r = await sshFromController(lab, 'h1', [
      'networkctl --no-legend --no-pager list eth0; networkctl --no-pager status eth0 | grep "Network File"; networkctl reload && echo reloaded',
    ]);
    expect(r.stderr).toBe('');
    const [list, file, reloaded] = r.stdout.trim().split('\n');
    expect(list?.trim().split(/\s+/)).toEqual(['2', 'eth0', 'ether', 'routable', 'configured']);
    expect(file?.trim()).toBe('Network File: /etc/systemd/network/10-lab-eth0.network');
    expect(reloaded).toBe('reloaded');
    // The file is the host's, not this machine's.
    expect(await exists('/etc/systemd/network/10-lab-eth0.network')).toBe(false);
    expect(await exists(`${hostRootPaths(h1()).etcUpper}/systemd/network/10-lab-eth0.network`)).toBe(true);
  });

  it("runs networkd as systemd-network and D-Bus as messagebus, inside the host's namespace", async () => {
    const infos = await Promise.all((await pidsInNamespace(h1().namespace)).map((pid) => processInfo(pid)));
    const users = await Promise.all(
      infos
        .filter((i) => i !== undefined && (i.comm === 'systemd-network' || i.comm === 'dbus-daemon'))
        .map(async (i) => `${i?.comm} ${(await hostRun(lab, 'h1', ['ps', '-o', 'user=', '-p', String(i?.pid)])).stdout.trim()}`),
    );
    expect(users.sort()).toEqual(['dbus-daemon messagebus', 'systemd-network systemd-network']);
  });

  it('keeps the lab static underlay: address, default route and permanent neighbours from the .network file', async () => {
    const r = await hostShell(lab, 'h1', 'ip -4 -o addr show dev eth0; ip route show default; ip neigh show nud permanent');
    expect(r.stdout).toContain(`inet ${h1().address}/${h1().prefixLength} `);
    expect(r.stdout).toContain(`default via ${h1().gateway} dev eth0 proto static`);
    expect(r.stdout).toMatch(new RegExp(`${h1().gateway.replace(/\./g, '\\.')} dev eth0 lladdr 02:76:78:03:00:01 PERMANENT`));
  });

  it('reboot brings back a hand-written networkd VXLAN and bridge, drops a runtime-only link, and SSH works after it', async () => {
    const write = await hostShell(
      lab,
      'h1',
      'set -e; while [ "$#" -ge 2 ]; do printf %s "$2" > "$1"; shift 2; done; networkctl reload; ip link add runtime7 type bridge',
      Object.entries(VXLAN_BRIDGE_FILES).flat(),
    );
    expect(write.stderr).toBe('');
    for (const file of Object.keys(VXLAN_BRIDGE_FILES)) expect(await exists(file)).toBe(false);

    const result = await rebootHost(lab, 'h1');
    expect(result.manager).toBe('networkd');
    expect(result.deleted.sort()).toEqual(expect.arrayContaining(['br100', 'runtime7', 'vxlan100']));

    // networkd makes the netdevs again from the files; wait for the bridge port like an admin would.
    const back = await hostShell(
      lab,
      'h1',
      'for i in $(seq 100); do ip link show vxlan100 2>/dev/null | grep -q "master br100" && break; sleep 0.1; done; ip -d -o link show vxlan100; ip -o link show runtime7 2>&1; ip -4 -o addr show br100',
    );
    expect(back.stdout).toMatch(/vxlan100: .* master br100 .*vxlan id 100 local 172\.30\.1\.11 .*dstport 4789/);
    expect(back.stdout).toMatch(/does not exist/);
    expect(back.stdout).toMatch(/inet 10\.100\.0\.1\/24/);

    const ssh = await sshFromController(lab, 'h1', ['hostname; networkctl --no-legend --no-pager list eth0']);
    expect(ssh.stdout.trim().split('\n')[0]).toBe('h1');
    expect(ssh.stdout).toMatch(/eth0\s+ether\s+routable\s+configured/);
  });
});
