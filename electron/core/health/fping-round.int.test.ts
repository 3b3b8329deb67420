/**
 * The health round's two probe paths on real hosts: fping (one process per segment for all peers)
 * where the host has it, iputils ping (one process per probe) where it has not. A 3-host lab
 * deployed with the deploy runner; "no fping" is a host whose fping is covered by a file it cannot
 * execute (bound over it in that host's own mount namespace), as on a server without the package.
 * Both paths must give the same verdicts for the same faults. Root only.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairProbe } from '../../../shared/diagnose/types';
import { blockUdp, restoreUnderlayMtu, setUnderlayMtu, unblockUdp, FAULT_TABLE, FAULT_TABLE_FAMILY } from '../lab/faults';
import { useHealthLab } from '../lab/health-lab.testing';
import { labHost } from '../lab/lab';
import { hostRun, hostRunOk, nsRun } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import type { HealthRoundResult } from './poller';

const root = isRoot();
if (!root)
  console.log(
    'fping-round.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

const POLL_TIMEOUT_MS = 15_000;
const HOSTS = ['h1', 'h2', 'h3'];

/** Which tool answered a pair's DF probe at the MTU, read from its evidence. */
function prober(p: PairProbe): string {
  const e = p.dfAtMtu?.evidence.join('\n') ?? '';
  if (e.startsWith('fping ')) return 'fping';
  if (e.includes('packets transmitted')) return 'ping';
  return 'none';
}

/** What a round reports, without round trip times: per pair its status and path MTU, and the finding codes. */
function verdict(r: HealthRoundResult): { pairs: string[]; findings: string[] } {
  return {
    pairs: r.view.pairs.map((p) => `${p.from}>${p.to} ${p.status} ${String(p.pathMtu)}`),
    findings: [...new Set(r.findings.map((f) => `${f.code} ${f.hosts.join(',')}`))].sort(),
  };
}

