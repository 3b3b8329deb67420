/**
 * Step builders: the only place iproute2 command lines are put together (ip-link(8), ip-address(8),
 * bridge(8)). Each takes validated values and returns a `Step` with its argv, description and inverse.
 *
 * Device names are written the way admins type them by hand (`ip link set vxlan100 up`), so a plan
 * reads like the familiar recipe, when iproute2 cannot mistake them for a keyword. ip(8) matches
 * keywords by prefix (`matches()` in iproute2's utils.c), so a name such as `br`, `a` or `up` in
 * the device position would be read as `broadcast`, `address` or `up`; such names get the explicit
 * `dev NAME` / `name NAME` form instead.
 */
import type { DesiredVxlan, Step } from './types';
import { ALL_ZERO_MAC } from '../observe/state';

/** Keywords of `ip link add/set/del` (iproute2 ip/iplink.c, ip/iplink_vxlan.c) that a bare device name could collide with. */
const IP_LINK_KEYWORDS = [
  'add',
  'address',
  'addrgenmode',
  'alias',
  'allmulticast',
  'altname',
  'arp',
  'broadcast',
  'brd',
  'carrier',
  'change',
  'del',
  'delete',
  'dev',
  'down',
  'dynamic',
  'gro_ipv4_max_size',
  'gro_max_size',
  'group',
  'gso_ipv4_max_size',
  'gso_max_segs',
  'gso_max_size',
  'help',
  'index',
  'link',
  'link-netns',
  'link-netnsid',
  'master',
  'mode',
  'mtu',
  'multicast',
  'name',
  'netns',
  'nomaster',
  'numrxqueues',
  'numtxqueues',
  'parentdev',
  'promisc',
  'property',
  'protodown',
  'protodown_reason',
  'qlen',
  'set',
  'show',
  'state',
  'trailers',
  'txqlen',
  'txqueuelen',
  'type',
  'up',
  'vf',
  'vrf',
  'xdp',
  'xdpdrv',
  'xdpgeneric',
  'xdpoffload',
];

/**
 * True when `name` can stand alone in the device position of `ip link`: it is not a keyword nor a
 * prefix of one, and it holds a character no keyword is made of only (digit, upper case, `.`...)
 * or a `-`/`_` that makes it longer than any keyword it could start. Purely lowercase-letter names
 * (`overlay`) always get the explicit form, so a keyword added by a future iproute2 cannot capture them.
 */
export function isPlainDeviceName(name: string): boolean {
  let plain = plainCache.get(name);
  if (plain === undefined) {
    plain = !IP_LINK_KEYWORDS.some((k) => k.startsWith(name)) && !/^[a-z]+$/.test(name);
    if (plainCache.size < 10_000) plainCache.set(name, plain);
  }
  return plain;
}

/** Big plans name the same few devices thousands of times. */
const plainCache = new Map<string, boolean>();

/** `[name]` or `['dev', name]` for `ip link set/del`. */
function devRef(name: string): string[] {
  return isPlainDeviceName(name) ? [name] : ['dev', name];
}

/** `[name]` or `['name', name]` for `ip link add`. */
function newName(name: string): string[] {
  return isPlainDeviceName(name) ? [name] : ['name', name];
}

/** The `type vxlan ...` arguments of `ip link add`, in the order of the usual hand-typed line (id, remote, dev, dstport). */
function vxlanArgs(vx: DesiredVxlan): string[] {
  const args = ['type', 'vxlan', 'id', String(vx.vni)];
  if (vx.remote !== undefined) args.push('remote', vx.remote);
  if (vx.local !== undefined) args.push('local', vx.local);
  if (vx.group !== undefined) args.push('group', vx.group);
  if (vx.dev !== undefined) args.push('dev', vx.dev);
  if (vx.ttl !== undefined) args.push('ttl', String(vx.ttl));
  args.push('dstport', String(vx.port));
  if (!vx.learning) args.push('nolearning');
  return args;
}

function describeVxlan(name: string, vx: DesiredVxlan): string {
  const mode =
    vx.remote !== undefined
      ? `point-to-point to ${vx.remote}`
      : vx.group !== undefined
        ? `multicast group ${vx.group}`
        : `unicast mesh from ${vx.local ?? 'the routed source address'}`;
  return `create VXLAN device ${name} (VNI ${vx.vni}, ${mode}, UDP ${vx.port}${vx.learning ? '' : ', no learning'})`;
}

