/**
 * Typed view of what a host's kernel reports, read back with iproute2's JSON output
 * (`ip -j -d addr show`, `bridge -j fdb show`). The plan diff
 * (`shared/plan` `diffHost`) compares this with the desired state.
 *
 * Only the fields the diff needs are typed; the parsers keep going when iproute2 adds fields.
 */

/** VXLAN parameters of a device, from `linkinfo.info_data` of `ip -j -d link show` (ip-link(8) "VXLAN Type Support"). */
export interface ObservedVxlan {
  /** VNI (`id`). */
  vni: number;
  /** UDP destination port (`port`, the `dstport` of ip-link(8)). */
  port: number;
  /** Underlay device name (`link`, the `dev` of ip-link(8)); absent when the device was made without `dev`. */
  dev?: string;
  /** Source address (`local`). */
  local?: string;
  /** Unicast peer (`remote`): the point-to-point case. */
  remote?: string;
  /** Multicast group (`group`). */
  group?: string;
  /** Outer TTL; absent when the kernel reports "auto"/inherit (0). */
  ttl?: number;
  /** MAC learning (`learning`); `nolearning` gives false. */
  learning: boolean;
  /**
   * Collect-metadata mode (`external`, ip-link(8)): the VNI comes per packet from a VLAN-aware
   * bridge or a route, not from `id`; a drawing cannot express it.
   */
  external?: true;
}

/** One network interface. */
export interface ObservedLink {
  name: string;
  ifindex: number;
  /** `linkinfo.info_kind` (`vxlan`, `bridge`, `veth`, `dummy`...); absent for plain devices such as `lo` or a NIC. */
  kind?: string;
  /** `ifalias`: where our ownership mark `vxlan-studio:<topology id>` lives. */
  alias?: string;
  mtu: number;
  /** Name of the bridge (or other master) this device is enslaved to. */
  master?: string;
  /** The device a VLAN, macvlan or ipvlan device sits on (`link` in `ip -j link`): its traffic goes through it. */
  parent?: string;
  /** Administratively up (`UP` in flags), which is what `ip link set ... up` controls. */
  up: boolean;
  /** Kernel operational state (`UP`, `DOWN`, `UNKNOWN`...), for display only. */
  operstate?: string;
  /** Present when `kind` is `vxlan`. */
  vxlan?: ObservedVxlan;
  /** A bridge with `vlan_filtering 1` (VLAN-aware): its VLAN-to-VNI mappings are not drawn. */
  vlanFiltering?: true;
}

/** One interface address, e.g. `10.0.0.1/24` on `br-overlay`. */
export interface ObservedAddress {
  ifname: string;
  /** Address with prefix length, `10.0.0.1/24` or `fd00::1/64`. */
  cidr: string;
  family: 'inet' | 'inet6';
  /** `global`, `link`, `host`; kernel-made IPv6 link-local addresses have `link`. */
  scope?: string;
}

/** One forwarding-database entry, e.g. the head-end replication entry `00:00:00:00:00:00 dst 192.168.1.20`. */
export interface ObservedFdbEntry {
  ifname: string;
  /** Lowercase MAC, `00:00:00:00:00:00` for the all-zero (flood) entries. */
  mac: string;
  /** Remote VTEP for VXLAN entries. */
  dst?: string;
  /** Bridge the entry belongs to (entries on bridge ports). */
  master?: string;
  /** e.g. `self`, `master`, `extern_learn`. */
  flags: string[];
  /** e.g. `permanent`, `static`; absent for learned entries. */
  state?: string;
}

/** Everything read from one host. */
export interface ObservedHostState {
  links: ObservedLink[];
  addresses: ObservedAddress[];
  fdb: ObservedFdbEntry[];
  /**
   * True when this state was not read from a host but assumed (see `emptyObserved`): the diff then
   * trusts that interfaces the topology names but does not create (extra bridge ports) exist.
   */
  assumed?: boolean;
}

/**
 * The state of a host we know nothing about, as used to compile a plan "from scratch": nothing of ours
 * exists, and named extra bridge ports are assumed present.
 */
export function emptyObserved(): ObservedHostState {
  return { links: [], addresses: [], fdb: [], assumed: true };
}

/** The all-zero MAC of the default (flood) FDB entries used for head-end replication (RFC 7348 section 4.2). */
export const ALL_ZERO_MAC = '00:00:00:00:00:00';
