/**
 * The overlay mesh check: every member pings every peer of every segment over the overlay, all
 * pings of a host as background jobs of ONE script on its persistent shell, all hosts at once.
 */
import type { Topology } from '../../../shared/model';
import { newNonce } from '../ssh/remote-script';
import { healthRoundScript, parseHealthRound, probePlan } from './round-script';
import { probeBudgetMs, runWithin, type HealthTransport } from './transport';

export interface MeshCheckResult {
  /** Directed (from, to, segment) pairs probed. */
  pairs: number;
  ok: number;
  /** `from -> to (segment)` of each pair that did not answer, or the host's error. */
  failures: string[];
  durationMs: number;
}

/** Runs the overlay mesh check over `transport`; a host that fails counts all its pairs as failed. */
export async function overlayMeshCheck(
  t: Topology,
  transport: HealthTransport,
  opts: { timeoutMs?: number } = {},
): Promise<MeshCheckResult> {
  const started = performance.now();
  const res: MeshCheckResult = { pairs: 0, ok: 0, failures: [], durationMs: 0 };
  await Promise.all(
    t.hosts.map(async (host) => {
      const plan = probePlan(t, host.id, { overlayOnly: true });
      const n = plan.probes.length;
      res.pairs += n;
      if (n === 0) return;
      const m = newNonce();
      try {
        const timeoutMs = opts.timeoutMs ?? 10_000;
        const script = healthRoundScript(plan, m, { overlayOnly: true, budgetMs: probeBudgetMs(timeoutMs) });
        const r = await runWithin(transport, host, script, timeoutMs);
        const round = parseHealthRound(plan, r.stdout, m, { overlayOnly: true });
        for (const p of round.pairs) {
          if (p.overlay?.ok === true) res.ok += 1;
          else if (round.unmeasured.includes(p.to))
            res.failures.push(`${p.from} -> ${p.to} (${p.segmentId}): not probed, no time left`);
          else res.failures.push(`${p.from} -> ${p.to} (${p.segmentId})`);
        }
      } catch (err) {
        res.failures.push(`${host.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  res.durationMs = performance.now() - started;
  return res;
}
