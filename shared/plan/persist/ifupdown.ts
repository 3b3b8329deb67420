/**
 * Debian's ifupdown files (interfaces(5)), one per drawing in `/etc/network/interfaces.d/`, which
 * the stock `/etc/network/interfaces` reads with `source /etc/network/interfaces.d/*` (the name
 * `vxlan-studio-<id>` has no dot, so `source-directory` reads it too).
 *
 * ifupdown2 knows VXLAN and bridges (`vxlan-id`, `vxlan-remoteip`, `bridge-ports`...). Classic
 * ifupdown has no VXLAN keywords, so its stanzas are `inet manual` with `pre-up`/`up`/`post-down`
 * lines: the very iproute2 commands of the runtime plan, from the same builders and quoted by the one
 * quoting helper, never hand-assembled.
 */
import { addrAdd, bridgeAdd, fdbAppend, linkAlias, linkDelArgv, linkMaster, linkMtu, linkUp, vxlanAdd } from '../commands';
import { argvToShell } from '../shell';
import type { DesiredHostState, DesiredLink } from '../types';
import { addressesOf, aboutLine, fdbOf, isIpv6, markLine, orderedLinks, persistDiag, portsOf } from './common';
import type { PersistRender } from './types';

export const INTERFACES_DIR = '/etc/network/interfaces.d';

function stanza(head: string, lines: readonly string[]): string {
  return [head, ...lines.map((l) => `    ${l}`)].join('\n');
}

function ifupdown2Stanza(desired: DesiredHostState, link: DesiredLink): string {
  const lines: string[] = [];
  const vx = link.vxlan;
  if (link.kind === 'vxlan' && vx) {
    lines.push(`vxlan-id ${vx.vni}`);
    if (vx.local !== undefined) lines.push(`vxlan-local-tunnelip ${vx.local}`);
    // `remote` of the point-to-point case: ifupdown2 calls the kernel's remote the service node.
    if (vx.remote !== undefined) lines.push(`${isIpv6(vx.remote) ? 'vxlan-svcnodeip6' : 'vxlan-svcnodeip'} ${vx.remote}`);
    if (vx.group !== undefined) lines.push(`${isIpv6(vx.group) ? 'vxlan-mcastgrp6' : 'vxlan-mcastgrp'} ${vx.group}`);
    // One all-zero FDB entry per peer (head-end replication), as `bridge fdb append` makes them.
    for (const dst of fdbOf(desired, link.name)) lines.push(`vxlan-remoteip ${dst}`);
    if (vx.dev !== undefined) lines.push(`vxlan-physdev ${vx.dev}`);
    if (vx.ttl !== undefined) lines.push(`vxlan-ttl ${vx.ttl}`);
    lines.push(`vxlan-port ${vx.port}`, `vxlan-learning ${vx.learning ? 'yes' : 'no'}`);
  } else {
    const { ours, foreign } = portsOf(desired, link.name);
    const ports = [...ours, ...foreign];
    lines.push(`bridge-ports ${ports.length > 0 ? ports.join(' ') : 'none'}`);
  }
  if (link.mtu !== undefined) lines.push(`mtu ${link.mtu}`);
  for (const cidr of addressesOf(desired, link.name)) lines.push(`address ${cidr}`);
  lines.push(`alias ${desired.mark}`);
  return stanza(`auto ${link.name}\niface ${link.name}`, lines);
}

/** `pre-up`/`up`/`post-down` lines of one device, from the runtime plan's step builders. */
function ifupdownStanza(desired: DesiredHostState, link: DesiredLink): string {
  const sh = (argv: readonly string[]): string => argvToShell(argv);
  const lines: string[] = [];
  const add = link.kind === 'vxlan' && link.vxlan ? vxlanAdd(link.name, link.vxlan) : bridgeAdd(link.name);
  lines.push(`pre-up ${sh(add.argv)}`, `pre-up ${sh(linkAlias(link.name, desired.mark).argv)}`);
  if (link.mtu !== undefined) lines.push(`pre-up ${sh(linkMtu(link.name, link.mtu).argv)}`);
  if (link.master !== undefined) lines.push(`pre-up ${sh(linkMaster(link.name, link.master).argv)}`);
  lines.push(`up ${sh(linkUp(link.name).argv)}`);
  for (const cidr of addressesOf(desired, link.name)) lines.push(`up ${sh(addrAdd(cidr, link.name).argv)}`);
  for (const dst of fdbOf(desired, link.name)) lines.push(`up ${sh(fdbAppend(link.name, dst).argv)}`);
  // A VM tap may not exist yet at boot: its absence must not fail the bridge.
  for (const port of portsOf(desired, link.name).foreign) lines.push(`up ${sh(linkMaster(port, link.name).argv)} || true`);
  lines.push(`post-down ${sh(linkDelArgv(link.name))}`);
  return stanza(`auto ${link.name}\niface ${link.name} inet manual`, lines);
}

function render(desired: DesiredHostState, classic: boolean): PersistRender {
  const links = orderedLinks(desired);
  const body = links.map((l) => (classic ? ifupdownStanza(desired, l) : ifupdown2Stanza(desired, l)));
  const content = [
    markLine(desired),
    aboutLine(desired, classic ? 'VXLAN devices and bridges as iproute2 commands' : 'VXLAN devices and bridges'),
    ...body.map((b) => `\n${b}`),
  ].join('\n');
  const names = links.map((l) => l.name);
  const diagnostics: PersistRender['diagnostics'] = [
    persistDiag(
      'PERSIST_INCLUDE_NEEDED',
      'info',
      desired,
      `${INTERFACES_DIR}/vxlan-studio-${desired.topologyId} is read only when /etc/network/interfaces sources ${INTERFACES_DIR}`,
      `Debian's default file has "source ${INTERFACES_DIR}/*"; add it if yours does not.`,
    ),
  ];
  // ifupdown2 reconciles running devices with the files; classic ifupdown only runs its commands,
  // and `ip link add` fails on a device the deploy already made, so it takes them down first.
  const reload = classic
    ? names.length > 0
      ? [
          ['ifdown', '--force', ...[...names].reverse()],
          ['ifup', ...names],
        ]
      : []
    : [['ifreload', '-a']];
  if (classic && names.length > 0)
    diagnostics.push(
      persistDiag(
        'PERSIST_RELOAD_RECREATES',
        'info',
        desired,
        `classic ifupdown cannot adopt running devices: applying the file takes ${names.join(', ')} down and up again`,
      ),
    );
  return {
    manager: classic ? 'ifupdown' : 'ifupdown2',
    files: [
      {
        path: `${INTERFACES_DIR}/vxlan-studio-${desired.topologyId}`,
        content: `${content}\n`,
        mode: 0o644,
        description: `${names.join(', ') || 'nothing'}: interfaces(5) stanzas`,
      },
    ],
    reload,
    diagnostics,
  };
}

export function renderIfupdown2(desired: DesiredHostState): PersistRender {
  return render(desired, false);
}

export function renderIfupdown(desired: DesiredHostState): PersistRender {
  return render(desired, true);
}
