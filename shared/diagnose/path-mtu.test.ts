/**
 * The path-MTU binary search as a pure planner. The "path" here is a rule (a packet passes when it
 * is at most N bytes), the one thing a real path answers; the lab test runs it over real pings.
 */
import { describe, expect, it } from 'vitest';
import { nextPathMtuProbe, pathMtuSearch, pathMtuSweepResult, recordPathMtuProbe, startPathMtuSearch } from './index';

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

// The search's stages (which sizes, how many) are planned in electron/core/health/path-mtu-probe.ts
// (`pathMtuSearchSizes`) and tested there over every path size; this is what a stage's outcomes say.
describe("a path-MTU search stage's outcomes", () => {
  it('reports the largest size that passed, never one that was not seen to pass', () => {
    expect(
      pathMtuSweepResult(
        [
          { mtu: 1500, ok: false },
          { mtu: 1468, ok: false },
        ],
        1500,
      ),
    ).toEqual({ passed: undefined, failed: 1468 });
    // 1400 passed, 1404 (a bridged hop's VLAN slack) was lost: 1400 stands, 1404 is the smallest failure.
    expect(
      pathMtuSweepResult(
        [
          { mtu: 1404, ok: false },
          { mtu: 1400, ok: true },
          { mtu: 1396, ok: true },
        ],
        1500,
      ),
    ).toEqual({ passed: 1400, failed: 1404 });
    expect(pathMtuSweepResult([{ mtu: 1402, ok: true }], 1500, { passed: 1400, failed: 1404 })).toEqual({
      passed: 1402,
      failed: 1404,
    });
  });
});
