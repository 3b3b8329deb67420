/**
 * systemd-networkd files (systemd.netdev(5), systemd.network(5), systemd.link(5), systemd 252): per
 * device a `.netdev` (creates it), a `.network` (bridge, addresses, head-end FDB) and a `.link`
 * (our ownership mark as the ifalias, set by udev when the device appears).
 *
 * networkd creates a VXLAN device only when a `.network` of its underlay lists it (`VXLAN=`), and
 * that file is the admin's. We never edit a file we did not write, so: when the deploy knows that
 * file's name, a drop-in of ours in `<file>.d/` adds the `VXLAN=` lines (networkd merges drop-ins
 * from every config directory); when it does not, the device is `Independent=yes` (systemd >= 251),
 * created without a parent and routed by destination, and a diagnostic says it is not bound.
 */
import type { DesiredHostState, DesiredLink } from '../types';
import { addressesOf, aboutLine, fdbOf, markLine, orderedLinks, persistDiag } from './common';
import type { PersistFile, PersistRender, PersistRenderOptions } from './types';
import { ALL_ZERO_MAC } from '../../observe/state';

export const NETWORKD_DIR = '/etc/systemd/network';

/** INI text: sections in order, each `[Name]` then `Key=value` lines, one blank line between. */
export function ini(
  head: readonly string[],
  sections: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, string]>]>,
): string {
  const blocks = sections.map(([name, pairs]) => [`[${name}]`, ...pairs.map(([k, v]) => `${k}=${v}`)].join('\n'));
  return `${head.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function netdev(desired: DesiredHostState, link: DesiredLink, independent: boolean): PersistFile {
  const netdevPairs: [string, string][] = [
    ['Name', link.name],
    ['Kind', link.kind],
  ];
  if (link.mtu !== undefined) netdevPairs.push(['MTUBytes', String(link.mtu)]);
  const sections: [string, [string, string][]][] = [['NetDev', netdevPairs]];
  const vx = link.vxlan;
  if (link.kind === 'vxlan' && vx) {
    const p: [string, string][] = [['VNI', String(vx.vni)]];
    if (vx.remote !== undefined) p.push(['Remote', vx.remote]);
    if (vx.local !== undefined) p.push(['Local', vx.local]);
    if (vx.group !== undefined) p.push(['Group', vx.group]);
    if (vx.ttl !== undefined) p.push(['TTL', String(vx.ttl)]);
    p.push(['DestinationPort', String(vx.port)], ['MacLearning', yesNo(vx.learning)]);
    if (independent) p.push(['Independent', 'yes']);
    sections.push(['VXLAN', p]);
  }
  return {
    path: `${NETWORKD_DIR}/60-vxlan-studio-${link.name}.netdev`,
    content: ini([markLine(desired), aboutLine(desired, `${link.kind} device ${link.name}`)], sections),
    mode: 0o644,
    description: link.kind === 'vxlan' && vx ? `${link.name}: VXLAN device (VNI ${vx.vni})` : `${link.name}: ${link.kind} device`,
  };
}

/** `[BridgeFDB]` sections: one all-zero entry per peer VTEP (head-end replication, bridge(8) `fdb append`). */
export function fdbSections(desired: DesiredHostState, ifname: string): [string, [string, string][]][] {
  return fdbOf(desired, ifname).map((dst) => [
    'BridgeFDB',
    [
      ['MACAddress', ALL_ZERO_MAC],
      ['Destination', dst],
    ],
  ]);
}

function network(desired: DesiredHostState, link: DesiredLink): PersistFile {
  const net: [string, string][] = [];
  if (link.master !== undefined) net.push(['Bridge', link.master]);
  for (const cidr of addressesOf(desired, link.name)) net.push(['Address', cidr]);
  // An overlay bridge or device has no carrier until a port or peer shows up; it is ours to keep up.
  net.push(['ConfigureWithoutCarrier', 'yes']);
  const sections: [string, [string, string][]][] = [
    ['Match', [['Name', link.name]]],
    ['Network', net],
    ...fdbSections(desired, link.name),
  ];
  return {
    path: `${NETWORKD_DIR}/60-vxlan-studio-${link.name}.network`,
    content: ini([markLine(desired), aboutLine(desired, `${link.name}: bridge, addresses, FDB`)], sections),
    mode: 0o644,
    description: `${link.name}: ${link.master !== undefined ? `port of ${link.master}, ` : ''}addresses and FDB entries`,
  };
}

/** The ownership mark as ifalias (systemd.link(5) `Alias=`), so the next deploy knows the device is ours. */
export function linkFile(desired: DesiredHostState, ifname: string): PersistFile {
  return {
    path: `${NETWORKD_DIR}/60-vxlan-studio-${ifname}.link`,
    content: ini(
      [markLine(desired), aboutLine(desired, `${ifname}: ownership mark`)],
      [
        ['Match', [['OriginalName', ifname]]],
        ['Link', [['Alias', desired.mark]]],
      ],
    ),
    mode: 0o644,
    description: `${ifname}: ownership mark ${desired.mark} as the interface alias`,
  };
}

/** A foreign port (VM tap, container veth) joins our bridge whenever it appears. */
export function portFile(desired: DesiredHostState, ifname: string, master: string): PersistFile {
  return {
    path: `${NETWORKD_DIR}/60-vxlan-studio-${ifname}.network`,
    content: ini(
      [markLine(desired), aboutLine(desired, `${ifname}: port of ${master}`)],
      [
        ['Match', [['Name', ifname]]],
        ['Network', [['Bridge', master]]],
      ],
    ),
    mode: 0o644,
    description: `${ifname}: joins bridge ${master} when it appears`,
  };
}

export function renderNetworkd(desired: DesiredHostState, options: PersistRenderOptions): PersistRender {
  const files: PersistFile[] = [];
  const diagnostics: PersistRender['diagnostics'] = [];
  const vxlans = desired.links.filter((l) => l.kind === 'vxlan');
  const bound = vxlans.filter((l) => l.vxlan?.dev !== undefined);
  const parentFile = options.underlayNetworkFile?.split('/').pop();
  const bind = parentFile !== undefined && parentFile.endsWith('.network') && bound.length > 0;
  for (const link of orderedLinks(desired)) {
    const independent = link.kind === 'vxlan' && !(bind && link.vxlan?.dev !== undefined);
    files.push(netdev(desired, link, independent), network(desired, link), linkFile(desired, link.name));
  }
  if (bind) {
    const byDev = new Map<string, string[]>();
    for (const l of bound) byDev.set(l.vxlan?.dev as string, [...(byDev.get(l.vxlan?.dev as string) ?? []), l.name]);
    for (const [dev, names] of byDev) {
      files.push({
        path: `${NETWORKD_DIR}/${parentFile}.d/60-vxlan-studio-${desired.topologyId}.conf`,
        content: ini(
          [markLine(desired), aboutLine(desired, `VXLAN devices over ${dev}, added to ${parentFile}`)],
          [['Network', names.map((n) => ['VXLAN', n] as const)]],
        ),
        mode: 0o644,
        description: `${dev}: carries ${names.join(', ')} (drop-in for ${parentFile})`,
      });
    }
  } else if (bound.length > 0) {
    diagnostics.push(
      persistDiag(
        'PERSIST_UNDERLAY_UNBOUND',
        'info',
        desired,
        `${bound.map((l) => l.name).join(', ')} ${bound.length === 1 ? 'is' : 'are'} written Independent=yes, not bound to ${bound[0]?.vxlan?.dev ?? 'the underlay'}: the underlay's .network file is not known`,
        'Deploying over SSH reads that file name from the host and adds a drop-in of ours next to it instead.',
      ),
    );
  }
  const ports = new Set<string>();
  for (const p of desired.ports) {
    if (ports.has(p.ifname)) continue;
    ports.add(p.ifname);
    files.push(portFile(desired, p.ifname, p.master));
  }
  return { manager: 'systemd-networkd', files, reload: [['networkctl', 'reload']], diagnostics };
}
