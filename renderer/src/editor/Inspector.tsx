import { useShallow } from 'zustand/react/shallow';
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
  type Flood,
  type FloodMode,
  type Host,
  type Membership,
  type Segment,
  type SshAuth,
  type Topology,
} from '../../../shared/model';
import {
  parseBridgeNodeId,
  renameBridge,
  setSegmentMtu,
  updateHost,
  updateMembership,
  updateSegment,
  withOptional,
} from './topology-ops';
import { useStore } from '../store/store';
import { CheckField, commitGuarded, SelectField, TextField, type Applied, type FieldTarget } from './fields';
import { parseAutoNumber, parseAutoText, parseList, parseNumber, parseOptionalText, parseText, type Parsed } from './parse-field';

const TtlSchema = FloodSchema.options[2].shape.ttl.unwrap();

/** Applies a parsed value through `update`, or passes the parse error on. */
function applyParsed<T>(p: Parsed<T>, update: (v: T) => Topology): Applied {
  return 'error' in p ? p : { topology: update(p.value) };
}

const cur = () => useStore.getState().topology;

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
function FieldRows<E>({
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

const TOPOLOGY_FIELDS: FieldRow<Topology>[] = [
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

const HOST_NAME_FIELDS: FieldRow<Host>[] = [
  field({
    label: 'Name',
    path: 'name',
    value: (h) => h.name,
    parse: (raw) => parseText(raw, HostSchema.shape.name),
    edit: onHost((h, name: string) => ({ ...h, name })),
  }),
];

const HOST_SSH_FIELDS: FieldRow<Host>[] = [
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
      parse: (raw) => parseText(raw, SshTargetSchema.shape.user.unwrap()),
      edit: onSsh((s, user: string) => ({ ...s, user })),
    }),
  ],
];

/** After the authentication choice. */
const HOST_LOGIN_FIELDS: FieldRow<Host>[] = [
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
    parse: (raw) => parseOptionalText(raw, SshTargetSchema.shape.jump.unwrap()),
    edit: onSsh((s, jump: string | undefined) => withOptional(s, 'jump', jump)),
  }),
];

