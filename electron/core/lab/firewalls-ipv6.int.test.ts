/**
 * Host firewalls against VXLAN over an IPv6 underlay, found and fixed by the product on a lab: a
 * 2-host lab made dual-stack here (IPv6 ULAs on the hosts' eth0, the router's subnet bridges and an
 * IPv6 default route, forwarding on in the router's own namespace), an overlay whose underlay
 * addresses are the IPv6 ones deployed over SSH (SSH stays on the lab's IPv4 addresses, as on many
 * dual-stack servers), then on h2 real ufw (its IPV6=yes default writes ip6tables rules) and a raw
 * nftables `inet` table. The health round over SSH must name FIREWALL_BLOCKS_VXLAN on h2 with what
 * drops the IPv6 VXLAN as the tool prints it, and the offered fix, applied through the product's fix
 * path, must bring every tunnel back. Root only.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/diagnose/types';
import { TopologySchema } from '../../../shared/model';
import type { HealthRoundResult } from '../health/poller';
import { resetUfw, ufw } from './firewalls';
import { ufwDefaultDenyIsNamedAndFixed } from './firewalls.testing';
import { useHealthLab } from './health-lab.testing';
import { hostRunOk, nsRunOk } from './netns-exec';
import { findExecutable, isRoot } from './preflight';
import type { LabState } from './state';
import { labTopology } from './topology';

const root = isRoot();
const hasUfw = findExecutable('ufw') !== undefined;
if (!root) console.log('firewalls-ipv6.int.test.ts skipped: the lab (network namespaces, sshd) needs root');
else if (!hasUfw) console.log('firewalls-ipv6.int.test.ts skipped: ufw is not installed (scripts/setup.sh installs it)');
const suite = root && hasUfw ? describe : describe.skip;

/** Host hN on the lab's IPv4 subnet s (172.30.s.0/24) gets fd00:30:s::(10+N)/64; the router ::1. */
const v6Subnet = (subnetIndex: number): string => `fd00:30:${subnetIndex}::`;

/**
 * Adds the IPv6 underlay to a running lab: each router bridge the gateway ::1, each host its address
 * and a default route. `nodad`: usable at once instead of after duplicate address detection. The
 * forwarding switch is the router namespace's own (per-namespace sysctl), not this machine's.
 */
