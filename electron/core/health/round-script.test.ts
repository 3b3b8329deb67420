import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Topology } from '../../../shared/model';
import { fakePing, localShTransport } from './fake-ping.testing';
import { wideMesh } from './wide-mesh.testing';
import { healthRoundScript, parseHealthRound, PROBE_WINDOW, probePlan } from './round-script';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../shared/observe/fixtures/${name}`, import.meta.url), 'utf8');

/** Three hosts on one unicast-mesh segment, as the lab writes it. */
function mesh(): Topology {
  return wideMesh(3);
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
  it('sends a healthy pair one DF probe at the MTU, sized from sysfs, and the DF probe over the MTU once per device', () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1'), M);
    const pings = script.split('\n').filter((l) => /ping -n .* (10|172)\.\d+\.\d+\.\d+ /.test(l));
    expect(pings.filter((l) => l.includes('-M do -s $(($vxs_mtu_0-28))'))).toHaveLength(2);
    expect(pings.filter((l) => l.includes('-M do -s $(($vxs_mtu_0-27))'))).toHaveLength(1);
    expect(script).toContain('read -r vxs_mtu_0 2>/dev/null </sys/class/net/vxlan100/mtu || vxs_mtu_0=0');
    expect(script).toContain('-W "$vxs_pw" -M do -s $(($vxs_mtu_0-28)) 10.100.0.2');
    expect(script).toContain('-W "$vxs_w" -M do -s $(($vxs_mtu_0-27)) 10.100.0.2');
    // The window's first small overlay ping paces the DF probes; the other peers' small pings and
    // the underlay pings run only when the DF probe, or the overlay, did not answer.
    expect(script).toContain('ping -n -c 1 -W "$vxs_pw" 10.100.0.2 >"$vxs_d/p1" 2>&1 &\nvxs_pp=$!; vxs_ow=');
    expect(script).toContain(
      'vxs_ok "$vxs_d/p6" || { ping -n -c 1 -W "$vxs_pw" 10.100.0.3 >"$vxs_d/p5" 2>&1 & vxs_ow="$vxs_ow $!"; }',
    );
    expect(script).toContain(
      'if { ! vxs_ok "$vxs_d/p1" && ! vxs_ok "$vxs_d/p2"; } && vxs_room "$vxs_minw"; then ping -n -c 1 -W "$vxs_pw" 172.30.1.12 >"$vxs_d/p0" 2>&1 & fi',
    );
  });

  it("keeps the mesh check's script to its pings: no facts, no counters, no DF probes", () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1', { overlayOnly: true }), M, { overlayOnly: true });
    expect(script).not.toContain('ip -j');
    expect(script).not.toContain('-M do');
    // Each ping prints its own answer: no answer directory (mktemp, rm), no awk.
    expect(script.split('\n').filter((l) => l.includes('ping -n') && !l.includes('127.0.0.1'))).toEqual([
      `{ vxs_r=$(ping -n -c 1 -W "$vxs_pw" 10.100.0.2 2>&1); printf '%s PING p0\\n%s\\n' ${M} "$vxs_r"; } &`,
      `{ vxs_r=$(ping -n -c 1 -W "$vxs_pw" 10.100.0.3 2>&1); printf '%s PING p1\\n%s\\n' ${M} "$vxs_r"; } &`,
    ]);
    expect(script).not.toMatch(/mktemp|awk|\$vxs_d/);
  });

  it("runs the mesh check's script through sh: every ping's answer read back, the ones that vanished too", async () => {
    const ping = fakePing(1400);
    try {
      // 10.100.0.3 is given a DF probe's size by hand, so its one packet vanishes.
      const t = mesh();
      const plan = probePlan(t, 'h1', { overlayOnly: true });
      const script = healthRoundScript(plan, M, { overlayOnly: true }).replace(
        'ping -n -c 1 -W "$vxs_pw" 10.100.0.3',
        'ping -n -c 1 -W "$vxs_pw" -s 1400 10.100.0.3',
      );
      const host = t.hosts[0];
      if (!host) throw new Error('no host');
      const r = await localShTransport(ping.dir).run(host, script, 10_000);
      const round = parseHealthRound(plan, r.stdout, M, { overlayOnly: true });
      expect(round.problems).toEqual([]);
      expect(round.pairs.map((p) => [p.to, p.overlay?.ok])).toEqual([
        ['h2', true],
        ['h3', false],
      ]);
    } finally {
      ping.remove();
    }
  });

  it('probes a window of peers at a time, each window only while the budget has room, and names the peers left out', () => {
    const plan = probePlan(wideMesh(20), 'h1', { overlayOnly: true });
    const script = healthRoundScript(plan, M, { overlayOnly: true, budgetMs: 1234, firstPeer: 16 });
    const lines = script.split('\n');
    const windows = lines.filter((l) => l === 'if [ -z "$vxs_cut" ] && vxs_room "$vxs_minw"; then');
    expect(windows).toHaveLength(Math.ceil(19 / PROBE_WINDOW));
    expect(script).toContain('vxs_left=$((1234 - (');
    // Rotated: the 17th peer (h18) first, then around.
    expect(lines.filter((l) => l.startsWith('else vxs_cut='))).toEqual([
      'else vxs_cut="$vxs_cut h18 h19 h20 h2 h3 h4 h5 h6"; fi',
      'else vxs_cut="$vxs_cut h7 h8 h9 h10 h11 h12 h13 h14"; fi',
      'else vxs_cut="$vxs_cut h15 h16 h17"; fi',
    ]);
    expect(script).toContain(`[ -n "$vxs_cut" ] && printf '%s CUT %s\\n' ${M} "$vxs_cut"`);
  });

  it('probes the priority peers first, then the others from the rotation on', () => {
    const plan = probePlan(wideMesh(20), 'h1');
    const script = healthRoundScript(plan, M, { budgetMs: 1234, firstPeer: 16, priorityPeers: ['h9', 'h20'] });
    expect(script.split('\n').filter((l) => l.startsWith('else vxs_cut='))).toEqual([
      'else vxs_cut="$vxs_cut h9 h20 h18 h19 h2 h3 h4 h5"; fi',
      'else vxs_cut="$vxs_cut h6 h7 h8 h10 h11 h12 h13 h14"; fi',
      'else vxs_cut="$vxs_cut h15 h16 h17"; fi',
    ]);
  });

  it('writes a script sh can parse for every mesh size, a window of one peer included', () => {
    for (const n of [2, 3, 9, 10, 17, 20]) {
      const t = wideMesh(n);
      for (const overlayOnly of [false, true]) {
        const script = healthRoundScript(probePlan(t, 'h1', { overlayOnly }), M, { overlayOnly });
        const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
        expect([n, overlayOnly, r.status, r.stderr]).toEqual([n, overlayOnly, 0, '']);
      }
    }
  });

  it('starts the path-MTU sweep toward a peer in the same script when its DF probe fails while the overlay answers', () => {
    const script = healthRoundScript(probePlan(mesh(), 'h1'), M);
    const lines = script.split('\n');
    // Once the pacing overlay ping answered: a DF probe not answered within twice its round trip (plus a margin)...
    const rtt = lines.indexOf('vxs_rtt_wait "$vxs_d/p1"');
    expect(lines[rtt - 1]).toBe('wait $vxs_pp');
    expect(lines[rtt + 1]).toBe('vxs_done "$vxs_d/p2" && vxs_done "$vxs_d/p6" || sleep "$vxs_wt" 2>/dev/null || sleep 1');
    // ... or failed, while the overlay ping answered, starts the sweep when the budget has room for
    // its stages; a DF probe the path cannot carry is stopped.
    const sweep = lines.indexOf('vxs_lo=; vxs_sweep s0 172.30.1.12 28 576');
    expect(lines[sweep - 1]).toBe(
      'if { { [ "$vxs_mtu_0" -gt 100 ] && vxs_ok "$vxs_d/p1" && ! vxs_ok "$vxs_d/p2" && ! vxs_toolong "$vxs_d/p2"; }; } && vxs_sroom; then (',
    );
    expect(lines[sweep + 1]).toBe('[ -n "$vxs_lo" ] && [ $vxs_lo -lt $(($vxs_mtu_0+50)) ] && kill -INT $vxs_p2 2>/dev/null');
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

  it('reads the one DF probe over the MTU of a device for every pair on it', () => {
    const plan = probePlan(mesh(), 'h1');
    const over = plan.probes.filter((p) => p.kind === 'dfOverMtu').map((p) => p.key);
    expect(over).toEqual(['p3', 'p7']);
    const text = output().replace(/VXS0011223344556677 PING p7\n[\s\S]*?(?=\nVXS0011223344556677 )/, '');
    const r = parseHealthRound(plan, text, M);
    expect(r.pairs.map((p) => [p.to, p.dfOverMtu?.messageTooLong !== undefined])).toEqual([
      ['h2', true],
      ['h3', true],
    ]);
  });

  it('names the peers a round had no time left to probe, and leaves their pairs without a probe', () => {
    const plan = probePlan(mesh(), 'h1');
    const keep = new Set(plan.probes.filter((p) => p.to === 'h2').map((p) => p.key));
    const text = output()
      .split(/\n(?=VXS0011223344556677 )/)
      .filter((sec) => !/^VXS0011223344556677 PING (p\d+)/.test(sec) || keep.has(/PING (p\d+)/.exec(sec)?.[1] ?? ''))
      .join('\n')
      .replace(`${M} END`, `${M} CUT  h3\n${M} END`);
    const r = parseHealthRound(plan, text, M);
    expect(r.unmeasured).toEqual(['h3']);
    expect(r.problems).toEqual([
      "h1: the round's time for probes ran out: 1 of 2 peers probed; not probed this round (their tunnels are unknown, the next round starts with them): h3",
    ]);
    expect(r.pairs.map((p) => [p.to, p.overlay !== undefined, p.dfAtMtu !== undefined])).toEqual([
      ['h2', true, true],
      ['h3', false, false],
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
    // The small overlay ping's answer is unreadable; the DF probe at the MTU that answered stands for it.
    expect(r.pairs[0]?.overlay).toBe(r.pairs[0]?.dfAtMtu);
  });
});
