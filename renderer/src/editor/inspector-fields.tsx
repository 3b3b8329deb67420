/**
 * The Inspector's text fields as tables: each row names its label, the value it shows, how the typed
 * text is parsed and which topology operation applies it; `FieldRows` renders a table with one loop.
 */
import {
  AddressStringSchema,
  FloodSchema,
  HostSchema,
  InterfaceNameSchema,
  MembershipSchema,
  MtuSchema,
  PortSchema,
  SegmentSchema,
  SshTargetSchema,
  TopologyIdSchema,
  TopologySchema,
  defaultDeviceName,
  type Host,
  type Membership,
  type PersistSetting,
  type Segment,
  type Topology,
} from '../../../shared/model';
import { setSegmentMtu, updateHost, updateMembership, updateSegment, withOptional } from './topology-ops';
import { useStore } from '../store/store';
import { commitGuarded, SelectField, TextField, type Applied, type FieldTarget } from './fields';
import { parseAutoNumber, parseAutoText, parseList, parseNumber, parseOptionalText, parseText, type Parsed } from './parse-field';

const TtlSchema = FloodSchema.def.options[2].shape.ttl.def.innerType;

/** Applies a parsed value through `update`, or passes the parse error on. */
function applyParsed<T>(p: Parsed<T>, update: (v: T) => Topology): Applied {
  return 'error' in p ? p : { topology: update(p.value) };
}

export const cur = () => useStore.getState().topology;

/**
 * One text field of an inspector block: its label, where it sits inside the element (`ssh.port`,
 * joined to the element's path, e.g. `hosts[0]`), how it shows the value and how a typed value
 * becomes the edited topology (parsed, then applied through topology-ops).
 */
interface FieldSpec<E> {
  label: string;
  path: string;
  mono?: boolean;
  placeholder?: string | ((e: E) => string);
  hint?: string;
  /** Shown only when this holds (e.g. the multicast group only for multicast flooding). */
  show?: (e: E) => boolean;
  value: (e: E) => string;
  apply: (raw: string, t: Topology, id: string, e: E) => Applied;
}

/** A row: one field, or two side by side. */
type FieldRow<E> = FieldSpec<E> | readonly [FieldSpec<E>, FieldSpec<E>];

/** A field from its parser and the topology edit its parsed value makes. */
function field<E, V>(
  spec: Omit<FieldSpec<E>, 'apply'> & {
    parse: (raw: string) => Parsed<V>;
    edit: (t: Topology, id: string, value: V, e: E) => Topology;
  },
): FieldSpec<E> {
  const { parse, edit, ...rest } = spec;
  return { ...rest, apply: (raw, t, id, e) => applyParsed(parse(raw), (v) => edit(t, id, v, e)) };
}

const onHost =
  <V,>(fn: (h: Host, v: V) => Host) =>
  (t: Topology, id: string, v: V): Topology =>
    updateHost(t, id, (h) => fn(h, v));
const onSsh = <V,>(fn: (s: Host['ssh'], v: V) => Host['ssh']) => onHost<V>((h, v) => ({ ...h, ssh: fn(h.ssh, v) }));
const onSegment =
  <V,>(fn: (g: Segment, v: V) => Segment) =>
  (t: Topology, id: string, v: V): Topology =>
    updateSegment(t, id, (g) => fn(g, v));
const onMembership =
  <V,>(fn: (m: Membership, v: V) => Membership) =>
  (t: Topology, id: string, v: V): Topology =>
    updateMembership(t, id, (m) => fn(m, v));

/** Renders a block of the field table in order, pairs side by side; one loop for every inspector. */
export function FieldRows<E>({
  rows,
  element,
  id,
  path,
  target,
}: {
  rows: readonly FieldRow<E>[];
  element: E;
  id: string;
  /** The element's path in the file (`hosts[0]`), or '' for the topology itself. */
  path: string;
  target: FieldTarget;
}) {
  const one = (f: FieldSpec<E>) => (
    <TextField
      key={f.path}
      target={target}
      path={path === '' ? f.path : `${path}.${f.path}`}
      label={f.label}
      mono={f.mono}
      placeholder={typeof f.placeholder === 'function' ? f.placeholder(element) : f.placeholder}
      hint={f.hint}
      value={f.value(element)}
      apply={(raw) => f.apply(raw, cur(), id, element)}
    />
  );
  const shown = (f: FieldSpec<E>) => f.show?.(element) ?? true;
  return (
    <>
      {rows.map((row) => {
        if (!Array.isArray(row)) return shown(row as FieldSpec<E>) ? one(row as FieldSpec<E>) : null;
        const pair = (row as readonly FieldSpec<E>[]).filter(shown);
        if (pair.length === 0) return null;
        return (
          <div className="field-pair" key={pair.map((f) => f.path).join('+')}>
            {pair.map(one)}
          </div>
        );
      })}
    </>
  );
}

