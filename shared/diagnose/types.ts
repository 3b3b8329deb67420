/**
 * What the health poller gathers (`HealthSnapshot`) and what the diagnosis says about it (`Finding`).
 */
import type { ErrorCode } from '../errors/catalogue';
import type { LinkCounters } from '../observe/counters';
import type { PingResult } from '../observe/ping';
import type { ObservedHostState } from '../observe/state';
import type { HostFacts } from '../plan/types';
import type { FirewallRuleset } from './firewall';
import type { FixStep } from './firewall-fix';

/** Stable finding codes. */
export const FINDING_CODES = [
  'FIREWALL_BLOCKS_VXLAN',
  'MTU_EXCEEDS_PATH',
  'HOST_UNREACHABLE',
  'SSH_AUTH_FAILED',
  'VTEP_DOWN',
  'PORT_MISMATCH',
  'VNI_MISMATCH',
  'DRIFT',
  'UNDERLAY_UNREACHABLE',
  'OVERLAY_UNREACHABLE',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export type FindingSeverity = 'error' | 'warning' | 'info';

/** One piece of evidence: a counter sentence, the exact firewall rule, a ping line. */
export interface Evidence {
  label: string;
  value: string;
}

/** Commands for one host, in order, applied by the deploy runner after the user confirms. */
export interface HostFix {
  hostId: string;
  steps: FixStep[];
}

/** A fix: what it does, and the steps per host (one host for a firewall rule, every member for an MTU). */
export interface FindingFix {
  description: string;
  hosts: HostFix[];
}

export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  /** One line for a list, e.g. `Firewall on h2 drops VXLAN (UDP 4789)`. */
  title: string;
  /** What is wrong and why it matters, in sentences. */
  message: string;
  /** Host ids concerned (the host to fix first). */
  hosts: string[];
  /** The tunnel concerned (from, to) when the finding is about one pair. */
  pair?: [string, string];
  segmentId?: string;
  evidence: Evidence[];
  fix?: FindingFix;
}

/** How the SSH session to a host went this round. */
export type SshStatus = { state: 'ok' } | { state: 'auth-failed' | 'unreachable' | 'timeout'; code: ErrorCode; message: string };

/** Interface counters read before and after the round's overlay probes (for loss localisation). */
export interface CounterSample {
  before: LinkCounters[];
  after: LinkCounters[];
}

/** Everything read from one host in one round. */
export interface HostHealth {
  hostId: string;
  ssh: SshStatus;
  /** Underlay interface, address and MTU as read from the host (`ip -j route get <peer>`). */
  facts?: HostFacts;
  observed?: ObservedHostState;
  /** Every firewall found on the host (nftables, and ufw/firewalld/iptables when present). */
  firewalls?: FirewallRuleset[];
  counters?: CounterSample;
}

/** Probes from one member to another on one segment (directional: `from` sends). */
export interface PairProbe {
  segmentId: string;
  from: string;
  to: string;
  /** Ping of the peer's underlay address. */
  underlay?: PingResult;
  /** Ping of the peer's overlay address (small packets). */
  overlay?: PingResult;
  /** Overlay ping with DF set at the segment MTU: `-M do -s <mtu-28>` (must pass). */
  dfAtMtu?: PingResult;
  /** Overlay ping with DF set one byte over: `-M do -s <mtu-27>` (must fail locally, "message too long"). */
  dfOverMtu?: PingResult;
  /** Underlay path MTU from `pathMtuSearch` (undefined when not measured). */
  pathMtu?: number;
  /**
   * The largest size the path-MTU search saw passing, set only when `pathMtu` is reported 4 bytes
   * (VLAN_HLEN) under it because no other tunnel of the pair's hosts was measured to compare with: a
   * bridged or veth hop lets a frame 4 bytes over its MTU through, so a lone figure may be that slack.
   */
  pathMtuSeen?: number;
}

/** One health round. */
export interface HealthSnapshot {
  /** ISO 8601 time the round started. */
  takenAt: string;
  hosts: HostHealth[];
  pairs: PairProbe[];
}
