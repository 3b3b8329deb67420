/**
 * netplan (netplan.io 0.106, `network: version: 2`): one YAML file of ours per drawing with the
 * VXLAN devices under `tunnels:` (`mode: vxlan`) and the bridges under `bridges:`; netplan merges it
 * with the admin's files, so `link:` may name their underlay interface. netplan renders to
 * systemd-networkd, so what its YAML cannot say is added as networkd files of ours: head-end FDB
 * entries as a drop-in for the `.network` netplan generates (`10-netplan-<ifname>.network`), the
 * ownership mark as a `.link` file, foreign bridge ports as `.network` files.
 */
import { stringify } from 'yaml';
import type { DesiredHostState, DesiredLink } from '../types';
import { addressesOf, aboutLine, fdbOf, markLine, orderedLinks, persistDiag, portsOf } from './common';
import { fdbSections, ini, linkFile, NETWORKD_DIR, portFile } from './networkd';
import type { PersistFile, PersistRender } from './types';

export const NETPLAN_DIR = '/etc/netplan';

function tunnel(desired: DesiredHostState, link: DesiredLink): Record<string, unknown> {
  const vx = link.vxlan;
  const t: Record<string, unknown> = { mode: 'vxlan', id: vx?.vni };
  if (vx?.dev !== undefined) t['link'] = vx.dev;
  if (vx?.local !== undefined) t['local'] = vx.local;
  // netplan has no `group`: a multicast address in `remote` becomes networkd's Group=.
  if (vx?.remote !== undefined) t['remote'] = vx.remote;
  if (vx?.group !== undefined) t['remote'] = vx.group;
  if (vx?.ttl !== undefined) t['ttl'] = vx.ttl;
  t['port'] = vx?.port;
  t['mac-learning'] = vx?.learning ?? true;
  if (link.mtu !== undefined) t['mtu'] = link.mtu;
  const addresses = addressesOf(desired, link.name);
  if (addresses.length > 0) t['addresses'] = addresses;
  t['ignore-carrier'] = true;
  return t;
}

function bridge(desired: DesiredHostState, link: DesiredLink): Record<string, unknown> {
  // Foreign ports (VM taps) are not netplan devices, so they cannot be listed here; see portFile.
  const b: Record<string, unknown> = { interfaces: portsOf(desired, link.name).ours };
  if (link.mtu !== undefined) b['mtu'] = link.mtu;
  const addresses = addressesOf(desired, link.name);
  if (addresses.length > 0) b['addresses'] = addresses;
  b['ignore-carrier'] = true;
  return b;
}

export function renderNetplan(desired: DesiredHostState): PersistRender {
  const links = orderedLinks(desired);
  const network: Record<string, unknown> = { version: 2 };
  const tunnels = Object.fromEntries(links.filter((l) => l.kind === 'vxlan').map((l) => [l.name, tunnel(desired, l)]));
  const bridges = Object.fromEntries(links.filter((l) => l.kind === 'bridge').map((l) => [l.name, bridge(desired, l)]));
  if (Object.keys(tunnels).length > 0) network['tunnels'] = tunnels;
  if (Object.keys(bridges).length > 0) network['bridges'] = bridges;
  // YAML 1.1 as libyaml reads it: a name such as `on` or `no` must be quoted or it becomes a boolean.
  const yaml = stringify({ network }, { version: '1.1' });
  const files: PersistFile[] = [
    {
      path: `${NETPLAN_DIR}/60-vxlan-studio-${desired.topologyId}.yaml`,
      content: `${markLine(desired)}\n${aboutLine(desired, 'VXLAN devices and bridges')}\n${yaml}`,
      // netplan warns about (and future versions refuse) group- or world-readable files.
      mode: 0o600,
      description: `${links.map((l) => l.name).join(', ') || 'nothing'}: netplan tunnels and bridges`,
    },
  ];
  const diagnostics: PersistRender['diagnostics'] = [];
  const withFdb = links.filter((l) => fdbOf(desired, l.name).length > 0);
  for (const l of withFdb) {
    files.push({
      path: `${NETWORKD_DIR}/10-netplan-${l.name}.network.d/60-vxlan-studio.conf`,
      content: ini(
        [markLine(desired), aboutLine(desired, `${l.name}: head-end FDB entries netplan cannot express`)],
        fdbSections(desired, l.name),
      ),
      mode: 0o644,
      description: `${l.name}: head-end FDB entries (networkd drop-in for the file netplan generates)`,
    });
  }
  if (withFdb.length > 0) {
    diagnostics.push(
      persistDiag(
        'PERSIST_FDB_HOOK',
        'info',
        desired,
        `netplan cannot express the head-end FDB entries of ${withFdb.map((l) => l.name).join(', ')}; a networkd drop-in of ours adds them to the .network netplan generates`,
        'This needs netplan\'s networkd renderer (the default); with "renderer: NetworkManager" choose networkmanager instead.',
      ),
    );
  }
  for (const l of links) files.push(linkFile(desired, l.name));
  const ports = [...new Map(desired.ports.map((p) => [p.ifname, p])).values()];
  for (const p of ports) files.push(portFile(desired, p.ifname, p.master));
  if (ports.length > 0) {
    diagnostics.push(
      persistDiag(
        'PERSIST_PORTS_HOOK',
        'info',
        desired,
        `netplan cannot list ${ports.map((p) => p.ifname).join(', ')} (not netplan devices) as bridge ports; a networkd .network of ours attaches each when it appears`,
      ),
    );
  }
  // `netplan apply` would restart every netplan device; generate + reload creates only what is new.
  return {
    manager: 'netplan',
    files,
    reload: [
      ['netplan', 'generate'],
      ['networkctl', 'reload'],
    ],
    diagnostics,
  };
}
