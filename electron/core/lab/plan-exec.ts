/**
 * Plans on lab hosts without SSH: apply a compiled host plan inside a namespace exactly as the
 * exported script would run (`ip netns exec <ns> sh -c <hostScript>`), read the host back with the
 * same commands deploy uses (`OBSERVE_COMMANDS`), and converge (observe, diff, apply).
 */
import type { Topology } from '../../../shared/model';
import { OBSERVE_COMMANDS, parseObserved, type ObservedHostState, type ObserveOutput } from '../../../shared/observe';
import {
  desiredHostState,
  diffHost,
  hostScript,
  type HostDiff,
  type HostFacts,
  type HostPlan,
  type ProtectOptions,
  type Step,
} from '../../../shared/plan';
import { tailOf, type RunResult } from './exec';
import { labHost } from './lab';
import { nsRun, nsRunOk, nsShell } from './netns-exec';
import { LabError } from './preflight';
import type { LabState } from './state';

/** A plan script that failed inside a lab namespace: the namespace, the script and the shell's stderr. */
export class PlanApplyError extends Error {
  constructor(
    readonly namespace: string,
    readonly script: string,
    readonly result: RunResult,
  ) {
    super(`plan script failed in ${namespace} (exit ${String(result.code)}): ${tailOf(result.stderr)}`);
    this.name = 'PlanApplyError';
  }
}

/** Reads a namespace's links, addresses and FDB with `OBSERVE_COMMANDS` and parses them. */
export async function observeNamespace(namespace: string, hostLabel: string = namespace): Promise<ObservedHostState> {
  const entries = await Promise.all(
    (Object.keys(OBSERVE_COMMANDS) as Array<keyof typeof OBSERVE_COMMANDS>).map(
      async (key) => [key, await nsRunOk(namespace, OBSERVE_COMMANDS[key], { timeoutMs: 15_000 })] as const,
    ),
  );
  return parseObserved(Object.fromEntries(entries) as ObserveOutput, { host: hostLabel });
}

/** Runs a shell script (e.g. `hostScript(plan)`) inside a namespace; throws `PlanApplyError` when it fails. */
export async function applyScript(namespace: string, script: string): Promise<RunResult> {
  const result = await nsShell(namespace, script, [], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new PlanApplyError(namespace, script, result);
  return result;
}

/** Applies one host's plan inside a namespace through its generated `set -e` script. */
export function applyHostPlan(namespace: string, plan: HostPlan): Promise<RunResult> {
  return applyScript(namespace, hostScript(plan));
}

/** Applies bare steps (e.g. a diff or a teardown) inside a namespace, through the same script generator. */
export function applySteps(namespace: string, steps: readonly Step[], hostName = namespace): Promise<RunResult> {
  return applyHostPlan(namespace, { hostId: hostName, hostName, steps: [...steps], diagnostics: [] });
}

/**
 * What the lab knows about a host, as plan facts: the underlay is eth0 with the host's address
 * and MTU, and eth0 (and that address) carry the SSH session, so plans never touch them.
 */
export function labHostFacts(state: LabState, hostName: string): HostFacts {
  const host = labHost(state, hostName);
  return {
    underlayInterface: host.interface,
    underlayAddress: host.address,
    underlayMtu: host.mtu,
    sshInterface: host.interface,
    sshAddress: host.address,
  };
}

/** Facts for every topology host that has a lab host of the same name, keyed by host id. */
export function labFacts(state: LabState, topology: Topology): Record<string, HostFacts> {
  const facts: Record<string, HostFacts> = {};
  for (const h of topology.hosts) if (state.hosts.some((l) => l.name === h.name)) facts[h.id] = labHostFacts(state, h.name);
  return facts;
}

/** What the plan diff must never touch on a lab host: its underlay interface and address. */
export function labProtect(state: LabState, hostName: string): ProtectOptions {
  const host = labHost(state, hostName);
  return { interfaces: [host.interface], addresses: [host.address] };
}

/** The diff that would converge a lab host to its part of `topology` (host matched by name). */
export async function diffLabHost(
  state: LabState,
  topology: Topology,
  hostName: string,
): Promise<HostDiff & { observed: ObservedHostState }> {
  const host = labHost(state, hostName);
  const tHost = topology.hosts.find((h) => h.name === hostName);
  if (!tHost) throw new LabError(`topology ${topology.id} has no host named ${hostName}`);
  const observed = await observeNamespace(host.namespace, hostName);
  const desired = desiredHostState(topology, tHost.id, labFacts(state, topology));
  return { ...diffHost(desired, observed, { protect: labProtect(state, hostName) }), observed };
}

/** Observes, diffs and applies the fix on one lab host; returns the steps it ran (none when converged). */
export async function convergeLabHost(state: LabState, topology: Topology, hostName: string): Promise<Step[]> {
  const diff = await diffLabHost(state, topology, hostName);
  if (diff.steps.length > 0) await applySteps(labHost(state, hostName).namespace, diff.steps, hostName);
  return diff.steps;
}

export interface PingResult {
  ok: boolean;
  /** The local stack refused the packet as larger than the route MTU with DF set ("message too long"). */
  messageTooLong: boolean;
  output: string;
}

export interface PingOptions {
  /** ICMP payload size (`-s`); the IPv4 packet is 28 bytes more. */
  size?: number;
  /** Set DF and forbid fragmentation (`-M do`). */
  dontFragment?: boolean;
  count?: number;
  /** Seconds to wait for each reply (`-W`). */
  waitSeconds?: number;
}

/** `ping` from inside a namespace; `ok` when every probe got a reply. */
export async function pingFrom(namespace: string, target: string, options: PingOptions = {}): Promise<PingResult> {
  const count = options.count ?? 1;
  const argv = ['ping', '-n', '-c', String(count), '-W', String(options.waitSeconds ?? 2)];
  // 0.2 s between probes instead of 1 s (allowed for root, which the lab is).
  if (count > 1) argv.push('-i', '0.2');
  if (options.size !== undefined) argv.push('-s', String(options.size));
  if (options.dontFragment === true) argv.push('-M', 'do');
  argv.push(target);
  const r = await nsRun(namespace, argv, { timeoutMs: 30_000 });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.code === 0, messageTooLong: /message too long/i.test(output), output };
}
