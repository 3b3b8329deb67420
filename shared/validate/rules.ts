/**
 * Severity and hint of every validation code, in one table: the checks only say which code, where
 * and what (`add(code, path, message)`), so a code always has the same severity and the same advice.
 * A hint that names a value (the MTU that fits, the subnet to pick from) is a function of those values.
 */
import type { ValidationCode } from './codes';
import type { Severity } from './diagnostic';
import type { IpFamily } from './ip';

/** Above this many members head-end replication (N-1 copies of every flood frame per sender) hurts. */
export const MESH_MEMBER_WARN_LIMIT = 100;
/** IPv6 needs a link MTU of at least 1280 (RFC 8200 section 5); Linux disables IPv6 below it. */
export const IPV6_MIN_MTU = 1280;

interface Rule {
  severity: Severity;
  hint: string | ((values: never) => string);
}

/** A field the schema refused: the advice depends on whether it came from a file being read or a drawing. */
const FIELD_RULE = {
  severity: 'error',
  hint: (v: { from: 'file' | 'drawing' }) =>
    v.from === 'file'
      ? 'Correct this field (see docs/file-format.md).'
      : 'Correct this field; the file cannot be deployed until it is valid.',
} as const;

export const VALIDATION_RULES = {
  // Reading a file (see `fileIssuesToDiagnostics`).
  JSON_INVALID: {
    severity: 'error',
    hint: 'Fix the JSON syntax at the line and column given (a missing comma, quote or bracket is typical).',
  },
  FORMAT_UNSUPPORTED: {
    severity: 'error',
    hint: 'Open the file with the VXLAN Studio version that wrote it, or set "format": 2 if it is a hand-written file of the current format.',
  },
  FORMAT_MIGRATED: { severity: 'info', hint: 'Save it from VXLAN Studio to store it in the current format.' },

  // Structure (one field, from the zod schema: a file that fails to read, or a drawing being edited).
  FIELD_INVALID: FIELD_RULE,
  ID_INVALID: FIELD_RULE,
  VNI_INVALID: FIELD_RULE,
  PORT_INVALID: FIELD_RULE,
  MTU_INVALID: FIELD_RULE,
  IFNAME_INVALID: FIELD_RULE,
  IFNAME_TOO_LONG: FIELD_RULE,
  TEXT_CONTROL_CHARACTER: {
    severity: 'error',
    hint: 'Remove line breaks, tabs and other control characters; names are single-line text.',
  },
  SSH_HOST_INVALID: {
    severity: 'error',
    hint: 'Give the one host name or address VXLAN Studio should connect to, e.g. 192.168.1.10 or web1.example.com.',
  },

  // Identity.
  ID_DUPLICATE: { severity: 'error', hint: 'Every host, segment and membership needs its own id; rename this one.' },
  HOST_NAME_DUPLICATE: { severity: 'error', hint: 'Give every host a distinct name: the CLI selects hosts with --host NAME.' },
  SEGMENT_NAME_DUPLICATE: { severity: 'warning', hint: 'Give segments distinct names so they can be told apart.' },

  // Hosts and underlay.
  UNDERLAY_ADDRESS_INVALID: {
    severity: 'error',
    hint: 'Enter the host\'s own IP address on the underlay interface (e.g. 192.168.1.10), or "auto" to read it from the host.',
  },
  UNDERLAY_ADDRESS_NOT_UNICAST: { severity: 'error', hint: "Use the host's unicast address on the underlay interface." },
  UNDERLAY_ADDRESS_DUPLICATE: { severity: 'error', hint: 'Each VTEP needs its own underlay address; peers send to it.' },
  UNDERLAY_ADDRESS_AUTO: {
    severity: 'info',
    hint: 'Enter the underlay address so offline plans (`vxlan-studio plan`) can name this peer.',
  },
  BRIDGE_DUPLICATE: { severity: 'error', hint: 'Remove the second entry.' },
  BRIDGE_IS_UNDERLAY: { severity: 'error', hint: 'Pick another bridge name; the underlay interface must stay as it is.' },

  // Segments.
  VNI_DUPLICATE: {
    severity: 'error',
    hint: 'Each segment needs its own VNI (1-16777215); hosts in both would otherwise join one L2 domain or fail to create the device.',
  },
  SUBNET_INVALID: { severity: 'error', hint: 'Write the subnet in CIDR form, e.g. 10.0.0.0/24.' },
  SUBNET_HOST_BITS: { severity: 'warning', hint: (v: { subnet: string }) => `Write it as ${v.subnet}.` },
  OVERLAY_SUBNET_OVERLAP: { severity: 'warning', hint: 'Give each segment its own, non-overlapping subnet.' },
  OVERLAY_OVERLAPS_UNDERLAY: {
    severity: 'error',
    hint: (v: { of: 'subnet' | 'member address' }) =>
      v.of === 'subnet'
        ? 'Pick an overlay subnet that does not overlap the underlay (e.g. 10.0.0.0/24 over a 192.168.1.0/24 underlay).'
        : 'Pick overlay addresses from a range that does not overlap the underlay.',
  },
  P2P_MEMBER_COUNT: {
    severity: 'error',
    hint: (v: { members: number }) =>
      v.members > 2
        ? 'Use flood mode "unicast-mesh" (or "multicast") for more than two hosts.'
        : 'Connect exactly two hosts to this segment.',
  },
  SEGMENT_FEW_MEMBERS: { severity: 'warning', hint: 'Connect more hosts to this segment.' },
  MESH_TOO_LARGE: {
    severity: 'warning',
    hint: 'Above ~100 hosts use flood mode "multicast" where the underlay carries it, or a control plane such as BGP EVPN.',
  },
  MULTICAST_GROUP_INVALID: { severity: 'error', hint: 'Use a multicast address such as 239.1.1.1 (IPv4) or ff05::100 (IPv6).' },
  MULTICAST_GROUP_NOT_MULTICAST: {
    severity: 'error',
    hint: 'Use an administratively scoped group such as 239.1.1.1 (IPv4) or ff05::100 (IPv6).',
  },
  MULTICAST_GROUP_FAMILY_MISMATCH: {
    severity: 'error',
    hint: (v: { family: IpFamily }) => `Use an IPv${v.family} multicast group, matching the underlay.`,
  },
  UNDERLAY_FAMILY_MIXED: { severity: 'error', hint: 'Give every member host an underlay address of the same IP family.' },
  MTU_EXCEEDS_UNDERLAY: {
    severity: 'error',
    hint: (v: { limit: number }) =>
      `Set the segment MTU to ${v.limit} or less (or "auto"); big packets would otherwise vanish while ping still works.`,
  },
  MTU_AUTO_DIFFERS: { severity: 'warning', hint: (v: { mtu: number }) => `Set the segment MTU explicitly to ${v.mtu}.` },
  MTU_TOO_SMALL_FOR_IPV6: {
    severity: 'warning',
    hint: `Raise the MTU to at least ${IPV6_MIN_MTU} (and the underlay accordingly), or use IPv4 overlay addresses.`,
  },
  PORT_WELL_KNOWN: { severity: 'warning', hint: 'Use the IANA VXLAN port 4789 unless the network requires another.' },

  // Memberships.
  MEMBERSHIP_HOST_MISSING: { severity: 'error', hint: 'Connect the segment to an existing host, or delete this membership.' },
  MEMBERSHIP_SEGMENT_MISSING: { severity: 'error', hint: 'Connect the host to an existing segment, or delete this membership.' },
  MEMBERSHIP_DUPLICATE: { severity: 'error', hint: 'A host joins a segment once; delete this duplicate connection.' },
  DEVICE_NAME_DUPLICATE: { severity: 'error', hint: 'Set a distinct device name for one of the two memberships.' },
  DEVICE_NAME_IS_BRIDGE: { severity: 'error', hint: 'Rename the device or the bridge; one interface name cannot be both.' },
  DEVICE_NAME_IS_UNDERLAY: { severity: 'error', hint: 'Pick another device name; the underlay interface must stay as it is.' },
  BRIDGE_UNDECLARED: {
    severity: 'error',
    hint: (v: { bridge: string; hostIndex: number }) =>
      `Add "${v.bridge}" to hosts[${v.hostIndex}].bridges, or pick one of the host's bridges.`,
  },
  BRIDGE_SHARED: { severity: 'warning', hint: 'Use one bridge per segment unless joining them is intended.' },
  BRIDGE_PORTS_WITHOUT_BRIDGE: { severity: 'error', hint: 'Set a bridge for this membership, or remove the bridge ports.' },
  BRIDGE_PORT_IS_UNDERLAY: {
    severity: 'error',
    hint: 'Enslaving the underlay interface would cut the VXLAN traffic (and maybe SSH); remove it.',
  },
  BRIDGE_PORT_CONFLICT: { severity: 'error', hint: 'List only external interfaces (VM taps, container veths) as bridge ports.' },
  BRIDGE_PORT_DUPLICATE: { severity: 'error', hint: 'An interface has one master bridge; list it once.' },
  MEMBER_ADDRESS_INVALID: { severity: 'error', hint: 'Write the overlay address with its prefix length, e.g. 10.0.0.1/24.' },
  MEMBER_ADDRESS_NOT_HOST: { severity: 'warning', hint: 'Pick a host address inside the subnet.' },
  MEMBER_ADDRESS_OUTSIDE_SUBNET: {
    severity: 'error',
    hint: (v: { subnet: string }) => `Pick an address inside ${v.subnet}, or change the segment subnet.`,
  },
  MEMBER_PREFIX_MISMATCH: {
    severity: 'warning',
    hint: (v: { address: string; prefix: number }) => `Use ${v.address}/${v.prefix} so every member agrees on the on-link range.`,
  },
  MEMBER_NETWORK_MISMATCH: {
    severity: 'warning',
    hint: 'Members of one segment should share one subnet; set the segment subnet to make it explicit.',
  },
  OVERLAY_ADDRESS_DUPLICATE: { severity: 'error', hint: 'Give every member of a segment its own overlay address.' },
  MEMBERSHIP_UNUSED: { severity: 'info', hint: 'Attach it to a bridge (for VMs/containers) or give it an overlay address.' },
} as const satisfies Record<ValidationCode, Rule>;

/** The values a code's hint names: none for a fixed hint. */
export type HintValues<C extends ValidationCode> = (typeof VALIDATION_RULES)[C]['hint'] extends (values: infer V) => string
  ? [values: V]
  : [];

/** The hint of `code`, filled in with `values` where it names them. */
export function hintFor<C extends ValidationCode>(code: C, ...values: HintValues<C>): string {
  const hint: Rule['hint'] = VALIDATION_RULES[code].hint;
  return typeof hint === 'string' ? hint : (hint as (values: unknown) => string)(values[0]);
}
