/**
 * The nftables fixes the diagnosis offers, on a real kernel and real VXLAN traffic: the recorded
 * rulesets (shared/observe/fixtures/nft-*.txt) are loaded on host b of a scratch pair of routed
 * namespaces with a VXLAN segment between them; the analysis must name what drops a's VXLAN, the
 * overlay ping must fail, the offered fix (run through a shell as the deploy runner will) must make
 * it pass, and the re-read ruleset must show no drop left. Root only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import { NFT_COMMANDS, parseNftRuleset, parsePing, pingArgv, type NftRuleset } from '../../../shared/observe';
import { parseIptablesSave } from '../../../shared/observe/iptables';
import { argvToShell, compilePlan, type HostFacts } from '../../../shared/plan';
import { findVxlanDrops, firewallFixSteps, type VxlanDropQuery } from '../../../shared/diagnose';
import { runOk } from './exec';
import { deleteNamespace } from './netns';
import { nsRun, nsRunOk, nsShell } from './netns-exec';
import { applyHostPlan } from './plan-exec';
import { findExecutable, isRoot } from './preflight';

const root = isRoot();
if (!root)
  console.log(
    'diagnose-firewall-fix.int.test.ts skipped: it builds network namespaces and loads nftables rules, which needs root (run with sudo)',
  );
const suite = root ? describe : describe.skip;

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'observe', 'fixtures');
const PREFIX = `vxsdx-${randomBytes(3).toString('hex')}`;
const A = `${PREFIX}-a`;
const R = `${PREFIX}-r`;
const B = `${PREFIX}-b`;
const A_ADDR = '10.99.6.2';
const B_ADDR = '10.99.2.2';

const ip = (): string => findExecutable('ip') ?? 'ip';

/** a (10.99.6.2) -- r -- b (10.99.2.2): two routed /24s, like two servers in different subnets. */
async function buildPair(): Promise<void> {
  for (const ns of [A, R, B]) {
    await runOk(ip(), ['netns', 'add', ns]);
    await runOk(ip(), ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  await runOk(ip(), ['-n', R, 'link', 'add', 'ra', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', A]);
  await runOk(ip(), ['-n', R, 'link', 'add', 'rb', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', B]);
  await runOk(ip(), ['-n', R, 'addr', 'add', '10.99.6.1/24', 'dev', 'ra']);
  await runOk(ip(), ['-n', R, 'addr', 'add', '10.99.2.1/24', 'dev', 'rb']);
  await runOk(ip(), ['-n', R, 'link', 'set', 'ra', 'up']);
  await runOk(ip(), ['-n', R, 'link', 'set', 'rb', 'up']);
  await nsRunOk(R, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const [ns, addr, gw] of [
    [A, A_ADDR, '10.99.6.1'],
    [B, B_ADDR, '10.99.2.1'],
  ] as const) {
    await runOk(ip(), ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    await runOk(ip(), ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await runOk(ip(), ['-n', ns, 'route', 'add', 'default', 'via', gw]);
  }
}

const topology: Topology = TopologySchema.parse({
  format: CURRENT_FORMAT,
  id: 'fwfix',
  name: 'firewall fix test',
  hosts: [
    { id: 'a', name: 'a', ssh: { host: A_ADDR }, underlay: { interface: 'eth0', address: A_ADDR, mtu: 1500 } },
    { id: 'b', name: 'b', ssh: { host: B_ADDR }, underlay: { interface: 'eth0', address: B_ADDR, mtu: 1500 } },
  ],
  segments: [{ id: 's', name: 'overlay 100', vni: 100, port: 4789, mtu: 1450, flood: { mode: 'unicast-mesh' } }],
  memberships: [
    { id: 'ma', hostId: 'a', segmentId: 's', address: '10.200.0.1/24' },
    { id: 'mb', hostId: 'b', segmentId: 's', address: '10.200.0.2/24' },
  ],
});

async function readRuleset(ns: string): Promise<NftRuleset> {
  const [json, text] = await Promise.all([nsRunOk(ns, NFT_COMMANDS.json), nsRunOk(ns, NFT_COMMANDS.text)]);
  return parseNftRuleset({ json, text }, 'b');
}

async function overlayAnswers(): Promise<boolean> {
  const argv = pingArgv('10.200.0.2', { count: 2, waitSeconds: 1 });
  const r = await nsRun(A, argv, { timeoutMs: 20_000 });
  return parsePing(`${r.stdout}${r.stderr}`, { host: 'a', command: argvToShell(argv) }).received > 0;
}

/**
 * The steps that change the running firewall. These scratch namespaces share this machine's /etc, so
 * the steps that write the boot-time rules file (/etc/nftables.conf, /etc/iptables/rules.v4) never
 * run here; firewalls-persist.int.test.ts runs them on lab hosts with a private /etc.
 */
function runtimeSteps<S extends { kind: string }>(steps: S[]): S[] {
  return steps.filter((s) => s.kind !== 'firewall-persist');
}

async function loadFixture(name: string): Promise<void> {
  await nsRunOk(B, ['nft', 'flush', 'ruleset']);
  await nsRunOk(B, ['nft', '-f', path.join(FIXTURES, `nft-${name}.txt`)]);
}

async function applyFix(query: VxlanDropQuery): Promise<string[]> {
  const lines: string[] = [];
  for (const drop of findVxlanDrops(await readRuleset(B), query))
    for (const step of runtimeSteps(firewallFixSteps(drop, query.peers ?? [], query.port))) {
      const line = argvToShell(step.argv);
      const r = await nsShell(B, line);
      expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: '' });
      lines.push(line);
    }
  return lines;
}

/**
 * With a's VXLAN dropped on b: the overlay is down, the offered fix is one command, after it the
 * overlay answers and a re-read finds no drop left.
 */
async function expectOneFixOpensOverlay(query: VxlanDropQuery): Promise<void> {
  expect(await overlayAnswers()).toBe(false);
  expect(await applyFix(query)).toHaveLength(1);
  expect(await overlayAnswers()).toBe(true);
  expect(findVxlanDrops(await readRuleset(B), query)).toEqual([]);
}

suite('nftables fixes offered by the diagnosis, on a real kernel', () => {
  const fromA: VxlanDropQuery = { port: 4789, peers: [A_ADDR], iifname: 'eth0' };

  beforeAll(async () => {
    await buildPair();
    const facts: Record<string, HostFacts> = {
      a: { underlayInterface: 'eth0', underlayAddress: A_ADDR, underlayMtu: 1500 },
      b: { underlayInterface: 'eth0', underlayAddress: B_ADDR, underlayMtu: 1500 },
    };
    const plan = compilePlan(topology, { facts });
    for (const hp of plan.hosts) await applyHostPlan(hp.hostId === 'a' ? A : B, hp);
    expect(await overlayAnswers()).toBe(true);
  });

  afterAll(async () => {
    for (const ns of [A, R, B]) await deleteNamespace(ip(), ns).catch(() => undefined);
  });

  for (const [name, expected] of [
    ['lab-block', [['rule', 'udp dport 4789 drop']]],
    ['server', [['rule', 'udp dport 4000-5000 drop']]],
    ['policy-drop', [['policy', 'type filter hook input priority filter; policy drop;']]],
  ] as const) {
    it(`names what drops a's VXLAN in the recorded "${name}" ruleset, and its fix lets the overlay through`, async () => {
      await loadFixture(name);
      try {
        const drops = findVxlanDrops(await readRuleset(B), fromA);
        expect(drops.map((d) => [d.kind, d.text])).toEqual(expected);
        expect(drops.every((d) => d.certain)).toBe(true);
        await expectOneFixOpensOverlay(fromA);
      } finally {
        await nsRunOk(B, ['nft', 'flush', 'ruleset']);
      }
    });
  }

  it('writes IPv6 fixes the kernel accepts: ip6 saddr in an inet chain and in an ip6 table', async () => {
    await loadFixture('policy-drop');
    try {
      const v6: VxlanDropQuery = { port: 4789, peers: ['fd00::5', 'fd00::6'], iifname: 'eth0' };
      expect(findVxlanDrops(await readRuleset(B), v6).map((d) => d.where)).toEqual([
        'table inet host, chain in',
        'table ip6 six, chain input',
      ]);
      const lines = await applyFix(v6);
      expect(lines).toEqual([
        `nft add rule inet host 'in' ip6 saddr '{ fd00::5, fd00::6 }' udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'`,
        `nft insert rule ip6 six input position 2 ip6 saddr '{ fd00::5, fd00::6 }' udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'`,
      ]);
      expect(findVxlanDrops(await readRuleset(B), v6)).toEqual([]);
      // The IPv4 peer is still dropped: the fix opened the port to the named peers only.
      expect(findVxlanDrops(await readRuleset(B), fromA).map((d) => d.kind)).toEqual(['policy']);
    } finally {
      await nsRunOk(B, ['nft', 'flush', 'ruleset']);
    }
  });

  /**
   * A host whose firewall is iptables with the legacy backend (`iptables` is xtables-legacy-multi):
   * the health round then reads `iptables-save`, and the fix runs `iptables`. Here `iptables` and
   * `iptables-save` are links to the machine's legacy binary in a folder put first on PATH, which is
   * exactly how such a host resolves them (xtables-legacy-multi acts by the name it is called by).
   */
  const legacy = findExecutable('xtables-legacy-multi');
  const withLegacy = legacy === undefined ? it.skip : it;
  if (legacy === undefined)
    console.log(
      'diagnose-firewall-fix.int.test.ts: iptables-legacy is not installed (apt-get install iptables): the legacy iptables test is skipped',
    );
  withLegacy(
    'names the iptables (legacy) rule that drops VXLAN from iptables-save as the kernel prints it, and its iptables fix lets the overlay through',
    async () => {
      const bin = mkdtempSync(path.join(tmpdir(), 'vxs-legacy-'));
      for (const name of ['iptables', 'iptables-save', 'iptables-restore']) symlinkSync(legacy as string, path.join(bin, name));
      const sh = (script: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        nsShell(B, `PATH=${bin}:$PATH; ${script}`);
      const readIptables = async (): Promise<ReturnType<typeof parseIptablesSave>> => {
        const r = await sh('iptables-save');
        expect(r.code, r.stderr).toBe(0);
        return parseIptablesSave(r.stdout, 'b');
      };
      try {
        const rules = [
          '*filter',
          ':INPUT ACCEPT [0:0]',
          ':FORWARD ACCEPT [0:0]',
          ':OUTPUT ACCEPT [0:0]',
          '-A INPUT -i lo -j ACCEPT',
          '-A INPUT -p udp -m comment --comment "legacy overlay ports" -m udp --dport 4000:4799 -j DROP',
          'COMMIT',
          '',
        ].join('\n');
        const load = await nsRun(B, ['/bin/sh', '-c', `PATH=${bin}:$PATH; iptables-restore`], { input: rules });
        expect(load.code, load.stderr).toBe(0);
        const drops = findVxlanDrops(await readIptables(), fromA);
        expect(drops.map((d) => [d.kind, d.text])).toEqual([
          ['rule', '-A INPUT -p udp -m comment --comment "legacy overlay ports" -m udp --dport 4000:4799 -j DROP'],
        ]);
        expect(await overlayAnswers()).toBe(false);
        const steps = runtimeSteps(drops.flatMap((d) => firewallFixSteps(d, fromA.peers ?? [], fromA.port)));
        expect(steps.map((st) => argvToShell(st.argv))).toEqual([
          'iptables -I INPUT 2 -s 10.99.6.2 -p udp -m udp --dport 4789 -j ACCEPT',
        ]);
        for (const st of steps) {
          const r = await sh(argvToShell(st.argv));
          expect(r.code, r.stderr).toBe(0);
        }
        expect(await overlayAnswers()).toBe(true);
        expect(findVxlanDrops(await readIptables(), fromA)).toEqual([]);
      } finally {
        await sh('iptables -F INPUT');
        rmSync(bin, { recursive: true, force: true });
      }
    },
  );

  /**
   * Debian's default `iptables` is iptables-nft: its rules live in nftables tables, so the health
   * round reads them with `nft` and the fix is an nft rule in the same table and chain.
   */
  const iptablesNft = findExecutable('iptables-nft');
  const withNft = iptablesNft === undefined ? it.skip : it;
  if (iptablesNft === undefined)
    console.log(
      'diagnose-firewall-fix.int.test.ts: iptables-nft is not installed (apt-get install iptables): the iptables-nft test is skipped',
    );
  withNft('names a drop made with iptables-nft through nft, and the nft fix in its table lets the overlay through', async () => {
    try {
      await nsRunOk(B, [iptablesNft as string, '-A', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
      const drops = findVxlanDrops(await readRuleset(B), fromA);
      expect(drops.map((d) => [d.kind, d.where])).toEqual([['rule', 'table ip filter, chain INPUT']]);
      await expectOneFixOpensOverlay(fromA);
    } finally {
      await nsRunOk(B, ['nft', 'flush', 'ruleset']);
    }
  });
});
