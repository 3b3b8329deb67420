/**
 * NetworkManager keyfiles (nm-settings-keyfile(5), NetworkManager 1.42): one connection per device,
 * `type=vxlan` or `type=bridge`, ports with `master=`/`slave-type=bridge`, addresses in `[ipv4]` /
 * `[ipv6]`. Keyfiles have no place for head-end FDB entries, foreign bridge ports or the ifalias
 * mark, so a dispatcher script of ours (NetworkManager-dispatcher(8)) adds them when our devices come
 * up; its commands come from the runtime plan's builders, quoted by the one quoting helper.
 */
import { fdbAppend, linkAlias, linkMaster } from '../commands';
import { argvToShell, quoteShellArg } from '../shell';
import type { DesiredHostState, DesiredLink } from '../types';
import { addressesOf, aboutLine, fdbOf, isIpv6, markLine, orderedLinks, persistDiag, portsOf, stableUuid } from './common';
import { ini } from './networkd';
import type { PersistFile, PersistRender } from './types';

export const NM_CONNECTIONS_DIR = '/etc/NetworkManager/system-connections';
export const NM_DISPATCHER_DIR = '/etc/NetworkManager/dispatcher.d';

/** The connection id (and keyfile name) of one of our devices. */
export function nmConnectionId(ifname: string): string {
  return `vxlan-studio-${ifname}`;
}

function connection(desired: DesiredHostState, link: DesiredLink): PersistFile {
  const id = nmConnectionId(link.name);
  const conn: [string, string][] = [
    ['id', id],
    ['uuid', stableUuid(`${desired.mark}/${link.name}`)],
    ['type', link.kind],
    ['interface-name', link.name],
    ['autoconnect', 'true'],
  ];
  if (link.master !== undefined) conn.push(['master', link.master], ['slave-type', 'bridge']);
  const sections: [string, [string, string][]][] = [['connection', conn]];
  const vx = link.vxlan;
  if (link.kind === 'vxlan' && vx) {
    const p: [string, string][] = [['id', String(vx.vni)]];
    // NetworkManager's `remote` is the unicast peer or the multicast group, as in ip-link(8).
    if (vx.remote !== undefined) p.push(['remote', vx.remote]);
    if (vx.group !== undefined) p.push(['remote', vx.group]);
    if (vx.local !== undefined) p.push(['local', vx.local]);
    if (vx.dev !== undefined) p.push(['parent', vx.dev]);
    if (vx.ttl !== undefined) p.push(['ttl', String(vx.ttl)]);
    p.push(['destination-port', String(vx.port)], ['learning', String(vx.learning)]);
    sections.push(['vxlan', p]);
  } else {
    // The kernel's bridge defaults, as `ip link add type bridge` leaves them (NetworkManager turns STP on).
    sections.push(['bridge', [['stp', 'false']]]);
  }
  if (link.mtu !== undefined) sections.push(['ethernet', [['mtu', String(link.mtu)]]]);
  if (link.master !== undefined) sections.push(['bridge-port', []]);
  else {
    const addresses = addressesOf(desired, link.name);
    const v4 = addresses.filter((a) => !isIpv6(a));
    const v6 = addresses.filter(isIpv6);
    sections.push(
      [
        'ipv4',
        v4.length > 0
          ? [['method', 'manual'], ...v4.map((a, i) => [`address${i + 1}`, a] as [string, string])]
          : [['method', 'disabled']],
      ],
      [
        'ipv6',
        v6.length > 0
          ? [['method', 'manual'], ...v6.map((a, i) => [`address${i + 1}`, a] as [string, string])]
          : [['method', 'ignore']],
      ],
    );
  }
  return {
    path: `${NM_CONNECTIONS_DIR}/${id}.nmconnection`,
    content: ini([markLine(desired), aboutLine(desired, `${link.name}: NetworkManager connection`)], sections),
    // NetworkManager ignores keyfiles that others can read or write.
    mode: 0o600,
    description: `${link.name}: NetworkManager ${link.kind} connection ${id}`,
  };
}

/** The dispatcher script: on `up` of one of our devices, the mark, FDB entries and foreign ports. */
function dispatcher(desired: DesiredHostState, links: readonly DesiredLink[]): PersistFile {
  const cases: string[] = [];
  for (const link of links) {
    const cmds = [argvToShell(linkAlias(link.name, desired.mark).argv)];
    // `append` of an entry that exists fails; a re-run (reconnect) must not stop the rest.
    for (const dst of fdbOf(desired, link.name)) cmds.push(`${argvToShell(fdbAppend(link.name, dst).argv)} 2>/dev/null || true`);
    for (const port of portsOf(desired, link.name).foreign) cmds.push(`${argvToShell(linkMaster(port, link.name).argv)} || true`);
    cases.push(`  ${quoteShellArg(link.name)})\n${cmds.map((c) => `    ${c}`).join('\n')}\n    ;;`);
  }
  const content = [
    '#!/bin/sh',
    markLine(desired),
    aboutLine(desired, 'what NetworkManager keyfiles cannot hold: ownership mark, head-end FDB entries, foreign bridge ports'),
    '# NetworkManager-dispatcher(8) runs this with the interface and the action.',
    '[ "$2" = up ] || exit 0',
    'case "$1" in',
    ...cases,
    'esac',
    '',
  ].join('\n');
  return {
    path: `${NM_DISPATCHER_DIR}/60-vxlan-studio-${desired.topologyId}`,
    content,
    // The dispatcher runs only root-owned executables that others cannot write.
    mode: 0o755,
    description: `${links.map((l) => l.name).join(', ')}: ownership mark, FDB entries and extra ports when they come up`,
  };
}

export function renderNetworkManager(desired: DesiredHostState): PersistRender {
  const links = orderedLinks(desired);
  const files = links.map((l) => connection(desired, l));
  const diagnostics: PersistRender['diagnostics'] = [];
  if (links.length > 0) files.push(dispatcher(desired, links));
  const fdbLinks = links.filter((l) => fdbOf(desired, l.name).length > 0).map((l) => l.name);
  if (fdbLinks.length > 0)
    diagnostics.push(
      persistDiag(
        'PERSIST_FDB_HOOK',
        'info',
        desired,
        `NetworkManager cannot express the head-end FDB entries of ${fdbLinks.join(', ')}; a dispatcher script of ours adds them when the device comes up`,
      ),
    );
  if (desired.ports.length > 0)
    diagnostics.push(
      persistDiag(
        'PERSIST_PORTS_HOOK',
        'info',
        desired,
        `NetworkManager does not manage ${desired.ports.map((p) => p.ifname).join(', ')}; the dispatcher script attaches them when the bridge comes up`,
      ),
    );
  // Bridges before their ports: `up` of a port connection waits for its controller.
  const reload = [['nmcli', 'connection', 'reload'], ...links.map((l) => ['nmcli', 'connection', 'up', nmConnectionId(l.name)])];
  return { manager: 'networkmanager', files, reload, diagnostics };
}