const HOST_UNDERLAY_FIELDS: FieldRow<Host>[] = [
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

const SEGMENT_FIELDS: FieldRow<Segment>[] = [
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
const SEGMENT_FLOOD_FIELDS: FieldRow<Segment>[] = [
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
const SEGMENT_SUBNET_FIELDS: FieldRow<Segment>[] = [
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
type MembershipView = { m: Membership; vni: number };

const MEMBERSHIP_DEVICE_FIELDS: FieldRow<MembershipView>[] = [
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
const MEMBERSHIP_ADDRESS_FIELDS: FieldRow<MembershipView>[] = [
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
    parse: (raw) => parseList(raw, MembershipSchema.shape.bridgePorts.unwrap().element),
    edit: onMembership((x, bridgePorts: string[]) => ({ ...x, bridgePorts })),
  }),
];

export function Inspector() {
  const { nodeIds, edgeIds } = useStore(useShallow((s) => ({ nodeIds: s.selectedNodeIds, edgeIds: s.selectedEdgeIds })));
  const count = nodeIds.length + edgeIds.length;
  let body;
  if (count === 0) body = <TopologyInspector />;
  else if (count > 1) body = <MultiInspector count={count} />;
  else if (edgeIds.length === 1) body = <MembershipInspector key={edgeIds[0]} id={edgeIds[0] as string} />;
  else {
    const id = nodeIds[0] as string;
    const bridge = parseBridgeNodeId(id);
    body = bridge ? <BridgeInspector key={id} hostId={bridge.hostId} name={bridge.name} /> : <NodeInspector key={id} id={id} />;
  }
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      {body}
    </aside>
  );
}

function NodeInspector({ id }: { id: string }) {
  const kind = useStore((s) =>
    s.topology.hosts.some((h) => h.id === id) ? 'host' : s.topology.segments.some((g) => g.id === id) ? 'segment' : null,
  );
  if (kind === 'host') return <HostInspector id={id} />;
  if (kind === 'segment') return <SegmentInspector id={id} />;
  return null;
}

function MultiInspector({ count }: { count: number }) {
  const del = useStore((s) => s.deleteSelection);
  return (
    <section>
      <h2>{count} elements selected</h2>
      <p className="muted">Drag to move them together, Ctrl+C / Ctrl+V to duplicate, Delete to remove.</p>
      <button type="button" className="danger" onClick={del}>
        Delete selection
      </button>
    </section>
  );
}

function TopologyInspector() {
  const t = useStore((s) => s.topology);
  const target: FieldTarget = { elementId: t.id, canvasId: t.id, elementKind: 'topology' };
  return (
    <section>
      <h2>Topology</h2>
      <FieldRows rows={TOPOLOGY_FIELDS} element={t} id={t.id} path="" target={target} />
      <dl className="summary">
        <dt>Hosts</dt>
        <dd>{t.hosts.length}</dd>
        <dt>Segments</dt>
        <dd>{t.segments.length}</dd>
        <dt>Memberships</dt>
        <dd>{t.memberships.length}</dd>
      </dl>
      <p className="muted">
        Select a host, segment, bridge or connection to edit it. Drag from a host&apos;s or bridge&apos;s right handle to a
        segment to make it a member.
      </p>
    </section>
  );
}

const AUTH_OPTIONS = [
  { value: 'agent', label: 'SSH agent' },
  { value: 'identity-file', label: 'Identity file' },
  { value: 'password', label: 'Password (asked at connect)' },
] as const;

function HostInspector({ id }: { id: string }) {
  const index = useStore((s) => s.topology.hosts.findIndex((h) => h.id === id));
  const host = useStore((s) => s.topology.hosts[index]);
  if (!host) return null;
  const p = `hosts[${index}]`;
  const target: FieldTarget = { elementId: id, canvasId: id, elementKind: 'host' };
  const set = (fn: (h: Host) => Host): Topology => updateHost(cur(), id, fn);
  const setSsh = (fn: (s: Host['ssh']) => Host['ssh']): Topology => set((h) => ({ ...h, ssh: fn(h.ssh) }));
  const auth = host.ssh.auth;
  return (
    <section>
      <h2>
        <span className="kind-dot kind-host" /> Host
      </h2>
      <FieldRows rows={HOST_NAME_FIELDS} element={host} id={id} path={p} target={target} />
      <h3>SSH</h3>
      <FieldRows rows={HOST_SSH_FIELDS} element={host} id={id} path={p} target={target} />
      <SelectField
        path={`${p}.ssh.auth`}
        label="Authentication"
        value={auth.type}
        options={AUTH_OPTIONS}
        onChange={(type) => {
          const next: SshAuth =
            type === 'identity-file' ? { type, path: auth.type === 'identity-file' ? auth.path : '~/.ssh/id_ed25519' } : { type };
          commitGuarded(setSsh((s) => ({ ...s, auth: next })));
        }}
      />
      <FieldRows rows={HOST_LOGIN_FIELDS} element={host} id={id} path={p} target={target} />
      <CheckField
        label="Use sudo (non-root login)"
        checked={host.sudo}
        onChange={(sudo) => commitGuarded(set((h) => ({ ...h, sudo })))}
      />
      <h3>Underlay</h3>
      <FieldRows rows={HOST_UNDERLAY_FIELDS} element={host} id={id} path={p} target={target} />
      {host.bridges.length > 0 && (
        <>
          <h3>Bridges</h3>
          <p className="mono">{host.bridges.join(', ')}</p>
        </>
      )}
    </section>
  );
}

const FLOOD_OPTIONS = [
  { value: 'point-to-point', label: 'Point-to-point (remote)' },
  { value: 'unicast-mesh', label: 'Unicast mesh (head-end repl.)' },
  { value: 'multicast', label: 'Multicast group' },
] as const;

function SegmentInspector({ id }: { id: string }) {
  const index = useStore((s) => s.topology.segments.findIndex((g) => g.id === id));
  const segment = useStore((s) => s.topology.segments[index]);
  const members = useStore(
    useShallow((s) =>
      s.topology.memberships
        .filter((m) => m.segmentId === id)
        .map((m) => s.topology.hosts.find((h) => h.id === m.hostId)?.name ?? m.hostId),
    ),
  );
  if (!segment) return null;
  const p = `segments[${index}]`;
  const target: FieldTarget = { elementId: id, canvasId: id, elementKind: 'segment' };
  const set = (fn: (g: Segment) => Segment): Topology => updateSegment(cur(), id, fn);
  const flood = segment.flood;
  return (
    <section>
      <h2>
        <span className="kind-dot kind-segment" /> Segment
      </h2>
      <FieldRows rows={SEGMENT_FIELDS} element={segment} id={id} path={p} target={target} />
      <SelectField<FloodMode>
        path={`${p}.flood`}
        label="Flooding (BUM traffic)"
        value={flood.mode}
        options={FLOOD_OPTIONS}
        onChange={(mode) => {
          const next: Flood =
            mode === 'multicast' ? { mode, group: flood.mode === 'multicast' ? flood.group : '239.1.1.1' } : { mode };
          commitGuarded(set((g) => ({ ...g, flood: next })));
        }}
      />
      <FieldRows rows={SEGMENT_FLOOD_FIELDS} element={segment} id={id} path={p} target={target} />
      <CheckField
        label="MAC learning"
        checked={segment.learning}
        hint="Off adds nolearning: only the FDB entries we install are used."
        onChange={(learning) => commitGuarded(set((g) => ({ ...g, learning })))}
      />
      <FieldRows rows={SEGMENT_SUBNET_FIELDS} element={segment} id={id} path={p} target={target} />
      <h3>Members</h3>
      <p className="muted">{members.length === 0 ? 'None yet: connect hosts to this segment.' : members.join(', ')}</p>
    </section>
  );
}

function MembershipInspector({ id }: { id: string }) {
  const index = useStore((s) => s.topology.memberships.findIndex((m) => m.id === id));
  const m = useStore((s) => s.topology.memberships[index]);
  const host = useStore((s) => s.topology.hosts.find((h) => h.id === m?.hostId));
  const segment = useStore((s) => s.topology.segments.find((g) => g.id === m?.segmentId));
  if (!m || !host || !segment) return null;
  const p = `memberships[${index}]`;
  const target: FieldTarget = { elementId: id, canvasId: id, elementKind: 'membership' };
  const set = (fn: (x: Membership) => Membership): Topology => updateMembership(cur(), id, fn);
  const view: MembershipView = { m, vni: segment.vni };
  const bridgeOptions = [
    { value: '', label: 'No bridge (address on the VXLAN device)' },
    ...host.bridges.map((b) => ({ value: b, label: b })),
  ];
  return (
    <section>
      <h2>
        <span className="kind-dot kind-membership" /> Membership
      </h2>
      <p className="muted">
        {host.name} in {segment.name} (VNI {segment.vni})
      </p>
      <FieldRows rows={MEMBERSHIP_DEVICE_FIELDS} element={view} id={id} path={p} target={target} />
      <SelectField
        path={`${p}.bridge`}
        label="Bridge"
        value={m.bridge ?? ''}
        options={bridgeOptions}
        onChange={(b) =>
          commitGuarded(set((x) => withOptional(b === '' ? { ...x, bridgePorts: [] } : x, 'bridge', b === '' ? undefined : b)))
        }
      />
      <FieldRows rows={MEMBERSHIP_ADDRESS_FIELDS} element={view} id={id} path={p} target={target} />
    </section>
  );
}

function BridgeInspector({ hostId, name }: { hostId: string; name: string }) {
  const index = useStore((s) => s.topology.hosts.findIndex((h) => h.id === hostId));
  const host = useStore((s) => s.topology.hosts[index]);
  const users = useStore(
    useShallow((s) =>
      s.topology.memberships
        .filter((m) => m.hostId === hostId && m.bridge === name)
        .map((m) => s.topology.segments.find((g) => g.id === m.segmentId)?.name ?? m.segmentId),
    ),
  );
  if (!host) return null;
  const b = host.bridges.indexOf(name);
  const target: FieldTarget = { elementId: hostId, canvasId: `bridge:${hostId}:${name}`, elementKind: 'host' };
  return (
    <section>
      <h2>
        <span className="kind-dot kind-bridge" /> Bridge
      </h2>
      <p className="muted">Linux bridge on {host.name}</p>
      <TextField
        target={target}
        path={`hosts[${index}].bridges[${b}]`}
        label="Name"
        mono
        value={name}
        apply={(raw) => {
          const r = parseText(raw, InterfaceNameSchema);
          if ('error' in r) return r;
          if (r.value !== name && host.bridges.includes(r.value))
            return { error: `${host.name} already has a bridge named ${r.value}` };
          const next = renameBridge(cur(), hostId, name, r.value);
          if (r.value !== name) {
            // The bridge node's id contains its name: keep it selected under its new id.
            queueMicrotask(() => useStore.getState().setSelection([`bridge:${hostId}:${r.value}`], []));
          }
          return { topology: next };
        }}
      />
      <h3>Used by</h3>
      <p className="muted">{users.length === 0 ? 'No segment yet: connect this bridge to a segment.' : users.join(', ')}</p>
    </section>
  );
}
