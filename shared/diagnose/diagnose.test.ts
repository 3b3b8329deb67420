/**
 * `diagnose` on health snapshots built from outputs recorded on a real kernel
 * (shared/observe/fixtures/record-diagnose.sh): two routed hosts a (10.99.1.2) and b (10.99.2.2)
 * deployed from fixtures/diag.vxlan.json (VNI 100, UDP 4789, MTU 1450), then broken on purpose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../model';
import { parseLinkCounters, parseNftRuleset, parseObserved, parsePing, type PingResult } from '../observe';
import { argvToShell, desiredHostState, ownerMark, type HostFacts } from '../plan';
import { diagnose, type Finding, type HealthSnapshot, type HostHealth, type PairProbe } from './index';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OBS = path.join(HERE, '..', 'observe', 'fixtures');
const read = (name: string): string => readFileSync(path.join(OBS, name), 'utf8');

const parsed = parseTopologyText(readFileSync(path.join(HERE, 'fixtures', 'diag.vxlan.json'), 'utf8'));
if (!parsed.ok) throw new Error('fixtures/diag.vxlan.json is not a valid topology');
const topology: Topology = parsed.topology;
const facts: Record<string, HostFacts> = {
  a: { underlayInterface: 'eth0', underlayAddress: '10.99.1.2', underlayMtu: 1500 },
  b: { underlayInterface: 'eth0', underlayAddress: '10.99.2.2', underlayMtu: 1500 },
};
const desired = { a: desiredHostState(topology, 'a', facts), b: desiredHostState(topology, 'b', facts) };

function ping(name: string): PingResult {
  const [, command, ...rest] = read(`ping-${name}.txt`).split('\n');
  return parsePing(rest.join('\n'), { host: 'a', command: command ?? 'ping' });
}

function host(id: 'a' | 'b', scenario: string, extra: Partial<HostHealth> = {}): HostHealth {
  const observed = parseObserved(
    {
      link: read(`diag-${scenario}.link.json`),
      addr: read(`diag-${scenario}.addr.json`),
      fdb: read(`diag-${scenario}.fdb.json`),
    },
    { host: id },
  );
  return { hostId: id, ssh: { state: 'ok' }, facts: facts[id], observed, ...extra };
}

/** a -> b probes as recorded on the healthy segment; override what a scenario broke. */
function probe(over: Partial<PairProbe> = {}): PairProbe {
  return {
    segmentId: 'seg100',
    from: 'a',
    to: 'b',
    underlay: ping('ok'),
    overlay: ping('overlay-ok'),
    dfAtMtu: ping('overlay-df-ok'),
    dfOverMtu: ping('overlay-df-over'),
    pathMtu: 1500,
    ...over,
  };
}

function run(hosts: HostHealth[], pairs: PairProbe[]): Finding[] {
  const snapshot: HealthSnapshot = { takenAt: '2026-11-25T04:40:00Z', hosts, pairs };
  return diagnose(topology, desired, snapshot);
}

const codes = (fs: Finding[]): string[] => fs.map((f) => `${f.code} ${f.hosts.join(',')}`);

const counters = (who: 'a' | 'b'): HostHealth['counters'] => ({
  before: parseLinkCounters(read(`diag-fw-${who}-before.counters.json`), who),
  after: parseLinkCounters(read(`diag-fw-${who}-after.counters.json`), who),
});

