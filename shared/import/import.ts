/**
 * Observed hosts -> a drawing: what admins built by hand (the primer's `vxlan100` + `br-overlay`)
 * or with an earlier drawing becomes a topology that plans no change against those hosts, plus a
 * report of everything the drawing cannot say (see report.ts). Pure: the caller observes.
 *
 * Flood mode per device (ip-link(8) "VXLAN Type Support", RFC 7348 section 4): `remote` is
 * point-to-point, `group` is multicast, neither is a unicast mesh whose peers are the all-zero FDB
 * entries (head-end replication).
 */
import {
  CURRENT_FORMAT,
  defaultDeviceName,
  InterfaceNameSchema,
  TopologyIdSchema,
  TopologySchema,
  VNI_MAX,
  VNI_MIN,
  type FloodMode,
  type Flood,
  type Host,
  type Membership,
  type Segment,
  type SshAuth,
  type Topology,
} from '../model';
import { ALL_ZERO_MAC, type ObservedHostState, type ObservedLink, type ObservedVxlan } from '../observe/state';
import { markOwner } from '../plan/mark';
import { DEFAULT_MULTICAST_TTL } from '../plan/desired';
import type { HostFacts } from '../plan/types';
import { parseAddress, parseCidr } from '../validate/ip';
import { importLayout } from './layout';
import type { ImportCode, ImportReport, ImportWarning } from './report';

/** One host to import: how it was reached and what it reported. */
export interface ImportHostInput {
  /** Display name; default the SSH host. */
  name?: string;
  ssh: { host: string; port?: number; user?: string; auth?: SshAuth; jump?: string };
  sudo?: boolean;
  observed: ObservedHostState;
  /** Facts read with the observe (the SSH path, the route to a peer), when the caller has them. */
  facts?: HostFacts;
}

export interface ImportOptions {
  /** Drawing id when the devices carry no mark all agree on (the caller makes a fresh one). */
  id: string;
  name?: string;
}

export interface ImportResult {
  topology: Topology;
  report: ImportReport;
}

/** A VXLAN device found on a host. */
interface Device {
  host: HostCtx;
  link: ObservedLink;
  vx: ObservedVxlan;
  mode: FloodMode;
  /** All-zero flood entries besides the kernel's own one for `remote`/`group`, normalised. */
  floods: string[];
}

interface HostCtx {
  index: number;
  id: string;
  name: string;
  input: ImportHostInput;
  links: Map<string, ObservedLink>;
  /** Addresses on the host (not link-local), normalised, without prefix. */
  owned: Set<string>;
  devices: Device[];
  underlayAddress?: string;
  underlayInterface?: string;
}

/** Canonical form of an address (`FD00::1` = `fd00::1`); the text itself when it does not parse. */
function norm(a: string): string {
  const p = parseAddress(a);
  return typeof p === 'string' ? a : p.normalized;
}

/** The most common value of a list (the first one on a tie), and whether the list had others. */
function majority<T>(values: readonly T[]): { value: T | undefined; mixed: boolean } {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return { value: best, mixed: counts.size > 1 };
}

/** An element id made of a display name: letters, digits, "_" and "-", unique among `used`. */
function uniqueId(base: string, used: Set<string>): string {
  const clean =
    base
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56) || 'host';
  let id = clean;
  for (let n = 2; used.has(id); n++) id = `${clean}-${n}`;
  used.add(id);
  return id;
}

class Warnings {
  readonly list: ImportWarning[] = [];
  private readonly seen = new Set<string>();
  add(code: ImportCode, message: string, where: { host?: string; device?: string } = {}): void {
    if (this.seen.has(`${code}\n${message}`)) return;
    this.seen.add(`${code}\n${message}`);
    this.list.push({ code, message, ...where });
  }
}

/**
 * Builds a drawing from the observed state of hosts.
 *
 * - Segments: one per (VNI, UDP port); flood mode, MTU, learning and multicast group from the
 *   members (the most common value, a warning for the others); subnet when every member address
 *   lies in one network.
 * - Memberships: device name (when not `vxlan<VNI>`), bridge (a Linux bridge master), overlay
 *   address (on the bridge, else on the device), the bridge's other ports.
 * - Hosts: SSH settings as given; underlay interface from the devices' `dev`, address from their
 *   `local`, else the address the peers send to, else the route's source.
 * - Drawing id: the one in the devices' mark (`vxlan-studio:<id>`) when all marks agree, so the
 *   drawing owns them again; else `opts.id`.
 *
 * @example
 * importDrawing([{ ssh: { host: '192.168.1.10' }, observed: a }, { ssh: { host: '192.168.1.20' }, observed: b }], { id: 'imported-1' })
 * // topology.segments -> [{ id: 'seg-100', vni: 100, flood: { mode: 'point-to-point' }, mtu: 1450, ... }]
 */
