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
      <TextField
        target={target}
        path="name"
        label="Name"
        value={t.name}
        apply={(raw) => applyParsed(parseText(raw, TopologySchema.shape.name), (name) => ({ ...cur(), name }))}
      />
      <TextField
        target={target}
        path="id"
        label="Id"
        mono
        hint="Marks every device this drawing creates (ip link alias vxlan-studio:<id>)."
        value={t.id}
        apply={(raw) => applyParsed(parseText(raw, TopologyIdSchema), (id) => ({ ...cur(), id }))}
      />
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
      <TextField
        target={target}
        path={`${p}.name`}
        label="Name"
        value={host.name}
        apply={(raw) => applyParsed(parseText(raw, HostSchema.shape.name), (name) => set((h) => ({ ...h, name })))}
      />
      <h3>SSH</h3>
      <TextField
        target={target}
        path={`${p}.ssh.host`}
        label="Host"
        mono
        value={host.ssh.host}
        apply={(raw) => applyParsed(parseText(raw, SshTargetSchema.shape.host), (v) => setSsh((s) => ({ ...s, host: v })))}
      />
      <div className="field-pair">
        <TextField
          target={target}
          path={`${p}.ssh.port`}
          label="Port"
          mono
          value={String(host.ssh.port)}
          apply={(raw) => applyParsed(parseNumber(raw, PortSchema), (v) => setSsh((s) => ({ ...s, port: v })))}
        />
        <TextField
          target={target}
          path={`${p}.ssh.user`}
          label="User"
          mono
          value={host.ssh.user}
          apply={(raw) =>
            applyParsed(parseText(raw, SshTargetSchema.shape.user.unwrap()), (v) => setSsh((s) => ({ ...s, user: v })))
          }
        />
      </div>
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
      {auth.type === 'identity-file' && (
        <TextField
          target={target}
          path={`${p}.ssh.auth.path`}
          label="Identity file"
          mono
          hint="A path on this machine; the key itself is never stored in the file."
          value={auth.path}
          apply={(raw) =>
            raw.trim() === ''
              ? { error: 'must not be empty' }
              : { topology: setSsh((s) => ({ ...s, auth: { type: 'identity-file', path: raw.trim() } })) }
          }
        />
      )}
      <TextField
        target={target}
        path={`${p}.ssh.jump`}
        label="Jump host"
        mono
        placeholder="none"
        value={host.ssh.jump ?? ''}
        apply={(raw) =>
          applyParsed(parseOptionalText(raw, SshTargetSchema.shape.jump.unwrap()), (v) =>
            setSsh((s) => withOptional(s, 'jump', v)),
          )
        }
      />
      <CheckField
        label="Use sudo (non-root login)"
        checked={host.sudo}
        onChange={(sudo) => commitGuarded(set((h) => ({ ...h, sudo })))}
      />
      <h3>Underlay</h3>
      <TextField
        target={target}
        path={`${p}.underlay.interface`}
        label="Interface"
        mono
        placeholder="auto"
        hint="The VTEP's outgoing device (ip link ... dev). auto = the route to the peers."
        value={host.underlay.interface}
        apply={(raw) =>
          applyParsed(parseAutoText(raw, InterfaceNameSchema), (v) =>
            set((h) => ({ ...h, underlay: { ...h.underlay, interface: v } })),
          )
        }
      />
      <TextField
        target={target}
        path={`${p}.underlay.address`}
        label="Address"
        mono
        placeholder="auto"
        value={host.underlay.address}
        apply={(raw) =>
          applyParsed(parseAutoText(raw, AddressStringSchema), (v) =>
            set((h) => ({ ...h, underlay: { ...h.underlay, address: v } })),
          )
        }
      />
      <TextField
        target={target}
        path={`${p}.underlay.mtu`}
        label="MTU"
        mono
        placeholder="auto"
        value={String(host.underlay.mtu)}
        apply={(raw) =>
          applyParsed(parseAutoNumber(raw, MtuSchema), (v) => set((h) => ({ ...h, underlay: { ...h.underlay, mtu: v } })))
        }
      />
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
      <TextField
        target={target}
        path={`${p}.name`}
        label="Name"
        value={segment.name}
        apply={(raw) => applyParsed(parseText(raw, SegmentSchema.shape.name), (name) => set((g) => ({ ...g, name })))}
      />
      <div className="field-pair">
        <TextField
          target={target}
          path={`${p}.vni`}
          label="VNI"
          mono
          value={String(segment.vni)}
          apply={(raw) => applyParsed(parseNumber(raw, SegmentSchema.shape.vni), (vni) => set((g) => ({ ...g, vni })))}
        />
        <TextField
          target={target}
          path={`${p}.port`}
          label="UDP port"
          mono
          value={String(segment.port)}
          apply={(raw) => applyParsed(parseNumber(raw, PortSchema), (port) => set((g) => ({ ...g, port })))}
        />
      </div>
      <TextField
        target={target}
        path={`${p}.mtu`}
        label="MTU"
        mono
        placeholder="auto"
        hint="auto = underlay MTU − 50 (IPv4) or − 70 (IPv6)."
        value={String(segment.mtu)}
        apply={(raw) => applyParsed(parseAutoNumber(raw, MtuSchema), (mtu) => setSegmentMtu(cur(), id, mtu))}
      />
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
      {flood.mode === 'multicast' && (
        <div className="field-pair">
          <TextField
            target={target}
            path={`${p}.flood.group`}
            label="Group"
            mono
            value={flood.group}
            apply={(raw) =>
              applyParsed(parseText(raw, AddressStringSchema), (group) => set((g) => ({ ...g, flood: { ...flood, group } })))
            }
          />
          <TextField
            target={target}
            path={`${p}.flood.ttl`}
            label="TTL"
            mono
            placeholder="default"
            value={flood.ttl === undefined ? '' : String(flood.ttl)}
            apply={(raw) =>
              applyParsed<number | undefined>(raw.trim() === '' ? { value: undefined } : parseNumber(raw, TtlSchema), (ttl) =>
                set((g) => ({ ...g, flood: withOptional({ ...flood }, 'ttl', ttl) })),
              )
            }
          />
        </div>
      )}
      <CheckField
        label="MAC learning"
        checked={segment.learning}
        hint="Off adds nolearning: only the FDB entries we install are used."
        onChange={(learning) => commitGuarded(set((g) => ({ ...g, learning })))}
      />
      <TextField
        target={target}
        path={`${p}.subnet`}
        label="Overlay subnet"
        mono
        placeholder="none, e.g. 10.0.0.0/24"
        value={segment.subnet ?? ''}
        apply={(raw) =>
          applyParsed(parseOptionalText(raw, AddressStringSchema), (subnet) => set((g) => withOptional(g, 'subnet', subnet)))
        }
      />
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
      <TextField
        target={target}
        path={`${p}.device`}
        label="VXLAN device"
        mono
        placeholder={defaultDeviceName(segment.vni)}
        value={m.device ?? ''}
        apply={(raw) =>
          applyParsed(parseOptionalText(raw, InterfaceNameSchema), (device) => set((x) => withOptional(x, 'device', device)))
        }
      />
      <SelectField
        path={`${p}.bridge`}
        label="Bridge"
        value={m.bridge ?? ''}
        options={bridgeOptions}
        onChange={(b) =>
          commitGuarded(set((x) => withOptional(b === '' ? { ...x, bridgePorts: [] } : x, 'bridge', b === '' ? undefined : b)))
        }
      />
      <TextField
        target={target}
        path={`${p}.address`}
        label="Overlay address"
        mono
        placeholder="none, e.g. 10.0.0.1/24"
        value={m.address ?? ''}
        apply={(raw) =>
          applyParsed(parseOptionalText(raw, AddressStringSchema), (address) => set((x) => withOptional(x, 'address', address)))
        }
      />
      {m.bridge !== undefined && (
        <TextField
          target={target}
          path={`${p}.bridgePorts`}
          label="Extra bridge ports"
          mono
          placeholder="none, e.g. tap0 veth1"
          hint="VM taps or container veths to enslave to the bridge."
          value={m.bridgePorts.join(' ')}
          apply={(raw) =>
            applyParsed(parseList(raw, MembershipSchema.shape.bridgePorts.unwrap().element), (bridgePorts) =>
              set((x) => ({ ...x, bridgePorts })),
            )
          }
        />
      )}
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
