/**
 * Desired vs observed -> the minimal steps that converge a host, and teardown of what we own.
 *
 * Ownership rules: only links whose alias is our mark (`ownerMark(topologyId)`) are ever changed or
 * deleted; an interface of the same name without our mark is adopted when it was made by hand and
 * matches the drawing exactly (adopt.ts: only our mark is set), else it is an error (no step), unless
 * the user chose to replace devices made by hand. Another drawing's device is never adopted nor replaced. The underlay interface and whatever carries the SSH session (`protect`) are never
 * touched. Foreign bridge ports (VM taps) are attached, and on teardown detached, never deleted.
 */
import type { Diagnostic } from '../validate/diagnostic';
import { cidrContains, parseAddress, parseCidr } from '../validate/ip';
import { ALL_ZERO_MAC, type ObservedHostState, type ObservedLink, type ObservedVxlan } from '../observe/state';
import {
  addrAdd,
  addrDel,
  bridgeAdd,
  fdbAppend,
  fdbDel,
  linkAdopt,
  linkAlias,
  linkDel,
  linkMaster,
  linkMtu,
  linkNomaster,
  linkUp,
  vxlanAdd,
} from './commands';
import { foreignDifferences, formatDifferences, type ForeignDifference } from './adopt';
import { markOwner, ownerMark } from './mark';
import { addressPart, protectedChange, protectedPath, type ProtectedPath } from './protect';
import { recreateArgv, staleSteps } from './stale';
import type { DesiredHostState, DesiredLink, DesiredVxlan, HostDiff, ProtectOptions, Step } from './types';

/** Canonical form of an address for comparison (`FD00::1` and `fd00:0::1` are the same). */
function normAddress(a: string): string {
  const p = parseAddress(a);
  return typeof p === 'string' ? a : p.normalized;
}

function normCidr(c: string): string {
  const p = parseCidr(c);
  return typeof p === 'string' ? c : `${p.address}/${p.prefix}`;
}

/** Which VXLAN parameters differ; any difference needs a re-create (ip-link(8) cannot change them in place). */
export function vxlanDrift(desired: DesiredVxlan, observed: ObservedVxlan): string[] {
  const out: string[] = [];
  const opt = (a: string | undefined): string | undefined => (a === undefined ? undefined : normAddress(a));
  if (desired.vni !== observed.vni) out.push(`VNI ${observed.vni} -> ${desired.vni}`);
  if (desired.port !== observed.port) out.push(`port ${observed.port} -> ${desired.port}`);
  // An unknown desired dev ("auto" without facts) is not a difference.
  if (desired.dev !== undefined && desired.dev !== observed.dev) out.push(`dev ${observed.dev ?? '(none)'} -> ${desired.dev}`);
  if (opt(desired.local) !== opt(observed.local)) out.push(`local ${observed.local ?? '(none)'} -> ${desired.local ?? '(none)'}`);
  if (opt(desired.remote) !== opt(observed.remote))
    out.push(`remote ${observed.remote ?? '(none)'} -> ${desired.remote ?? '(none)'}`);
  if (opt(desired.group) !== opt(observed.group)) out.push(`group ${observed.group ?? '(none)'} -> ${desired.group ?? '(none)'}`);
  if (desired.ttl !== observed.ttl) out.push(`ttl ${observed.ttl ?? 'auto'} -> ${desired.ttl ?? 'auto'}`);
  if (desired.learning !== observed.learning) out.push(desired.learning ? 'learning on' : 'learning off');
  return out;
}

function protectDiag(
  desired: { hostId: string; hostName: string },
  what: string,
  path: string,
  element: { kind: Diagnostic['elementKind']; id: string } = { kind: 'host', id: desired.hostId },
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return {
    code: 'PLAN_PROTECTED',
    severity,
    message: `${what} on ${desired.hostName} would touch the underlay or SSH path, so it is left out`,
    elementKind: element.kind,
    elementId: element.id,
    path,
    hint: 'Pick another name or interface; VXLAN Studio never changes the interface that carries the underlay or its own SSH session.',
  };
}

