/**
 * Persistent configuration against real hosts: lab namespaces reached over SSH, each with its own
 * /etc and /run and, where asked, a real systemd-networkd, ifupdown2 or netplan managing its
 * underlay (../lab/managers.ts). A deploy writes the detected manager's files with the links; a
 * reboot (the manager stopped, every link but the underlay deleted, the manager started again from
 * /etc) brings the overlay back by itself; destroy removes the files; a file without our mark is
 * never touched; a host with no manager gets the overlay at runtime only, with the warning. Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { labHost } from '../lab/lab';
import { overlayPingFailures } from '../lab/lab-check';
import { rebootManagedHost } from '../lab/managers';
import { hostRunOk, hostShell } from '../lab/netns-exec';
import { isRoot, preflight } from '../lab/preflight';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { randomLabName } from '../lab/with-lab';
import {
  ADMIN_NETDEV,
  ADMIN_NETDEV_TEXT,
  NETWORKD_DIR,
  ownMachineIds,
  persistLabDown,
  persistLabUp,
  slowNetworkdReload,
  writeAdminNetdev,
} from './persist-lab.testing';
import { runDeploy } from './runner';
import type { DeploySsh } from './ssh-setup';

const root = isRoot();
if (!root)
  console.log('persist.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo');
const suite = root ? describe : describe.skip;

suite('a host whose underlay no network manager configures', () => {
  const name = randomLabName('prt');
  let topology: Topology;
  let ssh: DeploySsh;

  beforeAll(async () => {
    ({ topology, ssh } = await persistLabUp({ name, hosts: 2 }));
  }, 120_000);
  afterAll(() => persistLabDown(name, ssh, [topology?.id ?? '']), 120_000);

  it('gets the overlay at runtime only, with a warning saying why, and no file is planned', async () => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(r.hosts.map((h) => h.outcome)).toEqual(['applied', 'applied']);
    for (const h of r.hosts) {
      expect(h.persist?.manager).toBeUndefined();
      expect(h.persist?.runtimeOnly).toMatch(/^no manager can be trusted: runtime only \(no network manager configures /);
      expect(h.diagnostics.filter((d) => d.code === 'PERSIST_RUNTIME_ONLY').map((d) => d.severity)).toEqual(['warning']);
      expect(h.steps.filter((s) => s.kind.startsWith('file-') || s.kind === 'persist-reload')).toEqual([]);
    }
  }, 120_000);
});

/**
 * Our files (name, mode, content digest) under the host's networkd directory, drop-in folders
 * included; given `dirs`, under those, by full path.
 */
async function ourFiles(lab: LabState, host: string, dirs?: readonly string[]): Promise<string[]> {
  const out = await hostRunOk(lab, host, [
    'sh',
    '-c',
    'for d in "$@"; do [ -d "$d" ] || continue; cd "$d" && for f in * */*; do [ -f "$f" ] && head -n 1 "$f" | grep -q "^# Written by VXLAN Studio" && echo "$d/$f $(stat -c %a "$f") $(md5sum <"$f" | cut -c1-8)"; done; done; true',
    'sh',
    ...(dirs ?? [NETWORKD_DIR]),
  ]);
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (dirs === undefined ? l.slice(NETWORKD_DIR.length + 1) : l))
    .sort();
}

/** Waits (up to 30 s) until every overlay address answers every other: the manager brings links up on its own time. */
async function overlayComesBack(lab: LabState, topology: Topology): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const failures = await overlayPingFailures(lab, topology);
    if (failures.length === 0 || Date.now() > deadline) return failures;
    await new Promise((r) => setTimeout(r, 500));
  }
}