export function importDrawing(inputs: readonly ImportHostInput[], opts: ImportOptions): ImportResult {
  const warn = new Warnings();
  const usedIds = new Set<string>();
  const hosts: HostCtx[] = inputs.map((input, index) => {
    const name = (input.name ?? input.ssh.host).slice(0, 64);
    const owned = new Set(
      input.observed.addresses.filter((a) => a.scope !== 'link').map((a) => norm(a.cidr.split('/')[0] ?? '')),
    );
    return {
      index,
      id: uniqueId(name, usedIds),
      name,
      input,
      links: new Map(input.observed.links.map((l) => [l.name, l])),
      owned,
      devices: [],
    };
  });
  for (const h of hosts) h.devices = findDevices(h, warn);
  const ownerOf = new Map<string, HostCtx>();
  for (const h of hosts) for (const a of h.owned) if (!ownerOf.has(a)) ownerOf.set(a, h);
  for (const h of hosts) resolveUnderlay(h, hosts, warn);

  const segments: Segment[] = [];
  const memberships: Membership[] = [];
  const reportSegments: ImportReport['segments'] = [];
  const groups = groupDevices(hosts, warn);
  const portsOfVni = new Map<number, number>();
  for (const g of groups) portsOfVni.set(g[0]?.vx.vni ?? 0, (portsOfVni.get(g[0]?.vx.vni ?? 0) ?? 0) + 1);
  const bridged = new Set<string>();
  for (const group of groups) {
    const first = group[0] as Device;
    const { vni, port } = first.vx;
    const suffix = (portsOfVni.get(vni) ?? 0) > 1 ? `-${port}` : '';
    const segment = buildSegment(`seg-${vni}${suffix}`, `overlay-${vni}${suffix}`, group, warn);
    const members: Membership[] = group.map((d) => buildMembership(d, segment, bridged, warn));
    for (const d of group) checkDevice(d, group, segment.flood, ownerOf, warn);
    const subnet = commonSubnet(members);
    if (subnet !== undefined) segment.subnet = subnet;
    segments.push(segment);
    memberships.push(...members);
    reportSegments.push({ id: segment.id, vni, port, flood: segment.flood.mode, members: group.map((d) => d.host.name) });
  }

  const { id, idFrom } = drawingId(hosts, opts.id, warn);
  const hostList: Host[] = hosts.map((h) => buildHost(h, memberships));
  const names = hosts.map((h) => h.name).join(', ');
  const draft = {
    format: CURRENT_FORMAT,
    id,
    name: (opts.name ?? `Imported from ${names}`).slice(0, 128),
    hosts: hostList,
    segments,
    memberships,
    layout: { positions: {} },
  };
  const topology = TopologySchema.parse({ ...draft, layout: importLayout(draft) });
  return {
    topology,
    report: {
      topologyId: id,
      idFrom,
      hosts: hosts.map((h) => ({ name: h.name, devices: h.devices.map((d) => d.link.name) })),
      segments: reportSegments,
      warnings: warn.list,
    },
  };
}

