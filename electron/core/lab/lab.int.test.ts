/**
 * The lab on a real kernel: namespaces, routing, real sshd per host, faults, teardown. Root only.
 */
import { spawn } from 'node:child_process';
import { unlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, compileTeardown, hostScript } from '../../../shared/plan';
import { runOk } from './exec';
import { blockUdp, freezeHostSshd, listFaultRules, restoreUnderlayMtu, setUnderlayMtu, thawHostSshd, unblockUdp } from './faults';
import { labDown, labStatus, labUp, restartSshd, rotateHostKey } from './lab';
import { labMac } from './spec';
import { knownHostsLine } from './sshd';
import { listNamespaces, processesMentioning } from './netns';
import { nsRun, nsRunOk, sshArgv, sshFromController } from './netns-exec';
import { overlayPingMesh } from './lab-check';
import { applyHostPlan, labFacts, pingFrom } from './plan-exec';
import { isRoot } from './preflight';
import { labStateFile, type LabState } from './state';
import { labTopology } from './topology';
import { randomLabName, withLab } from './with-lab';

const root = isRoot();
if (!root) console.log('lab.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

suite('the netns lab (3 hosts on two routed subnets)', () => {
  const name = randomLabName('lab');
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 3 })).state;
  });
  afterAll(async () => {
    await labDown(name);
  });

  const host = (n: string): LabState['hosts'][number] => {
    const h = lab.hosts.find((x) => x.name === n);
    if (!h) throw new Error(`no host ${n}`);
    return h;
  };

  it('answers SSH from the controller on every host with that host own hostname, checking host keys', async () => {
    for (const h of lab.hosts) {
      const r = await sshFromController(lab, h.name, ['hostname']);
      expect({ host: h.name, code: r.code, stdout: r.stdout.trim(), stderr: r.stderr.trim() }).toEqual({
        host: h.name,
        code: 0,
        stdout: h.name,
        stderr: '',
      });
    }
  });

  it('refuses SSH to a host whose key is not in known_hosts (strict host key checking is real)', async () => {
    const r = await nsRun(lab.controller.namespace, sshArgv(lab, 'h1', ['hostname'], { knownHosts: '/dev/null' }), {
      timeoutMs: 15_000,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  it('routes between hosts on different subnets through the router', async () => {
    const route = await nsRunOk(host('h1').namespace, ['ip', '-j', 'route', 'get', host('h2').address]);
    expect(JSON.parse(route)).toMatchObject([{ dst: host('h2').address, gateway: host('h1').gateway, dev: 'eth0' }]);
    expect((await pingFrom(host('h1').namespace, host('h2').address)).ok).toBe(true);
    expect((await pingFrom(host('h2').namespace, host('h3').address)).ok).toBe(true);
  });

  it('resolves the underlay with permanent neighbour entries, so lab traffic adds nothing to the machine-wide neighbour table', async () => {
    // h1 and h3 share subnet 1 (bridged), h2 is routed; the controller reaches every host through the router.
    for (const [from, to] of [
      ['h1', 'h3'],
      ['h3', 'h1'],
      ['h1', 'h2'],
      ['h2', 'h3'],
    ] as const)
      expect((await pingFrom(host(from).namespace, host(to).address)).ok).toBe(true);
    expect((await sshFromController(lab, 'h2', ['true'])).code).toBe(0);
    const neigh = async (ns: string): Promise<string[]> =>
      (
        JSON.parse(await nsRunOk(ns, ['ip', '-4', '-j', 'neigh', 'show'])) as Array<{
          dst: string;
          lladdr?: string;
          state: string[];
        }>
      )
        .map((n) => `${n.dst} ${n.lladdr ?? '-'} ${n.state.join(',')}`)
        .sort();
    const perm = (h: LabState['hosts'][number]): string => `${h.address} ${labMac('host', h.index)} PERMANENT`;
    expect(await neigh(host('h1').namespace)).toEqual(
      [`${host('h1').gateway} ${labMac('bridge', 1)} PERMANENT`, perm(host('h3'))].sort(),
    );
    expect(await neigh(host('h2').namespace)).toEqual([`${host('h2').gateway} ${labMac('bridge', 2)} PERMANENT`]);
    expect(await neigh(lab.routerNamespace)).toEqual(
      [...lab.hosts.map(perm), `${lab.controller.address} ${labMac('controller', 1)} PERMANENT`].sort(),
    );
    expect(await neigh(lab.controller.namespace)).toEqual([`${lab.controller.gateway} ${labMac('router-port', 0)} PERMANENT`]);
  });

  it('checks the overlay mesh with one first ping per pair, every one answered, and leaves no overlay neighbour entry behind', async () => {
    const topology = labTopology(lab, { id: 'labmesh' });
    const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
    for (const hp of plan.hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    try {
      const mesh = await overlayPingMesh(lab, topology);
      expect(mesh).toEqual({ pairs: 6, firstPingLost: [], failures: [] });
      for (const h of lab.hosts) expect(await nsRunOk(h.namespace, ['ip', '-4', 'neigh', 'show', 'dev', 'br100'])).toBe('');
    } finally {
      for (const hp of compileTeardown(topology).hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    }
  });

  it('makes each directed pair of the mesh check a first contact: every host sends an ARP request for every peer', async () => {
    const topology = labTopology(lab, { id: 'labarp' });
    const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
    const overlay = new Map(topology.memberships.map((m) => [m.hostId, (m.address ?? '').split('/')[0] ?? '']));
    // A counter per peer on the ARP requests each host sends (nftables' arp family, our own table).
    const counters = (h: string): string[] =>
      lab.hosts.filter((p) => p.name !== h).map((p) => `arp operation request arp daddr ip ${overlay.get(p.name) ?? ''} counter`);
    for (const hp of plan.hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    try {
      for (const h of lab.hosts)
        await runOk('ip', ['netns', 'exec', h.namespace, 'nft', '-f', '-'], {
          input: `table arp vxs_meshtest {\n chain out {\n  type filter hook output priority 0;\n${counters(h.name).join('\n')}\n }\n}\n`,
        });
      expect(await overlayPingMesh(lab, topology)).toEqual({ pairs: 6, firstPingLost: [], failures: [] });
      for (const h of lab.hosts) {
        const rules = (await nsRunOk(h.namespace, ['nft', 'list', 'chain', 'arp', 'vxs_meshtest', 'out']))
          .split('\n')
          .filter((l) => l.includes('counter'));
        const sent = rules.map((l) => ({
          to: /daddr ip (\S+)/.exec(l)?.[1],
          requests: Number(/packets (\d+)/.exec(l)?.[1]) > 0,
        }));
        expect(sent).toEqual(
          lab.hosts.filter((p) => p.name !== h.name).map((p) => ({ to: overlay.get(p.name), requests: true })),
        );
      }
    } finally {
      for (const h of lab.hosts) await nsRun(h.namespace, ['nft', 'delete', 'table', 'arp', 'vxs_meshtest']);
      for (const hp of compileTeardown(topology).hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    }
  });

  it('names exactly the pairs of a host that drops VXLAN in the mesh check, pinged again and still silent', async () => {
    const topology = labTopology(lab, { id: 'labblock' });
    const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
    const overlay = new Map(topology.memberships.map((m) => [m.hostId, (m.address ?? '').split('/')[0] ?? '']));
    const pair = (from: string, to: string): string => `${from} -> ${to} (${overlay.get(to) ?? ''})`;
    for (const hp of plan.hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    await blockUdp(lab, 'h2');
    try {
      const mesh = await overlayPingMesh(lab, topology);
      const broken = [pair('h1', 'h2'), pair('h2', 'h1'), pair('h2', 'h3'), pair('h3', 'h2')].sort();
      expect({ ...mesh, firstPingLost: [...mesh.firstPingLost].sort(), failures: [...mesh.failures].sort() }).toEqual({
        pairs: 6,
        firstPingLost: broken,
        failures: broken,
      });
    } finally {
      await unblockUdp(lab, 'h2');
      for (const hp of compileTeardown(topology).hosts) await applyHostPlan(host(hp.hostName).namespace, hp);
    }
  });

  it('gives the controller no way out of the lab: its only exit is the router, which has no default route', async () => {
    const ctlRoutes = JSON.parse(await nsRunOk(lab.controller.namespace, ['ip', '-j', 'route', 'show'])) as Array<
      Record<string, unknown>
    >;
    expect(ctlRoutes.map((r) => `${String(r['dst'])} ${String(r['gateway'] ?? r['dev'])}`).sort()).toEqual(
      [`${lab.controller.network}/${lab.controller.prefixLength} eth0`, `default ${lab.controller.gateway}`].sort(),
    );
    const rtRoutes = JSON.parse(await nsRunOk(lab.routerNamespace, ['ip', '-j', 'route', 'show'])) as Array<
      Record<string, unknown>
    >;
    expect(rtRoutes.map((r) => r['dst']).sort()).toEqual(['172.30.0.0/24', '172.30.1.0/24', '172.30.2.0/24']);
    // `ip route get` asks the kernel without sending a packet: nothing outside the lab is routable.
    const out = await nsRun(lab.routerNamespace, ['ip', 'route', 'get', '192.0.2.1']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/Network is unreachable/);
  });

  it('blocks UDP 4789 on a host with a listed nftables rule that stops VXLAN, and unblocks it', async () => {
    // A point-to-point VXLAN pair between h1 and h2 (different subnets), made by hand for this test.
    const pair = [
      { h: host('h1'), peer: host('h2'), overlay: '10.242.0.1/24' },
      { h: host('h2'), peer: host('h1'), overlay: '10.242.0.2/24' },
    ];
    for (const { h, peer, overlay } of pair) {
      await nsRunOk(h.namespace, [
        'ip',
        'link',
        'add',
        'vxt',
        'type',
        'vxlan',
        'id',
        '42',
        'remote',
        peer.address,
        'dev',
        'eth0',
        'dstport',
        '4789',
      ]);
      await nsRunOk(h.namespace, ['ip', 'addr', 'add', overlay, 'dev', 'vxt']);
      await nsRunOk(h.namespace, ['ip', 'link', 'set', 'vxt', 'up']);
    }
    try {
      expect((await pingFrom(host('h1').namespace, '10.242.0.2')).ok).toBe(true);

      const rule = await blockUdp(lab, 'h2');
      expect(rule).toMatchObject({ family: 'inet', table: 'vxlan_studio_lab', chain: 'input', rule: 'udp dport 4789 drop' });
      const listed = await nsRunOk(host('h2').namespace, ['nft', 'list', 'ruleset']);
      expect(listed.split('\n').map((l) => l.trim())).toContain(rule.rule);
      expect((await pingFrom(host('h1').namespace, '10.242.0.2', { count: 2, waitSeconds: 1 })).ok).toBe(false);
      // The underlay itself still works: only VXLAN's port is dropped.
      expect((await pingFrom(host('h1').namespace, host('h2').address)).ok).toBe(true);

      expect((await unblockUdp(lab, 'h2')).map((r) => r.rule)).toEqual(['udp dport 4789 drop']);
      expect(await listFaultRules(lab, 'h2')).toEqual([]);
      expect((await nsRunOk(host('h2').namespace, ['nft', 'list', 'ruleset'])).trim()).toBe('');
      expect((await pingFrom(host('h1').namespace, '10.242.0.2')).ok).toBe(true);
    } finally {
      for (const { h } of pair) await nsRun(h.namespace, ['ip', 'link', 'del', 'vxt']);
    }
  });

  it('lowers the path MTU to a host at the router end while the host eth0 still says 1500, and restores it', async () => {
    const h1 = host('h1').namespace;
    const h3 = host('h3');
    expect((await pingFrom(h1, h3.address, { size: 1472, dontFragment: true })).ok).toBe(true);
    await setUnderlayMtu(lab, 'h3', 1400);
    try {
      const eth0 = JSON.parse(await nsRunOk(h3.namespace, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ mtu: number }>;
      expect(eth0[0]?.mtu).toBe(1500);
      expect((await pingFrom(h1, h3.address, { size: 1472, dontFragment: true, waitSeconds: 1 })).ok).toBe(false);
      expect((await pingFrom(h1, h3.address, { size: 1372, dontFragment: true })).ok).toBe(true);
      expect((await pingFrom(h1, h3.address, { size: 1373, dontFragment: true, waitSeconds: 1 })).ok).toBe(false);
    } finally {
      await restoreUnderlayMtu(lab, 'h3');
    }
    expect((await pingFrom(h1, h3.address, { size: 1472, dontFragment: true })).ok).toBe(true);
  });

  it('with --both also lowers the host own eth0, so the host refuses big DF packets locally', async () => {
    await setUnderlayMtu(lab, 'h3', 1400, 'both');
    try {
      const r = await pingFrom(host('h3').namespace, host('h1').address, { size: 1472, dontFragment: true });
      expect(r.ok).toBe(false);
      expect(r.messageTooLong).toBe(true);
    } finally {
      await restoreUnderlayMtu(lab, 'h3');
    }
  });

  it('freezes a host sshd so new and already open sessions stop answering, and thaws it', async () => {
    // An open session printing a tick every 100 ms.
    const argv = [
      'ip',
      'netns',
      'exec',
      lab.controller.namespace,
      ...sshArgv(lab, 'h2', ['while true; do echo tick; sleep 0.1; done']),
    ];
    const ticker = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let ticks = 0;
    ticker.stdout.on('data', (d: Buffer) => (ticks += d.toString().split('tick').length - 1));
    try {
      const deadline = Date.now() + 10_000;
      while (ticks < 3 && Date.now() < deadline) await sleep(50);
      expect(ticks).toBeGreaterThanOrEqual(3);

      const pids = await freezeHostSshd(lab, 'h2');
      expect(pids.length).toBeGreaterThanOrEqual(2); // the listener and the open session's sshd
      expect((await labStatus(name)).hosts.find((h) => h.host.name === 'h2')?.sshd).toBe('frozen');
      await sleep(200);
      const frozenAt = ticks;
      await sleep(800);
      expect(ticks).toBe(frozenAt);
      const started = Date.now();
      const fresh = await sshFromController(lab, 'h2', ['hostname'], { connectTimeout: 2, timeoutMs: 10_000 });
      expect(fresh.code).toBe(255);
      expect(fresh.stderr).toMatch(/timed out/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

      await thawHostSshd(lab, 'h2');
      expect((await labStatus(name)).hosts.find((h) => h.host.name === 'h2')?.sshd).toBe('running');
      const thawedAt = ticks;
      const until = Date.now() + 5000;
      while (ticks <= thawedAt + 2 && Date.now() < until) await sleep(50);
      expect(ticks).toBeGreaterThan(thawedAt + 2);
      expect((await sshFromController(lab, 'h2', ['hostname'])).stdout.trim()).toBe('h2');
    } finally {
      await thawHostSshd(lab, 'h2');
      ticker.kill();
    }
  });

  it('runs an exported plan script over SSH from the controller (as deploy will) and the overlay works', async () => {
    const topology = labTopology(lab, { id: 'labssh' });
    const plan = compilePlan(topology);
    for (const hp of plan.hosts) {
      const r = await sshFromController(lab, hp.hostName, ['sh', '-s'], { input: hostScript(hp), timeoutMs: 30_000 });
      expect({ host: hp.hostName, code: r.code, stderr: r.stderr }).toEqual({ host: hp.hostName, code: 0, stderr: '' });
    }
    try {
      expect(
        (await pingFrom(host('h1').namespace, '10.100.0.2')).ok ||
          (await pingFrom(host('h1').namespace, '10.100.0.2', { count: 3 })).ok,
      ).toBe(true);
      expect(
        (await pingFrom(host('h2').namespace, '10.100.0.3')).ok ||
          (await pingFrom(host('h2').namespace, '10.100.0.3', { count: 3 })).ok,
      ).toBe(true);
    } finally {
      for (const hp of compileTeardown(topology).hosts) {
        const r = await sshFromController(lab, hp.hostName, ['sh', '-s'], { input: hostScript(hp), timeoutMs: 30_000 });
        expect(r.code).toBe(0);
      }
    }
    const left = await nsRunOk(host('h1').namespace, ['ip', '-o', 'link', 'show']);
    expect(left).not.toMatch(/vxlan100|br100/);
  });

  it('rotates a host key so that SSH with the old known_hosts is refused as a changed key', async () => {
    const pub = await rotateHostKey(lab, 'h3');
    const r = await sshFromController(lab, 'h3', ['hostname'], { timeoutMs: 15_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    const fresh = `${lab.stateDir}/known_hosts.rotated`;
    await writeFile(fresh, `${knownHostsLine(host('h3').address, pub)}\n`);
    expect((await sshFromController(lab, 'h3', ['hostname'], { knownHosts: fresh })).stdout.trim()).toBe('h3');
  });

  it('reports a killed sshd as stopped and restarts it', async () => {
    const pid = Number((await runOk('cat', [host('h2').sshd.pidFile])).trim());
    process.kill(pid, 'SIGKILL');
    await sleep(100);
    expect((await labStatus(name)).hosts.find((h) => h.host.name === 'h2')?.sshd).toBe('stopped');
    await restartSshd(lab, 'h2');
    expect((await labStatus(name)).hosts.find((h) => h.host.name === 'h2')?.sshd).toBe('running');
    expect((await sshFromController(lab, 'h2', ['hostname'])).stdout.trim()).toBe('h2');
  });

  it('keeps a lab that is already up with the same layout (same sshd pids) instead of rebuilding it', async () => {
    const before = await Promise.all(lab.hosts.map((h) => runOk('cat', [h.sshd.pidFile])));
    const again = await labUp({ name, hosts: 3 });
    expect(again.reused).toBe(true);
    expect(await Promise.all(again.state.hosts.map((h) => runOk('cat', [h.sshd.pidFile])))).toEqual(before);
  });

  it('down removes every namespace with the lab prefix and every sshd of the lab', async () => {
    const result = await labDown(name);
    expect(result.namespaces.length).toBe(5);
    expect((await listNamespaces()).filter((n) => n.startsWith(lab.prefix))).toEqual([]);
    expect((await processesMentioning(`${lab.stateDir}/`)).filter((p) => p.comm === 'sshd')).toEqual([]);
  });
});

suite('lab teardown without a state file', () => {
  it('finds and removes a lab whose lab.json was deleted, sshd included', async () => {
    const name = randomLabName('orph');
    try {
      const { state } = await labUp({ name, hosts: 2 });
      const sshd = (await processesMentioning(`${state.stateDir}/`)).filter((p) => p.comm === 'sshd');
      expect(sshd.length).toBe(2);
      await unlink(labStateFile(state.stateDir));

      expect((await labStatus(name)).state).toBe('missing');
      const result = await labDown(name);
      expect(result.namespaces.sort()).toEqual([
        `${state.prefix}ctl`,
        `${state.prefix}h1`,
        `${state.prefix}h2`,
        `${state.prefix}rt`,
      ]);
      expect(result.killed).toEqual(expect.arrayContaining(sshd.map((p) => p.pid)));
      expect((await listNamespaces()).filter((n) => n.startsWith(state.prefix))).toEqual([]);
      expect((await processesMentioning(`${state.stateDir}/`)).filter((p) => p.comm === 'sshd')).toEqual([]);
    } finally {
      await labDown(name);
    }
  });

  it('rebuilds a lab of the same name cleanly when asked for another layout', async () => {
    const name = randomLabName('re');
    try {
      const first = await labUp({ name, hosts: 1 });
      const second = await labUp({ name, hosts: 2 });
      expect(second.reused).toBe(false);
      expect((await listNamespaces()).filter((n) => n.startsWith(first.state.prefix)).sort()).toEqual(
        ['ctl', 'h1', 'h2', 'rt'].map((s) => `${first.state.prefix}${s}`),
      );
      expect((await labStatus(name)).hosts.map((h) => `${h.host.name} ${h.sshd}`)).toEqual(['h1 running', 'h2 running']);
    } finally {
      await labDown(name);
    }
  });

  it('withLab tears the lab down when the test body throws', async () => {
    const name = randomLabName('wl');
    await expect(
      withLab({ name, hosts: 1 }, async (lab) => {
        expect((await listNamespaces()).filter((n) => n.startsWith(lab.prefix)).length).toBe(3);
        throw new Error('test body failed');
      }),
    ).rejects.toThrow('test body failed');
    expect((await listNamespaces()).filter((n) => n.startsWith(`vxs${name}-`))).toEqual([]);
  });
});
