/**
 * Stable diagnostic codes of `validateTopology`. The UI, CLI (`--json`) and tests match on these;
 * never rename one, only add. Each entry says what the code means (docs/file-format.md lists them).
 */
export const VALIDATION_CODES = {
  // Reading a file (see `fileIssuesToDiagnostics`).
  JSON_INVALID: 'The file is not valid JSON (the path gives line and column).',
  FORMAT_UNSUPPORTED: 'The "format" field is missing, malformed, or from a newer VXLAN Studio.',
  FORMAT_MIGRATED: 'The file was written in an older format and was upgraded on reading.',

  // Structure (one field, from the zod schema: a file that fails to read, or a drawing being edited).
  FIELD_INVALID: 'A field has the wrong type or value.',
  ID_INVALID: 'An element id is not 1-64 letters, digits, "_" or "-".',
  VNI_INVALID: 'A VNI is not a whole number 1-16777215 (24 bits, RFC 7348).',
  PORT_INVALID: 'A UDP/TCP port is not 1-65535.',
  MTU_INVALID: 'An MTU is not "auto" or a whole number 68-65535.',
  IFNAME_INVALID: 'An interface name breaks the Linux rules (no "/", ":" or whitespace, not "." or "..").',
  IFNAME_TOO_LONG: 'An interface name is longer than 15 bytes (Linux IFNAMSIZ).',
  TEXT_CONTROL_CHARACTER: 'A name or other text field holds a control character (U+0000-U+001F, U+007F, U+0085, U+2028, U+2029).',
  SSH_HOST_INVALID: 'An SSH host is not a host name, an IPv4 or an IPv6 address.',

  // Identity.
  ID_DUPLICATE: 'Two elements share an id.',
  HOST_NAME_DUPLICATE: 'Two hosts share a name (the CLI selects hosts by name).',
  SEGMENT_NAME_DUPLICATE: 'Two segments share a name.',

  // Hosts and underlay.
  UNDERLAY_ADDRESS_INVALID: 'A host underlay address is not a valid IP address.',
  UNDERLAY_ADDRESS_NOT_UNICAST: 'A host underlay address is multicast, broadcast or unspecified.',
  UNDERLAY_ADDRESS_DUPLICATE: 'Two hosts share an underlay (VTEP) address.',
  UNDERLAY_ADDRESS_AUTO: 'A point-to-point or unicast-mesh member has underlay address "auto".',
  BRIDGE_DUPLICATE: 'A host declares the same bridge twice.',
  BRIDGE_IS_UNDERLAY: 'A bridge has the name of the host underlay interface.',

  // Segments.
  VNI_DUPLICATE: 'Two segments use the same VNI.',
  SUBNET_INVALID: 'A segment subnet is not valid CIDR.',
  SUBNET_HOST_BITS: 'A segment subnet has host bits set.',
  OVERLAY_SUBNET_OVERLAP: 'Two segments have overlapping overlay subnets.',
  OVERLAY_OVERLAPS_UNDERLAY: 'An overlay network contains a host underlay address.',
  P2P_MEMBER_COUNT: 'A point-to-point segment does not have exactly 2 members.',
  SEGMENT_FEW_MEMBERS: 'A segment has fewer than 2 members.',
  MESH_TOO_LARGE: 'A unicast-mesh segment has more than 100 members.',
  MULTICAST_GROUP_INVALID: 'A multicast group is not a valid IP address.',
  MULTICAST_GROUP_NOT_MULTICAST: 'A multicast group is not a multicast address.',
  MULTICAST_GROUP_FAMILY_MISMATCH: 'A multicast group is of another IP family than a member underlay.',
  UNDERLAY_FAMILY_MIXED: 'A segment mixes IPv4 and IPv6 underlay addresses.',
  MTU_EXCEEDS_UNDERLAY: 'An explicit segment MTU is larger than a member underlay MTU minus the VXLAN overhead.',
  MTU_AUTO_DIFFERS: 'With MTU "auto", members would get different overlay MTUs.',
  MTU_TOO_SMALL_FOR_IPV6: 'An explicit MTU below 1280 on a segment with IPv6 overlay addresses.',
  PORT_WELL_KNOWN: 'A segment uses a UDP port below 1024.',

  // Memberships.
  MEMBERSHIP_HOST_MISSING: 'A membership names a host that does not exist.',
  MEMBERSHIP_SEGMENT_MISSING: 'A membership names a segment that does not exist.',
  MEMBERSHIP_DUPLICATE: 'A host is a member of the same segment twice.',
  DEVICE_NAME_DUPLICATE: 'Two memberships on one host use the same VXLAN device name.',
  DEVICE_NAME_IS_BRIDGE: 'A VXLAN device name equals a bridge name on the host.',
  DEVICE_NAME_IS_UNDERLAY: 'A VXLAN device name equals the host underlay interface.',
  BRIDGE_UNDECLARED: 'A membership bridge is not declared in the host bridges.',
  BRIDGE_SHARED: 'Two segments are attached to the same bridge on a host.',
  BRIDGE_PORTS_WITHOUT_BRIDGE: 'A membership lists bridge ports but no bridge.',
  BRIDGE_PORT_IS_UNDERLAY: 'A bridge port is the host underlay interface.',
  BRIDGE_PORT_CONFLICT: 'A bridge port is a VXLAN device or bridge managed here.',
  BRIDGE_PORT_DUPLICATE: 'An interface is listed as a bridge port twice on one host.',
  MEMBER_ADDRESS_INVALID: 'A membership overlay address is not valid CIDR.',
  MEMBER_ADDRESS_NOT_HOST: 'A membership overlay address is the network or broadcast address.',
  MEMBER_ADDRESS_OUTSIDE_SUBNET: 'A membership overlay address is outside the segment subnet.',
  MEMBER_PREFIX_MISMATCH: 'A membership prefix length differs from the segment subnet.',
  MEMBER_NETWORK_MISMATCH: 'Members of a segment without a subnet have addresses in different networks.',
  OVERLAY_ADDRESS_DUPLICATE: 'Two members of a segment have the same overlay address.',
  MEMBERSHIP_UNUSED: 'A membership has neither a bridge nor an address.',
} as const;

export type ValidationCode = keyof typeof VALIDATION_CODES;
