/**
 * Data types of plans: what to run on each host, why, and how to undo it.
 */
import type { Diagnostic } from '../validate/diagnostic';
import type { ObservedVxlan } from '../observe/state';

/**
 * A condition a guarded step needs, checked on the host right before it runs. Plans computed by
 * `diffHost` from live state need no guards; teardown scripts compiled without reading the host
 * (`compileTeardown`) use them so that a script never deletes an interface that is not ours.
 * `hostScript` renders them as `if [ ... ]; then ...; fi`; a runner that executes argv directly
 * must check them itself (or skip guarded steps when it has fresh observed state).
 */
export type Guard =
  /** The link exists and its alias (`/sys/class/net/<ifname>/ifalias`) equals `alias`. */
  | { kind: 'owned'; ifname: string; alias: string }
  /** `ifname` is a port of bridge `master` (`/sys/class/net/<master>/brif/<ifname>` exists). */
  | { kind: 'port-of'; ifname: string; master: string };

/** What a step does, for grouping and display; the argv is the truth. */
export const STEP_KINDS = [
  'link-add',
  'link-del',
  'link-alias',
  /** Sets our mark on a matching device made by hand (adoption): the link itself is left as it is. */
  'link-adopt',
  'link-mtu',
  'link-master',
  'link-nomaster',
  'link-up',
  'addr-add',
  'addr-del',
  'fdb-append',
  'fdb-del',
  // Persistent configuration (the network manager's files, written and removed by the deploy runner).
  'file-write',
  'file-remove',
  'persist-reload',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One command of a plan. */
export interface Step {
  /** The exact command as argv (no shell); `argvToShell` quotes it for a remote shell. */
  argv: string[];
  /** One line for people, e.g. `create VXLAN device vxlan100 (VNI 100, point-to-point to 192.168.1.20)`. */
  description: string;
  /**
   * Commands that undo this step, given the state just before it ran, in order. Empty when nothing
   * needs undoing on its own (e.g. setting the alias of a device whose creation is undone by
   * deleting it) or the earlier value is unknown (an MTU change planned without observed state).
   */
  inverse: string[][];
  kind: StepKind;
  /** The interface this step acts on (`file-*`: the file's path; `persist-reload`: the manager). */
  target: string;
  /** `link-master`: the master `target` joins; `link-nomaster`: the master it leaves. */
  master?: string;
  /** `addr-add` / `addr-del`: the address with its prefix, e.g. `10.0.0.1/24`. */
  address?: string;
  /** Conditions checked on the host before running; see `Guard`. */
  guards?: Guard[];
  /**
   * Set on the steps that only serve removing a device of ours the topology no longer has (it
   * carries our mark but is not desired any more). They run only when the deploy prunes; see
   * `pruneChoice`.
   */
  prune?: true;
}

/** The plan for one host. */
export interface HostPlan {
  hostId: string;
  hostName: string;
  /** `teardown` for plans from `compileTeardown` (changes only the script title); default apply. */
  kind?: 'apply' | 'teardown';
  /** Ordered; run top to bottom, stop at the first failure. */
  steps: Step[];
  /** Problems for this host (missing facts, name clashes, protected interfaces...). */
  diagnostics: Diagnostic[];
}

/** The plan for a topology. */
export interface Plan {
  topologyId: string;
  hosts: HostPlan[];
  /** Topology-wide diagnostics (validation errors, large-mesh warnings). */
  diagnostics: Diagnostic[];
}

/**
 * What we know about a host beyond the topology file (read over SSH, or given by the lab). Fills in
 * the topology's "auto" values.
 */
export interface HostFacts {
  /** Interface that reaches the peers (from `ip -j route get <peer>`). */
  underlayInterface?: string;
  /** This host's VTEP address (the source address of that route). */
  underlayAddress?: string;
  /** MTU of the underlay interface. */
  underlayMtu?: number;
  /** Interface that carries our SSH session: never touched. */
  sshInterface?: string;
  /** Address that carries our SSH session on this host: never removed, never covered by an overlay subnet. */
  sshAddress?: string;
  /** Address the SSH session comes from (the machine running VXLAN Studio, or the jump host): no overlay subnet may cover it. */
  sshClientAddress?: string;
}

/**
 * Desired VXLAN parameters: the same fields the kernel reports (ObservedVxlan), so a desired device
 * and an observed one compare field by field. Every one of them needs a re-create to change
 * (ip-link(8) has no `set` for them); `dev` absent = unknown (the kernel then routes by destination).
 */
export type DesiredVxlan = ObservedVxlan;

/** A device we create and own (it carries our alias mark). */
export interface DesiredLink {
  name: string;
  kind: 'vxlan' | 'bridge';
  /** Absent when it could not be worked out (MTU "auto" with no known underlay MTU): left as the kernel sets it. */
  mtu?: number;
  /** Bridge to enslave to. */
  master?: string;
  vxlan?: DesiredVxlan;
  /** Where in the topology this device comes from, for diagnostics: membership id, or host id for bridges. */
  elementId: string;
  path: string;
}

/** Desired state of one host: links we own, their addresses, head-end FDB entries, and foreign ports to attach. */
export interface DesiredHostState {
  topologyId: string;
  hostId: string;
  hostName: string;
  /** Field path of the host in the file, e.g. `hosts[0]`, for diagnostics about the host as a whole. */
  hostPath: string;
  /** `ownerMark(topologyId)`: the alias on every link we create. */
  mark: string;
  links: DesiredLink[];
  /** Overlay addresses (CIDR) on our links. */
  addresses: Array<{ ifname: string; cidr: string; elementId: string; path: string }>;
  /** All-zero FDB entries (head-end replication, unicast-mesh only): one per peer VTEP. */
  fdb: Array<{ ifname: string; dst: string; elementId: string; path: string }>;
  /** Interfaces we do not own but enslave to one of our bridges (VM taps, container veths). */
  ports: Array<{ ifname: string; master: string; elementId: string; path: string }>;
  /** The underlay interface when known: always protected from changes. */
  underlayInterface?: string;
  /** Problems found while working this state out (missing addresses, unknown MTU...). */
  diagnostics: Diagnostic[];
}

/** What `diffHost` must never touch in addition to the underlay and unowned interfaces. */
export interface ProtectOptions {
  /** Interfaces carrying the SSH session or otherwise off limits. */
  interfaces?: string[];
  /** Addresses (with or without `/prefix`) of the SSH session, either end: never removed, never covered by a new overlay subnet. */
  addresses?: string[];
}

/** Result of comparing desired with observed state on one host. */
export interface HostDiff {
  steps: Step[];
  diagnostics: Diagnostic[];
}
