/**
 * Topology file format v2 (`*.vxlan.json`). Format 1 had no per-host `persist`; `migrate` reads it as "auto".
 *
 * The one definition of what a drawing holds. Network data (hosts, segments, memberships) is kept
 * apart from canvas data (`layout`), so moving a node never changes what gets deployed.
 *
 * Structural checks live here (types, ranges, syntax that zod can say in one field). Checks that
 * need more than one field or element (duplicates, address-in-subnet, MTU versus underlay) live in
 * `shared/validate`.
 */
import { z } from 'zod';

/** Current file format version written by this build. Older versions are upgraded by `migrate`. */
export const CURRENT_FORMAT = 2 as const;

/** IANA-assigned VXLAN UDP port (RFC 7348 section 5). */
export const VXLAN_DEFAULT_PORT = 4789;
/** VNI is a 24-bit field (RFC 7348 section 5); 0 is reserved by convention in most tools. */
export const VNI_MIN = 1;
export const VNI_MAX = 16_777_215;
/** Encapsulation overhead: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 = 50; IPv6 adds 20 more. */
export const VXLAN_OVERHEAD_IPV4 = 50;
export const VXLAN_OVERHEAD_IPV6 = 70;

/** Element ids: stable keys for hosts, segments and memberships, used by diagnostics and layout. */
export const ElementIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of letters, digits, "_" or "-"');

/**
 * Topology id: goes into the ownership mark `vxlan-studio:<id>` set as the interface alias on
 * every device we create, so it must stay short and shell-inert.
 */
export const TopologyIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or "-", starting with a letter or digit');

/** UTF-8 byte length of a string (shared/ has no DOM or Node globals such as TextEncoder). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * A Linux interface name (IFNAMSIZ = 16 including the NUL, so at most 15 bytes; see
 * `dev_valid_name()` in net/core/dev.c): no '/', ':' or whitespace, not '.' or '..'.
 * We also refuse a leading '-' so that a name can never be read as an option by ip(8).
 */
export const InterfaceNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => utf8Length(s) <= 15, 'must be at most 15 bytes (Linux IFNAMSIZ)')
  .refine((s) => !/[/:\s]/.test(s), 'must not contain "/", ":" or whitespace')
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."')
  .refine((s) => !s.startsWith('-'), 'must not start with "-"')
  // Printable ASCII only: the kernel accepts more, but nothing an admin types needs it and it keeps
  // every name safe in a remote shell and in a terminal.
  .refine((s) => /^[\x21-\x7e]+$/.test(s), 'must be printable ASCII');

export const AutoSchema = z.literal('auto');

export const PortSchema = z.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');

/** MTU range the kernel accepts for a VXLAN device (68 = IPv4 minimum, 65535 = max). */
export const MtuSchema = z
  .number()
  .int('must be a whole number')
  .min(68, 'must be at least 68')
  .max(65535, 'must be at most 65535');

/**
 * Address and CIDR syntax is checked in `shared/validate` with ipaddr.js (so it is not hand-rolled
 * twice); here they are only bounded, non-empty strings.
 */
export const AddressStringSchema = z.string().min(1, 'must not be empty').max(64, 'is too long');

export const SshAuthSchema = z.discriminatedUnion('type', [
  /** Use the running ssh-agent (SSH_AUTH_SOCK). */
  z.strictObject({ type: z.literal('agent') }),
  /** A private key file on the machine running VXLAN Studio; a passphrase is asked when needed. */
  z.strictObject({ type: z.literal('identity-file'), path: z.string().min(1, 'must not be empty').max(4096) }),
  /** Asked at connect time through the UI/CLI; never stored in the topology file. */
  z.strictObject({ type: z.literal('password') }),
]);
export type SshAuth = z.infer<typeof SshAuthSchema>;

export const SshTargetSchema = z.strictObject({
  /** Hostname or address the SSH client connects to (may differ from the underlay address). */
  host: z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters'),
  port: PortSchema.default(22),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'must be a valid login name (letters, digits, "_", ".", "-")')
    .default('root'),
  auth: SshAuthSchema.default({ type: 'agent' }),
  /** ProxyJump-style jump host, `[user@]host[:port]`; uses the same auth. */
  jump: z
    .string()
    .regex(/^([a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9.:[\]_-]{1,253}(:\d{1,5})?$/i, 'must look like [user@]host[:port]')
    .optional(),
});
export type SshTarget = z.infer<typeof SshTargetSchema>;

export const UnderlaySchema = z.strictObject({
  /** Underlay interface (the `dev` of `ip link add ... type vxlan`), or "auto" to use the route to the peers. */
  interface: z.union([AutoSchema, InterfaceNameSchema]).default('auto'),
  /** This host's underlay (VTEP) address, or "auto" to read it from the host. */
  address: z.union([AutoSchema, AddressStringSchema]).default('auto'),
  /** Underlay MTU when known; "auto" reads it from the host. */
  mtu: z.union([AutoSchema, MtuSchema]).default('auto'),
});
export type Underlay = z.infer<typeof UnderlaySchema>;

/** Network managers whose files we can write so the overlay survives a reboot. */
export const PERSIST_MANAGERS = ['systemd-networkd', 'netplan', 'ifupdown2', 'ifupdown', 'networkmanager'] as const;

/**
 * How a host keeps its overlay across reboots: "auto" detects the manager that owns the underlay
 * on the host, "none" keeps today's runtime-only `ip` commands (lost at reboot), or a named manager.
 */