/** The VXLAN devices of a host a drawing can hold; the others become warnings. */
function findDevices(h: HostCtx, warn: Warnings): Device[] {
  const out: Device[] = [];
  for (const link of h.input.observed.links) {
    const vx = link.vxlan;
    if (link.kind !== 'vxlan' || vx === undefined) continue;
    const where = { host: h.name, device: link.name };
    if (vx.external === true) {
      warn.add('IMPORT_EXTERNAL_DEVICE', `${link.name} on ${h.name} is a collect-metadata (external) device; not drawn`, where);
      continue;
    }
    if (!InterfaceNameSchema.safeParse(link.name).success || vx.vni < VNI_MIN || vx.vni > VNI_MAX) {
      warn.add('IMPORT_DEVICE_INVALID', `${link.name} on ${h.name} (VNI ${vx.vni}) cannot be drawn; not imported`, where);
      continue;
    }
    const mode: FloodMode = vx.remote !== undefined ? 'point-to-point' : vx.group !== undefined ? 'multicast' : 'unicast-mesh';
    const implicit = [vx.remote, vx.group].filter((a): a is string => a !== undefined).map(norm);
    const floods: string[] = [];
    for (const e of h.input.observed.fdb) {
      if (e.ifname !== link.name || e.dst === undefined) continue;
      const dst = norm(e.dst);
      if (e.mac === ALL_ZERO_MAC) {
        if (!implicit.includes(dst) && !floods.includes(dst)) floods.push(dst);
      } else if (e.state === 'permanent' || e.state === 'static') {
        warn.add('IMPORT_STATIC_FDB', `${link.name} on ${h.name} has a static entry ${e.mac} dst ${e.dst}; not drawn`, where);
      }
    }
    if (mode !== 'unicast-mesh')
      for (const dst of floods)
        warn.add(
          'IMPORT_STATIC_FDB',
          `${link.name} on ${h.name} (${mode}) also floods to ${dst}; a ${mode} segment has no flood entries, deploying removes it`,
          where,
        );
    if (!link.up) warn.add('IMPORT_DEVICE_DOWN', `${link.name} on ${h.name} is down; deploying the drawing brings it up`, where);
    out.push({ host: h, link, vx, mode, floods: mode === 'unicast-mesh' ? floods : [] });
  }
  if (out.length === 0) warn.add('IMPORT_NO_DEVICES', `${h.name} has no VXLAN device that can be drawn`, { host: h.name });
  return out;
}

/**
 * A host's underlay: the interface its devices name with `dev`; the address from their `local`,
 * else the one of its addresses the other hosts' devices send to, else the route's source, else
 * the address on the underlay interface.
 */
function resolveUnderlay(h: HostCtx, hosts: readonly HostCtx[], warn: Warnings): void {
  const devs = majority(h.devices.flatMap((d) => (d.vx.dev === undefined ? [] : [d.vx.dev])));
  const locals = majority(h.devices.flatMap((d) => (d.vx.local === undefined ? [] : [norm(d.vx.local)])));
  if (devs.mixed)
    warn.add(
      'IMPORT_UNDERLAY_MIXED',
      `the VXLAN devices of ${h.name} use different underlay interfaces; ${devs.value} is drawn`,
      {
        host: h.name,
      },
    );
  if (locals.mixed)
    warn.add('IMPORT_UNDERLAY_MIXED', `the VXLAN devices of ${h.name} use different local addresses; ${locals.value} is drawn`, {
      host: h.name,
    });
  const targeted = majority(
    hosts
      .filter((o) => o !== h)
      .flatMap((o) => o.devices.flatMap((d) => [...(d.vx.remote === undefined ? [] : [norm(d.vx.remote)]), ...d.floods]))
      .filter((a) => h.owned.has(a)),
  );
  const addrs = h.input.observed.addresses.filter((a) => a.scope !== 'link');
  const onDev = devs.value === undefined ? undefined : addrs.find((a) => a.ifname === devs.value && a.family === 'inet');
  const fact = h.input.facts?.underlayAddress;
  const address = locals.value ?? targeted.value ?? (fact === undefined ? undefined : norm(fact)) ?? onDev?.cidr.split('/')[0];
  if (address !== undefined) h.underlayAddress = address;
  else if (h.devices.length > 0)
    warn.add('IMPORT_UNDERLAY_UNKNOWN', `the underlay address of ${h.name} could not be worked out; it stays "auto"`, {
      host: h.name,
    });
  const carrier = address === undefined ? undefined : addrs.find((a) => norm(a.cidr.split('/')[0] ?? '') === address)?.ifname;
  const iface = devs.value ?? carrier ?? h.input.facts?.underlayInterface;
  if (iface !== undefined && InterfaceNameSchema.safeParse(iface).success) h.underlayInterface = iface;
}

