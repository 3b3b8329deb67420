/**
 * The import report: what an import built, and every thing it saw on the hosts that the drawing
 * cannot say (each one a coded warning naming host and device), so nothing is dropped silently.
 */

/** Warning codes of an import. Never rename one, only add. */
export const IMPORT_CODES = {
  IMPORT_EXTERNAL_DEVICE:
    'A collect-metadata (`external`) VXLAN device takes its VNI from a VLAN-aware bridge or route; a drawing cannot say that.',
  IMPORT_VLAN_AWARE_BRIDGE: 'A VLAN-aware bridge (`vlan_filtering 1`): its VLAN-to-VNI mappings are not drawn.',
  IMPORT_DEVICE_INVALID: 'A VXLAN device has a name or VNI a drawing cannot hold.',
  IMPORT_DUPLICATE_DEVICE: 'A host has two VXLAN devices of the same VNI and port; only the first is drawn.',
  IMPORT_VNI_PORTS_DIFFER:
    'Devices of one VNI use different UDP ports: they cannot talk to each other; each port is its own segment.',
  IMPORT_FLOOD_MIXED:
    'Members of one segment flood differently (remote, group, FDB entries); the drawing uses the most common way.',
  IMPORT_VALUE_MIXED:
    'Members of one segment differ in a segment-wide value (MTU, learning, group, TTL); the most common is drawn.',
  IMPORT_PEER_NOT_IMPORTED: 'A device sends to an address that is not on any imported host (its remote or a flood entry).',
  IMPORT_PEER_MISSING: 'A mesh member has no flood entry to another member: deploying the drawing adds it.',
  IMPORT_POINT_TO_POINT_MEMBERS: 'A point-to-point segment does not have exactly two imported members.',
  IMPORT_PARAMETER_DIFFERS:
    'A device parameter the drawing would set differently (local, dev, TTL): deploying the drawing re-creates the device.',
  IMPORT_UNDERLAY_MIXED: 'The VXLAN devices of one host use different underlay interfaces or source addresses; one is drawn.',
  IMPORT_UNDERLAY_UNKNOWN: 'A host\'s underlay address could not be worked out; it stays "auto".',
  IMPORT_ADDRESSES_EXTRA:
    'More than one overlay address, or an address on a bridged VXLAN device: only one on the bridge is drawn.',
  IMPORT_MASTER_NOT_BRIDGE: 'A VXLAN device is enslaved to something that is not a Linux bridge (a bond, a VRF); not drawn.',
  IMPORT_STATIC_FDB: 'A static FDB entry for a specific MAC on a VXLAN device; a drawing only holds the all-zero flood entries.',
  IMPORT_DEVICE_DOWN: 'A VXLAN device or bridge is down: deploying the drawing brings it up.',
  IMPORT_MARKS_DISAGREE:
    'Devices carry the marks of different drawings, or some are marked and some not; one drawing id is used.',
  IMPORT_NO_DEVICES: 'A host has no VXLAN devices: it is drawn without memberships.',
} as const;

export type ImportCode = keyof typeof IMPORT_CODES;

/** One thing the drawing does not say as the host has it. */
export interface ImportWarning {
  code: ImportCode;
  message: string;
  /** Host name in the drawing. */
  host?: string;
  /** The device the warning is about. */
  device?: string;
}

/** What an import built and what it could not express. */
export interface ImportReport {
  topologyId: string;
  /** Where the drawing id came from: the mark on the devices, or a new one. */
  idFrom: 'mark' | 'new';
  hosts: Array<{ name: string; devices: string[] }>;
  segments: Array<{ id: string; vni: number; port: number; flood: string; members: string[] }>;
  warnings: ImportWarning[];
}

/**
 * The report as text for a terminal: one line per segment and per warning.
 *
 * @example
 * formatImportReport(report)
 * // 'Imported 2 hosts, 1 segment into drawing imported-3f9a1c2e (new id):\n  VNI 100 (port 4789, point-to-point): host-a, host-b\nNo warnings.'
 */
export function formatImportReport(r: ImportReport): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [
    `Imported ${plural(r.hosts.length, 'host')}, ${plural(r.segments.length, 'segment')} into drawing ${r.topologyId} (${r.idFrom === 'mark' ? "id from the devices' mark" : 'new id'}):`,
    ...r.segments.map((s) => `  VNI ${s.vni} (port ${s.port}, ${s.flood}): ${s.members.join(', ')}`),
  ];
  if (r.warnings.length === 0) lines.push('No warnings.');
  else {
    lines.push(`${plural(r.warnings.length, 'warning')} (not in the drawing as on the hosts):`);
    for (const w of r.warnings) lines.push(`  ${w.code}: ${w.message}`);
  }
  return lines.join('\n');
}