/**
 * A device the drawing wants (or wants to enslave) exists already and is not ours: an admin's own,
 * or another drawing's (named, so the user knows which drawing to change).
 */
function clashDiag(
  desired: DesiredHostState,
  have: ObservedLink,
  path: string,
  element: { kind: Diagnostic['elementKind']; id: string },
  /** How a device made by hand differs from the drawing (it would be adopted if nothing did). */
  diffs?: ForeignDifference[],
): Diagnostic {
  const owner = markOwner(have.alias);
  const whose =
    owner !== undefined
      ? `that belongs to drawing ${owner}`
      : `that VXLAN Studio did not create${have.alias ? ` (alias "${have.alias}")` : ''}`;
  const how = diffs !== undefined && diffs.length > 0 ? ` and that differs from the drawing (${formatDifferences(diffs)})` : '';
  return {
    code: 'PLAN_NAME_CLASH',
    severity: 'error',
    message: `${desired.hostName} already has an interface ${have.name}${have.kind ? ` (${have.kind})` : ''} ${whose}${how}; it is left alone`,
    elementKind: element.kind,
    elementId: element.id,
    path,
    hint:
      owner !== undefined
        ? `Rename the device in this drawing, or remove it from drawing ${owner} and deploy that one first.`
        : diffs !== undefined
          ? 'Replace it with the drawn one (the review\'s "Replace devices made by hand", or `vxlan-studio apply --replace-foreign`), rename the device in the drawing, or make the drawing match it (then it is adopted as it is).'
          : 'Rename the device in the topology, or remove the existing interface by hand if it is a leftover.',
  };
}

function protection(desired: DesiredHostState, protect: ProtectOptions | undefined, observed: ObservedHostState): ProtectedPath {
  return protectedPath(observed, protect, desired.underlayInterface);
}

/**
 * Compares desired with observed state and returns only the steps that are missing or drifted:
 * re-create VXLAN devices whose parameters changed (del + add), MTU, bridge membership, all-zero FDB
 * entries (append missing, delete stale), addresses on our devices, up state, and delete links that
 * carry our mark but are no longer desired (marked `prune`: see `staleSteps`, `pruneChoice`). A
 * converged host yields no steps.
 *
 * Never touches: links without our mark (a clash is an error diagnostic; a device made by hand that
 * matches the drawing only gets our mark, see adopt.ts; one that differs is replaced only with
 * `opts.replaceForeign`), the underlay interface,
 * `opts.protect` interfaces and addresses, and interfaces holding a protected address.
 *
 * With `emptyObserved()` this is the plan "from scratch" (`compilePlan` calls exactly this).
 */