describe('diagnose on recorded health rounds', () => {
  it('finds nothing on the healthy segment', () => {
    expect(run([host('a', 'a-ok'), host('b', 'b-ok')], [probe()])).toEqual([]);
  });

  it("names b's nftables rule that drops UDP 4789, with counters placing the loss, and offers an accept for a", () => {
    const firewall = parseNftRuleset({ json: read('nft-lab-block.json'), text: read('nft-lab-block.txt') }, 'b');
    const fs = run(
      [host('a', 'a-ok', { counters: counters('a') }), host('b', 'b-ok', { firewalls: [firewall], counters: counters('b') })],
      [probe({ overlay: ping('overlay-blocked') })],
    );
    expect(codes(fs)).toEqual(['FIREWALL_BLOCKS_VXLAN b']);
    const f = fs[0] as Finding;
    expect([f.severity, f.title, f.pair, f.segmentId]).toEqual([
      'error',
      'nftables on b drops VXLAN (UDP 4789)',
      ['a', 'b'],
      'seg100',
    ]);
    expect(f.evidence[0]).toEqual({
      label: 'nftables rule (table inet vxlan_studio_lab, chain input)',
      value: 'udp dport 4789 drop',
    });
    expect(f.evidence.find((e) => e.label === 'overlay ping')?.value).toBe(
      '3 packets transmitted, 0 received, 100% packet loss, time 405ms',
    );
    expect(f.evidence.find((e) => e.label === 'counters')?.value).toMatch(
      /^packets left a's eth0 \(tx \+\d+\) and reached b's eth0 \(rx \+\d+\), but b's vxlan100 received nothing \(rx \+0\)/,
    );
    expect(
      f.fix?.hosts.map((h) => [h.hostId, ...h.steps.map((s) => (s.kind === 'firewall-persist' ? s.kind : argvToShell(s.argv)))]),
    ).toEqual([
      [
        'b',
        `nft insert rule inet vxlan_studio_lab input position 2 ip saddr '{ 10.99.1.2 }' udp dport 4789 accept comment '"vxlan-studio: VXLAN from segment peers"'`,
        'firewall-persist',
      ],
    ]);
  });

  it('calls an overlay failure with no firewall to blame OVERLAY_UNREACHABLE, with the counters', () => {
    const fs = run(
      [host('a', 'a-ok', { counters: counters('a') }), host('b', 'b-ok', { counters: counters('b') })],
      [probe({ overlay: ping('overlay-blocked') })],
    );
    expect(codes(fs)).toEqual(['OVERLAY_UNREACHABLE a,b']);
    expect(fs[0]?.message).toContain("b's vxlan100 received nothing");
  });

  it('offers 1350 when the DF probe at the segment MTU vanishes on a 1400-byte path', () => {
    const fs = run([host('a', 'a-ok'), host('b', 'b-ok')], [probe({ dfAtMtu: ping('overlay-df-path'), pathMtu: 1400 })]);
    expect(codes(fs)).toEqual(['MTU_EXCEEDS_PATH a,b']);
    const f = fs[0] as Finding;
    expect(f.title).toBe('MTU 1450 of segment overlay 100 is too big for the underlay path (safe: 1350)');
    expect(f.evidence).toEqual([
      { label: 'a -> b underlay path MTU', value: '1400' },
      { label: 'a -> b DF ping at MTU 1450', value: '1 packets transmitted, 0 received, 100% packet loss, time 0ms' },
    ]);
    expect(f.fix?.hosts.map((h) => [h.hostId, ...h.steps.map((s) => argvToShell(s.argv))])).toEqual([
      ['a', 'ip link set vxlan100 mtu 1350'],
      ['b', 'ip link set vxlan100 mtu 1350'],
    ]);
    expect(f.fix?.hosts[0]?.steps[0]?.inverse).toEqual([['ip', 'link', 'set', 'vxlan100', 'mtu', '1450']]);
  });

  it('says so when the path MTU is reported 4 bytes under what passed because nothing could be compared with it', () => {
    const fs = run(
      [host('a', 'a-ok'), host('b', 'b-ok')],
      [probe({ dfAtMtu: ping('overlay-df-path'), pathMtu: 1400, pathMtuSeen: 1404 })],
    );
    const f = fs[0] as Finding;
    expect(f.title).toBe('MTU 1450 of segment overlay 100 is too big for the underlay path (safe: 1350)');
    expect(f.message).toContain(
      'The smallest underlay path MTU measured is 1400 (between a and b); that is 4 bytes under the 1404 seen passing, because no other tunnel of these hosts was measured to compare with',
    );
    expect(f.evidence[0]).toEqual({
      label: 'a -> b underlay path MTU',
      value: '1400 (1404 passed; 4 bytes off: no other tunnel of these hosts to compare with)',
    });
  });

  it('flags a path MTU too small for the segment even when fragmentation lets the DF probe through', () => {
    expect(codes(run([host('a', 'a-ok'), host('b', 'b-ok')], [probe({ pathMtu: 1400 })]))).toEqual(['MTU_EXCEEDS_PATH a,b']);
  });

  it('reports a failing DF probe without a safe value or fix when the path MTU was not measured', () => {
    const { pathMtu: _, ...unmeasured } = probe({ dfAtMtu: ping('overlay-df-path') });
    const f = run([host('a', 'a-ok'), host('b', 'b-ok')], [unmeasured])[0];
    expect([f?.code, f?.fix]).toEqual(['MTU_EXCEEDS_PATH', undefined]);
    expect(f?.message).toContain('The underlay path MTU was not measured');
  });

  it('calls a down VXLAN device VTEP_DOWN and offers the drift step that brings it up', () => {
    const fs = run([host('a', 'a-down'), host('b', 'b-ok')], []);
    expect(codes(fs)).toEqual(['VTEP_DOWN a', 'DRIFT a']);
    expect(fs[0]?.title).toBe('VXLAN device vxlan100 on a is down');
    expect(fs[0]?.fix?.hosts[0]?.steps.map((s) => argvToShell(s.argv))).toEqual(['ip link set vxlan100 up']);
  });

  it('calls a missing VXLAN device VTEP_DOWN and offers to create it, and skips its tunnel checks', () => {
    const fs = run([host('a', 'a-missing'), host('b', 'b-ok')], [probe({ overlay: ping('overlay-blocked') })]);
    expect(codes(fs)).toEqual(['VTEP_DOWN a', 'DRIFT a']);
    expect(fs[0]?.title).toBe('VXLAN device vxlan100 on a is missing');
    expect(fs[0]?.fix?.hosts[0]?.steps.map((s) => argvToShell(s.argv))[0]).toBe(
      'ip link add vxlan100 type vxlan id 100 local 10.99.1.2 dev eth0 dstport 4789',
    );
  });

  it('does not call a device the drawing no longer has drift: an info without a fix, since it is removed only on request', () => {
    const a = host('a', 'a-ok');
    a.observed?.links.push({ name: 'vxlan300', ifindex: 99, kind: 'vxlan', alias: ownerMark(topology.id), mtu: 1450, up: true });
    const fs = run([a, host('b', 'b-ok')], [probe()]);
    expect(fs.map((f) => [f.code, f.severity, f.hosts.join(',')])).toEqual([['DRIFT', 'info', 'a']]);
    expect(fs[0]?.title).toBe('a keeps vxlan300, which this drawing no longer has');
    expect(fs[0]?.fix).toBeUndefined();
  });

  it('calls a device on UDP 8472 PORT_MISMATCH, with the re-create in its fix', () => {
    const fs = run([host('a', 'a-port'), host('b', 'b-ok')], []);
    expect(codes(fs)).toEqual(['PORT_MISMATCH a', 'DRIFT a']);
    expect(fs[0]?.title).toBe('vxlan100 on a uses UDP port 8472, segment overlay 100 uses 4789');
    expect(fs[0]?.fix?.hosts[0]?.steps.map((s) => argvToShell(s.argv))).toContain(
      'ip link add vxlan100 type vxlan id 100 local 10.99.1.2 dev eth0 dstport 4789',
    );
  });

  it('calls a device with VNI 101 VNI_MISMATCH', () => {
    const fs = run([host('a', 'a-vni'), host('b', 'b-ok')], []);
    expect(codes(fs)).toEqual(['VNI_MISMATCH a', 'DRIFT a']);
    expect(fs[0]?.evidence).toEqual([{ label: 'ip -d link', value: 'vxlan100: vxlan id 101 dstport 4789' }]);
  });

  it('calls a silent underlay UNDERLAY_UNREACHABLE and does not blame the overlay for it', () => {
    const fs = run([host('a', 'a-ok'), host('b', 'b-ok')], [probe({ underlay: ping('loss'), overlay: ping('overlay-blocked') })]);
    expect(codes(fs)).toEqual(['UNDERLAY_UNREACHABLE a,b']);
    expect(fs[0]?.evidence[0]?.value).toBe('3 packets transmitted, 0 received, 100% packet loss, time 408ms');
  });

  it('reports a host SSH cannot reach, and judges none of its tunnels', () => {
    const fs = run(
      [host('a', 'a-ok'), { hostId: 'b', ssh: { state: 'timeout', code: 'SSH_TIMEOUT', message: 'no answer within 5 s' } }],
      [probe({ overlay: ping('overlay-blocked') })],
    );
    expect(codes(fs)).toEqual(['HOST_UNREACHABLE b']);
    expect(fs[0]?.evidence).toEqual([{ label: 'SSH', value: 'SSH_TIMEOUT: no answer within 5 s' }]);
  });

  it('reports a refused SSH login as SSH_AUTH_FAILED', () => {
    const fs = run(
      [
        host('a', 'a-ok'),
        {
          hostId: 'b',
          ssh: { state: 'auth-failed', code: 'SSH_AUTH_FAILED', message: 'All configured authentication methods failed' },
        },
      ],
      [],
    );
    expect(codes(fs)).toEqual(['SSH_AUTH_FAILED b']);
  });
});