/** Devices grouped by (VNI, port), in host order; a second device of a group on one host is left out. */
function groupDevices(hosts: readonly HostCtx[], warn: Warnings): Device[][] {
  const groups = new Map<string, Device[]>();
  for (const h of hosts)
    for (const d of h.devices) {
      const key = `${d.vx.vni}/${d.vx.port}`;
      const g = groups.get(key) ?? [];
      const twin = g.find((o) => o.host === h);
      if (twin !== undefined) {
        warn.add(
          'IMPORT_DUPLICATE_DEVICE',
          `${h.name} has ${twin.link.name} and ${d.link.name} on VNI ${d.vx.vni} port ${d.vx.port}; ${d.link.name} is not drawn`,
          { host: h.name, device: d.link.name },
        );
        continue;
      }
      g.push(d);
      groups.set(key, g);
    }
  const out = [...groups.values()].sort(
    (a, b) => (a[0]?.vx.vni ?? 0) - (b[0]?.vx.vni ?? 0) || (a[0]?.vx.port ?? 0) - (b[0]?.vx.port ?? 0),
  );
  const byVni = new Map<number, Device[][]>();
  for (const g of out) byVni.set(g[0]?.vx.vni ?? 0, [...(byVni.get(g[0]?.vx.vni ?? 0) ?? []), g]);
  for (const [vni, gs] of byVni)
    if (gs.length > 1)
      warn.add(
        'IMPORT_VNI_PORTS_DIFFER',
        `VNI ${vni} uses UDP ports ${gs.map((g) => `${g[0]?.vx.port} (${g.map((d) => d.host.name).join(', ')})`).join(' and ')}: these devices cannot reach each other; each port is its own segment`,
      );
  return out;
}

/** A segment from its members' devices: the most common value of each segment-wide setting. */
function buildSegment(id: string, name: string, group: readonly Device[], warn: Warnings): Segment {
  const first = group[0] as Device;
  const vni = first.vx.vni;
  const mode = majority(group.map((d) => d.mode)).value as FloodMode;
  for (const d of group)
    if (d.mode !== mode)
      warn.add(
        'IMPORT_FLOOD_MIXED',
        `${d.link.name} on ${d.host.name} floods ${d.mode}, the other members of VNI ${vni} ${mode}; the drawing makes it ${mode}`,
        { host: d.host.name, device: d.link.name },
      );
  const pick = <T>(what: string, values: Array<{ d: Device; v: T }>, show: (v: T) => string = String): T | undefined => {
    const m = majority(values.map((x) => x.v));
    if (m.mixed)
      for (const x of values)
        if (x.v !== m.value)
          warn.add(
            'IMPORT_VALUE_MIXED',
            `${x.d.link.name} on ${x.d.host.name} has ${what} ${show(x.v)}, the drawing gives VNI ${vni} ${show(m.value as T)}`,
            { host: x.d.host.name, device: x.d.link.name },
          );
    return m.value;
  };
  let flood: Flood = { mode: 'unicast-mesh' };
  if (mode === 'point-to-point') flood = { mode };
  else if (mode === 'multicast') {
    const mc = group.filter((d) => d.mode === 'multicast');
    const groupAddr =
      pick(
        'group',
        mc.map((d) => ({ d, v: norm(d.vx.group ?? '') })),
      ) ?? '';
    const ttl =
      pick(
        'TTL',
        mc.map((d) => ({ d, v: d.vx.ttl ?? 0 })),
        (v) => (v === 0 ? 'auto' : String(v)),
      ) ?? 0;
    flood = ttl === 0 || ttl === DEFAULT_MULTICAST_TTL ? { mode, group: groupAddr } : { mode, group: groupAddr, ttl };
    if (ttl === 0)
      warn.add(
        'IMPORT_PARAMETER_DIFFERS',
        `the multicast devices of VNI ${vni} have TTL auto, which a drawing cannot say; it gives TTL ${DEFAULT_MULTICAST_TTL}, deploying re-creates them`,
      );
  }
  return {
    id,
    name,
    vni,
    port: first.vx.port,
    mtu:
      pick(
        'MTU',
        group.map((d) => ({ d, v: d.link.mtu })),
      ) ?? 'auto',
    flood,
    learning:
      pick(
        'learning',
        group.map((d) => ({ d, v: d.vx.learning })),
        (v) => (v ? 'on' : 'off'),
      ) ?? true,
  };
}

