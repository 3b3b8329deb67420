/**
 * What a lab looks like before it is built: names, namespaces, subnets and addresses. Pure (no
 * kernel access), so every rule here is unit-tested.
 *
 * Default layout for `up N`: odd hosts on 172.30.1.0/24, even hosts on 172.30.2.0/24 (host i gets
 * .10+i), each subnet a bridge in the router namespace with the gateway .1, so host-to-host traffic
 * between odd and even hosts is routed: the overlay really crosses L3. The controller namespace sits
 * alone on 172.30.0.0/24 behind the same router.
 */
import ipaddr from 'ipaddr.js';
import { LabError } from './preflight';
import type { LabManager } from './state';

/** Lab names become namespace prefixes `vxs<name>-`; no "-" so one lab's prefix is never a prefix of another's. */
export const LAB_NAME_PATTERN = /^[a-z0-9]{1,12}$/;
/** Host names become namespace names and hostnames. */
export const HOST_NAME_PATTERN = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$|^[a-z]$/;
export const MAX_HOSTS = 128;
/** Namespaces of the router and controller; host names may not take them. */
export const RESERVED_HOST_NAMES = ['rt', 'ctl'];
/** The underlay interface inside every host namespace, so topology files can say `eth0`. */
export const HOST_UNDERLAY_INTERFACE = 'eth0';
export const UNDERLAY_MTU = 1500;
export const DEFAULT_CONTROLLER_SUBNET = '172.30.0.0/24';

export interface LabHostSpec {
  /** Host name (namespace suffix and hostname); default `h<index>`. */
  name?: string;
  /** Underlay address in CIDR, e.g. `192.168.1.10/24`; default: the two-subnet layout. */
  address?: string;
}

export interface LabSpec {
  name: string;
  /** A count (1..128) for the default layout, or one entry per host. */
  hosts: number | readonly LabHostSpec[];
  /** Subnet of the controller namespace (router side gets the first address); default 172.30.0.0/24. */
  controllerSubnet?: string;
  /** What configures each host's network (managers.ts); default 'none'. */
  manager?: LabManager;
}

export interface PlannedSubnet {
  /** 1-based; the router bridge is `br<index>`. */
  index: number;
  network: string;
  prefixLength: number;
  gateway: string;
  bridge: string;
  /** MAC of the router's bridge (the gateway's link-layer address). */
  mac: string;
}

export interface PlannedHost {
  /** 1-based position in the lab. */
  index: number;
  name: string;
  namespace: string;
  interface: string;
  address: string;
  prefixLength: number;
  subnetIndex: number;
  gateway: string;
  /** The veth end in the router namespace (a port of the subnet's bridge). */
  routerPort: string;
  mtu: number;
  /** MAC of the host's underlay interface. */
  mac: string;
}

export interface PlannedController {
  namespace: string;
  interface: string;
  address: string;
  prefixLength: number;
  network: string;
  gateway: string;
  routerPort: string;
  /** MACs of the controller's interface and of its router port (the gateway). */
  mac: string;
  gatewayMac: string;
}

export interface LabPlan {
  name: string;
  prefix: string;
  routerNamespace: string;
  controller: PlannedController;
  subnets: PlannedSubnet[];
  hosts: PlannedHost[];
}

/**
 * A fixed, locally administered MAC for a lab interface (`02:76:78:<kind>:<index>`), so the lab can
 * install its underlay neighbour entries while it wires the links (see `underlayNeighbours`). MACs
 * only have to be unique within one lab's bridges, which no other lab shares.
 */