export const PersistSettingSchema = z.enum(['auto', 'none', ...PERSIST_MANAGERS], {
  error: `must be "auto", "none" or one of ${PERSIST_MANAGERS.map((m) => `"${m}"`).join(', ')}`,
});

export type PersistSetting = z.infer<typeof PersistSettingSchema>;

export const HostSchema = z.strictObject({
  id: ElementIdSchema,
  /** Display name; also what `--host NAME` matches in the CLI. */
  name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  ssh: SshTargetSchema,
  /** Run privileged commands through `sudo -n` (non-root login). */
  sudo: z.boolean().default(false),
  underlay: UnderlaySchema.default({ interface: 'auto', address: 'auto', mtu: 'auto' }),
  /** Linux bridges declared on this host; a membership's `bridge` names one of these. */
  bridges: z.array(InterfaceNameSchema).default([]),
  /** Where the overlay is kept across reboots (format 2; format 1 files read as "auto"). */
  persist: PersistSettingSchema.default('auto'),
});
export type Host = z.infer<typeof HostSchema>;

export const FloodSchema = z.discriminatedUnion('mode', [
  /** The textbook `remote <peer>`: exactly two members. */
  z.strictObject({ mode: z.literal('point-to-point') }),
  /** Head-end replication: `local <own>` and one all-zero FDB entry per peer. */
  z.strictObject({ mode: z.literal('unicast-mesh') }),
  /** `group <addr> dev <underlay> ttl N`: the underlay must carry multicast. */
  z.strictObject({
    mode: z.literal('multicast'),
    group: AddressStringSchema,
    ttl: z.number().int('must be a whole number').min(1, 'must be 1-255').max(255, 'must be 1-255').optional(),
  }),
]);
export type Flood = z.infer<typeof FloodSchema>;
export type FloodMode = Flood['mode'];

export const SegmentSchema = z.strictObject({
  id: ElementIdSchema,
  name: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  vni: z
    .number()
    .int('must be a whole number')
    .min(VNI_MIN, `must be ${VNI_MIN}-${VNI_MAX}`)
    .max(VNI_MAX, `must be ${VNI_MIN}-${VNI_MAX}`),
  port: PortSchema.default(VXLAN_DEFAULT_PORT),
  /** Overlay MTU; "auto" = underlay MTU minus 50 (IPv4) or 70 (IPv6). */
  mtu: z.union([AutoSchema, MtuSchema]).default('auto'),
  flood: FloodSchema.default({ mode: 'unicast-mesh' }),
  /** Kernel MAC learning on the VXLAN device (`nolearning` when false). */
  learning: z.boolean().default(true),
  /** Optional overlay subnet in CIDR; member addresses must fall inside it. */
  subnet: AddressStringSchema.optional(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const MembershipSchema = z.strictObject({
  id: ElementIdSchema,
  hostId: ElementIdSchema,
  segmentId: ElementIdSchema,
  /** VXLAN device name; default `vxlan<VNI>` (see `deviceName`). */
  device: InterfaceNameSchema.optional(),
  /** Linux bridge the VXLAN device is enslaved to; must be declared in the host's `bridges`. */
  bridge: InterfaceNameSchema.optional(),
  /** Overlay address in CIDR; on the bridge when there is one, else on the VXLAN device. */
  address: AddressStringSchema.optional(),
  /** Extra ports to enslave to the bridge (VM taps, container veths). Requires `bridge`. */
  bridgePorts: z.array(InterfaceNameSchema).default([]),
});
export type Membership = z.infer<typeof MembershipSchema>;

export const PositionSchema = z.strictObject({ x: z.number().finite(), y: z.number().finite() });
export type Position = z.infer<typeof PositionSchema>;

/** Canvas-only data: never read by the plan compiler. */
export const LayoutSchema = z.strictObject({
  /** Keyed by canvas node id: a host id, a segment id, or `bridgeNodeId(hostId, bridge)`. */
  positions: z.record(z.string(), PositionSchema).default({}),
  viewport: z.strictObject({ x: z.number().finite(), y: z.number().finite(), zoom: z.number().positive() }).optional(),
});
export type Layout = z.infer<typeof LayoutSchema>;

export const TopologySchema = z.strictObject({
  /** Optional pointer to docs/topology.schema.json for editors. */
  $schema: z.string().optional(),
  format: z.literal(CURRENT_FORMAT),
  id: TopologyIdSchema,
  name: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
  hosts: z.array(HostSchema).default([]),
  segments: z.array(SegmentSchema).default([]),
  memberships: z.array(MembershipSchema).default([]),
  layout: LayoutSchema.default({ positions: {} }),
});
export type Topology = z.infer<typeof TopologySchema>;
/** What a file may omit (defaults filled in on parse). */
export type TopologyInput = z.input<typeof TopologySchema>;

/** Default VXLAN device name for a VNI, e.g. `vxlan100`. */
export function defaultDeviceName(vni: number): string {
  return `vxlan${vni}`;
}

/** The VXLAN device a membership uses: its explicit `device`, else `vxlan<VNI>`. */
export function deviceName(membership: Membership, segment: Segment): string {
  return membership.device ?? defaultDeviceName(segment.vni);
}

/** Canvas node id of a bridge declared on a host. */
export function bridgeNodeId(hostId: string, bridge: string): string {
  return `bridge:${hostId}:${bridge}`;
}
