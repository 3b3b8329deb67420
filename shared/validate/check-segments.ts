/** Segments: VNI and name, flood mode and member count, underlay families, multicast group, MTU. */
import type { Segment } from '../model';
import { segPath, type MemberInfo } from './elements';
import { isMulticast, maxOverlayMtu, parseAddress, parseCidr, type IpFamily } from './ip';
import type { Add } from './report';
import { IPV6_MIN_MTU, MESH_MEMBER_WARN_LIMIT } from './rules';

/** VNI, name and port of each segment; returns the segments by id for the later checks. */
export function checkSegmentIdentity(segments: readonly Segment[], add: Add): Map<string, { s: Segment; index: number }> {
  const segmentById = new Map<string, { s: Segment; index: number }>();
  const segmentByVni = new Map<number, number>();
  const segmentByName = new Map<string, number>();
  segments.forEach((s, index) => {
    if (!segmentById.has(s.id)) segmentById.set(s.id, { s, index });
    const dup = segmentByVni.get(s.vni);
    if (dup !== undefined) {
      add(
        'VNI_DUPLICATE',
        segPath(index, 'vni'),
        `VNI ${s.vni} is also used by segments[${dup}] ("${segments[dup]?.name ?? ''}")`,
      );
    } else segmentByVni.set(s.vni, index);
    const dupName = segmentByName.get(s.name);
    if (dupName !== undefined) {
      add('SEGMENT_NAME_DUPLICATE', segPath(index, 'name'), `Segment name "${s.name}" is also used by segments[${dupName}]`);
    } else segmentByName.set(s.name, index);
    if (typeof s.port === 'number' && s.port >= 1 && s.port < 1024) {
      add(
        'PORT_WELL_KNOWN',
        segPath(index, 'port'),
        `UDP port ${s.port} is in the well-known range and may collide with a system service`,
      );
    }
  });
  return segmentById;
}

/** Per-segment rules: flood mode, member count, families, MTU, subnet syntax. */
export function checkSegment(s: Segment, index: number, members: readonly MemberInfo[], add: Add): void {
  const mode = s.flood?.mode;

  if (typeof s.subnet === 'string') {
    const subnet = parseCidr(s.subnet);
    if (typeof subnet === 'string') {
      add('SUBNET_INVALID', segPath(index, 'subnet'), `Overlay subnet ${subnet}`);
    } else if (subnet.hasHostBits) {
      add('SUBNET_HOST_BITS', segPath(index, 'subnet'), `Overlay subnet ${s.subnet} has host bits set; it means ${subnet.cidr}`, {
        subnet: subnet.cidr,
      });
    }
  }

  if (mode === 'point-to-point' && members.length !== 2) {
    add(
      'P2P_MEMBER_COUNT',
      segPath(index, 'flood.mode'),
      `Point-to-point segment "${s.name}" has ${members.length} member${members.length === 1 ? '' : 's'}; it needs exactly 2 (one "remote" peer each)`,
      { members: members.length },
    );
  } else if (members.length < 2) {
    add(
      'SEGMENT_FEW_MEMBERS',
      segPath(index, 'vni'),
      `Segment "${s.name}" has ${members.length === 0 ? 'no members' : 'only one member'}; an overlay needs at least two hosts`,
    );
  }
  if (mode === 'unicast-mesh' && members.length > MESH_MEMBER_WARN_LIMIT) {
    add(
      'MESH_TOO_LARGE',
      segPath(index, 'flood.mode'),
      `Unicast-mesh segment "${s.name}" has ${members.length} members: head-end replication sends every flood frame ${members.length - 1} times and needs ${members.length * (members.length - 1)} FDB entries in total (grows as N squared)`,
    );
  }

  // Underlay families of the members with explicit addresses.
  const families = new Map<IpFamily, string>();
  for (const mi of members) {
    if (mi.host?.underlay && !families.has(mi.host.underlay.family)) families.set(mi.host.underlay.family, mi.host.host.name);
  }
  if (families.size > 1) {
    add(
      'UNDERLAY_FAMILY_MIXED',
      segPath(index, 'flood.mode'),
      `Segment "${s.name}" mixes IPv4 underlay (host "${families.get(4) ?? ''}") and IPv6 underlay (host "${families.get(6) ?? ''}"); VTEPs of one segment must speak one family`,
    );
  }
  const segmentFamily: IpFamily | undefined = families.size === 1 ? [...families.keys()][0] : undefined;

  if (s.flood?.mode === 'multicast') {
    const path = segPath(index, 'flood.group');
    const group = parseAddress(String(s.flood.group));
    if (typeof group === 'string') {
      add('MULTICAST_GROUP_INVALID', path, `Multicast group ${group}`);
    } else if (!isMulticast(group.normalized)) {
      add(
        'MULTICAST_GROUP_NOT_MULTICAST',
        path,
        `Multicast group ${group.normalized} is not a multicast address (224.0.0.0/4 or ff00::/8)`,
      );
    } else {
      for (const [family, hostName] of families) {
        if (family !== group.family) {
          add(
            'MULTICAST_GROUP_FAMILY_MISMATCH',
            path,
            `Multicast group ${group.normalized} is IPv${group.family} but host "${hostName}" has an IPv${family} underlay address`,
            { family },
          );
        }
      }
    }
  }

  // MTU: the overlay frame plus VXLAN overhead must fit the underlay MTU (RFC 7348 section 4.3).
  if (typeof s.mtu === 'number') {
    for (const mi of members) {
      const h = mi.host;
      const underlayMtu = h?.host.underlay?.mtu;
      if (!h || typeof underlayMtu !== 'number') continue;
      const family = h.underlay?.family ?? segmentFamily ?? 4;
      const limit = maxOverlayMtu(underlayMtu, family);
      if (s.mtu > limit) {
        add(
          'MTU_EXCEEDS_UNDERLAY',
          segPath(index, 'mtu'),
          `MTU ${s.mtu} is too large for host "${h.host.name}": underlay MTU ${underlayMtu} minus ${underlayMtu - limit} bytes of VXLAN over IPv${family} leaves ${limit}`,
          { limit },
        );
      }
    }
    const hasV6Overlay = members.some((mi) => mi.addr?.family === 6);
    if (hasV6Overlay && s.mtu < IPV6_MIN_MTU) {
      add(
        'MTU_TOO_SMALL_FOR_IPV6',
        segPath(index, 'mtu'),
        `MTU ${s.mtu} is below ${IPV6_MIN_MTU}, the IPv6 minimum, but the segment has IPv6 overlay addresses`,
      );
    }
  } else {
    const byMtu = new Map<number, string>();
    for (const mi of members) {
      const h = mi.host;
      const underlayMtu = h?.host.underlay?.mtu;
      if (!h || typeof underlayMtu !== 'number') continue;
      const mtu = maxOverlayMtu(underlayMtu, h.underlay?.family ?? segmentFamily ?? 4);
      if (!byMtu.has(mtu)) byMtu.set(mtu, h.host.name);
    }
    if (byMtu.size > 1) {
      const smallest = Math.min(...byMtu.keys());
      add(
        'MTU_AUTO_DIFFERS',
        segPath(index, 'mtu'),
        `With MTU "auto" the members get different overlay MTUs (${[...byMtu].map(([mtu, name]) => `${mtu} on "${name}"`).join(', ')}); frames larger than the smallest are dropped`,
        { mtu: smallest },
      );
    }
  }
}