export function diffHost(
  desired: DesiredHostState,
  observed: ObservedHostState,
  opts: {
    protect?: ProtectOptions;
    /** Delete and re-create devices made by hand whose settings differ from the drawing (else a clash, left alone). */
    replaceForeign?: boolean;
  } = {},
): HostDiff {
  const mark = desired.mark;
  const diagnostics: Diagnostic[] = [];
  const guard = protection(desired, opts.protect, observed);
  const byName = new Map<string, ObservedLink>();
  for (const l of observed.links) byName.set(l.name, l);

  const adopts: Step[] = [];
  const deletes: Step[] = [];
  const creates: Step[] = [];
  const mtus: Step[] = [];
  const masters: Step[] = [];
  const fdbs: Step[] = [];
  const addrDels: Step[] = [];
  const addrAdds: Step[] = [];
  const ups: Step[] = [];

  /** Links we will (re)create in this plan: their current state does not count. */
  const fresh = new Set<string>();
  /** Desired links we may not touch (the name belongs to someone else): nothing that depends on them is planned. */
  const blocked = new Set<string>();

  for (const want of desired.links) {
    const have = byName.get(want.name);
    /** Made by hand and replaced on the user's word: deleted, then created like a missing device. */
    let replace = false;
    if (have !== undefined && have.alias !== mark) {
      const diffs = markOwner(have.alias) === undefined ? foreignDifferences(want, have, desired, observed) : undefined;
      if (diffs !== undefined && diffs.length === 0) {
        adopts.push(linkAdopt(want.name, mark, have.alias));
        continue;
      }
      if (diffs !== undefined && opts.replaceForeign === true) {
        replace = true;
        deletes.push(linkDel(want.name, `replace the one made by hand: ${formatDifferences(diffs)}`, recreateArgv(have)));
      } else {
        blocked.add(want.name);
        diagnostics.push(
          clashDiag(
            desired,
            have,
            want.path,
            { kind: want.kind === 'bridge' ? 'host' : 'membership', id: want.elementId },
            diffs,
          ),
        );
        continue;
      }
    }
    let recreate = have === undefined || replace;
    if (have !== undefined && !replace) {
      const why: string[] = [];
      if (have.kind !== want.kind) why.push(`kind ${have.kind ?? '(none)'} -> ${want.kind}`);
      else if (want.vxlan && have.vxlan) why.push(...vxlanDrift(want.vxlan, have.vxlan));
      else if (want.vxlan && !have.vxlan) why.push('VXLAN parameters unreadable');
      if (why.length > 0) {
        recreate = true;
        deletes.push(linkDel(want.name, `re-create: ${why.join(', ')}`, recreateArgv(have)));
      }
    }
    if (recreate) {
      fresh.add(want.name);
      creates.push(want.kind === 'vxlan' && want.vxlan ? vxlanAdd(want.name, want.vxlan) : bridgeAdd(want.name));
      creates.push(linkAlias(want.name, mark));
      if (want.mtu !== undefined) creates.push(linkMtu(want.name, want.mtu));
    } else if (have !== undefined && want.mtu !== undefined && have.mtu !== want.mtu) {
      mtus.push(linkMtu(want.name, want.mtu, have.mtu));
    }
  }

  const usable = (name: string): boolean => !blocked.has(name);

  // Bridge membership of our links.
  for (const want of desired.links) {
    if (!usable(want.name)) continue;
    const have = fresh.has(want.name) ? undefined : byName.get(want.name);
    if (want.master !== undefined) {
      if (!usable(want.master)) continue;
      if (have?.master !== want.master || fresh.has(want.master)) {
        masters.push(linkMaster(want.name, want.master, have?.master === want.master ? undefined : have?.master));
      }
    } else if (have?.master !== undefined) {
      masters.push(linkNomaster(want.name, have.master));
    }
  }

  // Foreign ports (VM taps, veths): attach only; they are not ours to create or delete.
  for (const p of desired.ports) {
    if (!usable(p.master)) continue;
    const have = byName.get(p.ifname);
    if (have !== undefined && markOwner(have.alias) !== undefined && have.alias !== mark) {
      // Another drawing's device: enslaving it here would cut it out of that drawing's overlay.
      diagnostics.push(clashDiag(desired, have, p.path, { kind: 'membership', id: p.elementId }));
      continue;
    }
    if (have === undefined && observed.assumed !== true) {
      diagnostics.push({
        code: 'PLAN_PORT_MISSING',
        severity: 'warning',
        message: `bridge port ${p.ifname} does not exist on ${desired.hostName}; it will be attached to ${p.master} once it exists and the plan runs again`,
        elementKind: 'membership',
        elementId: p.elementId,
        path: p.path,
      });
      continue;
    }
    // A re-created bridge lost its ports when the old one was deleted.
    if (have?.master !== p.master || fresh.has(p.master))
      masters.push(linkMaster(p.ifname, p.master, have?.master === p.master ? undefined : have?.master));
  }

  // Head-end replication entries (unicast-mesh): exactly one all-zero entry per peer.
  const wantFdb = new Map<string, Set<string>>();
  for (const f of desired.fdb) {
    let set = wantFdb.get(f.ifname);
    if (!set) wantFdb.set(f.ifname, (set = new Set()));
    // desiredHostState already gives canonical addresses.
    set.add(f.dst);
  }
  const haveFdb = new Map<string, Set<string>>();
  for (const e of observed.fdb) {
    if (e.mac !== ALL_ZERO_MAC || e.dst === undefined) continue;
    let set = haveFdb.get(e.ifname);
    if (!set) haveFdb.set(e.ifname, (set = new Set()));
    set.add(normAddress(e.dst));
  }
  for (const want of desired.links) {
    if (want.kind !== 'vxlan' || !usable(want.name)) continue;
    const wanted = wantFdb.get(want.name) ?? new Set<string>();
    const had = fresh.has(want.name) ? new Set<string>() : (haveFdb.get(want.name) ?? new Set<string>());
    for (const dst of wanted) if (!had.has(dst)) fdbs.push(fdbAppend(want.name, dst));
    // The kernel's own default entry for `remote`/`group` is not ours to remove.
    const implicit = new Set<string>();
    const obs = byName.get(want.name)?.vxlan;
    for (const a of [obs?.remote, obs?.group, want.vxlan?.remote, want.vxlan?.group])
      if (a !== undefined) implicit.add(normAddress(a));
    for (const dst of had) if (!wanted.has(dst) && !implicit.has(dst)) fdbs.push(fdbDel(want.name, dst));
  }

  // Addresses on our links.
  const wantAddr = new Map<string, Map<string, DesiredHostState['addresses'][number]>>();
  for (const a of desired.addresses) {
    let m = wantAddr.get(a.ifname);
    if (!m) wantAddr.set(a.ifname, (m = new Map<string, DesiredHostState['addresses'][number]>()));
    m.set(normCidr(a.cidr), a);
  }
  const haveAddr = new Map<string, Map<string, string>>();
  for (const a of observed.addresses) {
    // Kernel-made IPv6 link-local addresses come with every device that is up; not ours.
    if (a.scope === 'link' && !desired.addresses.some((d) => d.ifname === a.ifname && normCidr(d.cidr) === normCidr(a.cidr)))
      continue;
    let m = haveAddr.get(a.ifname);
    if (!m) haveAddr.set(a.ifname, (m = new Map<string, string>()));
    m.set(normCidr(a.cidr), a.cidr);
  }
  for (const want of desired.links) {
    if (!usable(want.name)) continue;
    const wanted = wantAddr.get(want.name) ?? new Map<string, DesiredHostState['addresses'][number]>();
    const had = fresh.has(want.name) ? new Map<string, string>() : (haveAddr.get(want.name) ?? new Map<string, string>());
    for (const [key, cidr] of had) {
      if (wanted.has(key)) continue;
      if (guard.addresses.has(addressPart(cidr))) {
        diagnostics.push(protectDiag(desired, `removing address ${cidr} from ${want.name}`, want.path));
        continue;
      }
      addrDels.push(addrDel(cidr, want.name));
    }
    for (const [key, a] of wanted) {
      if (had.has(key)) continue;
      // A new connected route over a protected address would pull the SSH session into the overlay.
      const covered = [...guard.addresses].find((p) => cidrContains(a.cidr, p));
      if (covered !== undefined) {
        diagnostics.push(
          protectDiag(
            desired,
            `adding ${a.cidr} to ${want.name} (its subnet contains ${covered}, used by the SSH session)`,
            a.path,
            { kind: 'membership', id: a.elementId },
          ),
        );
        continue;
      }
      addrAdds.push(addrAdd(a.cidr, want.name));
    }
  }

  // Up state: VXLAN devices first, then bridges: the order of the usual hand-typed recipe, so a plan reads like it.
  for (const kind of ['vxlan', 'bridge'] as const) {
    for (const want of desired.links) {
      if (want.kind !== kind || !usable(want.name)) continue;
      const have = fresh.has(want.name) ? undefined : byName.get(want.name);
      if (have?.up !== true) ups.push(linkUp(want.name));
    }
  }

  // Stale links of ours go first, like re-creates: a device renamed in the drawing frees its VNI.
  const stale = staleSteps(desired, observed, fresh);
  const steps = [...stale, ...adopts, ...deletes, ...creates, ...mtus, ...masters, ...fdbs, ...addrDels, ...addrAdds, ...ups];
  return { steps: withoutProtected(steps, guard, desired, diagnostics), diagnostics };
}