export function labMac(kind: 'host' | 'router-port' | 'bridge' | 'controller', index: number): string {
  const k = { host: 1, 'router-port': 2, bridge: 3, controller: 4 }[kind];
  return ['02', '76', '78', k, Math.floor(index / 256) % 256, index % 256].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** One static (`nud permanent`) neighbour entry: `ip neigh replace <address> lladdr <mac> dev <device>`. */
export interface LabNeighbour {
  address: string;
  mac: string;
  device: string;
}

/**
 * The lab's underlay neighbour entries, per namespace: every host knows its gateway and every host
 * on its own subnet, the router knows every host and the controller, the controller its gateway.
 *
 * Why static: the kernel keeps ONE IPv4 neighbour table for every namespace of the machine, and its
 * garbage-collection limit (`gc_thresh3`, 1024 by default, a machine-wide sysctl) counts the entries
 * of all namespaces together. A unicast mesh makes each host resolve every same-subnet peer and its
 * gateway, so a 50-host lab alone needs ~1,300 underlay entries: past the limit the kernel refuses
 * new entries ("neighbor table overflow") and first packets are dropped. A real network of 50
 * servers has 50 tables of ~25 entries each. Permanent entries are exempt from that count.
 */
export function underlayNeighbours(plan: LabPlan): Map<string, LabNeighbour[]> {
  const out = new Map<string, LabNeighbour[]>();
  for (const h of plan.hosts) {
    const subnet = plan.subnets[h.subnetIndex - 1] as PlannedSubnet;
    out.set(h.namespace, [
      { address: subnet.gateway, mac: subnet.mac, device: h.interface },
      ...plan.hosts
        .filter((p) => p !== h && p.subnetIndex === h.subnetIndex)
        .map((p) => ({ address: p.address, mac: p.mac, device: h.interface })),
    ]);
  }
  const ctl = plan.controller;
  out.set(plan.routerNamespace, [
    ...plan.hosts.map((h) => ({
      address: h.address,
      mac: h.mac,
      device: (plan.subnets[h.subnetIndex - 1] as PlannedSubnet).bridge,
    })),
    { address: ctl.address, mac: ctl.mac, device: ctl.routerPort },
  ]);
  out.set(ctl.namespace, [{ address: ctl.gateway, mac: ctl.gatewayMac, device: ctl.interface }]);
  return out;
}

/** `vxs<name>-`: every namespace of the lab starts with it. */
export function labPrefix(name: string): string {
  return `vxs${name}-`;
}

/** Throws a `LabError` unless `name` is a valid lab name. */
export function assertLabName(name: string): void {
  if (!LAB_NAME_PATTERN.test(name)) {
    throw new LabError(
      `lab name "${name}" is invalid: use 1-12 lowercase letters or digits (it becomes the namespace prefix vxs<name>-)`,
    );
  }
}

/** IPv4 address as an unsigned 32-bit number. */
export function ipv4ToInt(address: string): number {
  return ipaddr.IPv4.parse(address)
    .toByteArray()
    .reduce((n, byte) => n * 256 + byte, 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

interface Cidr {
  address: string;
  prefixLength: number;
  network: number;
  size: number;
}

function parseIpv4Cidr(text: string, where: string): Cidr {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1] as string)) {
    throw new LabError(`${where}: "${text}" is not an IPv4 address in CIDR form (e.g. 192.168.1.10/24)`);
  }
  const prefixLength = Number(match[2]);
  if (prefixLength < 8 || prefixLength > 30) {
    throw new LabError(`${where}: prefix length /${prefixLength} is outside /8../30 (the lab needs room for a gateway)`);
  }
  const size = 2 ** (32 - prefixLength);
  const value = ipv4ToInt(match[1] as string);
  return { address: match[1] as string, prefixLength, network: value - (value % size), size };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

function defaultHosts(count: number): LabHostSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    return { name: `h${index}`, address: `172.30.${index % 2 === 1 ? 1 : 2}.${10 + index}/24` };
  });
}

/**
 * Plans a lab: namespaces, router bridges (one per underlay subnet), gateways and addresses.
 * Throws a `LabError` saying which host and field is wrong.
 *
 * @example
 * planLab({ name: 'demo', hosts: 2 }).hosts.map((h) => `${h.namespace} ${h.address}/${h.prefixLength}`)
 * // ['vxsdemo-h1 172.30.1.11/24', 'vxsdemo-h2 172.30.2.12/24']
 */