/** A device's membership: its bridge, its overlay address, the bridge's other ports. */
function buildMembership(d: Device, segment: Segment, bridged: Set<string>, warn: Warnings): Membership {
  const h = d.host;
  const where = { host: h.name, device: d.link.name };
  const m: Membership = { id: `${h.id}-${segment.id}`.slice(0, 64), hostId: h.id, segmentId: segment.id, bridgePorts: [] };
  if (d.link.name !== defaultDeviceName(segment.vni)) m.device = d.link.name;
  const master = d.link.master === undefined ? undefined : h.links.get(d.link.master);
  let bridge: ObservedLink | undefined;
  if (master?.kind === 'bridge' && InterfaceNameSchema.safeParse(master.name).success) bridge = master;
  else if (d.link.master !== undefined)
    warn.add(
      'IMPORT_MASTER_NOT_BRIDGE',
      `${d.link.name} on ${h.name} is enslaved to ${d.link.master} (${master?.kind ?? 'unknown'}), not a Linux bridge; not drawn`,
      where,
    );
  const skip = new Set([h.underlayAddress, h.input.facts?.sshAddress].filter((a): a is string => a !== undefined).map(norm));
  const addressesOf = (ifname: string): string[] =>
    h.input.observed.addresses
      .filter((a) => a.ifname === ifname && a.scope !== 'link' && !skip.has(norm(a.cidr.split('/')[0] ?? '')))
      .map((a) => a.cidr);
  const own = addressesOf(d.link.name);
  let candidates = own;
  if (bridge !== undefined) {
    m.bridge = bridge.name;
    const key = `${h.id}\n${bridge.name}`;
    // Two segments on one bridge: the bridge's address and ports belong to the first membership only.
    const firstOnBridge = !bridged.has(key);
    bridged.add(key);
    candidates = firstOnBridge ? addressesOf(bridge.name) : [];
    if (firstOnBridge) {
      if (bridge.vlanFiltering === true)
        warn.add('IMPORT_VLAN_AWARE_BRIDGE', `${bridge.name} on ${h.name} is VLAN-aware; its VLAN mappings are not drawn`, {
          host: h.name,
          device: bridge.name,
        });
      if (!bridge.up)
        warn.add('IMPORT_DEVICE_DOWN', `${bridge.name} on ${h.name} is down; deploying the drawing brings it up`, {
          host: h.name,
          device: bridge.name,
        });
      for (const l of h.links.values())
        if (l.master === bridge.name && l.kind !== 'vxlan' && InterfaceNameSchema.safeParse(l.name).success)
          m.bridgePorts.push(l.name);
    }
    for (const a of own)
      warn.add('IMPORT_ADDRESSES_EXTRA', `${a} on ${d.link.name} (${h.name}), a bridged device, is not drawn`, where);
  }
  const [address, ...extra] = candidates;
  if (address !== undefined) m.address = address;
  for (const a of extra)
    warn.add(
      'IMPORT_ADDRESSES_EXTRA',
      `${a} on ${m.bridge ?? d.link.name} (${h.name}) is not drawn; a membership has one address (${address})`,
      where,
    );
  return m;
}

/** What deploying the drawing would change on this device: each becomes a warning. */
function checkDevice(d: Device, group: readonly Device[], flood: Flood, ownerOf: Map<string, HostCtx>, warn: Warnings): void {
  const h = d.host;
  const where = { host: h.name, device: d.link.name };
  const peers = group.filter((o) => o !== d).map((o) => o.host);
  const differs = (what: string): void =>
    warn.add('IMPORT_PARAMETER_DIFFERS', `${d.link.name} on ${h.name}: ${what}; deploying the drawing re-creates it`, where);
  const foreign = (dst: string, how: string): void => {
    const owner = ownerOf.get(dst);
    warn.add(
      'IMPORT_PEER_NOT_IMPORTED',
      owner === undefined
        ? `${d.link.name} on ${h.name} ${how} ${dst}, which is not an imported host; not drawn`
        : `${d.link.name} on ${h.name} ${how} ${dst} (${owner.name}), which has no device on VNI ${d.vx.vni} port ${d.vx.port}; not drawn`,
      where,
    );
  };
  if (h.underlayInterface !== undefined && d.vx.dev !== h.underlayInterface)
    differs(
      `made ${d.vx.dev === undefined ? 'without dev' : `with dev ${d.vx.dev}`}, the drawing gives dev ${h.underlayInterface}`,
    );
  if (flood.mode === 'point-to-point') {
    if (group.length !== 2)
      warn.add(
        'IMPORT_POINT_TO_POINT_MEMBERS',
        `point-to-point VNI ${d.vx.vni} port ${d.vx.port} has ${group.length} imported member(s) (${group.map((o) => o.host.name).join(', ')}); it needs 2`,
      );
    const remote = d.vx.remote === undefined ? undefined : norm(d.vx.remote);
    const peer = peers[0];
    if (remote !== undefined && !peers.some((p) => p.owned.has(remote))) foreign(remote, 'sends to');
    else if (remote !== undefined && group.length === 2 && peer?.underlayAddress !== remote)
      differs(
        `remote ${remote}, the drawing sends to ${peer?.name ?? '?'}'s underlay address ${peer?.underlayAddress ?? 'auto'}`,
      );
  }
  if (flood.mode === 'unicast-mesh') {
    if (d.vx.local === undefined || norm(d.vx.local) !== h.underlayAddress)
      differs(`local ${d.vx.local ?? '(none)'}, the drawing gives local ${h.underlayAddress ?? 'auto'}`);
    for (const dst of d.floods) {
      const peer = peers.find((p) => p.owned.has(dst));
      if (peer === undefined) foreign(dst, 'floods to');
      else if (peer.underlayAddress !== dst)
        warn.add(
          'IMPORT_PARAMETER_DIFFERS',
          `${d.link.name} on ${h.name} floods to ${dst}, not ${peer.name}'s underlay address ${peer.underlayAddress ?? 'auto'}; deploying changes the entry`,
          where,
        );
    }
    for (const p of peers)
      if (p.underlayAddress !== undefined && !d.floods.includes(p.underlayAddress))
        warn.add(
          'IMPORT_PEER_MISSING',
          `${d.link.name} on ${h.name} has no flood entry to ${p.name} (${p.underlayAddress}); deploying the drawing adds it`,
          where,
        );
  } else if (d.vx.local !== undefined) differs(`local ${d.vx.local}, the drawing makes ${flood.mode} devices without local`);
  if (flood.mode !== 'multicast' && d.vx.ttl !== undefined) differs(`TTL ${d.vx.ttl}, the drawing leaves TTL auto`);
}

