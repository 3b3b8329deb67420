/**
 * What every persist renderer shares: the mark line, the per-manager directories, the diagnostics
 * catalogue and small views of the desired state (links in creation order, what hangs off each).
 */
import type { Diagnostic } from '../../validate/diagnostic';
import type { DesiredHostState, DesiredLink } from '../types';
import { PERSIST_MARK_PREFIX, type PersistManager } from './types';

/** Codes of persist diagnostics: what a manager cannot say and how it is covered. */
export const PERSIST_CODES = {
  PERSIST_FDB_HOOK: 'The manager cannot hold head-end FDB entries; a marked hook of ours replays them when the device comes up.',
  PERSIST_PORTS_HOOK:
    'The manager cannot enslave interfaces it does not define; a marked hook of ours attaches them when they exist.',
  PERSIST_UNDERLAY_UNBOUND:
    'The persistent VXLAN device is not bound to its underlay interface (the manager would have to edit a file we did not write).',
  PERSIST_PORTS_LOST: 'Extra bridge ports are attached at deploy time only; this manager cannot attach them at boot.',
  PERSIST_INCLUDE_NEEDED: 'The file is read only when the main configuration includes its directory.',
  PERSIST_NAME_UNSAFE:
    'An interface name holds a character a network manager reads as syntax (a glob, quote or comment); no files are written.',
  PERSIST_RELOAD_RECREATES: "Applying the file re-creates the devices (the manager's reload briefly takes them down).",
} as const;
export type PersistCode = keyof typeof PERSIST_CODES;

/** Where each manager's files live; every path we render stays inside these. */
export const PERSIST_DIRS: Record<PersistManager, readonly string[]> = {
  'systemd-networkd': ['/etc/systemd/network/'],
  netplan: ['/etc/netplan/', '/etc/systemd/network/'],
  ifupdown2: ['/etc/network/interfaces.d/'],
  ifupdown: ['/etc/network/interfaces.d/'],
  networkmanager: ['/etc/NetworkManager/system-connections/', '/etc/NetworkManager/dispatcher.d/'],
};

/**
 * The first comment line of every file we write: says whose it is and that edits are lost. The
 * deploy reads it back to tell our files from the admin's (`PERSIST_MARK_PREFIX`).
 *
 * @example markLine(desired) // # Written by VXLAN Studio (vxlan-studio:textbook); do not edit, changes are overwritten
 */
export function markLine(desired: DesiredHostState): string {
  return `${PERSIST_MARK_PREFIX} (${desired.mark}); do not edit, changes are overwritten`;
}

/** The second comment line: what the file is for, with the host it was rendered for. */
export function aboutLine(desired: DesiredHostState, what: string): string {
  return `# ${what}, host ${desired.hostName.replace(/[\p{Cc}\u2028\u2029]/gu, '?')}`;
}

export function persistDiag(
  code: PersistCode,
  severity: Diagnostic['severity'],
  desired: DesiredHostState,
  message: string,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { code, severity, message, elementKind: 'host', elementId: desired.hostId, path: desired.hostPath };
  if (hint !== undefined) d.hint = hint;
  return d;
}

/** Bridges first, then VXLAN devices: a port's master must exist before the port joins it. */
export function orderedLinks(desired: DesiredHostState): DesiredLink[] {
  return [...desired.links.filter((l) => l.kind === 'bridge'), ...desired.links.filter((l) => l.kind === 'vxlan')];
}

export function addressesOf(desired: DesiredHostState, ifname: string): string[] {
  return desired.addresses.filter((a) => a.ifname === ifname).map((a) => a.cidr);
}

export function fdbOf(desired: DesiredHostState, ifname: string): string[] {
  return desired.fdb.filter((f) => f.ifname === ifname).map((f) => f.dst);
}

/** Ports of bridge `master`: our devices enslaved to it, then the foreign ones. */
export function portsOf(desired: DesiredHostState, master: string): { ours: string[]; foreign: string[] } {
  return {
    ours: desired.links.filter((l) => l.master === master).map((l) => l.name),
    foreign: desired.ports.filter((p) => p.master === master).map((p) => p.ifname),
  };
}

/** IPv6 literal (the underlay family decides some manager keys). */
export function isIpv6(address: string): boolean {
  return address.includes(':');
}

/**
 * A name-based identifier in UUID form (RFC 9562 version 8, "custom"), so a re-render gives the same
 * NetworkManager connection uuid: FNV-1a over the text with four seeds. Not a security hash; it only
 * has to be stable and distinct per (drawing, interface).
 */
export function stableUuid(text: string): string {
  const words = [0x811c9dc5, 0x01000193, 0x050c5d1f, 0x2e5bf271].map((seed) => {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  });
  const hex = words.map((w) => w.toString(16).padStart(8, '0')).join('');
  const v = `${hex.slice(0, 12)}8${hex.slice(13, 16)}${((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}

/**
 * Characters every manager reads literally in a name: networkd's `[Match] Name=` takes globs and
 * quotes, netplan YAML keys and NetworkManager keyfiles have their own escapes. The kernel allows
 * more (`*`, `#`, `"`...), but rather than escape each syntax differently we refuse such names.
 */
const CONFIG_SAFE_NAME = /^[A-Za-z0-9_.@+-]+$/;

/** Interface names of this host that cannot be written into manager files as they are. */
export function unsafeNames(desired: DesiredHostState): string[] {
  const names = [
    ...desired.links.flatMap((l) => [
      l.name,
      ...(l.master !== undefined ? [l.master] : []),
      ...(l.vxlan?.dev !== undefined ? [l.vxlan.dev] : []),
    ]),
    ...desired.ports.map((p) => p.ifname),
  ];
  return [...new Set(names)].filter((n) => !CONFIG_SAFE_NAME.test(n));
}