/**
 * Drops every step that would change the protected path (see `protectedPath`: the underlay, the SSH
 * interface, the devices it sits on or that sit on it) by the state it produces, with one diagnostic
 * per device. Checked on the final steps so a converged protected device raises nothing.
 */
function withoutProtected(steps: Step[], guard: ProtectedPath, desired: DesiredHostState, diagnostics: Diagnostic[]): Step[] {
  if (guard.interfaces.size === 0) return steps;
  const origin = (name: string): [string, { kind: Diagnostic['elementKind']; id: string }] => {
    const link = desired.links.find((l) => l.name === name);
    if (link) return [link.path, { kind: link.kind === 'bridge' ? 'host' : 'membership', id: link.elementId }];
    const port = desired.ports.find((p) => p.ifname === name);
    if (port) return [port.path, { kind: 'membership', id: port.elementId }];
    return [desired.hostPath, { kind: 'host', id: desired.hostId }];
  };
  return keepUnprotected(
    steps,
    guard,
    (step, why) => {
      const [path, element] = origin(step.target);
      // Removing a device no longer drawn is optional: left in place, it blocks nothing else.
      return protectDiag(desired, `${step.description} (${why})`, path, element, step.prune === true ? 'warning' : 'error');
    },
    diagnostics,
  );
}