/** The network all member addresses lie in, e.g. `10.0.0.0/24`; undefined when they differ or there are none. */
function commonSubnet(members: readonly Membership[]): string | undefined {
  const nets = new Set<string>();
  for (const m of members) {
    if (m.address === undefined) continue;
    const c = parseCidr(m.address);
    if (typeof c !== 'string') nets.add(c.cidr);
  }
  return nets.size === 1 ? [...nets][0] : undefined;
}

/** The drawing id: the devices' mark when every drawn device and bridge carries the same one. */
function drawingId(hosts: readonly HostCtx[], fresh: string, warn: Warnings): { id: string; idFrom: 'mark' | 'new' } {
  const owners = new Map<string, string[]>();
  const unmarked: string[] = [];
  for (const h of hosts) {
    const drawn = new Set<string>();
    for (const d of h.devices) {
      drawn.add(d.link.name);
      if (d.link.master !== undefined && h.links.get(d.link.master)?.kind === 'bridge') drawn.add(d.link.master);
    }
    for (const name of drawn) {
      const owner = markOwner(h.links.get(name)?.alias);
      const label = `${name} on ${h.name}`;
      if (owner === undefined) unmarked.push(label);
      else owners.set(owner, [...(owners.get(owner) ?? []), label]);
    }
  }
  if (owners.size === 1) {
    const [owner] = [...owners.keys()] as [string];
    if (TopologyIdSchema.safeParse(owner).success) {
      if (unmarked.length > 0)
        warn.add(
          'IMPORT_MARKS_DISAGREE',
          `${unmarked.join(', ')} carry no mark, the other devices drawing ${owner}'s: the drawing keeps id ${owner}, and planning shows the unmarked ones as not its own`,
        );
      return { id: owner, idFrom: 'mark' };
    }
  }
  if (owners.size > 1)
    warn.add(
      'IMPORT_MARKS_DISAGREE',
      `the devices carry the marks of ${owners.size} drawings (${[...owners].map(([o, l]) => `${o}: ${l.join(', ')}`).join('; ')}); the drawing gets the new id ${fresh}`,
    );
  return { id: fresh, idFrom: 'new' };
}

function buildHost(h: HostCtx, memberships: readonly Membership[]): Host {
  const bridges: string[] = [];
  for (const m of memberships)
    if (m.hostId === h.id && m.bridge !== undefined && !bridges.includes(m.bridge)) bridges.push(m.bridge);
  const ssh = h.input.ssh;
  return {
    id: h.id,
    name: h.name,
    ssh: {
      host: ssh.host,
      port: ssh.port ?? 22,
      user: ssh.user ?? 'root',
      auth: ssh.auth ?? { type: 'agent' },
      ...(ssh.jump === undefined ? {} : { jump: ssh.jump }),
    },
    sudo: h.input.sudo ?? false,
    underlay: { interface: h.underlayInterface ?? 'auto', address: h.underlayAddress ?? 'auto', mtu: 'auto' },
    bridges,
    // The host's own network manager keeps the imported overlay, as for a host drawn by hand.
    persist: 'auto',
  };
}
