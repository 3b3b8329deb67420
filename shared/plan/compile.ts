/**
 * Whole-topology plans: from scratch (`compilePlan`) and teardown (`compileTeardown`). Both go
 * through the same per-host functions as the live diff, so a script and a deploy never disagree.
 */
import type { Topology } from '../model';
import type { Diagnostic } from '../validate/diagnostic';
import { validateTopology } from '../validate';
import { emptyObserved } from '../observe/state';
import { desiredFromIndex, indexTopology, LARGE_MESH_MEMBERS, type TopologyIndex } from './desired';
import { diffHost, observedAfterApply, planTeardown } from './diff';
import type { HostFacts, HostPlan, Plan, ProtectOptions, Step } from './types';

/** Options of `compilePlan` and `compileTeardown`. */
export interface CompileOptions {
  /** Facts read from the hosts, keyed by host id; fill in "auto" values. */
  facts?: Record<string, HostFacts>;
  /** Only these hosts (by id), in this order; default all hosts in file order. */
  hostIds?: string[];
}

/**
 * Validation findings that the plan compiler judges itself with the facts at hand (an "auto"
 * underlay address is fine when the host's facts give it).
 */
const SUPERSEDED_BY_PLAN = new Set(['UNDERLAY_ADDRESS_AUTO']);

/** Validation diagnostics plus the large-mesh warning (reusing validateTopology's when it gives one). */
function topologyDiagnostics(t: Topology, ix: TopologyIndex): Diagnostic[] {
  const out = validateTopology(t).filter((d) => !SUPERSEDED_BY_PLAN.has(d.code));
  t.segments.forEach((s, si) => {
    const members = ix.membersBySegment.get(s.id)?.length ?? 0;
    if (s.flood.mode !== 'unicast-mesh' || members <= LARGE_MESH_MEMBERS) return;
    if (out.some((d) => d.code === 'MESH_TOO_LARGE' && d.elementId === s.id)) return;
    out.push({
      code: 'MESH_TOO_LARGE',
      severity: 'warning',
      message: `unicast-mesh segment ${s.name} has ${members} members: every host keeps ${members - 1} flood entries and sends each broadcast ${members - 1} times, so replication grows as N squared (${members * (members - 1)} entries in all)`,
      elementKind: 'segment',
      elementId: s.id,
      path: `segments[${si}].flood.mode`,
      hint: 'Use multicast where the underlay carries it, or a BGP EVPN control plane (e.g. FRR) at this size.',
    });
  });
  return out;
}

function selectedHosts(t: Topology, ix: TopologyIndex, hostIds: string[] | undefined, diagnostics: Diagnostic[]): string[] {
  if (hostIds === undefined) return t.hosts.map((h) => h.id);
  const out: string[] = [];
  for (const id of hostIds) {
    if (ix.hostIndex.has(id)) out.push(id);
    else
      diagnostics.push({
        code: 'PLAN_HOST_UNKNOWN',
        severity: 'error',
        message: `host id "${id}" is not in topology "${t.id}"`,
        elementKind: 'topology',
        path: 'hosts',
      });
  }
  return out;
}

function protectFromFacts(facts: HostFacts | undefined): ProtectOptions {
  const p: ProtectOptions = {};
  if (facts?.sshInterface !== undefined) p.interfaces = [facts.sshInterface];
  const addresses = [facts?.sshAddress, facts?.sshClientAddress].filter((a): a is string => a !== undefined);
  if (addresses.length > 0) p.addresses = addresses;
  return p;
}

function refused(hostId: string, hostPath: string, reason: string): Diagnostic {
  return {
    code: 'PLAN_REFUSED',
    severity: 'error',
    message: `no commands for this host: ${reason}`,
    elementKind: 'host',
    elementId: hostId,
    path: hostPath,
  };
}

/**
 * Compiles a topology into per-host ordered steps, from scratch (as if nothing of ours existed):
 * for every host `diffHost(desiredHostState(...), emptyObserved())`.
 *
 * Refuses to make commands (steps empty, `PLAN_REFUSED` error) for every host when
 * `validateTopology` reports an error, and for a host whose own state has an error (e.g. a peer's
 * underlay address is "auto" and unknown). Warnings (MTU unknown, meshes over 100 members) do not
 * block.
 *
 * @example
 * compilePlan(textbook).hosts[0].steps.map((s) => argvToShell(s.argv))
 * // ['ip link add br-overlay type bridge', 'ip link set br-overlay alias vxlan-studio:textbook',
 * //  'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789', ...,
 * //  'ip addr add 10.0.0.1/24 dev br-overlay', 'ip link set vxlan100 up', 'ip link set br-overlay up']
 */
export function compilePlan(t: Topology, opts: CompileOptions = {}): Plan {
  const ix = indexTopology(t, opts.facts ?? {});
  const diagnostics = topologyDiagnostics(t, ix);
  const ids = selectedHosts(t, ix, opts.hostIds, diagnostics);
  const topologyBroken = diagnostics.some((d) => d.severity === 'error');
  const hosts: HostPlan[] = ids.map((id) => {
    const desired = desiredFromIndex(ix, id);
    const diff = diffHost(desired, emptyObserved(), { protect: protectFromFacts(ix.facts[id]) });
    const hostDiagnostics = [...desired.diagnostics, ...diff.diagnostics];
    let steps: Step[] = diff.steps;
    if (topologyBroken) {
      steps = [];
      hostDiagnostics.push(refused(id, desired.hostPath, 'the topology has errors (see the topology diagnostics)'));
    } else if (hostDiagnostics.some((d) => d.severity === 'error')) {
      steps = [];
      hostDiagnostics.push(refused(id, desired.hostPath, 'fix the errors above first'));
    }
    return { hostId: id, hostName: desired.hostName, steps, diagnostics: hostDiagnostics };
  });
  return { topologyId: t.id, hosts, diagnostics };
}

/**
 * Compiles the teardown of a topology without reading the hosts: per host, the teardown of the
 * state that applying the plan would leave. Every step is guarded (see `Guard`): a link is deleted
 * only when it still carries our mark, a foreign port is detached only when it is still on our
 * bridge, so the script is safe to run on a host where some of it is already gone or a name now
 * belongs to someone else. With live state, use `teardownHost` instead (no guards needed).
 */
export function compileTeardown(t: Topology, opts: CompileOptions = {}): Plan {
  const ix = indexTopology(t, opts.facts ?? {});
  // The teardown is compiled from the same drawing as the plan: a drawing validation refuses (a
  // name with a line break, a device name that is not an interface name) gets no script either.
  const diagnostics: Diagnostic[] = topologyDiagnostics(t, ix).filter((d) => d.severity === 'error');
  const ids = selectedHosts(t, ix, opts.hostIds, diagnostics);
  const topologyBroken = diagnostics.length > 0;
  const hosts: HostPlan[] = ids.map((id) => {
    const desired = desiredFromIndex(ix, id);
    const td = planTeardown(t.id, observedAfterApply(desired), {
      protect: protectFromFacts(ix.facts[id]),
      hostId: id,
      hostName: desired.hostName,
      hostPath: desired.hostPath,
      guarded: true,
    });
    if (topologyBroken) {
      return {
        hostId: id,
        hostName: desired.hostName,
        kind: 'teardown',
        steps: [],
        diagnostics: [...td.diagnostics, refused(id, desired.hostPath, 'the topology has errors (see the topology diagnostics)')],
      };
    }
    return { hostId: id, hostName: desired.hostName, kind: 'teardown', steps: td.steps, diagnostics: td.diagnostics };
  });
  return { topologyId: t.id, hosts, diagnostics };
}
