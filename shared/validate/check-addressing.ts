/** Overlay addressing: member addresses in their subnet, subnets apart from each other and from the underlay. */
import type { Host, Segment } from '../model';
import { memPath, segPath, type HostInfo, type MemberInfo } from './elements';
import { cidrContains, cidrsOverlap, parseCidr, type ParsedCidr } from './ip';
import type { Add } from './report';

/** Overlay addresses: inside the subnet, a host address, unique within the segment. */
export function checkMemberAddresses(
  members: readonly MemberInfo[],
  segmentById: ReadonlyMap<string, { s: Segment }>,
  add: Add,
): void {
  const bySegmentAddress = new Map<string, number>();
  for (const { m, index, addr, segment } of members) {
    if (!addr) {
      if (m.address === undefined && m.bridge === undefined && segment) {
        add(
          'MEMBERSHIP_UNUSED',
          memPath(index, 'bridge'),
          'This membership has neither a bridge nor an overlay address, so nothing on the host uses the VXLAN device',
        );
      }
      continue;
    }
    const path = memPath(index, 'address');
    if (addr.family === 4 && addr.prefix < 31) {
      const bcast = broadcastOf(addr);
      if (addr.address === addr.network || addr.address === bcast) {
        add(
          'MEMBER_ADDRESS_NOT_HOST',
          path,
          `Overlay address ${addr.address}/${addr.prefix} is the ${addr.address === addr.network ? 'network' : 'broadcast'} address of ${addr.cidr}`,
        );
      }
    }
    const seg = segmentById.get(m.segmentId)?.s;
    if (typeof seg?.subnet === 'string') {
      const subnet = parseCidr(seg.subnet);
      if (typeof subnet !== 'string') {
        if (!cidrContains(subnet.cidr, addr.address)) {
          add(
            'MEMBER_ADDRESS_OUTSIDE_SUBNET',
            path,
            `Overlay address ${addr.address}/${addr.prefix} is outside the segment subnet ${subnet.cidr}`,
            { subnet: subnet.cidr },
          );
        } else if (addr.prefix !== subnet.prefix) {
          add(
            'MEMBER_PREFIX_MISMATCH',
            path,
            `Overlay address ${addr.address}/${addr.prefix} has prefix /${addr.prefix} but the segment subnet is ${subnet.cidr}`,
            { address: addr.address, prefix: subnet.prefix },
          );
        }
      }
    }
    if (segment) {
      const key = `${m.segmentId}\u0000${addr.address}`;
      const dup = bySegmentAddress.get(key);
      if (dup !== undefined) {
        add(
          'OVERLAY_ADDRESS_DUPLICATE',
          path,
          `Overlay address ${addr.address} is also used in this segment by memberships[${dup}]`,
        );
      } else bySegmentAddress.set(key, index);
    }
  }
}

function broadcastOf(c: ParsedCidr): string {
  const parts = c.network.split('.').map(Number);
  const hostBits = 32 - c.prefix;
  const n = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
  const b = (n | (hostBits === 32 ? 0xffffffff : (1 << hostBits) - 1)) >>> 0;
  return [b >>> 24, (b >>> 16) & 0xff, (b >>> 8) & 0xff, b & 0xff].join('.');
}

/** Two segments whose overlay subnets overlap give hosts in both two routes for one range. */
export function checkSubnetOverlaps(segments: readonly Segment[], add: Add): void {
  const subnets: Array<{ cidr: string; index: number }> = [];
  segments.forEach((s, index) => {
    if (typeof s.subnet !== 'string') return;
    const c = parseCidr(s.subnet);
    if (typeof c === 'string') return;
    const other = subnets.find((o) => cidrsOverlap(o.cidr, c.cidr));
    if (other) {
      add(
        'OVERLAY_SUBNET_OVERLAP',
        segPath(index, 'subnet'),
        `Overlay subnet ${c.cidr} overlaps ${other.cidr} of segments[${other.index}] ("${segments[other.index]?.name ?? ''}")`,
      );
    }
    subnets.push({ cidr: c.cidr, index });
  });
}

/**
 * An overlay network that contains an underlay address would route VTEP traffic into the overlay
 * itself (the encapsulated packets would loop), so it is an error.
 */
export function checkOverlayVersusUnderlay(
  segments: readonly Segment[],
  membersBySegment: ReadonlyMap<string, MemberInfo[]>,
  hosts: readonly Host[],
  hostById: ReadonlyMap<string, HostInfo>,
  add: Add,
): void {
  const underlays: Array<{ address: string; name: string }> = [];
  hosts.forEach((h) => {
    const info = hostById.get(h.id);
    if (info?.host === h && info.underlay) underlays.push({ address: info.underlay.normalized, name: h.name });
  });
  if (underlays.length === 0) return;
  segments.forEach((s, index) => {
    const subnet = typeof s.subnet === 'string' ? parseCidr(s.subnet) : undefined;
    if (subnet !== undefined && typeof subnet !== 'string') {
      for (const u of underlays) {
        if (cidrContains(subnet.cidr, u.address)) {
          add(
            'OVERLAY_OVERLAPS_UNDERLAY',
            segPath(index, 'subnet'),
            `Overlay subnet ${subnet.cidr} contains the underlay address ${u.address} of host "${u.name}"`,
            { of: 'subnet' },
          );
        }
      }
      return;
    }
    // No (valid) subnet: judge each member's own network, once per distinct network.
    const seen = new Set<string>();
    let firstNetwork: string | undefined;
    for (const mi of membersBySegment.get(s.id) ?? []) {
      if (!mi.addr) continue;
      firstNetwork ??= mi.addr.cidr;
      if (mi.addr.cidr !== firstNetwork && subnet === undefined) {
        add(
          'MEMBER_NETWORK_MISMATCH',
          memPath(mi.index, 'address'),
          `Overlay address ${mi.addr.address}/${mi.addr.prefix} is in ${mi.addr.cidr} but other members of this segment are in ${firstNetwork}`,
        );
      }
      if (seen.has(mi.addr.cidr)) continue;
      seen.add(mi.addr.cidr);
      for (const u of underlays) {
        if (cidrContains(mi.addr.cidr, u.address)) {
          add(
            'OVERLAY_OVERLAPS_UNDERLAY',
            memPath(mi.index, 'address'),
            `Overlay network ${mi.addr.cidr} (from ${mi.addr.address}/${mi.addr.prefix}) contains the underlay address ${u.address} of host "${u.name}"`,
            { of: 'member address' },
          );
        }
      }
    }
  });
}