export const TOPOLOGY_FIELDS: FieldRow<Topology>[] = [
  field({
    label: 'Name',
    path: 'name',
    value: (t) => t.name,
    parse: (raw) => parseText(raw, TopologySchema.shape.name),
    edit: (t, _id, name: string) => ({ ...t, name }),
  }),
  field({
    label: 'Id',
    path: 'id',
    mono: true,
    hint: 'Marks every device this drawing creates (ip link alias vxlan-studio:<id>).',
    value: (t) => t.id,
    parse: (raw) => parseText(raw, TopologyIdSchema),
    edit: (t, _id, id: string) => ({ ...t, id }),
  }),
];

export const HOST_NAME_FIELDS: FieldRow<Host>[] = [
  field({
    label: 'Name',
    path: 'name',
    value: (h) => h.name,
    parse: (raw) => parseText(raw, HostSchema.shape.name),
    edit: onHost((h, name: string) => ({ ...h, name })),
  }),
];

export const HOST_SSH_FIELDS: FieldRow<Host>[] = [
  field({
    label: 'Host',
    path: 'ssh.host',
    mono: true,
    value: (h) => h.ssh.host,
    parse: (raw) => parseText(raw, SshTargetSchema.shape.host),
    edit: onSsh((s, host: string) => ({ ...s, host })),
  }),
  [
    field({
      label: 'Port',
      path: 'ssh.port',
      mono: true,
      value: (h) => String(h.ssh.port),
      parse: (raw) => parseNumber(raw, PortSchema),
      edit: onSsh((s, port: number) => ({ ...s, port })),
    }),
    field({
      label: 'User',
      path: 'ssh.user',
      mono: true,
      value: (h) => h.ssh.user,
      parse: (raw) => parseText(raw, SshTargetSchema.shape.user.def.innerType),
      edit: onSsh((s, user: string) => ({ ...s, user })),
    }),
  ],
];

/** After the authentication choice. */
export const HOST_LOGIN_FIELDS: FieldRow<Host>[] = [
  field({
    label: 'Identity file',
    path: 'ssh.auth.path',
    mono: true,
    hint: 'A path on this machine; the key itself is never stored in the file.',
    show: (h) => h.ssh.auth.type === 'identity-file',
    value: (h) => (h.ssh.auth.type === 'identity-file' ? h.ssh.auth.path : ''),
    parse: (raw): Parsed<string> => (raw.trim() === '' ? { error: 'must not be empty' } : { value: raw.trim() }),
    edit: onSsh((s, path: string) => ({ ...s, auth: { type: 'identity-file', path } })),
  }),
  field({
    label: 'Jump host',
    path: 'ssh.jump',
    mono: true,
    placeholder: 'none',
    value: (h) => h.ssh.jump ?? '',
    parse: (raw) => parseOptionalText(raw, SshTargetSchema.shape.jump.def.innerType),
    edit: onSsh((s, jump: string | undefined) => withOptional(s, 'jump', jump)),
  }),
];

export const HOST_UNDERLAY_FIELDS: FieldRow<Host>[] = [
  field({
    label: 'Interface',
    path: 'underlay.interface',
    mono: true,
    placeholder: 'auto',
    hint: "The VTEP's outgoing device (ip link ... dev). auto = the route to the peers.",
    value: (h) => h.underlay.interface,
    parse: (raw) => parseAutoText(raw, InterfaceNameSchema),
    edit: onHost((h, v: Host['underlay']['interface']) => ({ ...h, underlay: { ...h.underlay, interface: v } })),
  }),
  field({
    label: 'Address',
    path: 'underlay.address',
    mono: true,
    placeholder: 'auto',
    value: (h) => h.underlay.address,
    parse: (raw) => parseAutoText(raw, AddressStringSchema),
    edit: onHost((h, v: Host['underlay']['address']) => ({ ...h, underlay: { ...h.underlay, address: v } })),
  }),
  field({
    label: 'MTU',
    path: 'underlay.mtu',
    mono: true,
    placeholder: 'auto',
    value: (h) => String(h.underlay.mtu),
    parse: (raw) => parseAutoNumber(raw, MtuSchema),
    edit: onHost((h, v: Host['underlay']['mtu']) => ({ ...h, underlay: { ...h.underlay, mtu: v } })),
  }),
];

export const SEGMENT_FIELDS: FieldRow<Segment>[] = [
  field({
    label: 'Name',
    path: 'name',
    value: (g) => g.name,
    parse: (raw) => parseText(raw, SegmentSchema.shape.name),
    edit: onSegment((g, name: string) => ({ ...g, name })),
  }),
  [
    field({
      label: 'VNI',
      path: 'vni',
      mono: true,
      value: (g) => String(g.vni),
      parse: (raw) => parseNumber(raw, SegmentSchema.shape.vni),
      edit: onSegment((g, vni: number) => ({ ...g, vni })),
    }),
    field({
      label: 'UDP port',
      path: 'port',
      mono: true,
      value: (g) => String(g.port),
      parse: (raw) => parseNumber(raw, PortSchema),
      edit: onSegment((g, port: number) => ({ ...g, port })),
    }),
  ],
  field({
    label: 'MTU',
    path: 'mtu',
    mono: true,
    placeholder: 'auto',
    hint: 'auto = underlay MTU − 50 (IPv4) or − 70 (IPv6).',
    value: (g) => String(g.mtu),
    parse: (raw) => parseAutoNumber(raw, MtuSchema),
    edit: (t, id, mtu: Segment['mtu']) => setSegmentMtu(t, id, mtu),
  }),
];

