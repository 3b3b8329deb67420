import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, TopologySchema, type Topology } from '../../../shared/model';
import { healthRoundScript, parseHealthRound, probePlan } from './round-script';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../shared/observe/fixtures/${name}`, import.meta.url), 'utf8');

/** Three hosts on one unicast-mesh segment, as the lab writes it. */
function mesh(): Topology {
  const hosts = [1, 2, 3].map((i) => ({
    id: `h${i}`,
    name: `h${i}`,
    ssh: { host: `172.30.1.${10 + i}`, user: 'root', auth: { type: 'agent' } },
    underlay: { interface: 'eth0', address: `172.30.1.${10 + i}`, mtu: 1500 },
    bridges: ['br100'],
  }));
  return TopologySchema.parse({
    format: CURRENT_FORMAT,
    id: 'lab',
    name: 'lab',
    hosts,
    segments: [{ id: 'seg100', name: 'overlay 100', vni: 100, mtu: 1450, subnet: '10.100.0.0/24' }],
    memberships: hosts.map((h, i) => ({
      id: `m${i + 1}`,
      hostId: h.id,
      segmentId: 'seg100',
      bridge: 'br100',
      address: `10.100.0.${i + 1}/24`,
    })),
  });
}

const M = 'VXS0011223344556677';

describe('probePlan', () => {
  it('probes each peer once on the underlay and, per segment, with an overlay ping and both DF probes', () => {
    const plan = probePlan(mesh(), 'h1');
    expect(plan.probes.map((p) => `${p.kind} ${p.to} ${p.target}`)).toEqual([
      'underlay h2 172.30.1.12',
      'overlay h2 10.100.0.2',
      'dfAtMtu h2 10.100.0.2',
      'dfOverMtu h2 10.100.0.2',
      'underlay h3 172.30.1.13',
      'overlay h3 10.100.0.3',
      'dfAtMtu h3 10.100.0.3',
      'dfOverMtu h3 10.100.0.3',
    ]);
    expect(plan.routeTo).toBe('172.30.1.12');
  });

  it('keeps only overlay pings for the mesh check', () => {
    expect(probePlan(mesh(), 'h2', { overlayOnly: true }).probes.map((p) => `${p.kind} ${p.to}`)).toEqual([
      'overlay h1',
      'overlay h3',
    ]);
  });
});

describe('healthRoundScript', () => {
  it('runs every ping as a background job at once, sizing DF probes from the device MTU in sysfs', () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1'), M);
    const pings = script.split('\n').filter((l) => /ping -n .* (10|172)\.\d+\.\d+\.\d+ /.test(l));
    expect(pings).toHaveLength(8);
    expect(pings.every((l) => /&( vxs_p\d+=\$!; fi)?$/.test(l.trimEnd()))).toBe(true);
    expect(script).toContain('vxs_mtu_0=$(cat /sys/class/net/vxlan100/mtu 2>/dev/null || echo 0)');
    expect(script).toContain('-W 1 -M do -s $(($vxs_mtu_0-28)) 10.100.0.2');
    expect(script).toContain('-W "$vxs_w" -M do -s $(($vxs_mtu_0-27)) 10.100.0.2');
  });

  it("keeps the mesh check's script to its pings: no facts, no counters, no DF probes", () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1', { overlayOnly: true }), M, { overlayOnly: true });
    expect(script).not.toContain('ip -j');
    expect(script).not.toContain('-M do');
    expect(script.split('\n').filter((l) => l.includes('ping -n'))).toEqual([
      'ping -n -c 1 -W 1 10.100.0.2 >"$vxs_d/p0" 2>&1 &',
      'ping -n -c 1 -W 1 10.100.0.3 >"$vxs_d/p1" 2>&1 &',
    ]);
  });

  it('starts the path-MTU sweep toward a peer in the same script when its DF probe fails while the overlay answers', () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1'), M);
    const lines = script.split('\n');
    // Once the underlay ping answered: a DF probe not answered within twice its round trip (plus a margin)...
    const rtt = lines.indexOf('vxs_rtt_wait "$vxs_d/p0"');
    expect(lines[rtt - 1]).toBe('wait $vxs_u');
    expect(lines[rtt + 1]).toBe('vxs_done "$vxs_d/p2" || sleep "$vxs_wt" 2>/dev/null || sleep 1');
    // ... or failed, while the overlay ping answered, starts the sweep; a DF probe the path cannot carry is stopped.
    expect(lines[rtt + 2]).toBe(
      'vxs_lo=; if { [ "$vxs_mtu_0" -gt 100 ] && vxs_ok "$vxs_d/p1" && ! vxs_ok "$vxs_d/p2" && ! vxs_toolong "$vxs_d/p2"; }; then vxs_sweep s0 172.30.1.12 28 576; fi',
    );
    expect(lines[rtt + 3]).toBe('[ -n "$vxs_lo" ] && [ $vxs_lo -lt $(($vxs_mtu_0+50)) ] && kill -INT $vxs_p2 2>/dev/null');
    expect(script).toContain('vxs_sweep s1 172.30.1.13 28 576');
    // The sweep's upper bound: the MTU of the device the route to the peers leaves by.
    expect(script).toContain('read -r vxs_umtu 2>/dev/null <"/sys/class/net/$vxs_dev/mtu"');
    // No sweep toward a peer whose path MTU is known already, none when path MTU is off.
    expect(probePlan(mesh(), 'h1', { pathMtuKnown: new Set(['h2']) }).sweeps.map((w) => w.to)).toEqual(['h3']);
    expect(healthRoundScript(probePlan(mesh(), 'h1', { pathMtu: false }), M)).not.toContain('vxs_sweep s');
  });
});

describe('parseHealthRound', () => {
  /** A round's stdout put together from real command outputs (shared/observe/fixtures). */
  function output(): string {
    const plan = probePlan(mesh(), 'h1');
    const sec = (tag: string, body: string): string => `${M} ${tag}\n${body.trimEnd()}`;
    const ping: Record<string, string> = {
      underlay: 'ping-ok.txt',
      overlay: 'ping-overlay-blocked.txt',
      dfAtMtu: 'ping-overlay-df-ok.txt',
      dfOverMtu: 'ping-overlay-df-over.txt',
    };
    return [
      `${M} SSH 172.30.0.10 40000 172.30.1.11 22`,
      sec('OBS link', fixture('diag-a-ok.link.json')),
      sec('OBS addr', fixture('diag-a-ok.addr.json')),
      sec('OBS fdb', fixture('diag-a-ok.fdb.json')),
      sec('ROUTE', '[{"dst":"172.30.1.12","dev":"eth0","prefsrc":"172.30.1.11","flags":[],"uid":0,"cache":[]}]'),
      sec('NFTJ', fixture('nft-lab-block.json')),
      sec('NFTT', fixture('nft-lab-block.txt')),
      sec('CTR0', fixture('links-stats-a-before.json')),
      sec('CTR1', fixture('links-stats-a-after.json')),
      ...plan.probes.map((p) => sec(`PING ${p.key}`, fixture(ping[p.kind] ?? ''))),
      `${M} END`,
      '',
    ].join('\n');
  }

  it('reads links, facts, the nftables rule text, counters and every probe into the snapshot types', () => {
    const plan = probePlan(mesh(), 'h1');
    const r = parseHealthRound(plan, output(), M);
    expect(r.problems).toEqual([]);
    expect(r.host.ssh).toEqual({ state: 'ok' });
    expect(r.host.observed?.links.map((l) => l.name)).toEqual(['lo', 'eth0', 'vxlan100']);
    expect(r.host.facts).toEqual({ underlayInterface: 'eth0', underlayAddress: '172.30.1.11', underlayMtu: 1500 });
    const nft = r.host.firewalls?.[0];
    expect(nft?.backend).toBe('nftables');
    expect(nft && 'rules' in nft ? nft.rules.map((x) => x.text) : []).toContain('udp dport 4789 drop');
    expect(r.host.counters?.before.map((c) => c.name)).toEqual(['lo', 'eth0']);
    expect(r.pairs.map((p) => [p.from, p.to, p.segmentId])).toEqual([
      ['h1', 'h2', 'seg100'],
      ['h1', 'h3', 'seg100'],
    ]);
    const p = r.pairs[0];
    expect([p?.underlay?.ok, p?.overlay?.ok, p?.dfAtMtu?.ok, p?.dfOverMtu?.ok]).toEqual([true, false, true, false]);
    expect(p?.dfOverMtu?.messageTooLong).toBeDefined();
  });

  it("reads a sweep's answers as the pair's path MTU: the largest size seen passing", () => {
    const plan = probePlan(mesh(), 'h1');
    const sweep = [1500, 1404, 1308, 1403, 1393, 1401, 1400].map((size) =>
      [`${M} PING s0_${size}`, fixture(size <= 1400 ? 'ping-ok.txt' : 'ping-loss.txt').trimEnd()].join('\n'),
    );
    const text = output().replace(`${M} END`, [...sweep, `${M} END`].join('\n'));
    const r = parseHealthRound(plan, text, M);
    expect(r.swept).toEqual(['h2']);
    expect(r.pairs.map((p) => [p.to, p.pathMtu])).toEqual([
      ['h2', 1400],
      ['h3', undefined],
    ]);
  });

  it('refuses output cut short before its END marker', () => {
    const plan = probePlan(mesh(), 'h1');
    const cut = output().split(`${M} END`)[0] ?? '';
    expect(() => parseHealthRound(plan, cut, M)).toThrow(/h1: the health round ended before its END marker/);
  });

  it('names the host and command when a probe answer is not ping output', () => {
    const plan = probePlan(mesh(), 'h1');
    const text = output().replace(/(VXS0011223344556677 PING p1\n)[\s\S]*?(\nVXS0011223344556677 PING p2)/, '$1garbage$2');
    const r = parseHealthRound(plan, text, M);
    expect(r.problems.join('\n')).toMatch(/h1.*ping/);
    expect(r.pairs[0]?.overlay).toBeUndefined();
  });
});