/**
 * The steps that leave the protected path as it is (judged by `protectedChange`), in order; for each
 * device a dropped step acts on, one diagnostic made by `report`.
 */
function keepUnprotected(
  steps: Step[],
  guard: ProtectedPath,
  report: (step: Step, why: string) => Diagnostic,
  diagnostics: Diagnostic[],
): Step[] {
  const reported = new Set<string>();
  return steps.filter((step) => {
    const why = protectedChange(step, guard);
    if (why === undefined) return true;
    if (!reported.has(step.target)) {
      reported.add(step.target);
      diagnostics.push(report(step, why));
    }
    return false;
  });
}

/**
 * Teardown of everything carrying the mark of `topologyId`, with the diagnostics of what had to be
 * left alone (protected interfaces). `guarded` adds `Guard`s for scripts made without live state.
 */
export function planTeardown(
  topologyId: string,
  observed: ObservedHostState,
  opts: { protect?: ProtectOptions; hostName?: string; hostId?: string; hostPath?: string; guarded?: boolean } = {},
): HostDiff {
  const mark = ownerMark(topologyId);
  const diagnostics: Diagnostic[] = [];
  const owned = observed.links.filter((l) => l.alias === mark);
  const ownedNames = new Set(owned.map((l) => l.name));
  const guard = protectedPath(observed, opts.protect);
  const who = { hostId: opts.hostId ?? '', hostName: opts.hostName ?? 'the host' };

  const detach: Step[] = [];
  const deletes: Array<{ bridge: boolean; step: Step }> = [];
  for (const l of observed.links) {
    // Ports we do not own on a bridge we own: released, never deleted.
    if (l.master !== undefined && ownedNames.has(l.master) && !ownedNames.has(l.name)) {
      const step = linkNomaster(l.name, l.master);
      if (opts.guarded === true)
        step.guards = [
          { kind: 'owned', ifname: l.master, alias: mark },
          { kind: 'port-of', ifname: l.name, master: l.master },
        ];
      detach.push(step);
    }
  }
  for (const l of owned) {
    const step = linkDel(l.name, `teardown of ${topologyId}`, recreateArgv(l));
    if (opts.guarded === true) step.guards = [{ kind: 'owned', ifname: l.name, alias: mark }];
    deletes.push({ bridge: l.kind === 'bridge', step });
  }
  // A step that would change the SSH path is left out, and said so once per device.
  const kept = new Set(
    keepUnprotected(
      [...detach, ...deletes.map((d) => d.step)],
      guard,
      (step, why) => protectDiag(who, `${step.description} (${why})`, opts.hostPath ?? 'hosts'),
      diagnostics,
    ),
  );
  const deleted = (bridge: boolean): Step[] => deletes.filter((d) => d.bridge === bridge && kept.has(d.step)).map((d) => d.step);
  return { steps: [...detach.filter((s) => kept.has(s)), ...deleted(false), ...deleted(true)], diagnostics };
}

