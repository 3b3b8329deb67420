/**
 * Applying a finding's fix, after the user confirmed it, through the deploy runner (electron/core/deploy):
 * - a fix that changes what the topology says (MTU_EXCEEDS_PATH: the segment MTU; DRIFT: converge
 *   to the plan) goes through `runDeploy` itself with the corrected topology, limited to the hosts
 *   concerned: lock, observe, diff, apply, read back, roll back on failure, like any deploy;
 * - a fix outside the plan (FIREWALL_BLOCKS_VXLAN: an accept rule) runs the fix steps per host with
 *   the deploy's step executor (`runSteps`: per-step exit status and stderr, stopping at the first
 *   failed step) and undoes the steps already applied on that host with it (`undoSteps`).
 */
import type { ResponseOf } from '../../../shared/api/contract';
import type { Finding, HostFix } from '../../../shared/diagnose/types';
import { AppError, appError, type AppErrorData } from '../../../shared/errors/catalogue';
import { serializeTopology, setSegmentMtu, type Host, type Topology } from '../../../shared/model';
import type { Step } from '../../../shared/plan';
import { runDeploy } from '../deploy/runner';
import { runSteps, undoSteps } from '../deploy/steps';
import type { HostConnector, HostExecutor } from '../deploy/types';

export type FixResult = ResponseOf<'health.applyFix'>;
type HostFixResult = FixResult['hosts'][number];

const SCRIPT_TIMEOUT_MS = 60_000;

function errorData(err: unknown, host: Host): AppErrorData {
  if (err instanceof AppError) return err.data;
  return appError('SSH_UNREACHABLE', `${host.name}: ${err instanceof Error ? err.message : String(err)}`, { host: host.name });
}

/** The fix steps as plan steps (a firewall step is run like any other; its kind is only a label). */
function asSteps(fix: HostFix): Step[] {
  return fix.steps.map((s) => ({
    argv: [...s.argv],
    description: s.description,
    inverse: s.inverse.map((i) => [...i]),
    kind: 'link-alias',
    target: s.target,
  }));
}

async function runFixSteps(host: Host, fix: HostFix, connect: HostConnector, signal?: AbortSignal): Promise<HostFixResult> {
  let exec: HostExecutor;
  try {
    exec = await connect(host);
  } catch (err) {
    return { hostId: host.id, outcome: 'unreachable', applied: 0, error: errorData(err, host) };
  }
  const steps = asSteps(fix);
  try {
    const run = await runSteps(exec, steps, {
      host,
      timeoutMs: SCRIPT_TIMEOUT_MS,
      noun: 'fix step',
      ...(signal === undefined ? {} : { signal }),
    });
    const { applied, failure, error } = run;
    if (error === undefined) return { hostId: host.id, outcome: 'applied', applied };
    const done = steps.slice(0, applied);
    const undo = await undoSteps(exec, done, { host, timeoutMs: SCRIPT_TIMEOUT_MS });
    // Rolled back only when nothing of the fix can be left on the host: every applied step had an
    // inverse (a fix step has none when undoing needs a value known only after it ran, e.g. an nft
    // handle), the undo went through, and the failed step reported its status (a step cut off by a
    // broken session may have run).
    const undone = undo.ok && done.every((s) => s.inverse.length > 0) && failure?.exitCode !== null;
    return {
      hostId: host.id,
      outcome: undone ? 'rolled-back' : 'failed',
      applied,
      ...(failure === undefined ? {} : { failure }),
      error,
    };
  } catch (err) {
    return { hostId: host.id, outcome: 'failed', applied: 0, error: errorData(err, host) };
  } finally {
    await exec.release().catch(() => undefined);
  }
}

function mtuOf(f: Finding): number | undefined {
  for (const h of f.fix?.hosts ?? []) {
    for (const s of h.steps) {
      const i = s.argv.indexOf('mtu');
      const v = i >= 0 ? Number(s.argv[i + 1]) : NaN;
      if (s.kind === 'link-mtu' && Number.isInteger(v)) return v;
    }
  }
  return undefined;
}

/**
 * Applies `finding`'s fix to `topology`'s hosts. Rejects with BAD_REQUEST when the finding offers
 * no fix. Never rejects for a host's failure: each host reports its outcome.
 */
export async function applyFindingFix(
  topology: Topology,
  finding: Finding,
  connect: HostConnector,
  opts: { signal?: AbortSignal } = {},
): Promise<FixResult & { topologyValue?: Topology }> {
  const fix = finding.fix;
  if (!fix || fix.hosts.length === 0)
    throw new AppError('BAD_REQUEST', `Finding ${finding.code} (${finding.title}) offers no fix to apply.`);
  const hostIds = fix.hosts.map((h) => h.hostId);
  for (const id of hostIds)
    if (!topology.hosts.some((h) => h.id === id))
      throw new AppError('BAD_REQUEST', `The fix names host ${id}, which is not in topology ${topology.id}.`);

  const mtu = finding.code === 'MTU_EXCEEDS_PATH' ? mtuOf(finding) : undefined;
  if ((mtu !== undefined && finding.segmentId !== undefined) || finding.code === 'DRIFT') {
    const target =
      mtu !== undefined && finding.segmentId !== undefined ? setSegmentMtu(topology, finding.segmentId, mtu) : topology;
    const r = await runDeploy({
      action: 'apply',
      topology: target,
      connect,
      hostIds,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const hosts: HostFixResult[] = r.hosts.map((h) => {
      const outcome: HostFixResult['outcome'] =
        h.outcome === 'unchanged' || h.outcome === 'applied' ? 'applied' : h.outcome === 'pending' ? 'failed' : h.outcome;
      return {
        hostId: h.hostId,
        outcome,
        applied: h.applied,
        ...(h.failure ? { failure: h.failure } : {}),
        ...(h.error ? { error: h.error } : {}),
      };
    });
    const ok = hosts.every((h) => h.outcome === 'applied');
    return { ok, hosts, ...(target !== topology ? { topology: serializeTopology(target), topologyValue: target } : {}) };
  }

  const hosts = await Promise.all(
    fix.hosts.map((hf) => runFixSteps(topology.hosts.find((h) => h.id === hf.hostId) as Host, hf, connect, opts.signal)),
  );
  return { ok: hosts.every((h) => h.outcome === 'applied'), hosts };
}
