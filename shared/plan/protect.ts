/**
 * The protected path: every device whose change could cut the SSH session or the underlay (a wrong
 * change there locks the admin out of the host), and the one judge of whether a step changes it.
 * Steps are judged by the state they produce (which device ends up on which master, which device
 * disappears), never by the shape of their argv.
 */
import type { ObservedHostState, ObservedLink } from '../observe/state';
import { parseAddress } from '../validate/ip';
import type { ProtectOptions, Step } from './types';

/** An address without its `/prefix`, in canonical form (`fd00:0::1` and `fd00::1` compare equal). */
export function addressPart(a: string): string {
  const i = a.indexOf('/');
  const raw = i < 0 ? a : a.slice(0, i);
  const parsed = parseAddress(raw);
  return typeof parsed === 'string' ? raw : parsed.normalized;
}

/** Devices and addresses that must stay as they are, each device with the reason it is protected. */
export interface ProtectedPath {
  /** Device name -> why it is protected (for messages), e.g. `port of br0, which carries the SSH session`. */
  interfaces: Map<string, string>;
  /** Addresses (without prefix) of either end of the SSH session. */
  addresses: Set<string>;
}

/**
 * The devices the SSH session and the underlay depend on, on one host: the SSH interface, the
 * underlay interface and every device holding an SSH address, then, until nothing changes, the
 * bridge or bond each of them is enslaved to, the ports of every protected bridge or bond, and the
 * parent of a VLAN (or macvlan/ipvlan) device. Moving any of them to another master, releasing one
 * from its master or deleting one can take the session's traffic off its path.
 *
 * @example
 * // SSH address on the admin's bridge br0, eth0 a port of br0:
 * [...protectedPath(observed, { addresses: ['192.168.1.10'] }).interfaces.keys()] // ['br0', 'eth0']
 */
export function protectedPath(
  observed: ObservedHostState,
  protect: ProtectOptions | undefined,
  underlay?: string,
): ProtectedPath {
  const interfaces = new Map<string, string>();
  const addresses = new Set((protect?.addresses ?? []).map(addressPart));
  const byName = new Map<string, ObservedLink>(observed.links.map((l) => [l.name, l]));
  const queue: string[] = [];
  const add = (name: string, why: string): void => {
    if (interfaces.has(name)) return;
    interfaces.set(name, why);
    queue.push(name);
  };
  for (const name of protect?.interfaces ?? []) add(name, 'it carries the SSH session');
  if (underlay !== undefined) add(underlay, 'it carries the underlay');
  for (const a of observed.addresses) {
    if (addresses.has(addressPart(a.cidr))) add(a.ifname, `it holds ${addressPart(a.cidr)}, an address of the SSH session`);
  }
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const link = byName.get(name);
    if (link?.master !== undefined) add(link.master, `${name}, which is protected, is one of its ports`);
    if (link?.parent !== undefined) add(link.parent, `it is the parent of ${name}, which is protected`);
    for (const l of observed.links) if (l.master === name) add(l.name, `it is a port of ${name}, which is protected`);
  }
  return { interfaces, addresses };
}

/**
 * Why running `step` would change the protected path, or undefined when it leaves it as it is:
 * the device it acts on, the master a device joins or leaves, or a device whose deletion releases
 * its ports, is protected; or it removes an SSH address.
 *
 * @example
 * protectedChange(linkMaster('eth0', 'br-ov'), path) // 'eth0 would move to br-ov: it is a port of br0, which is protected'
 */
export function protectedChange(step: Step, path: ProtectedPath): string | undefined {
  const why = (name: string): string | undefined => path.interfaces.get(name);
  const hit = why(step.target);
  switch (step.kind) {
    case 'link-master': {
      if (hit !== undefined) return `${step.target} would move to ${step.master ?? 'another master'}: ${hit}`;
      const m = step.master === undefined ? undefined : why(step.master);
      if (m !== undefined) return `${step.target} would join ${step.master}: ${m}`;
      return undefined;
    }
    case 'link-nomaster': {
      if (hit !== undefined) return `${step.target} would leave ${step.master ?? 'its master'}: ${hit}`;
      const m = step.master === undefined ? undefined : why(step.master);
      if (m !== undefined) return `${step.target} would leave ${step.master}: ${m}`;
      return undefined;
    }
    case 'link-del':
      return hit === undefined ? undefined : `${step.target} would be deleted: ${hit}`;
    case 'addr-del': {
      const cidr = step.address ?? '';
      if (path.addresses.has(addressPart(cidr))) return `it removes ${addressPart(cidr)}, an address of the SSH session`;
      return hit === undefined ? undefined : `it changes the addresses of ${step.target}: ${hit}`;
    }
    default:
      return hit === undefined ? undefined : `it changes ${step.target}: ${hit}`;
  }
}