/**
 * Steps that remove everything carrying the mark of `topologyId` on a host: foreign ports on our
 * bridges are detached (`nomaster`), our VXLAN devices and then our bridges deleted. Links of other
 * topologies and unmarked links are never touched.
 *
 * @example
 * teardownHost('textbook', observed).map((s) => argvToShell(s.argv))
 * // ['ip link del vxlan100', 'ip link del br-overlay']
 */
export function teardownHost(topologyId: string, observed: ObservedHostState, opts: { protect?: ProtectOptions } = {}): Step[] {
  return planTeardown(topologyId, observed, opts).steps;
}

/**
 * The observed state a host would report right after a plan for `desired` ran on a host that had
 * nothing of ours: used to compile teardown scripts without reading the host, and by property
 * tests (the lab tests check the same against a real kernel).
 */
export function observedAfterApply(
  desired: DesiredHostState,
  base: ObservedHostState = { links: [], addresses: [], fdb: [] },
): ObservedHostState {
  const links: ObservedLink[] = base.links.filter((l) => !desired.links.some((d) => d.name === l.name));
  let ifindex = Math.max(1, ...base.links.map((l) => l.ifindex)) + 1;
  const addLink = (d: DesiredLink): void => {
    const l: ObservedLink = { name: d.name, ifindex: ifindex++, kind: d.kind, alias: desired.mark, mtu: d.mtu ?? 1500, up: true };
    if (d.master !== undefined) l.master = d.master;
    if (d.vxlan) {
      l.vxlan = { ...d.vxlan };
    }
    links.push(l);
  };
  desired.links.forEach(addLink);
  for (const p of desired.ports) {
    const existing = links.find((l) => l.name === p.ifname);
    if (existing) existing.master = p.master;
    else links.push({ name: p.ifname, ifindex: ifindex++, kind: 'tun', mtu: 1500, up: true, master: p.master });
  }
  const addresses = [
    ...base.addresses,
    ...desired.addresses.map((a) => ({
      ifname: a.ifname,
      cidr: a.cidr,
      family: a.cidr.includes(':') ? ('inet6' as const) : ('inet' as const),
      scope: 'global',
    })),
  ];
  const fdb = [...base.fdb];
  for (const d of desired.links) {
    // The kernel adds a default all-zero entry for `remote` / `group` by itself.
    const implicit = d.vxlan?.remote ?? d.vxlan?.group;
    if (implicit !== undefined)
      fdb.push({ ifname: d.name, mac: ALL_ZERO_MAC, dst: implicit, flags: ['self'], state: 'permanent' });
  }
  for (const f of desired.fdb) fdb.push({ ifname: f.ifname, mac: ALL_ZERO_MAC, dst: f.dst, flags: ['self'], state: 'permanent' });
  return { links, addresses, fdb };
}