async function addIpv6Underlay(lab: LabState): Promise<Map<string, string>> {
  const addresses = new Map<string, string>();
  const subnets = [...new Set(lab.hosts.map((h) => h.subnetIndex))];
  for (const s of subnets)
    await nsRunOk(lab.routerNamespace, ['ip', 'addr', 'add', `${v6Subnet(s)}1/64`, 'dev', `br${s}`, 'nodad']);
  await nsRunOk(lab.routerNamespace, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
  for (const h of lab.hosts) {
    const address = `${v6Subnet(h.subnetIndex)}${10 + h.index}`;
    await hostRunOk(lab, h.name, ['ip', 'addr', 'add', `${address}/64`, 'dev', h.interface, 'nodad']);
    await hostRunOk(lab, h.name, ['ip', '-6', 'route', 'add', 'default', 'via', `${v6Subnet(h.subnetIndex)}1`]);
    addresses.set(h.name, address);
  }
  return addresses;
}

/** A raw nftables `inet t` table on the host with an input chain holding `rule`. */
async function nftInputRule(lab: LabState, host: string, rule: readonly string[]): Promise<void> {
  await hostRunOk(lab, host, ['nft', 'add', 'table', 'inet', 't']);
  await hostRunOk(lab, host, ['nft', 'add', 'chain', 'inet', 't', 'input', '{ type filter hook input priority 0; }']);
  await hostRunOk(lab, host, ['nft', 'add', 'rule', 'inet', 't', 'input', ...rule]);
}

suite('host firewalls on h2 against VXLAN over an IPv6 underlay: named by diagnose, fixed', () => {
  let v6: Map<string, string>;
  const addr6 = (h: string): string => v6.get(h) ?? '';
  const hl = useHealthLab({
    tag: 'fw6',
    hosts: 2,
    pollTimeoutMs: 20_000,
    topology: async (lab) => {
      v6 = await addIpv6Underlay(lab);
      const v4 = labTopology(lab, { mtu: 1430 });
      // VXLAN over IPv6 costs 70 bytes (outer IPv6 40 + UDP 8 + VXLAN 8 + inner Ethernet 14): 1430.
      return TopologySchema.parse({
        ...v4,
        hosts: v4.hosts.map((h) => ({ ...h, underlay: { ...h.underlay, address: addr6(h.id) } })),
      });
    },
  });
  const { firewallFindings, fixAndCheck, fixLines } = hl;

  const brokenPairs = (r: HealthRoundResult): string[][] =>
    r.view.pairs
      .filter((p) => p.status !== 'ok')
      .map((p) => [p.from, p.to])
      .sort();

  beforeAll(async () => {
    // The tunnels really run over IPv6: each VXLAN device binds its IPv6 underlay address.
    expect(await hostRunOk(hl.lab, 'h2', ['ip', '-d', 'link', 'show', 'vxlan100'])).toContain(`local ${addr6('h2')}`);
    const first = await hl.poller.runRound();
    expect(brokenPairs(first)).toEqual([]);
  }, 180_000);

  afterEach(async () => {
    await resetUfw(hl.lab, 'h2');
    await hostRunOk(hl.lab, 'h2', ['nft', 'flush', 'ruleset']);
  }, 60_000);

  it("names ufw's default incoming deny (its ip6tables rules) after the usual server setup, and `ufw allow` from the IPv6 peer fixes it", async () => {
    // ufw keeps the IPv6 allow itself, in h2's own /etc/ufw/user6.rules.
    await ufwDefaultDenyIsNamedAndFixed(hl, {
      host: 'h2',
      peers: [addr6('h1')],
      rules: { file: '/etc/ufw/user6.rules', chain: 'ufw6-user-input' },
      whileBlocked: async (last) => {
        // ufw's IPV6=yes default: the same policy in ip6tables, where VXLAN over IPv6 meets it.
        expect(await hostRunOk(hl.lab, 'h2', ['ip6tables-save'])).toContain(':ufw6-user-input - [0:0]');
        expect(brokenPairs(last)).toEqual([
          ['h1', 'h2'],
          ['h2', 'h1'],
        ]);
      },
    });
  }, 120_000);

  it('names a `ufw deny` of the IPv6 peer as `ufw status` prints it, and its allow fixes it', async () => {
    await ufw(
      hl.lab,
      'h2',
      ['default', 'allow', 'incoming'],
      ['deny', 'proto', 'udp', 'from', addr6('h1'), 'to', 'any', 'port', '4789'],
      ['enable'],
    );
    const status = await hostRunOk(hl.lab, 'h2', ['ufw', 'status', 'verbose']);
    const { findings } = await firewallFindings();
    const quoted = findings[0]?.evidence[0]?.value ?? '';
    expect(findings.map((f) => [f.hosts, f.severity])).toEqual([[['h2'], 'error']]);
    expect(quoted).toMatch(new RegExp(`^4789/udp +DENY IN +${addr6('h1')}$`));
    // ufw pads its From column; the finding quotes the line without the trailing blanks.
    expect(status.split('\n').map((l) => l.trimEnd())).toContain(quoted);
    // ufw takes an allow with the deny's own tuple as an update of it.
    expect(fixLines(findings[0] as Finding)).toEqual([`ufw allow proto udp from ${addr6('h1')} to any port 4789`]);
    await fixAndCheck(findings[0] as Finding);
  }, 120_000);

  it('names a raw ip6tables DROP as ip6tables-save prints it, and the ip6tables accept inserted before it fixes it', async () => {
    await hostRunOk(hl.lab, 'h2', ['ip6tables', '-I', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
    const { findings } = await firewallFindings();
    expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([
      [['h2'], 'error', '-A INPUT -p udp -m udp --dport 4789 -j DROP'],
    ]);
    expect(fixLines(findings[0] as Finding)[0]).toBe(
      `ip6tables -I INPUT 1 -s ${addr6('h1')} -p udp -m udp --dport 4789 -j ACCEPT`,
    );
    await fixAndCheck(findings[0] as Finding);
  }, 120_000);

  for (const [what, match] of [
    ['an IPv6-only drop (`meta nfproto ipv6`)', ['meta', 'nfproto', 'ipv6']],
    ["a drop of the peer's IPv6 address (`ip6 saddr`)", ['ip6', 'saddr', '<h1>']],
  ] as const) {
    it(`names ${what} in a raw nftables inet table as \`nft list ruleset\` prints it, and its accept fixes it`, async () => {
      const rule = [...match.map((m) => (m === '<h1>' ? addr6('h1') : m)), 'udp', 'dport', '4789', 'drop'];
      await nftInputRule(hl.lab, 'h2', rule);
      const printed = await hostRunOk(hl.lab, 'h2', ['nft', 'list', 'ruleset']);
      expect(printed).toContain(`\t\t${rule.join(' ')}\n`);
      const { findings, last } = await firewallFindings();
      expect(brokenPairs(last)).toEqual([
        ['h1', 'h2'],
        ['h2', 'h1'],
      ]);
      expect(findings.map((f) => [f.hosts, f.severity, f.evidence[0]?.value])).toEqual([[['h2'], 'error', rule.join(' ')]]);
      const f = findings[0] as Finding;
      expect(fixLines(f)[0]).toBe(
        `nft insert rule inet t input position 2 ip6 saddr '{ ${addr6('h1')} }' udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'`,
      );
      await fixAndCheck(f);
    }, 120_000);
  }

  it('leaves an IPv4-only VXLAN drop unnamed: the IPv6 underlay never meets it', async () => {
    await nftInputRule(hl.lab, 'h2', ['meta', 'nfproto', 'ipv4', 'udp', 'dport', '4789', 'drop']);
    const round = await hl.poller.runRound();
    expect(brokenPairs(round)).toEqual([]);
    expect(round.findings.filter((f) => f.code === 'FIREWALL_BLOCKS_VXLAN')).toEqual([]);
  }, 120_000);
});