export function planLab(spec: LabSpec): LabPlan {
  assertLabName(spec.name);
  const prefix = labPrefix(spec.name);
  const count = typeof spec.hosts === 'number' ? spec.hosts : spec.hosts.length;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) {
    throw new LabError(`a lab has 1-${MAX_HOSTS} hosts, not ${String(count)}`);
  }
  const defaults = defaultHosts(count);
  const specs = typeof spec.hosts === 'number' ? defaults : spec.hosts;

  const names = new Set<string>();
  const addresses = new Set<number>();
  const subnets: Array<Cidr & { index: number }> = [];
  const hosts: Array<Omit<PlannedHost, 'gateway'>> = [];
  specs.forEach((hostSpec, i) => {
    const index = i + 1;
    const where = `host ${index}`;
    const name = hostSpec.name ?? `h${index}`;
    if (!HOST_NAME_PATTERN.test(name) || RESERVED_HOST_NAMES.includes(name)) {
      throw new LabError(
        `${where}: name "${name}" is invalid: use 1-24 lowercase letters, digits or "-" starting with a letter (not ${RESERVED_HOST_NAMES.join(' or ')})`,
      );
    }
    if (names.has(name)) throw new LabError(`${where}: name "${name}" is used twice`);
    names.add(name);
    const cidr = parseIpv4Cidr(hostSpec.address ?? (defaults[i] as LabHostSpec).address ?? '', `${where} (${name}) address`);
    const value = ipv4ToInt(cidr.address);
    if (value === cidr.network || value === cidr.network + cidr.size - 1) {
      throw new LabError(`${where} (${name}) address ${cidr.address}/${cidr.prefixLength} is the network or broadcast address`);
    }
    if (addresses.has(value)) throw new LabError(`${where} (${name}) address ${cidr.address} is used twice`);
    addresses.add(value);
    let subnet = subnets.find((s) => s.network === cidr.network && s.prefixLength === cidr.prefixLength);
    if (!subnet) {
      const clash = subnets.find((s) => overlaps(s, cidr));
      if (clash) {
        throw new LabError(
          `${where} (${name}) subnet ${intToIpv4(cidr.network)}/${cidr.prefixLength} overlaps ${intToIpv4(clash.network)}/${clash.prefixLength}`,
        );
      }
      subnet = { ...cidr, index: subnets.length + 1 };
      subnets.push(subnet);
    }
    hosts.push({
      index,
      name,
      namespace: `${prefix}${name}`,
      interface: HOST_UNDERLAY_INTERFACE,
      address: cidr.address,
      prefixLength: cidr.prefixLength,
      subnetIndex: subnet.index,
      routerPort: `v${index}`,
      mtu: UNDERLAY_MTU,
      mac: labMac('host', index),
    });
  });

  const plannedSubnets: PlannedSubnet[] = subnets.map((s) => {
    // The gateway is the first usable address, or the last one when a host already has the first.
    const first = s.network + 1;
    const last = s.network + s.size - 2;
    const gateway = !addresses.has(first) ? first : !addresses.has(last) ? last : undefined;
    if (gateway === undefined) {
      throw new LabError(`subnet ${intToIpv4(s.network)}/${s.prefixLength} has no free first or last address for the router`);
    }
    return {
      index: s.index,
      network: intToIpv4(s.network),
      prefixLength: s.prefixLength,
      gateway: intToIpv4(gateway),
      bridge: `br${s.index}`,
      mac: labMac('bridge', s.index),
    };
  });

  const ctl = parseIpv4Cidr(spec.controllerSubnet ?? DEFAULT_CONTROLLER_SUBNET, 'controller subnet');
  const ctlClash = subnets.find((s) => overlaps(s, ctl));
  if (ctlClash) {
    throw new LabError(
      `controller subnet ${intToIpv4(ctl.network)}/${ctl.prefixLength} overlaps host subnet ${intToIpv4(ctlClash.network)}/${ctlClash.prefixLength}: pick another controller subnet`,
    );
  }

  return {
    name: spec.name,
    prefix,
    routerNamespace: `${prefix}rt`,
    controller: {
      namespace: `${prefix}ctl`,
      interface: HOST_UNDERLAY_INTERFACE,
      network: intToIpv4(ctl.network),
      prefixLength: ctl.prefixLength,
      gateway: intToIpv4(ctl.network + 1),
      address: intToIpv4(ctl.network + 10 < ctl.network + ctl.size - 1 ? ctl.network + 10 : ctl.network + 2),
      routerPort: 'ctl',
      mac: labMac('controller', 1),
      gatewayMac: labMac('router-port', 0),
    },
    subnets: plannedSubnets,
    hosts: hosts.map((h) => ({ ...h, gateway: (plannedSubnets[h.subnetIndex - 1] as PlannedSubnet).gateway })),
  };
}
