/**
 * The path-MTU binary search as a pure planner. The "path" here is a rule (a packet passes when it
 * is at most N bytes), the one thing a real path answers; the lab test runs it over real pings.
 */
import { describe, expect, it } from 'vitest';
import {
  nextPathMtuProbe,
  pathMtuSearch,
  pathMtuSweepResult,
  pathMtuSweepSizes,
  SWEEP_STEPS,
  recordPathMtuProbe,
  startPathMtuSearch,
} from './index';

const pathOf =
  (mtu: number) =>
  (_payload: number, size: number): Promise<boolean> =>
    Promise.resolve(size <= mtu);

describe('pathMtuSearch', () => {
  it('confirms a path as large as the interface with one probe of `ping -M do -s 1472`', async () => {
    const s = startPathMtuSearch(1500);
    expect(nextPathMtuProbe(s)).toEqual({ mtu: 1500, payload: 1472 });
    expect(await pathMtuSearch(1500, pathOf(9000))).toEqual({ pathMtu: 1500, probes: [{ mtu: 1500, ok: true }] });
  });

  it('finds a 1400-byte path under a 1500-byte interface in at most 11 probes', async () => {
    const r = await pathMtuSearch(1500, pathOf(1400));
    expect(r.pathMtu).toBe(1400);
    expect(r.probes.length).toBeLessThanOrEqual(11);
  });

  it('finds every path size between 576 and the interface MTU exactly', async () => {
    for (let mtu = 576; mtu <= 1500; mtu += 37) expect((await pathMtuSearch(1500, pathOf(mtu))).pathMtu).toBe(mtu);
    expect((await pathMtuSearch(1500, pathOf(1499))).pathMtu).toBe(1499);
  });

  it('says the path is below the IPv4 floor when even 576 bytes fail', async () => {
    expect(await pathMtuSearch(1500, pathOf(500))).toMatchObject({ belowFloor: true });
  });

  it('uses IPv6 header sizes and the 1280 floor for IPv6', () => {
    const s = startPathMtuSearch(1500, 6);
    expect(nextPathMtuProbe(s)).toEqual({ mtu: 1500, payload: 1452 });
    const after = recordPathMtuProbe(s, { mtu: 1500, payload: 1452 }, false);
    expect(nextPathMtuProbe(after)).toEqual({ mtu: 1390, payload: 1342 });
  });

  it('refuses an interface MTU under the floor', () => {
    expect(() => startPathMtuSearch(500)).toThrow('underlay MTU 500 is below the IPv4 minimum 576');
  });
});

describe('the parallel path-MTU sweep', () => {
  /** Both stages over a path that passes `rule`; the largest size that passed, and the probes each stage sent. */
  const sweep = (rule: (mtu: number) => boolean, max = 1500): { mtu: number | undefined; stages: number[] } => {
    let known: { passed: number | undefined; failed: number } | undefined;
    const stages: number[] = [];
    for (const step of SWEEP_STEPS) {
      const sizes = pathMtuSweepSizes(max, 4, known, step);
      if (sizes.length === 0) break;
      stages.push(sizes.length);
      known = pathMtuSweepResult(
        sizes.map((mtu) => ({ mtu, ok: rule(mtu) })),
        max,
        known,
      );
    }
    return { mtu: known?.passed, stages };
  };

  it('finds every path size between 576 and the interface MTU exactly, in three stages of at most 11 probes', () => {
    for (let mtu = 576; mtu <= 1500; mtu += 1) {
      const r = sweep((size) => size <= mtu);
      expect(r.mtu).toBe(mtu);
      expect(r.stages.length).toBeLessThanOrEqual(3);
      expect(Math.max(...r.stages)).toBeLessThanOrEqual(11);
    }
  });

  it('confirms a full-size path in the first stage and sends no second one', () => {
    expect(sweep(() => true)).toEqual({ mtu: 1500, stages: [11] });
  });

  it('reports the largest size that passed, never one that was not seen to pass, on a path that drops some sizes', () => {
    // 1400 passes, 1404 is the VLAN slack of a bridged hop, and one probe in between was lost.
    expect(sweep((size) => size <= 1404 && size !== 1403 && size !== 1404).mtu).toBe(1402);
    expect(
      pathMtuSweepResult(
        [
          { mtu: 1500, ok: false },
          { mtu: 1468, ok: false },
        ],
        1500,
      ),
    ).toEqual({ passed: undefined, failed: 1468 });
  });

  it('gives up with no figure when even the floor fails', () => {
    expect(sweep(() => false)).toEqual({ mtu: undefined, stages: [11] });
  });
});
