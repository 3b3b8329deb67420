/**
 * The fping path's path-MTU search: its stage plan (`pathMtuSearchConfirmed`) and the shell that runs
 * it on the host (`vxs_fsearch`, in the real `sh`), with `fping` replaced by a shell function standing
 * for paths that pass DF packets up to a size per peer. One search per host: each stage sends each
 * size once, in one fping to every peer that needs it. The lab test (fping-round.int.test.ts) runs it
 * over real fping and a real black hole.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fpingSearchShellFunctions, fpingShellFunctions, SEARCH_TARGETS_PER_FPING } from './fping-probe';
import {
  FPING_SEARCH_FANOUT,
  LIKELY_PATH_MTU,
  pathMtuSearch,
  pathMtuSearchConfirmed,
  pathMtuSearchStage,
  PROBE_WAIT_MARGIN_MS,
  SEARCH_SHORT_MARGIN_MS,
} from './path-mtu-probe';

/** The full wait the tests give the search (`vxs_wms`), and the short one it derives from it. */
const FULL = 52;
const SHORT = FULL - PROBE_WAIT_MARGIN_MS + SEARCH_SHORT_MARGIN_MS;

/**
 * `fping` as paths passing DF packets up to `$MAX_<n>` bytes toward peer n (10.0.0.n): per target
 * fping's per-ping line (`-C 1` without `-q`), an answer or `timed out`; a probe in `$LOSE` (`size/wait`
 * words) is lost. Every call is logged as `<size> <wait> <targets>`.
 */
const FAKE_FPING = [
  'fping() {',
  '  t=; b=0; ts=',
  '  while [ $# -gt 0 ]; do case $1 in -t) t=$2; shift ;; -b) b=$2; shift ;; -C|-i) shift ;; -*) ;; *) ts="$ts $1" ;; esac; shift; done',
  '  echo "$((b + 28)) $t$ts" >>"$LOG"',
  '  for a in $ts; do',
  '    eval "max=\\$MAX_${a##*.}"',
  '    case " $LOSE " in *" $((b + 28))/$t "*) max=0 ;; esac',
  '    if [ $((b + 28)) -le $max ]; then echo "$a : [0], $((b + 8)) bytes, 0.05 ms (0.05 avg, 0% loss)"',
  '    else echo "$a : [0], timed out (NaN avg, 100% loss)"; fi',
  '  done',
  '}',
].join('\n');

interface ShellSearch {
  /** What the search printed per peer (`<address> <size>`). */
  printed: string[];
  /** Every fping it started: size, wait (ms) and targets. */
  calls: Array<{ size: number; wait: number; targets: string[] }>;
}

