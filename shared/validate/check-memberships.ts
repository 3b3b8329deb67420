/** Memberships: what they refer to, duplicates, and the interface names that must not collide on a host. */
import { deviceName, type Membership, type Segment } from '../model';
import { memPath, type HostInfo, type MemberInfo } from './elements';
import { parseCidr } from './ip';
import type { Add } from './report';

/**
 * The host and segment of each membership, duplicates, and its overlay address parsed; returns the
 * memberships with what they refer to, in file order and by segment id.
 */
export function checkMemberships(
  memberships: readonly Membership[],
  hostById: ReadonlyMap<string, HostInfo>,
  segmentById: ReadonlyMap<string, { s: Segment; index: number }>,
  add: Add,
): { members: MemberInfo[]; membersBySegment: Map<string, MemberInfo[]> } {
  const members: MemberInfo[] = [];
  const membersBySegment = new Map<string, MemberInfo[]>();
  const hostSegmentPairs = new Map<string, number>();
  memberships.forEach((m, index) => {
    const info: MemberInfo = { m, index };
    const host = hostById.get(m.hostId);
    const segment = segmentById.get(m.segmentId);
    if (host) info.host = host;
    else {
      add('MEMBERSHIP_HOST_MISSING', memPath(index, 'hostId'), `Membership refers to host "${m.hostId}", which does not exist`);
    }
    if (segment) info.segment = segment;
    else {
      add(
        'MEMBERSHIP_SEGMENT_MISSING',
        memPath(index, 'segmentId'),
        `Membership refers to segment "${m.segmentId}", which does not exist`,
      );
    }
    if (host && segment) {
      const key = `${m.hostId}\u0000${m.segmentId}`;
      const dup = hostSegmentPairs.get(key);
      if (dup !== undefined) {
        add(
          'MEMBERSHIP_DUPLICATE',
          memPath(index, 'segmentId'),
          `Host "${host.host.name}" is already a member of segment "${segment.s.name}" (memberships[${dup}])`,
        );
        return;
      }
      hostSegmentPairs.set(key, index);
      const list = membersBySegment.get(m.segmentId) ?? [];
      list.push(info);
      membersBySegment.set(m.segmentId, list);
    }
    if (typeof m.address === 'string') {
      const parsed = parseCidr(m.address);
      if (typeof parsed === 'string') {
        add('MEMBER_ADDRESS_INVALID', memPath(index, 'address'), `Overlay address ${parsed}`);
      } else info.addr = parsed;
    }
    members.push(info);
  });
  return { members, membersBySegment };
}

/** Names that must not collide on one host: VXLAN devices, bridges, bridge ports, the underlay interface. */
export function checkHostInterfaces(members: readonly MemberInfo[], add: Add): void {
  const devicesByHost = new Map<string, Map<string, number>>();
  const portsByHost = new Map<string, Map<string, number>>();
  const bridgeUse = new Map<string, number>();
  // Every VXLAN device name on each host, so a bridge port can be checked against all of them.
  const allDevices = new Map<string, Set<string>>();
  for (const info of members) {
    if (!info.host || !info.segment) continue;
    const set = allDevices.get(info.host.host.id) ?? new Set<string>();
    set.add(deviceName(info.m, info.segment.s));
    allDevices.set(info.host.host.id, set);
  }

  for (const { m, index, host, segment } of members) {
    if (!host) continue;
    const h = host.host;
    const bridges = Array.isArray(h.bridges) ? h.bridges : [];
    const devicePath = memPath(index, 'device');
    if (segment) {
      const dev = deviceName(m, segment.s);
      const implicit = m.device === undefined ? ` (the default for VNI ${segment.s.vni})` : '';
      const devices = devicesByHost.get(h.id) ?? new Map<string, number>();
      devicesByHost.set(h.id, devices);
      const dup = devices.get(dev);
      if (dup !== undefined) {
        add(
          'DEVICE_NAME_DUPLICATE',
          devicePath,
          `VXLAN device "${dev}"${implicit} is already used on host "${h.name}" by memberships[${dup}]`,
        );
      } else devices.set(dev, index);
      if (bridges.includes(dev)) {
        add('DEVICE_NAME_IS_BRIDGE', devicePath, `VXLAN device "${dev}"${implicit} has the name of a bridge on host "${h.name}"`);
      }
      if (dev === host.underlayIf) {
        add(
          'DEVICE_NAME_IS_UNDERLAY',
          devicePath,
          `VXLAN device "${dev}" has the name of the underlay interface of host "${h.name}"`,
        );
      }
    }

    if (m.bridge !== undefined) {
      if (!bridges.includes(m.bridge)) {
        add('BRIDGE_UNDECLARED', memPath(index, 'bridge'), `Bridge "${m.bridge}" is not declared on host "${h.name}"`, {
          bridge: m.bridge,
          hostIndex: host.index,
        });
      }
      const key = `${h.id}\u0000${m.bridge}`;
      const other = bridgeUse.get(key);
      if (other !== undefined) {
        add(
          'BRIDGE_SHARED',
          memPath(index, 'bridge'),
          `Bridge "${m.bridge}" on host "${h.name}" also carries memberships[${other}]: the two segments become one L2 domain there`,
        );
      } else bridgeUse.set(key, index);
    }

    const ports = Array.isArray(m.bridgePorts) ? m.bridgePorts : [];
    if (ports.length > 0 && m.bridge === undefined) {
      add(
        'BRIDGE_PORTS_WITHOUT_BRIDGE',
        memPath(index, 'bridgePorts'),
        `Bridge ports ${ports.map((p) => `"${p}"`).join(', ')} are listed but the membership has no bridge`,
      );
    }
    const hostPorts = portsByHost.get(h.id) ?? new Map<string, number>();
    portsByHost.set(h.id, hostPorts);
    ports.forEach((port, j) => {
      const path = memPath(index, `bridgePorts[${j}]`);
      if (port === host.underlayIf) {
        add('BRIDGE_PORT_IS_UNDERLAY', path, `Bridge port "${port}" is the underlay interface of host "${h.name}"`);
      } else if (bridges.includes(port) || allDevices.get(h.id)?.has(port)) {
        add('BRIDGE_PORT_CONFLICT', path, `Bridge port "${port}" is a bridge or VXLAN device managed on host "${h.name}"`);
      }
      const dup = hostPorts.get(port);
      if (dup !== undefined) {
        add(
          'BRIDGE_PORT_DUPLICATE',
          path,
          `Interface "${port}" is already a bridge port on host "${h.name}" (memberships[${dup}])`,
        );
      } else hostPorts.set(port, index);
    });
  }
}
