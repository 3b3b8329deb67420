/**
 * The sweep's shell functions run by the real `sh` (dash on Debian), with `ping` replaced by a shell
 * function standing for a path that passes DF packets up to N bytes: the sizes the shell probes must
 * be the stages of `pathMtuSearch`, and what it leaves behind must read as N. The lab test
 * (health.int.test.ts) runs them over real pings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PROBE_WAIT_MARGIN_MS,
  pathMtuSearch,
  pathMtuSearchSizes,
  pathMtuShellFunctions,
  sweepCall,
  sweptPathMtu,
  SWEEP_FANOUT,
  SWEEP_ROOM_LINE,
} from './path-mtu-probe';

/** `ping` as a path passing DF packets of at most `mtu` bytes (`pass` decides by size), in iputils' words. */
function fakePing(pass: string): string {
  return [
    'ping() {',
    '  vxs_sz=0; while [ $# -gt 1 ]; do [ "$1" = -s ] && vxs_sz=$(($2 + 28)); shift; done',
    `  if ${pass}; then printf '64 bytes: time=0.05 ms\\n1 packets transmitted, 1 received, 0%% packet loss, time 0ms\\n'`,
    "  else printf '1 packets transmitted, 0 received, 100%% packet loss, time 0ms\\n'; fi",
    '}',
  ].join('\n');
}

