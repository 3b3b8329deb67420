/**
 * The sweep's shell functions run by the real `sh` (dash on Debian), with `ping` replaced by a shell
 * function standing for a path that passes DF packets up to N bytes: the sizes the shell probes must
 * be the stages of `pathMtuSweepSizes`, and what it leaves behind must read as N. The lab test
 * (health.int.test.ts) runs them over real pings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathMtuSweepResult, pathMtuSweepSizes, SWEEP_STEPS } from '../../../shared/diagnose/path-mtu';
import { PROBE_WAIT_MARGIN_MS, pathMtuShellFunctions, sweepCall, sweptPathMtu } from './path-mtu-probe';

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

/** The sizes the TypeScript planner sends over the same path, all stages. */
function plannedSizes(rule: (mtu: number) => boolean, max = 1500): number[] {
  let known: { passed: number | undefined; failed: number } | undefined;
  const all: number[] = [];
  for (const step of SWEEP_STEPS) {
    const sizes = pathMtuSweepSizes(max, 4, known, step);
    if (sizes.length === 0) break;
    all.push(...sizes);
    known = pathMtuSweepResult(
      sizes.map((mtu) => ({ mtu, ok: rule(mtu) })),
      max,
      known,
    );
  }
  return [...new Set(all)].sort((a, b) => b - a);
}

describe('vxs_sweep (the path-MTU sweep in the host shell)', () => {
  it('probes exactly the stages of pathMtuSweepSizes and finds every path size exactly', () => {
    for (const mtu of [576, 577, 700, 1309, 1400, 1403, 1404, 1499, 1500]) {
      const r = shellSweep(`[ $vxs_sz -le ${mtu} ]`);
      expect({ mtu, sizes: r.sizes }).toEqual({ mtu, sizes: plannedSizes((s) => s <= mtu) });
      expect(sweptPathMtu(r.answers, 's0', 'h1')).toBe(mtu);
    }
  });

  it('reports the largest size seen passing, never one that was not, when a probe in between is lost', () => {
    const lossy = '[ $vxs_sz -le 1404 ] && [ $vxs_sz -ne 1403 ] && [ $vxs_sz -ne 1404 ]';
    const r = shellSweep(lossy);
    expect(r.sizes).toEqual(plannedSizes((s) => s <= 1404 && s !== 1403 && s !== 1404));
    expect(sweptPathMtu(r.answers, 's0', 'h1')).toBe(1402);
  });

  it('sends one stage and no figure when even the floor fails, and nothing when the interface is below the floor', () => {
    const r = shellSweep('false');
    expect(r.sizes).toEqual(pathMtuSweepSizes(1500, 4, undefined, SWEEP_STEPS[0]));
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