/** After the flooding choice. */
export const SEGMENT_FLOOD_FIELDS: FieldRow<Segment>[] = [
  [
    field({
      label: 'Group',
      path: 'flood.group',
      mono: true,
      show: (g) => g.flood.mode === 'multicast',
      value: (g) => (g.flood.mode === 'multicast' ? g.flood.group : ''),
      parse: (raw) => parseText(raw, AddressStringSchema),
      edit: onSegment((g, group: string) => (g.flood.mode === 'multicast' ? { ...g, flood: { ...g.flood, group } } : g)),
    }),
    field({
      label: 'TTL',
      path: 'flood.ttl',
      mono: true,
      placeholder: 'default',
      show: (g) => g.flood.mode === 'multicast',
      value: (g) => (g.flood.mode === 'multicast' && g.flood.ttl !== undefined ? String(g.flood.ttl) : ''),
      parse: (raw): Parsed<number | undefined> => (raw.trim() === '' ? { value: undefined } : parseNumber(raw, TtlSchema)),
      edit: onSegment((g, ttl: number | undefined) =>
        g.flood.mode === 'multicast' ? { ...g, flood: withOptional({ ...g.flood }, 'ttl', ttl) } : g,
      ),
    }),
  ],
];

/** After MAC learning. */
export const SEGMENT_SUBNET_FIELDS: FieldRow<Segment>[] = [
  field({
    label: 'Overlay subnet',
    path: 'subnet',
    mono: true,
    placeholder: 'none, e.g. 10.0.0.0/24',
    value: (g) => g.subnet ?? '',
    parse: (raw) => parseOptionalText(raw, AddressStringSchema),
    edit: onSegment((g, subnet: string | undefined) => withOptional(g, 'subnet', subnet)),
  }),
];

/** The membership's segment VNI names the default device, so the placeholder needs it. */
export type MembershipView = { m: Membership; vni: number };

export const MEMBERSHIP_DEVICE_FIELDS: FieldRow<MembershipView>[] = [
  field({
    label: 'VXLAN device',
    path: 'device',
    mono: true,
    placeholder: ({ vni }) => defaultDeviceName(vni),
    value: ({ m }) => m.device ?? '',
    parse: (raw) => parseOptionalText(raw, InterfaceNameSchema),
    edit: onMembership((x, device: string | undefined) => withOptional(x, 'device', device)),
  }),
];

/** After the bridge choice. */
export const MEMBERSHIP_ADDRESS_FIELDS: FieldRow<MembershipView>[] = [
  field({
    label: 'Overlay address',
    path: 'address',
    mono: true,
    placeholder: 'none, e.g. 10.0.0.1/24',
    value: ({ m }) => m.address ?? '',
    parse: (raw) => parseOptionalText(raw, AddressStringSchema),
    edit: onMembership((x, address: string | undefined) => withOptional(x, 'address', address)),
  }),
  field({
    label: 'Extra bridge ports',
    path: 'bridgePorts',
    mono: true,
    placeholder: 'none, e.g. tap0 veth1',
    hint: 'VM taps or container veths to enslave to the bridge.',
    show: ({ m }) => m.bridge !== undefined,
    value: ({ m }) => m.bridgePorts.join(' '),
    parse: (raw) => parseList(raw, MembershipSchema.shape.bridgePorts.def.innerType.def.element),
    edit: onMembership((x, bridgePorts: string[]) => ({ ...x, bridgePorts })),
  }),
];

/** Every choice of `persist`, in the order the select offers them (the file's values, people's labels). */
export const PERSIST_OPTIONS: readonly { value: PersistSetting; label: string }[] = [
  { value: 'auto', label: 'Auto-detect' },
  { value: 'none', label: 'Runtime only (lost at reboot)' },
  { value: 'systemd-networkd', label: 'systemd-networkd' },
  { value: 'netplan', label: 'netplan' },
  { value: 'ifupdown2', label: 'ifupdown2' },
  { value: 'ifupdown', label: 'ifupdown' },
  { value: 'networkmanager', label: 'NetworkManager' },
];

/** The host's "Persistence" select: which network manager keeps the overlay across reboots. */
export function HostPersistField({ host, id, path }: { host: Host; id: string; path: string }) {
  return (
    <SelectField
      path={`${path}.persist`}
      label="Persistence"
      value={host.persist}
      options={PERSIST_OPTIONS}
      onChange={(persist) => commitGuarded(updateHost(cur(), id, (h) => ({ ...h, persist })))}
    />
  );
}
