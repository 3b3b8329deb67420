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
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini, the same core as zod's classic API without its chained methods, keeps this definition
// out of zod's half-megabyte classic bundle, so `vxlan-studio validate` starts fast. Unlike the
// classic API it installs no language for zod's own messages ("Invalid input: expected string..."):
// English, as the classic API would, unless a language was chosen already.
if (z.config().localeError === undefined) z.config(en());

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
  .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of letters, digits, "_" or "-"'));

/**
 * Topology id: goes into the ownership mark `vxlan-studio:<id>` set as the interface alias on
 * every device we create, so it must stay short and shell-inert.
 */
export const TopologyIdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or "-", starting with a letter or digit'));

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
export const InterfaceNameSchema = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.refine((s) => utf8Length(s) <= 15, 'must be at most 15 bytes (Linux IFNAMSIZ)'),
  z.refine((s) => !/[/:\s]/.test(s), 'must not contain "/", ":" or whitespace'),
  z.refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."'),
  z.refine((s) => !s.startsWith('-'), 'must not start with "-"'),
  // Printable ASCII only: the kernel accepts more, but nothing an admin types needs it and it keeps
  // every name safe in a remote shell and in a terminal.
  z.refine((s) => /^[\x21-\x7e]+$/.test(s), 'must be printable ASCII'),
);

export const AutoSchema = z.literal('auto');

export const PortSchema = z
  .number()
  .check(z.int('must be a whole number'), z.gte(1, 'must be 1-65535'), z.lte(65535, 'must be 1-65535'));

/** MTU range the kernel accepts for a VXLAN device (68 = IPv4 minimum, 65535 = max). */
export const MtuSchema = z
  .number()
  .check(z.int('must be a whole number'), z.gte(68, 'must be at least 68'), z.lte(65535, 'must be at most 65535'));

/**
 * Address and CIDR syntax is checked in `shared/validate` with ipaddr.js (so it is not hand-rolled
 * twice); here they are only bounded, non-empty strings.
 */
export const AddressStringSchema = z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'is too long'));

export const SshAuthSchema = z.discriminatedUnion('type', [
  /** Use the running ssh-agent (SSH_AUTH_SOCK). */
  z.strictObject({ type: z.literal('agent') }),
  /** A private key file on the machine running VXLAN Studio; a passphrase is asked when needed. */
  z.strictObject({
    type: z.literal('identity-file'),
    path: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(4096)),
  }),
  /** Asked at connect time through the UI/CLI; never stored in the topology file. */
  z.strictObject({ type: z.literal('password') }),
]);
export type SshAuth = z.infer<typeof SshAuthSchema>;

export const SshTargetSchema = z.strictObject({
  /** Hostname or address the SSH client connects to (may differ from the underlay address). */
  host: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(253, 'must be at most 253 characters')),
  port: z._default(PortSchema, 22),
  user: z._default(
    z.string().check(z.regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'must be a valid login name (letters, digits, "_", ".", "-")')),
    'root',
  ),
  auth: z._default(SshAuthSchema, { type: 'agent' }),
  /** ProxyJump-style jump host, `[user@]host[:port]`; uses the same auth. */
  jump: z.optional(
    z
      .string()
      .check(z.regex(/^([a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9.:[\]_-]{1,253}(:\d{1,5})?$/i, 'must look like [user@]host[:port]')),
  ),
});
export type SshTarget = z.infer<typeof SshTargetSchema>;