suite('the health round with fping and without it, on a 3-host mesh', () => {
  const hl = useHealthLab({ tag: 'hfpg', hosts: 3, pollTimeoutMs: POLL_TIMEOUT_MS });
  let dir = '';
  let stub = '';
  let fping = '';
  const hidden = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join('/var/tmp', 'vxs-nofping-'));
    // Not executable: `command -v fping` no longer finds it, as on a host without the package.
    stub = path.join(dir, 'fping');
    writeFileSync(stub, '');
    chmodSync(stub, 0o644);
    fping = (await hostRunOk(hl.lab, 'h1', ['sh', '-c', 'command -v fping'])).trim();
  }, 60_000);

  const hideFping = async (host: string): Promise<void> => {
    await hostRunOk(hl.lab, host, ['mount', '--bind', stub, fping]);
    hidden.add(host);
  };
  const restoreFping = async (): Promise<void> => {
    for (const host of hidden) await hostRun(hl.lab, host, ['umount', fping]);
    hidden.clear();
  };

  afterAll(async () => {
    await restoreFping().catch(() => undefined);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('probes every pair with fping where the host has it, with ping where it has not, and reports the same healthy mesh', async () => {
    try {
      const withFping = await hl.newPoller().runRound();
      expect(withFping.snapshot.pairs.map((p) => `${p.from}>${p.to} ${prober(p)}`)).toEqual(
        withFping.snapshot.pairs.map((p) => `${p.from}>${p.to} fping`),
      );
      expect(withFping.view.pairs.every((p) => p.status === 'ok')).toBe(true);
      await hideFping('h1');
      const mixed = await hl.newPoller().runRound();
      expect(mixed.snapshot.pairs.map((p) => `${p.from}>${p.to} ${prober(p)}`)).toEqual(
        mixed.snapshot.pairs.map((p) => `${p.from}>${p.to} ${p.from === 'h1' ? 'ping' : 'fping'}`),
      );
      expect(verdict(mixed)).toEqual(verdict(withFping));
      expect(mixed.problems).toEqual({});
    } finally {
      await restoreFping();
    }
  }, 120_000);

  it('over a silent black hole (h3 drops frames over 1400 bytes), both paths report the MTU fault and 1400 on every tunnel of h3', async () => {
    await setUnderlayMtu(hl.lab, 'h3', 1400, 'router');
    try {
      const withFping = await hl.newPoller().runRound();
      for (const h of HOSTS) await hideFping(h);
      const withPing = await hl.newPoller().runRound();
      expect(withPing.snapshot.pairs.filter((p) => p.dfAtMtu !== undefined).map(prober)).toEqual(
        withPing.snapshot.pairs.filter((p) => p.dfAtMtu !== undefined).map(() => 'ping'),
      );
      expect(withFping.findings.map((f) => f.code)).toContain('MTU_EXCEEDS_PATH');
      const h3 = (r: HealthRoundResult): string[] =>
        r.view.pairs.filter((p) => p.to === 'h3' || p.from === 'h3').map((p) => `${p.from}-${p.to} ${String(p.pathMtu)}`);
      expect([...h3(withFping)].sort()).toEqual(['h1-h3 1400', 'h2-h3 1400', 'h3-h1 1400', 'h3-h2 1400']);
      expect(verdict(withPing)).toEqual(verdict(withFping));
    } finally {
      await restoreFping();
      await restoreUnderlayMtu(hl.lab, 'h3');
    }
  }, 120_000);

  it('over the black hole, each host runs ONE path-MTU search for all the peers it searches: every search fping names them all, and every figure of h3 is 1400', async () => {
    // Every host's fping is a wrapper (bound over it in the host's own mount namespace) that logs
    // its arguments, then runs the real one.
    const real = path.join(dir, 'fping.real');
    copyFileSync(fping, real);
    chmodSync(real, 0o755);
    const logOf = (h: string): string => path.join(dir, `calls-${h}`);
    const underlay = (h: string): string => hl.topology.hosts.find((x) => x.id === h)?.underlay.address ?? '';
    await setUnderlayMtu(hl.lab, 'h3', 1400, 'router');
    try {
      for (const h of HOSTS) {
        const wrapper = path.join(dir, `fping-${h}`);
        writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >>${logOf(h)}\nexec ${real} "$@"\n`);
        chmodSync(wrapper, 0o755);
        await hostRunOk(hl.lab, h, ['mount', '--bind', wrapper, fping]);
        hidden.add(h);
      }
      const r = await hl.newPoller().runRound();
      const h3 = r.view.pairs
        .filter((p) => p.to === 'h3' || p.from === 'h3')
        .map((p) => `${p.from}-${p.to} ${String(p.pathMtu)}`);
      expect([...h3].sort()).toEqual(['h1-h3 1400', 'h2-h3 1400', 'h3-h1 1400', 'h3-h2 1400']);
      // The search's fpings: DF probes (-M) aimed at underlay addresses (the round's own DF probes
      // go to overlay addresses). Per host, each names every peer that host searched.
      const searches = (h: string): string[] =>
        readFileSync(logOf(h), 'utf8')
          .split('\n')
          .filter((l) => / -M /.test(l) && HOSTS.some((x) => l.includes(` ${underlay(x)}`)))
          .map((l) =>
            l
              .split(' ')
              .filter((w) => HOSTS.some((x) => w === underlay(x)))
              .join(' '),
          );
      const h3Searches = searches('h3');
      expect(h3Searches.length).toBeGreaterThan(0);
      expect(new Set(h3Searches)).toEqual(new Set([`${underlay('h1')} ${underlay('h2')}`]));
      expect(new Set(searches('h1'))).toEqual(new Set([underlay('h3')]));
      expect(new Set(searches('h2'))).toEqual(new Set([underlay('h3')]));
    } finally {
      await restoreFping();
      await restoreUnderlayMtu(hl.lab, 'h3');
    }
  }, 120_000);

  it('with UDP 4789 dropped on h2, both paths name the firewall and tell the dead overlay from a live underlay', async () => {
    const rule = await blockUdp(hl.lab, 'h2');
    try {
      // Two rounds each, as the health.int test allows: the first may see the drop's counters only.
      const rounds = async (): Promise<HealthRoundResult> => {
        const poller = hl.newPoller();
        const first = await poller.runRound();
        return first.findings.some((f) => f.code === 'FIREWALL_BLOCKS_VXLAN') ? first : poller.runRound();
      };
      const withFping = await rounds();
      for (const h of HOSTS) await hideFping(h);
      const withPing = await rounds();
      for (const r of [withFping, withPing]) {
        const f = r.findings.find((x) => x.code === 'FIREWALL_BLOCKS_VXLAN');
        expect(f?.hosts[0]).toBe('h2');
        expect(f?.evidence.map((e) => e.value).join('\n')).toContain(rule.rule);
        // The underlay ping of a pair whose overlay failed answered: the overlay, not the underlay, is down.
        expect(r.snapshot.pairs.filter((p) => p.to === 'h2').map((p) => [p.overlay?.ok, p.underlay?.ok])).toEqual([
          [false, true],
          [false, true],
        ]);
      }
      expect(verdict(withPing)).toEqual(verdict(withFping));
    } finally {
      await restoreFping();
      await unblockUdp(hl.lab, 'h2').catch(() => []);
      await nsRun(labHost(hl.lab, 'h2').namespace, ['nft', 'delete', 'table', FAULT_TABLE_FAMILY, FAULT_TABLE]);
    }
  }, 120_000);
});
