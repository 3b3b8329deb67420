/**
 * The diagnosis on real kernels: a 3-host lab mesh deployed, a fault injected with the lab's own
 * fault tools, a health snapshot gathered from the namespaces with the same commands and parsers the
 * poller will run over SSH (nft, ip -j -s link, ping), `diagnose`, then the offered fix applied
 * in the namespaces the way the deploy runner will (argvToShell through a shell). Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import {
  COUNTERS_COMMAND,
  NFT_COMMANDS,
  parseLinkCounters,
  parseNftRuleset,
  parsePing,
  pingArgv,
  type PingResult,
} from '../../../shared/observe';
import { argvToShell, compilePlan, desiredHostState, type DesiredHostState, type ProtectOptions } from '../../../shared/plan';
import {
  diagnose,
  pathMtuSearch,
  type Finding,
  type HealthSnapshot,
  type HostHealth,
  type PairProbe,
} from '../../../shared/diagnose';
import { mapLimit } from './exec';
import { blockUdp, restoreUnderlayMtu, setUnderlayMtu, unblockUdp } from './faults';
import { labDown, labHost, labUp } from './lab';
import { nsRun, nsRunOk, nsShell } from './netns-exec';
import { applyHostPlan, applySteps, labFacts, labHostFacts, labProtect, observeNamespace } from './plan-exec';
import { isRoot } from './preflight';
import type { LabState } from './state';
import { labTopology } from './topology';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root)
  console.log('diagnose-faults.int.test.ts skipped: the lab builds network namespaces, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;

async function ping(ns: string, host: string, argv: string[]): Promise<PingResult> {
  const r = await nsRun(ns, argv, { timeoutMs: 30_000 });
  return parsePing(`${r.stdout}${r.stderr}`, { host, command: argvToShell(argv) });
}

function overlayAddress(t: Topology, hostId: string): string {
  const m = t.memberships.find((x) => x.hostId === hostId);
  if (!m?.address) throw new Error(`no overlay address for ${hostId}`);
  return m.address.split('/')[0] as string;
}

/**
 * One health round from the namespaces: per host its state, nftables ruleset and counters around
 * the overlay probes; per ordered pair underlay and overlay pings, DF probes at the segment MTU and
 * one byte over, and (when `pathMtu`) the underlay path MTU by binary search.
 */
async function gather(lab: LabState, t: Topology, opts: { pathMtu: boolean }): Promise<HealthSnapshot> {
  const seg = t.segments[0];
  if (!seg || seg.mtu === 'auto') throw new Error('lab topology has no segment with an MTU');
  const segMtu = seg.mtu;
  const ids = t.hosts.map((h) => h.id);
  const counters = (id: string): Promise<ReturnType<typeof parseLinkCounters>> =>
    nsRunOk(labHost(lab, id).namespace, COUNTERS_COMMAND).then((text) => parseLinkCounters(text, id));
  const hosts: HostHealth[] = await Promise.all(
    ids.map(async (id) => {
      const ns = labHost(lab, id).namespace;
      const [observed, json, text] = await Promise.all([
        observeNamespace(ns, id),
        nsRunOk(ns, NFT_COMMANDS.json),
        nsRunOk(ns, NFT_COMMANDS.text),
      ]);
      return {
        hostId: id,
        ssh: { state: 'ok' },
        facts: labHostFacts(lab, id),
        observed,
        firewalls: [parseNftRuleset({ json, text }, id)],
      };
    }),
  );
  const before = await Promise.all(ids.map(counters));
  const ordered = ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => [a, b] as const));
  const pairs: PairProbe[] = await mapLimit(ordered, 6, async ([from, to]) => {
    const ns = labHost(lab, from).namespace;
    const peerUnderlay = labHost(lab, to).address;
    const peerOverlay = overlayAddress(t, to);
    const probe: PairProbe = { segmentId: seg.id, from, to };
    probe.underlay = await ping(ns, from, pingArgv(peerUnderlay, { count: 2, waitSeconds: 1 }));
    probe.overlay = await ping(ns, from, pingArgv(peerOverlay, { count: 2, waitSeconds: 1 }));
    probe.dfAtMtu = await ping(
      ns,
      from,
      pingArgv(peerOverlay, { count: 1, waitSeconds: 1, dontFragment: true, size: segMtu - 28 }),
    );
    probe.dfOverMtu = await ping(
      ns,
      from,
      pingArgv(peerOverlay, { count: 1, waitSeconds: 1, dontFragment: true, size: segMtu - 27 }),
    );
    return probe;
  });
  const after = await Promise.all(ids.map(counters));
  hosts.forEach((h, i) => (h.counters = { before: before[i] ?? [], after: after[i] ?? [] }));
  if (opts.pathMtu) {
    await mapLimit(pairs, 6, async (p) => {
      const ns = labHost(lab, p.from).namespace;
      const target = labHost(lab, p.to).address;
      const r = await pathMtuSearch(labHost(lab, p.from).mtu, async (payload) => {
        const res = await ping(ns, p.from, pingArgv(target, { count: 1, waitSeconds: 1, dontFragment: true, size: payload }));
        return res.received > 0;
      });
      if (r.pathMtu !== undefined) p.pathMtu = r.pathMtu;
    });
  }
  return { takenAt: new Date().toISOString(), hosts, pairs };
}