/** Runs `vxs_sweep` toward one peer in `sh`; the sizes it probed and the answers it left. */
function shellSweep(pass: string, umtu = 1500): { sizes: number[]; answers: Map<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'vxs-sweep-test-'));
  try {
    const script = [
      `vxs_d=${dir}`,
      'vxs_w=0.2',
      'vxs_wt=0.05',
      `vxs_umtu=${umtu}`,
      ...pathMtuShellFunctions(),
      fakePing(pass),
      sweepCall('s0', '10.0.0.2', 4),
    ].join('\n');
    execFileSync('sh', ['-c', script]);
    const answers = new Map(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
    const sizes = [...answers.keys()].map((f) => Number(f.slice('s0_'.length))).sort((a, b) => b - a);
    return { sizes, answers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sizes the TypeScript search sends over the same path, all stages. */
function plannedSizes(rule: (mtu: number) => boolean, max = 1500): number[] {
  return [...new Set(pathMtuSearch(max, 4, rule).stages.flat())].sort((a, b) => b - a);
}

describe('pathMtuSearch (the size sequence of the path-MTU search)', () => {
  it('splits what is left into four parts, three sizes a stage, none repeated or outside the bounds', () => {
    expect(pathMtuSearchSizes(575, 1501)).toEqual([806, 1038, 1269]);
    expect(pathMtuSearchSizes(1385, 1442)).toEqual([1399, 1413, 1427]);
    expect(pathMtuSearchSizes(1399, 1402)).toEqual([1400, 1401]);
    expect(pathMtuSearchSizes(1399, 1401)).toEqual([1400]);
    expect(pathMtuSearchSizes(1400, 1401)).toEqual([]);
  });

  it('finds every path MTU from the floor to 1500 exactly in at most 5 stages of 3 probes (15 processes)', () => {
    for (let mtu = 576; mtu <= 1500; mtu++) {
      const r = pathMtuSearch(1500, 4, (s) => s <= mtu);
      expect(r.pathMtu).toBe(mtu);
      expect(r.stages.length).toBeLessThanOrEqual(5);
      expect(r.stages.every((st) => st.length <= SWEEP_FANOUT)).toBe(true);
    }
    // Nothing passes, not even the floor: no figure, and the floor was tried.
    const none = pathMtuSearch(1500, 4, () => false);
    expect(none.pathMtu).toBeUndefined();
    expect(none.stages.flat()).toContain(576);
    expect(pathMtuSearch(500, 4, () => true)).toEqual({ stages: [], pathMtu: undefined });
    // IPv6: from its 1280-byte floor.
    expect(pathMtuSearch(1500, 6, (s) => s <= 1400).pathMtu).toBe(1400);
  });

  it('never reports a size that was not seen passing when a probe is lost', () => {
    for (const lost of [1038, 1269, 1385, 1399, 1400]) {
      const r = pathMtuSearch(1500, 4, (s) => s <= 1400 && s !== lost);
      const sent = r.stages.flat();
      expect(r.pathMtu).toBeLessThanOrEqual(1400);
      expect(sent.filter((s) => s <= 1400 && s !== lost)).toContain(r.pathMtu);
    }
  });

  it('vxs_sroom asks room for at least as many stages as any search up to the interface MTU takes', () => {
    for (const umtu of [576, 1280, 1500, 9000]) {
      let most = 0;
      for (let mtu = 575; mtu <= umtu; mtu += umtu > 2000 ? 7 : 1)
        most = Math.max(most, pathMtuSearch(umtu, 4, (s) => s <= mtu).stages.length);
      const script = [`vxs_umtu=${umtu}`, 'vxs_wms=10', 'vxs_room() { printf %s "$1"; }', SWEEP_ROOM_LINE, 'vxs_sroom'].join(
        '\n',
      );
      const asked = Number(execFileSync('sh', ['-c', script]).toString());
      expect(most).toBeGreaterThan(0);
      expect({ umtu, asked }).toEqual({ umtu, asked: Math.max(asked, most * 10) });
    }
  });
});

describe('vxs_sweep (the path-MTU sweep in the host shell)', () => {
  it('probes exactly the stages of pathMtuSearch (at most 15 sizes) and finds every path size exactly', () => {
    for (const mtu of [576, 577, 700, 1309, 1400, 1403, 1404, 1499, 1500]) {
      const r = shellSweep(`[ $vxs_sz -le ${mtu} ]`);
      expect({ mtu, sizes: r.sizes }).toEqual({ mtu, sizes: plannedSizes((s) => s <= mtu) });
      expect(r.sizes.length).toBeLessThanOrEqual(5 * SWEEP_FANOUT);
      expect(sweptPathMtu(r.answers, 's0', 'h1')).toBe(mtu);
    }
  });

  it('reports the largest size seen passing, never one that was not, when a probe in between is lost', () => {
    const lossy = '[ $vxs_sz -le 1404 ] && [ $vxs_sz -ne 1403 ] && [ $vxs_sz -ne 1404 ]';
    const r = shellSweep(lossy);
    expect(r.sizes).toEqual(plannedSizes((s) => s <= 1404 && s !== 1403 && s !== 1404));
    expect(sweptPathMtu(r.answers, 's0', 'h1')).toBe(1402);
  });

  it('tries down to the floor and reports no figure when even the floor fails, and nothing when the interface is below the floor', () => {
    const r = shellSweep('false');
    expect(r.sizes).toEqual(plannedSizes(() => false));
    expect(r.sizes).toContain(576);
    expect(sweptPathMtu(r.answers, 's0', 'h1')).toBeUndefined();
    expect(shellSweep('true', 500).sizes).toEqual([]);
  });
});

describe('vxs_rtt_wait (probe waits bound by the underlay round trip)', () => {
  /** `vxs_rtt_wait` over an underlay ping's output (a file, as in the round) in `sh`: the wait it sets. */
  const waitFor = (pingOutput: string, fractional = true): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vxs-rtt-test-'));
    try {
      writeFileSync(path.join(dir, 'u'), pingOutput);
      const script = [
        `vxs_w=${fractional ? '0.2' : '1'}`,
        ...pathMtuShellFunctions(),
        `vxs_rtt_wait ${dir}/u`,
        'printf %s "$vxs_wt"',
      ];
      return execFileSync('sh', ['-c', script.join('\n')]).toString();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('waits twice the measured round trip (rounded up) plus the margin, in seconds for ping -W', () => {
    const ok = readFileSync(new URL('../../../shared/observe/fixtures/ping-ok.txt', import.meta.url), 'utf8');
    expect(waitFor(ok)).toBe(`0.0${2 + PROBE_WAIT_MARGIN_MS}`);
    expect(waitFor('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=120.5 ms\n')).toBe(`0.${240 + 2 + PROBE_WAIT_MARGIN_MS}`);
    expect(waitFor('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=900 ms\n')).toBe('1.000');
  });

  it('waits the margin alone when the underlay ping got no reply, and whole seconds for an old ping', () => {
    const loss = readFileSync(new URL('../../../shared/observe/fixtures/ping-loss.txt', import.meta.url), 'utf8');
    expect(waitFor(loss)).toBe(`0.0${PROBE_WAIT_MARGIN_MS}`);
    expect(waitFor(loss, false)).toBe('1');
  });
});
