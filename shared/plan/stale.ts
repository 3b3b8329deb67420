/**
 * Devices of ours the drawing no longer has, and devices of other drawings.
 *
 * A link carrying this topology's mark that the topology no longer wants is "stale": its removal
 * is planned, but marked `prune`, so a deploy removes it only when told to (the CLI's `--prune`,
 * the review's "Remove (no longer drawn)" checkbox). A link carrying another topology's mark is
 * never ours to change: it is named in the plan's notes and left alone.
 */
import type { Diagnostic } from '../validate/diagnostic';
import type { ObservedHostState, ObservedLink, ObservedVxlan } from '../observe/state';
import { bridgeAdd, linkAlias, linkDel, linkMtu, vxlanAddArgv } from './commands';
import { markOwner } from './mark';
import type { DesiredHostState, Step } from './types';

/** The argv list that re-creates an observed link of ours (the inverse of deleting it). */
export function recreateArgv(link: ObservedLink): string[][] {
  if (link.kind === 'vxlan' && link.vxlan) {
    const out = [vxlanAddArgv(link.name, link.vxlan)];
    if (link.alias !== undefined) out.push(linkAlias(link.name, link.alias).argv);
    out.push(linkMtu(link.name, link.mtu).argv);
    return out;
  }
  if (link.kind === 'bridge') {
    const out = [bridgeAdd(link.name).argv];
    if (link.alias !== undefined) out.push(linkAlias(link.name, link.alias).argv);
    return out;
  }
  return [];
}

function isIpv6(v: ObservedVxlan): boolean {
  return [v.local, v.remote, v.group].some((a) => a?.includes(':') === true);
}

/**
 * True when the kernel would refuse to create `wanted` while `existing` lives: one VXLAN device per
 * VNI, UDP port and address family (`vxlan_config_validate()` in drivers/net/vxlan: "A VXLAN device
 * with the specified VNI already exists"), whatever the local address.
 */
function vniClash(existing: ObservedVxlan, wanted: ObservedVxlan): boolean {
  return existing.vni === wanted.vni && existing.port === wanted.port && isIpv6(existing) === isIpv6(wanted);
}

/**
 * Steps that delete the links carrying our mark that `desired` no longer has, each with a re-create
 * as inverse. They are marked `prune` (deleting the device takes its addresses, FDB entries and
 * bridge ports with it, so the one step is all the removal needs), except when a device the plan
 * creates (`created`) needs the old one's VNI and port: then the old device is in the way of the
 * drawing as it is, and goes whatever the prune choice (a device renamed in the drawing).
 */
export function staleSteps(desired: DesiredHostState, observed: ObservedHostState, created: ReadonlySet<string>): Step[] {
  const wanted = new Set(desired.links.map((l) => l.name));
  const steps: Step[] = [];
  for (const l of observed.links) {
    if (l.alias !== desired.mark || wanted.has(l.name)) continue;
    const successor = desired.links.find(
      (w) => created.has(w.name) && w.vxlan !== undefined && l.vxlan !== undefined && vniClash(l.vxlan, w.vxlan),
    );
    if (successor?.vxlan !== undefined) {
      steps.push(
        linkDel(
          l.name,
          `replaced by ${successor.name} (VNI ${successor.vxlan.vni}, port ${successor.vxlan.port})`,
          recreateArgv(l),
        ),
      );
      continue;
    }
    steps.push({ ...linkDel(l.name, 'no longer drawn', recreateArgv(l)), prune: true });
  }
  return steps;
}

/**
 * One info note per link carrying another topology's mark, so the review says whose it is and that
 * it stays (`vxlan300 belongs to drawing lab-b; left alone`). Names `desired` wants are not noted
 * here: `diffHost` reports them as a name clash. Kept out of `diffHost` so a converged host still
 * diffs to nothing.
 */
export function otherDrawings(desired: DesiredHostState, observed: ObservedHostState): Diagnostic[] {
  const wanted = new Set([...desired.links.map((l) => l.name), ...desired.ports.map((p) => p.ifname)]);
  const out: Diagnostic[] = [];
  for (const l of observed.links) {
    const owner = markOwner(l.alias);
    if (owner === undefined || l.alias === desired.mark || wanted.has(l.name)) continue;
    out.push({
      code: 'PLAN_OTHER_DRAWING',
      severity: 'info',
      message: `${l.name} belongs to drawing ${owner}; left alone`,
      elementKind: 'host',
      elementId: desired.hostId,
      path: desired.hostPath,
    });
  }
  return out;
}

/**
 * What a deploy runs for its prune choice, and which devices are no longer drawn (the targets of
 * the `prune` steps, in plan order): with `prune` every step runs and those devices go; without,
 * the `prune` steps are left out and the devices stay where they are.
 *
 * @example
 * pruneChoice(diffHost(desired, observed).steps, false)
 * // { steps: [...everything but `ip link del vxlan200`], stale: ['vxlan200'] }
 */
export function pruneChoice(steps: readonly Step[], prune: boolean): { steps: Step[]; stale: string[] } {
  const stale = steps.filter((s) => s.prune === true && s.kind === 'link-del').map((s) => s.target);
  return { steps: prune ? [...steps] : steps.filter((s) => s.prune !== true), stale };
}