/**
 * The `ip link add` argv that creates VXLAN device `name` (used for re-creation inverses too).
 *
 * @example
 * vxlanAddArgv('vxlan100', { vni: 100, port: 4789, remote: '192.168.1.20', learning: true })
 * // ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dstport 4789
 */
export function vxlanAddArgv(name: string, vx: DesiredVxlan): string[] {
  return ['ip', 'link', 'add', ...newName(name), ...vxlanArgs(vx)];
}

/**
 * Creates a VXLAN device (ip-link(8) `type vxlan`; RFC 7348 VTEP).
 *
 * @example
 * vxlanAdd('vxlan100', { vni: 100, port: 4789, dev: 'eth0', remote: '192.168.1.20', learning: true }).argv
 * // ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789
 * vxlanAdd('vxlan200', { vni: 200, port: 4789, dev: 'eth0', local: '192.168.1.10', learning: false }).argv
 * // ip link add vxlan200 type vxlan id 200 local 192.168.1.10 dev eth0 dstport 4789 nolearning
 * vxlanAdd('vxlan300', { vni: 300, port: 4789, dev: 'eth0', group: '239.1.1.1', ttl: 5, learning: true }).argv
 * // ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4789
 */
export function vxlanAdd(name: string, vx: DesiredVxlan): Step {
  return {
    argv: vxlanAddArgv(name, vx),
    description: describeVxlan(name, vx),
    inverse: [linkDelArgv(name)],
    kind: 'link-add',
    target: name,
  };
}

/**
 * Creates a Linux bridge.
 *
 * @example
 * bridgeAdd('br-overlay').argv // ip link add br-overlay type bridge
 */
export function bridgeAdd(name: string): Step {
  return {
    argv: ['ip', 'link', 'add', ...newName(name), 'type', 'bridge'],
    description: `create bridge ${name}`,
    inverse: [linkDelArgv(name)],
    kind: 'link-add',
    target: name,
  };
}

/**
 * The `ip link del` argv for `name`.
 *
 * @example
 * linkDelArgv('br') // ip link del dev br
 */
export function linkDelArgv(name: string): string[] {
  return ['ip', 'link', 'del', ...devRef(name)];
}

/**
 * Deletes a link. `recreate` (the argv list that made it, when known) becomes the inverse.
 *
 * @example
 * linkDel('vxlan100', 'stale device of this topology').argv // ip link del vxlan100
 */
export function linkDel(name: string, why: string, recreate: string[][] = []): Step {
  return { argv: linkDelArgv(name), description: `delete ${name} (${why})`, inverse: recreate, kind: 'link-del', target: name };
}

/**
 * Sets the interface alias: our ownership mark (ip-link(8) `alias NAME`).
 *
 * @example
 * linkAlias('vxlan100', 'vxlan-studio:textbook').argv // ip link set vxlan100 alias vxlan-studio:textbook
 */
export function linkAlias(name: string, alias: string, previous?: string): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'alias', alias],
    description: `mark ${name} as ours (alias ${alias})`,
    inverse: previous === undefined ? [] : [['ip', 'link', 'set', ...devRef(name), 'alias', previous]],
    kind: 'link-alias',
    target: name,
  };
}

/**
 * Adopts a device an admin made by hand whose settings match the drawing: only our mark is set, the
 * link itself is not touched (no re-create, so its traffic goes on). The inverse puts back the alias
 * it had, or clears it (an empty alias removes `ifalias`, see dev_set_alias() in net/core/dev.c).
 *
 * @example
 * linkAdopt('vxlan100', 'vxlan-studio:textbook').argv // ip link set vxlan100 alias vxlan-studio:textbook
 */
export function linkAdopt(name: string, alias: string, previous: string | undefined): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'alias', alias],
    description: `adopt ${name} (made by hand): mark as ours, no change to the link`,
    inverse: [['ip', 'link', 'set', ...devRef(name), 'alias', previous ?? '']],
    kind: 'link-adopt',
    target: name,
  };
}

/**
 * Sets the MTU (the overlay MTU: underlay MTU minus 50 for IPv4 / 70 for IPv6, RFC 7348 section 4.3).
 *
 * @example
 * linkMtu('vxlan100', 1450).argv // ip link set vxlan100 mtu 1450
 */
export function linkMtu(name: string, mtu: number, previous?: number): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'mtu', String(mtu)],
    description: previous === undefined ? `set MTU of ${name} to ${mtu}` : `set MTU of ${name} from ${previous} to ${mtu}`,
    inverse: previous === undefined ? [] : [['ip', 'link', 'set', ...devRef(name), 'mtu', String(previous)]],
    kind: 'link-mtu',
    target: name,
  };
}