/** Runs `vxs_fsearch` in `sh` toward peers 10.0.0.1..n passing up to `max[i]` bytes, losing the `lose` probes. */
function shellSearch(max: number[], opts: { umtu?: number; lose?: string[] } = {}): ShellSearch {
  const dir = mkdtempSync(path.join(tmpdir(), 'vxs-fsearch-test-'));
  const log = path.join(dir, 'calls');
  try {
    const keys = max.map((_, i) => `s${i}`);
    const script = [
      ...fpingShellFunctions(),
      'vxs_room() { return 0; }',
      ...fpingSearchShellFunctions(),
      FAKE_FPING,
      `LOG=${log}; : >"$LOG"; LOSE='${(opts.lose ?? []).join(' ')}'`,
      ...max.map((m, i) => `MAX_${i + 1}=${m}; vxs_sa_s${i}=10.0.0.${i + 1}`),
      `vxs_skey() { case $1 in ${max.map((_, i) => `10.0.0.${i + 1}) vxs_k=s${i} ;;`).join(' ')} *) vxs_k= ;; esac; }`,
      `vxs_umtu=${opts.umtu ?? 1500}; vxs_wms=${FULL}`,
      `vxs_fsearch MARK 28 576 ${keys.join(' ')}`,
    ].join('\n');
    const printed = execFileSync('sh', ['-c', script]).toString().trim().split('\n').filter(Boolean);
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [size = '', wait = '', ...targets] = l.split(' ');
        return { size: Number(size), wait: Number(wait), targets };
      });
    return { printed, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sizes of each planned stage, as a sorted list of "size/wait" words (compares with the shell's calls). */
function plannedCalls(max: number, lose: string[] = [], umtu = 1500): string[] {
  const wait = (full: boolean): number => (full ? FULL : SHORT);
  const r = pathMtuSearchConfirmed(umtu, 4, (s, full) => s <= max && !lose.includes(`${s}/${wait(full)}`));
  return r.stages.flatMap((st) => st.sizes.map((s) => `${s}/${wait(st.full)}`)).sort();
}

describe('pathMtuSearchConfirmed (the stage plan of the fping search)', () => {
  it('splits while more than fanout + 1 sizes are left at the short wait, then probes every size left at the full wait', () => {
    expect(pathMtuSearchStage(575, 1501, true)).toEqual({ sizes: [806, 1038, 1269], full: false });
    expect(pathMtuSearchStage(1385, 1443, false)).toEqual({ sizes: [1399, 1414, 1428], full: false });
    // The first stage: 1280 and the split above it (LIKELY_PATH_MTU).
    expect(pathMtuSearchStage(575, 1501, true, 3, 1280)).toEqual({ sizes: [1280, 1335, 1390, 1445], full: false });
    // An untrusted bound (a short wait lost it) is itself tried again in the last stage.
    expect(pathMtuSearchStage(1402, 1406, false)).toEqual({ sizes: [1403, 1404, 1405, 1406], full: true });
    expect(pathMtuSearchStage(1402, 1406, true)).toEqual({ sizes: [1403, 1404, 1405], full: true });
    expect(pathMtuSearchStage(1404, 1405, false)).toEqual({ sizes: [1405], full: true });
    expect(pathMtuSearchStage(1404, 1405, true)).toEqual({ sizes: [], full: true });
  });

  it('finds every path MTU from the floor to 1500 exactly: in 4 stages from 1280 up, 6 below', () => {
    for (let mtu = 576; mtu <= 1500; mtu++) {
      const r = pathMtuSearchConfirmed(1500, 4, (s) => s <= mtu);
      expect(r.pathMtu).toBe(mtu);
      expect({ mtu, stages: r.stages.length }).toEqual({ mtu, stages: mtu >= LIKELY_PATH_MTU ? 4 : 6 });
      expect(r.stages.every((st) => st.sizes.length <= FPING_SEARCH_FANOUT + 1)).toBe(true);
      // The size above the figure failed at the full wait (or is over the interface MTU).
      expect(mtu === 1500 || r.stages.some((st) => st.full && st.sizes.includes(mtu + 1))).toBe(true);
    }
    expect(pathMtuSearchConfirmed(1500, 4, () => false).pathMtu).toBeUndefined();
    expect(pathMtuSearchConfirmed(1500, 4, () => false).stages.flatMap((s) => s.sizes)).toContain(576);
    expect(pathMtuSearchConfirmed(500, 4, () => true)).toEqual({ stages: [], pathMtu: undefined });
    expect(pathMtuSearchConfirmed(1500, 6, (s) => s <= 1400).pathMtu).toBe(1400);
  });

  it('still finds the exact figure when short waits lose probes below it, where the one-wait sweep reports less', () => {
    for (const lost of [[1280], [1390, 1403], [1403], [1335, 1404]]) {
      const passes = (s: number, full: boolean): boolean => s <= 1404 && (full || !lost.includes(s));
      expect({ lost, mtu: pathMtuSearchConfirmed(1500, 4, passes).pathMtu }).toEqual({ lost, mtu: 1404 });
    }
    // The ping path's sweep trusts every wait: a lost 1403 and 1404 leave it at 1402.
    expect(pathMtuSearch(1500, 4, (s) => s <= 1404 && s !== 1403 && s !== 1404).pathMtu).toBe(1402);
  });
});

describe('vxs_fsearch (the fping search in the host shell)', () => {
  it('runs the planned stages once for all peers: one fping per size naming every peer, each peer its exact figure', () => {
    for (const mtu of [576, 1300, 1400, 1404, 1499, 1500]) {
      const r = shellSearch([mtu, mtu, mtu]);
      expect({ mtu, printed: r.printed }).toEqual({
        mtu,
        printed: [`MARK PMTU 10.0.0.1 ${mtu}`, `MARK PMTU 10.0.0.2 ${mtu}`, `MARK PMTU 10.0.0.3 ${mtu}`],
      });
      expect(r.calls.every((c) => c.targets.join(' ') === '10.0.0.1 10.0.0.2 10.0.0.3')).toBe(true);
      expect(r.calls.map((c) => `${c.size}/${c.wait}`).sort()).toEqual(plannedCalls(mtu));
    }
  });

  it('searches peers with different paths in the same stages, sharing an fping where their sizes meet', () => {
    const r = shellSearch([1400, 1450]);
    expect(r.printed).toEqual(['MARK PMTU 10.0.0.1 1400', 'MARK PMTU 10.0.0.2 1450']);
    // The first stage is the same for both peers: one fping per size, to both.
    expect(r.calls.filter((c) => c.targets.length === 2).map((c) => c.size)).toEqual(
      expect.arrayContaining([1280, 1335, 1390, 1445]),
    );
    const perPeer = (a: string): string[] =>
      r.calls
        .filter((c) => c.targets.includes(a))
        .map((c) => `${c.size}/${c.wait}`)
        .sort();
    expect(perPeer('10.0.0.1')).toEqual(plannedCalls(1400));
    expect(perPeer('10.0.0.2')).toEqual(plannedCalls(1450));
  });

  it('tries a bound a short wait lost again at the full wait, and reports the exact figure', () => {
    const lose = [`1390/${SHORT}`, `1403/${SHORT}`];
    const r = shellSearch([1404, 1404], { lose });
    expect(r.printed).toEqual(['MARK PMTU 10.0.0.1 1404', 'MARK PMTU 10.0.0.2 1404']);
    expect(r.calls.map((c) => `${c.size}/${c.wait}`).sort()).toEqual(plannedCalls(1404, lose));
  });

  it('splits a size over more than SEARCH_TARGETS_PER_FPING peers into several fpings, each peer still in one search', () => {
    const peers = SEARCH_TARGETS_PER_FPING + 2;
    const r = shellSearch(Array.from({ length: peers }, () => 1400));
    expect(r.printed).toEqual(Array.from({ length: peers }, (_, i) => `MARK PMTU 10.0.0.${i + 1} 1400`));
    // Per probe of the plan (size and wait: a bound a short wait set is probed again), two fpings
    // (48 and 2 targets) that together name every peer once.
    const perProbe = new Map<string, string[]>();
    for (const c of r.calls) perProbe.set(`${c.size}/${c.wait}`, [...(perProbe.get(`${c.size}/${c.wait}`) ?? []), ...c.targets]);
    expect([...perProbe.keys()].sort()).toEqual(plannedCalls(1400));
    for (const targets of perProbe.values()) expect(new Set(targets).size).toBe(peers);
    expect(r.calls.map((c) => c.targets.length).sort((a, b) => b - a)).toEqual([
      ...plannedCalls(1400).map(() => SEARCH_TARGETS_PER_FPING),
      ...plannedCalls(1400).map(() => 2),
    ]);
  });

  it('reports the floor minus one when nothing passes, and searches nothing below the floor', () => {
    expect(shellSearch([0]).printed).toEqual(['MARK PMTU 10.0.0.1 575']);
    expect(shellSearch([1400], { umtu: 500 })).toEqual({ printed: [], calls: [] });
  });
});
