import { useShallow } from 'zustand/react/shallow';
import {
  InterfaceNameSchema,
  type Flood,
  type FloodMode,
  type Host,
  type Membership,
  type Segment,
  type SshAuth,
  type Topology,
} from '../../../shared/model';
import { parseBridgeNodeId, renameBridge, updateHost, updateMembership, updateSegment, withOptional } from './topology-ops';
import { useStore } from '../store/store';
import { CheckField, commitGuarded, SelectField, TextField, type FieldTarget } from './fields';
import { parseText } from './parse-field';
import {
  FieldRows,
  HOST_LOGIN_FIELDS,
  HOST_NAME_FIELDS,
  HOST_SSH_FIELDS,
  HOST_UNDERLAY_FIELDS,
  HostPersistField,
  MEMBERSHIP_ADDRESS_FIELDS,
  MEMBERSHIP_DEVICE_FIELDS,
  type MembershipView,
  SEGMENT_FIELDS,
  SEGMENT_FLOOD_FIELDS,
  SEGMENT_SUBNET_FIELDS,
  TOPOLOGY_FIELDS,
  cur,
} from './inspector-fields';

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
      <HostPersistField host={host} id={id} path={p} />
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