function desiredOf(
  lab: LabState,
  t: Topology,
): { desired: Record<string, DesiredHostState>; protect: Record<string, ProtectOptions> } {
  const facts = labFacts(lab, t);
  const desired: Record<string, DesiredHostState> = {};
  const protect: Record<string, ProtectOptions> = {};
  for (const h of t.hosts) {
    desired[h.id] = desiredHostState(t, h.id, facts);
    protect[h.id] = labProtect(lab, h.name);
  }
  return { desired, protect };
}

async function diagnoseLab(lab: LabState, t: Topology, opts: { pathMtu: boolean }): Promise<Finding[]> {
  const { desired, protect } = desiredOf(lab, t);
  return diagnose(t, desired, await gather(lab, t, opts), { protect });
}

/** Ordered pairs whose overlay ping gets no reply. */
async function unreachablePairs(lab: LabState, t: Topology): Promise<string[]> {
  const ids = t.hosts.map((h) => h.id);
  const ordered = ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => [a, b] as const));
  const bad = await mapLimit(ordered, 6, async ([a, b]) => {
    const r = await ping(labHost(lab, a).namespace, a, pingArgv(overlayAddress(t, b), { count: 2, waitSeconds: 1 }));
    return r.received > 0 ? undefined : `${a} -> ${b}`;
  });
  return bad.filter((x): x is string => x !== undefined);
}

const summary = (fs: Finding[]): string[] => fs.map((f) => `${f.code} ${f.hosts.join(',')}`);