suite('hosts whose underlay systemd-networkd manages', () => {
  const name = randomLabName('pnd');
  let lab: LabState;
  let topology: Topology;
  let ssh: DeploySsh;

  beforeAll(async () => {
    ({ lab, topology, ssh } = await persistLabUp({ name, hosts: 3, manager: 'networkd' }));
    await writeAdminNetdev(lab);
    await ownMachineIds(lab);
  }, 180_000);
  afterAll(() => persistLabDown(name, ssh, [topology?.id ?? '', `${topology?.id ?? ''}-b`]), 120_000);

  it('deploys persistently via the detected systemd-networkd: its files in each host /etc, written with the links', async () => {
    const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(r.hosts.map((h) => [h.hostName, h.outcome])).toEqual(lab.hosts.map((h) => [h.name, 'applied']));
    for (const h of r.hosts) {
      expect([h.persist?.detected, h.persist?.manager, h.persist?.runtimeOnly]).toEqual([
        'systemd-networkd',
        'systemd-networkd',
        undefined,
      ]);
      expect(h.persist?.files.every((f) => f.change === 'create' && f.diff.startsWith('--- /dev/null\n'))).toBe(true);
      const files = await ourFiles(lab, h.hostName);
      expect(files.map((f) => f.split(' ')[0])).toEqual(
        h.persist?.files.map((f) => f.path.slice(NETWORKD_DIR.length + 1)).sort(),
      );
    }
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 180_000);

  it('brings the overlay back by itself after every host reboots; the next deploy only marks what our files made, the one after has nothing to change', async () => {
    const tools = preflight();
    for (const h of lab.hosts) await rebootManagedHost(tools, labHost(lab, h.name), 'networkd');
    expect(await overlayComesBack(lab, topology)).toEqual([]);
    // Without udev (a container, the lab) the alias mark is not set at boot: the next deploy only
    // marks the devices our files made, and the one after has nothing to change.
    const again = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(again.hosts.map((h) => [h.hostName, h.outcome])).toEqual(lab.hosts.map((h) => [h.name, 'applied']));
    expect(again.hosts.flatMap((h) => h.steps.map((s) => s.kind)).every((k) => k === 'link-alias')).toBe(true);
    const third = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
    expect(third.hosts.map((h) => [h.hostName, h.outcome, h.steps.map((s) => s.description)])).toEqual(
      lab.hosts.map((h) => [h.name, 'unchanged', []]),
    );
    expect(await overlayPingFailures(lab, topology)).toEqual([]);
  }, 240_000);

  it('reports a changed file of ours as drift in status, and the next deploy writes it back', async () => {
    const host = lab.hosts[0]?.name ?? '';
    const before = await ourFiles(lab, host);
    const netdev = `${NETWORKD_DIR}/60-vxlan-studio-vxlan100.netdev`;
    await hostShell(lab, host, 'printf "# edited by hand\\n" >> "$1"', [netdev]);
    const status = await runDeploy({ action: 'status', topology, connect: ssh.connect, hostIds: [host] });
    expect(status.hosts[0]?.outcome).toBe('pending');
    expect(status.hosts[0]?.persist?.files.map((f) => [f.path, f.change])).toEqual([[netdev, 'update']]);
    expect(status.hosts[0]?.persist?.files[0]?.diff).toContain('-# edited by hand');
    const fix = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: [host] });
    expect(fix.hosts[0]?.outcome).toBe('applied');
    expect(await ourFiles(lab, host)).toEqual(before);
  }, 120_000);

  it('a deploy that writes a file back ends applied when networkd finishes re-applying only after its reload answered', async () => {
    const host = lab.hosts[1]?.name ?? '';
    const before = await ourFiles(lab, host);
    const netdev = `${NETWORKD_DIR}/60-vxlan-studio-vxlan100.netdev`;
    await hostShell(lab, host, 'printf "# edited by hand\\n" >> "$1"', [netdev]);
    const undo = await slowNetworkdReload(lab, host);
    try {
      const fix = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: [host] });
      expect([fix.hosts[0]?.outcome, fix.hosts[0]?.error?.message]).toEqual(['applied', undefined]);
    } finally {
      await undo();
    }
    expect(await ourFiles(lab, host)).toEqual(before);
  }, 120_000);

  it('a rollback that reloads networkd says the host is back when networkd finishes re-applying only after its reload answered', async () => {
    const host = lab.hosts[2]?.name ?? '';
    const before = await ourFiles(lab, host);
    const netdev = `${NETWORKD_DIR}/60-vxlan-studio-vxlan100.netdev`;
    await hostShell(lab, host, 'printf "# edited by hand\\n" >> "$1"', [netdev]);
    const edited = await ourFiles(lab, host);
    const undo = await slowNetworkdReload(lab, host, { failFirst: true });
    try {
      const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: [host] });
      expect(r.hosts[0]?.outcome).toBe('rolled-back');
      expect(r.hosts[0]?.error?.message).toMatch(/networkctl reload` exited with 1: reload refused/);
      expect(r.hosts[0]?.rollback).toMatchObject({ ok: true, restored: true });
      // The file is given back as the admin left it.
      expect(await ourFiles(lab, host)).toEqual(edited);
    } finally {
      await undo();
    }
    const fix = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: [host] });
    expect(fix.hosts[0]?.outcome).toBe('applied');
    expect(await ourFiles(lab, host)).toEqual(before);
  }, 120_000);

  it('refuses a host where a file it would write exists without our mark, and leaves that file as it is', async () => {
    const host = lab.hosts[0]?.name ?? '';
    const second = labTopology(lab, { id: `${topology.id}-b`, vni: 300, bridge: 'br300', subnet: '10.130.0.0/24' });
    const taken = `${NETWORKD_DIR}/60-vxlan-studio-br300.netdev`;
    await hostShell(lab, host, 'printf "[NetDev]\\nName=br300\\nKind=bridge\\n" > "$1"', [taken]);
    const r = await runDeploy({ action: 'apply', topology: second, connect: ssh.connect, hostIds: [host] });
    expect(r.hosts[0]?.outcome).toBe('failed');
    expect(r.hosts[0]?.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['PERSIST_FILE_NOT_OURS']);
    expect(r.hosts[0]?.applied).toBe(0);
    expect(await hostRunOk(lab, host, ['cat', taken])).toBe('[NetDev]\nName=br300\nKind=bridge\n');
  }, 120_000);

  it('destroy removes our files and devices, and the admin file stays', async () => {
    const r = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
    expect(r.hosts.map((h) => h.outcome)).toEqual(lab.hosts.map(() => 'applied'));
    for (const h of lab.hosts) {
      expect(await ourFiles(lab, h.name)).toEqual([]);
      expect(await hostRunOk(lab, h.name, ['cat', ADMIN_NETDEV])).toBe(ADMIN_NETDEV_TEXT);
    }
    // The file without our mark from the refused deploy is not ours either.
    expect(await hostRunOk(lab, lab.hosts[0]?.name ?? '', ['cat', `${NETWORKD_DIR}/60-vxlan-studio-br300.netdev`])).toBe(
      '[NetDev]\nName=br300\nKind=bridge\n',
    );
  }, 120_000);
});

/** The same story on the other managers a lab host can run: what differs per manager. */
interface ManagerCase {
  lab: 'ifupdown2' | 'netplan';
  detected: 'ifupdown2' | 'netplan';
  /** Where its files go (the manager's and, for netplan, networkd's drop-ins). */
  dirs: string[];
  /** The reload the deploy runs after writing them. */
  reload: string[];
  /** The file of ours holding the devices, for drawing `id`. */
  main: (id: string) => string;
  /**
   * After a reboot: 'unchanged' when the manager's own files set the alias mark at boot, 'marks'
   * when only udev would (networkd's `.link` files), so the first deploy after it marks the devices.
   */
  afterReboot: 'unchanged' | 'marks';
}

const MANAGER_CASES: ManagerCase[] = [
  {
    lab: 'ifupdown2',
    detected: 'ifupdown2',
    dirs: ['/etc/network/interfaces.d'],
    reload: ['ifreload -a'],
    main: (id) => `/etc/network/interfaces.d/vxlan-studio-${id}`,
    afterReboot: 'unchanged',
  },
  {
    lab: 'netplan',
    detected: 'netplan',
    dirs: ['/etc/netplan', NETWORKD_DIR],
    reload: ['netplan generate', 'networkctl reload'],
    main: (id) => `/etc/netplan/60-vxlan-studio-${id}.yaml`,
    afterReboot: 'marks',
  },
];

for (const c of MANAGER_CASES) {
  suite(`hosts whose underlay ${c.lab} configures`, () => {
    const name = randomLabName(c.lab === 'netplan' ? 'pnp' : 'pif');
    let lab: LabState;
    let topology: Topology;
    let ssh: DeploySsh;

    beforeAll(async () => {
      ({ lab, topology, ssh } = await persistLabUp({ name, hosts: 3, manager: c.lab }));
      await ownMachineIds(lab);
    }, 180_000);
    afterAll(() => persistLabDown(name, ssh, [topology?.id ?? '']), 120_000);

    it(`deploys persistently via the detected ${c.detected}: its files in each host /etc, reloaded, and the overlay pings`, async () => {
      const r = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
      expect(r.hosts.map((h) => [h.hostName, h.outcome, h.diagnostics.filter((d) => d.severity === 'error')])).toEqual(
        lab.hosts.map((h) => [h.name, 'applied', []]),
      );
      for (const h of r.hosts) {
        expect([h.persist?.detected, h.persist?.manager, h.persist?.runtimeOnly]).toEqual([c.detected, c.detected, undefined]);
        expect(h.persist?.files.every((f) => f.change === 'create' && f.diff.startsWith('--- /dev/null\n'))).toBe(true);
        expect(h.steps.filter((s) => s.kind === 'persist-reload').map((s) => s.argv.join(' '))).toEqual(c.reload);
        const files = await ourFiles(lab, h.hostName, c.dirs);
        expect(files.map((f) => f.split(' ')[0])).toEqual(h.persist?.files.map((f) => f.path).sort());
      }
      expect(await overlayPingFailures(lab, topology)).toEqual([]);
    }, 180_000);

    it(`brings the overlay back by itself after every host reboots; the next deploy ${c.afterReboot === 'marks' ? 'only marks what our files made, the one after has nothing to change' : 'has nothing to change'}`, async () => {
      const tools = preflight();
      for (const h of lab.hosts) {
        // The reboot deletes the overlay's devices: whatever brings them back is the manager, from our files.
        const reboot = await rebootManagedHost(tools, labHost(lab, h.name), c.lab);
        expect(reboot.deleted.sort()).toEqual(['br100', 'vxlan100']);
      }
      expect(await overlayComesBack(lab, topology)).toEqual([]);
      const again = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
      if (c.afterReboot === 'marks') {
        // networkd (netplan's renderer) sets the alias mark from a .link file only through udev.
        expect(again.hosts.map((h) => [h.hostName, h.outcome])).toEqual(lab.hosts.map((h) => [h.name, 'applied']));
        expect(again.hosts.flatMap((h) => h.steps.map((s) => s.kind)).every((k) => k === 'link-alias')).toBe(true);
      } else {
        expect(again.hosts.map((h) => [h.hostName, h.outcome, h.steps.map((s) => s.description)])).toEqual(
          lab.hosts.map((h) => [h.name, 'unchanged', []]),
        );
      }
      const third = await runDeploy({ action: 'apply', topology, connect: ssh.connect });
      expect(third.hosts.map((h) => [h.hostName, h.outcome, h.steps.map((s) => s.description)])).toEqual(
        lab.hosts.map((h) => [h.name, 'unchanged', []]),
      );
      expect(await overlayPingFailures(lab, topology)).toEqual([]);
    }, 240_000);

    it('reports a changed file of ours as drift in status, and the next deploy writes it back and reloads', async () => {
      const host = lab.hosts[0]?.name ?? '';
      const before = await ourFiles(lab, host, c.dirs);
      const file = c.main(topology.id);
      await hostShell(lab, host, 'printf "# edited by hand\\n" >> "$1"', [file]);
      const status = await runDeploy({ action: 'status', topology, connect: ssh.connect, hostIds: [host] });
      expect(status.hosts[0]?.outcome).toBe('pending');
      expect(status.hosts[0]?.persist?.files.map((f) => [f.path, f.change])).toEqual([[file, 'update']]);
      const fix = await runDeploy({ action: 'apply', topology, connect: ssh.connect, hostIds: [host] });
      expect(fix.hosts[0]?.outcome).toBe('applied');
      expect(fix.hosts[0]?.steps.filter((s) => s.kind === 'persist-reload').map((s) => s.argv.join(' '))).toEqual(c.reload);
      expect(await ourFiles(lab, host, c.dirs)).toEqual(before);
      expect(await overlayPingFailures(lab, topology)).toEqual([]);
    }, 120_000);

    it('destroy removes our files and devices, and the manager keeps the underlay', async () => {
      const r = await runDeploy({ action: 'destroy', topology, connect: ssh.connect });
      expect(r.hosts.map((h) => h.outcome)).toEqual(lab.hosts.map(() => 'applied'));
      for (const h of lab.hosts) {
        expect(await ourFiles(lab, h.name, c.dirs)).toEqual([]);
        expect(await hostRunOk(lab, h.name, ['ip', '-br', 'link', 'show', 'type', 'vxlan'])).toBe('');
      }
      // A reboot after destroy brings nothing of ours back, and the underlay still comes up.
      const tools = preflight();
      const h1 = lab.hosts[0]?.name ?? '';
      await rebootManagedHost(tools, labHost(lab, h1), c.lab);
      expect(await hostRunOk(lab, h1, ['ip', '-br', 'link', 'show', 'type', 'bridge'])).toBe('');
    }, 180_000);
  });
}