/**
 * Enslaves a device to a bridge.
 *
 * @example
 * linkMaster('vxlan100', 'br-overlay').argv // ip link set vxlan100 master br-overlay
 */
export function linkMaster(name: string, master: string, previous?: string): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'master', master],
    description:
      previous === undefined ? `attach ${name} to bridge ${master}` : `move ${name} from ${previous} to bridge ${master}`,
    inverse: [
      previous === undefined
        ? ['ip', 'link', 'set', ...devRef(name), 'nomaster']
        : ['ip', 'link', 'set', ...devRef(name), 'master', previous],
    ],
    kind: 'link-master',
    target: name,
    master,
  };
}

/**
 * Releases a device from its bridge (used for ports we do not own: they are detached, never deleted).
 *
 * @example
 * linkNomaster('tap0', 'br-overlay').argv // ip link set tap0 nomaster
 */
export function linkNomaster(name: string, previous: string): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'nomaster'],
    description: `detach ${name} from bridge ${previous}`,
    inverse: [['ip', 'link', 'set', ...devRef(name), 'master', previous]],
    kind: 'link-nomaster',
    target: name,
    master: previous,
  };
}

/**
 * Brings a device administratively up.
 *
 * @example
 * linkUp('br-overlay').argv // ip link set br-overlay up
 */
export function linkUp(name: string): Step {
  return {
    argv: ['ip', 'link', 'set', ...devRef(name), 'up'],
    description: `bring ${name} up`,
    inverse: [['ip', 'link', 'set', ...devRef(name), 'down']],
    kind: 'link-up',
    target: name,
  };
}

/**
 * Adds an overlay address (ip-address(8)).
 *
 * @example
 * addrAdd('10.0.0.1/24', 'br-overlay').argv // ip addr add 10.0.0.1/24 dev br-overlay
 */
export function addrAdd(cidr: string, dev: string): Step {
  return {
    argv: ['ip', 'addr', 'add', cidr, 'dev', dev],
    description: `add address ${cidr} to ${dev}`,
    inverse: [['ip', 'addr', 'del', cidr, 'dev', dev]],
    kind: 'addr-add',
    target: dev,
    address: cidr,
  };
}

/**
 * Removes an address that is no longer wanted on one of our devices.
 *
 * @example
 * addrDel('10.0.0.9/24', 'br-overlay').argv // ip addr del 10.0.0.9/24 dev br-overlay
 */
export function addrDel(cidr: string, dev: string): Step {
  return {
    argv: ['ip', 'addr', 'del', cidr, 'dev', dev],
    description: `remove stale address ${cidr} from ${dev}`,
    inverse: [['ip', 'addr', 'add', cidr, 'dev', dev]],
    kind: 'addr-del',
    target: dev,
    address: cidr,
  };
}

/**
 * Adds a head-end replication entry: flood BUM traffic to one more peer VTEP (bridge(8) `fdb append`;
 * RFC 7348 section 4.2 without multicast).
 *
 * @example
 * fdbAppend('vxlan100', '192.168.1.20').argv // bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst 192.168.1.20
 */
export function fdbAppend(dev: string, dst: string): Step {
  return {
    argv: ['bridge', 'fdb', 'append', ALL_ZERO_MAC, 'dev', dev, 'dst', dst],
    description: `flood ${dev} traffic to peer ${dst}`,
    inverse: [['bridge', 'fdb', 'del', ALL_ZERO_MAC, 'dev', dev, 'dst', dst]],
    kind: 'fdb-append',
    target: dev,
  };
}

/**
 * Removes a head-end replication entry for a peer that is no longer in the segment.
 *
 * @example
 * fdbDel('vxlan100', '192.168.1.99').argv // bridge fdb del 00:00:00:00:00:00 dev vxlan100 dst 192.168.1.99
 */
export function fdbDel(dev: string, dst: string): Step {
  return {
    argv: ['bridge', 'fdb', 'del', ALL_ZERO_MAC, 'dev', dev, 'dst', dst],
    description: `stop flooding ${dev} traffic to ${dst} (not a peer any more)`,
    inverse: [['bridge', 'fdb', 'append', ALL_ZERO_MAC, 'dev', dev, 'dst', dst]],
    kind: 'fdb-del',
    target: dev,
  };
}