suite('diagnosis of injected faults on a deployed 3-host lab mesh', () => {
  let lab: LabState;
  let topology: Topology;

  beforeAll(async () => {
    lab = (await labUp({ name: randomLabName('diag'), hosts: 3 })).state;
    topology = labTopology(lab);
    const plan = compilePlan(topology, { facts: labFacts(lab, topology) });
    await mapLimit(plan.hosts, 3, (hp) => applyHostPlan(labHost(lab, hp.hostName).namespace, hp));
  });

  afterAll(async () => {
    if (lab) await labDown(lab.name);
  });

  it('finds nothing wrong on a freshly deployed mesh', async () => {
    expect(summary(await diagnoseLab(lab, topology, { pathMtu: true }))).toEqual([]);
  });

  it('names the nftables rule on h2 that drops UDP 4789, and its fix makes every pair reachable again', async () => {
    const rule = await blockUdp(lab, 'h2');
    try {
      const findings = await diagnoseLab(lab, topology, { pathMtu: false });
      expect(summary(findings)).toEqual(['FIREWALL_BLOCKS_VXLAN h2']);
      const f = findings[0] as Finding;
      expect(f.severity).toBe('error');
      expect(f.evidence[0]).toEqual({ label: 'nftables rule (table inet vxlan_studio_lab, chain input)', value: rule.rule });
      expect(f.message).toContain('`udp dport 4789 drop`');
      // The counters place the loss between h2's NIC and its VXLAN device.
      expect(f.evidence.find((e) => e.label === 'counters')?.value).toMatch(
        /reached h2's eth0 \(rx \+\d+\), but h2's vxlan100 received nothing/,
      );
      const fix = f.fix?.hosts ?? [];
      expect(fix.map((h) => h.hostId)).toEqual(['h2']);
      const peers = [labHost(lab, 'h1').address, labHost(lab, 'h3').address];
      // The running rule, then the step that keeps it across reboots (/etc/nftables.conf). Lab hosts
      // share this machine's /etc here, so only the first runs (firewalls-persist.int.test.ts runs both).
      expect(fix[0]?.steps.map((s) => (s.kind === 'firewall-persist' ? s.kind : argvToShell(s.argv)))).toEqual([
        `nft insert rule inet vxlan_studio_lab input position ${rule.handle} ip saddr '{ ${peers.join(', ')} }' udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'`,
        'firewall-persist',
      ]);
      expect(await unreachablePairs(lab, topology)).not.toEqual([]);

      const ns = labHost(lab, 'h2').namespace;
      for (const step of (fix[0]?.steps ?? []).filter((s) => s.kind !== 'firewall-persist')) {
        const r = await nsShell(ns, argvToShell(step.argv));
        expect({ step: argvToShell(step.argv), code: r.code, stderr: r.stderr }).toEqual({
          step: argvToShell(step.argv),
          code: 0,
          stderr: '',
        });
      }
      // The accept sits right above the drop, which is still there.
      const listed = await nsRunOk(ns, ['nft', 'list', 'chain', 'inet', 'vxlan_studio_lab', 'input']);
      expect(listed).toMatch(
        new RegExp(
          `ip saddr \\{ ${peers.join(', ').replace(/\./g, '\\.')} \\} udp dport 4789 accept comment "vxlan-studio: VXLAN from segment peers"\\n\\s*udp dport 4789 drop`,
        ),
      );
      expect(await unreachablePairs(lab, topology)).toEqual([]);
      expect(summary(await diagnoseLab(lab, topology, { pathMtu: false }))).toEqual([]);
    } finally {
      await unblockUdp(lab, 'h2');
    }
  });

  it("finds h3's 1400-byte underlay path under overlay MTU 1450, offers 1350, and the fix makes DF pings of 1322 cross", async () => {
    await setUnderlayMtu(lab, 'h3', 1400, 'router');
    try {
      // Before: a full-size DF packet to h3 vanishes (no ICMP on the black-holed link).
      expect(
        (
          await ping(
            labHost(lab, 'h1').namespace,
            'h1',
            pingArgv(overlayAddress(topology, 'h3'), { dontFragment: true, size: 1422 }),
          )
        ).received,
      ).toBe(0);
      const findings = await diagnoseLab(lab, topology, { pathMtu: true });
      expect(summary(findings)).toEqual(['MTU_EXCEEDS_PATH h1,h3,h2']);
      const f = findings[0] as Finding;
      expect(f.title).toBe('MTU 1450 of segment overlay 100 is too big for the underlay path (safe: 1350)');
      // Every tunnel to or from h3 measures a path of 1400, or up to 4 bytes more: the kernel lets a
      // frame through a lowered veth/bridge port with room for a VLAN tag (is_skb_forwardable()),
      // depending on direction. The safe value comes from the smallest.
      const measured = f.evidence.filter((e) => e.label.endsWith('underlay path MTU')).map((e) => Number(e.value));
      expect(measured).toHaveLength(4);
      expect(Math.min(...measured)).toBe(1400);
      for (const m of measured) expect(m === 1400 || m === 1404).toBe(true);
      expect(f.message).toContain('The smallest underlay path MTU measured is 1400');
      const fix = f.fix?.hosts ?? [];
      expect(fix.map((h) => [h.hostId, ...h.steps.map((s) => argvToShell(s.argv))])).toEqual([
        ['h1', 'ip link set vxlan100 mtu 1350'],
        ['h2', 'ip link set vxlan100 mtu 1350'],
        ['h3', 'ip link set vxlan100 mtu 1350'],
      ]);
      for (const h of fix)
        await applySteps(
          labHost(lab, h.hostId).namespace,
          h.steps.map((s) => ({ ...s, kind: 'link-mtu' as const })),
          h.hostId,
        );

      for (const [a, b] of [
        ['h1', 'h3'],
        ['h2', 'h3'],
        ['h3', 'h1'],
        ['h3', 'h2'],
      ] as const) {
        const ns = labHost(lab, a).namespace;
        const fits = await ping(ns, a, pingArgv(overlayAddress(topology, b), { count: 2, dontFragment: true, size: 1322 }));
        expect({ a, b, received: fits.received }).toEqual({ a, b, received: 2 });
        // One byte more is now refused locally instead of vanishing on the path.
        const over = await ping(ns, a, pingArgv(overlayAddress(topology, b), { dontFragment: true, size: 1323 }));
        expect({ a, b, messageTooLong: over.messageTooLong?.mtu }).toEqual({ a, b, messageTooLong: 1350 });
      }
      // With the segment's MTU set to the safe value in the topology too, the next round is clean.
      const fixed = labTopology(lab, { mtu: 1350 });
      expect(summary(await diagnoseLab(lab, fixed, { pathMtu: true }))).toEqual([]);
    } finally {
      await restoreUnderlayMtu(lab, 'h3');
    }
  });
});