export const UnderlaySchema = z.strictObject({
  /** Underlay interface (the `dev` of `ip link add ... type vxlan`), or "auto" to use the route to the peers. */
  interface: z._default(z.union([AutoSchema, InterfaceNameSchema]), 'auto'),
  /** This host's underlay (VTEP) address, or "auto" to read it from the host. */
  address: z._default(z.union([AutoSchema, AddressStringSchema]), 'auto'),
  /** Underlay MTU when known; "auto" reads it from the host. */
  mtu: z._default(z.union([AutoSchema, MtuSchema]), 'auto'),
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
  name: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters')),
  ssh: SshTargetSchema,
  /** Run privileged commands through `sudo -n` (non-root login). */
  sudo: z._default(z.boolean(), false),
  underlay: z._default(UnderlaySchema, { interface: 'auto', address: 'auto', mtu: 'auto' }),
  /** Linux bridges declared on this host; a membership's `bridge` names one of these. */
  bridges: z._default(z.array(InterfaceNameSchema), []),
  /** Where the overlay is kept across reboots (format 2; format 1 files read as "auto"). */
  persist: z._default(PersistSettingSchema, 'auto'),
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
    ttl: z.optional(z.number().check(z.int('must be a whole number'), z.gte(1, 'must be 1-255'), z.lte(255, 'must be 1-255'))),
  }),
]);
export type Flood = z.infer<typeof FloodSchema>;
export type FloodMode = Flood['mode'];

export const SegmentSchema = z.strictObject({
  id: ElementIdSchema,
  name: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters')),
  vni: z
    .number()
    .check(
      z.int('must be a whole number'),
      z.gte(VNI_MIN, `must be ${VNI_MIN}-${VNI_MAX}`),
      z.lte(VNI_MAX, `must be ${VNI_MIN}-${VNI_MAX}`),
    ),
  port: z._default(PortSchema, VXLAN_DEFAULT_PORT),
  /** Overlay MTU; "auto" = underlay MTU minus 50 (IPv4) or 70 (IPv6). */
  mtu: z._default(z.union([AutoSchema, MtuSchema]), 'auto'),
  flood: z._default(FloodSchema, { mode: 'unicast-mesh' }),
  /** Kernel MAC learning on the VXLAN device (`nolearning` when false). */
  learning: z._default(z.boolean(), true),
  /** Optional overlay subnet in CIDR; member addresses must fall inside it. */
  subnet: z.optional(AddressStringSchema),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const MembershipSchema = z.strictObject({
  id: ElementIdSchema,
  hostId: ElementIdSchema,
  segmentId: ElementIdSchema,
  /** VXLAN device name; default `vxlan<VNI>` (see `deviceName`). */
  device: z.optional(InterfaceNameSchema),
  /** Linux bridge the VXLAN device is enslaved to; must be declared in the host's `bridges`. */
  bridge: z.optional(InterfaceNameSchema),
  /** Overlay address in CIDR; on the bridge when there is one, else on the VXLAN device. */
  address: z.optional(AddressStringSchema),
  /** Extra ports to enslave to the bridge (VM taps, container veths). Requires `bridge`. */
  bridgePorts: z._default(z.array(InterfaceNameSchema), []),
});
export type Membership = z.infer<typeof MembershipSchema>;

// z.number() refuses Infinity and NaN itself (the classic API's `.finite()` added nothing).
export const PositionSchema = z.strictObject({ x: z.number(), y: z.number() });
export type Position = z.infer<typeof PositionSchema>;

/** Canvas-only data: never read by the plan compiler. */
export const LayoutSchema = z.strictObject({
  /** Keyed by canvas node id: a host id, a segment id, or `bridgeNodeId(hostId, bridge)`. */
  positions: z._default(z.record(z.string(), PositionSchema), {}),
  viewport: z.optional(z.strictObject({ x: z.number(), y: z.number(), zoom: z.number().check(z.positive()) })),
});
export type Layout = z.infer<typeof LayoutSchema>;

export const TopologySchema = z.strictObject({
  /** Optional pointer to docs/topology.schema.json for editors. */
  $schema: z.optional(z.string()),
  format: z.literal(CURRENT_FORMAT),
  id: TopologyIdSchema,
  name: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(128, 'must be at most 128 characters')),
  hosts: z._default(z.array(HostSchema), []),
  segments: z._default(z.array(SegmentSchema), []),
  memberships: z._default(z.array(MembershipSchema), []),
  layout: z._default(LayoutSchema, { positions: {} }),
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
