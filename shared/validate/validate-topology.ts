/**
 * Semantic validation: every check that needs more than one field or element (duplicates,
 * address-in-subnet, MTU versus underlay, names that collide on one host). Single-field rules live
 * in the zod schema (`shared/model/topology.ts`); `validateTopology` reports those too, so one call
 * gives the editor everything to draw.
 */
import {
  TopologySchema,
  deviceName,
  formatPath,
  type Host,
  type Membership,
  type Segment,
  type FileIssue,
  type Topology,
} from '../model';
import type { Diagnostic, ElementKind, Severity } from './diagnostic';
import type { ValidationCode } from './codes';
import {
  cidrContains,
  cidrsOverlap,
  isMulticast,
  maxOverlayMtu,
  parseAddress,
  parseCidr,
  type IpFamily,
  type ParsedCidr,
} from './ip';
import { firstControlCharacter, sshHostProblem } from './text';

/** Above this many members head-end replication (N-1 copies of every flood frame per sender) hurts. */
export const MESH_MEMBER_WARN_LIMIT = 100;
/** IPv6 needs a link MTU of at least 1280 (RFC 8200 section 5); Linux disables IPv6 below it. */
export const IPV6_MIN_MTU = 1280;

export interface ValidateOptions {
  /**
   * Also report single-field schema problems (VNI 0, 16-byte names...). Default true. Callers
   * that just parsed the file with `parseTopologyText` may pass false to skip the second pass.
   */
  schema?: boolean;
}

interface Finding {
  code: ValidationCode;
  severity: Severity;
  message: string;
  elementKind: ElementKind;
  elementId?: string;
  path: string;
  hint?: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Kind and id of the element a field path such as `memberships[2].address` belongs to. */
function elementAt(topology: unknown, path: ReadonlyArray<PropertyKey>): { elementKind: ElementKind; elementId?: string } {
  const [list, index] = path;
  const kinds = { hosts: 'host', segments: 'segment', memberships: 'membership' } as const;
  if ((list === 'hosts' || list === 'segments' || list === 'memberships') && typeof index === 'number') {
    const elements = typeof topology === 'object' && topology !== null ? (topology as Record<string, unknown>)[list] : undefined;
    const element: unknown = Array.isArray(elements) ? (elements as unknown[])[index] : undefined;
    const id = typeof element === 'object' && element !== null ? (element as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? { elementKind: kinds[list], elementId: id } : { elementKind: kinds[list] };
  }
  return { elementKind: 'topology' };
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** ` (got 0)` for a short primitive value, so the message names the value at fault. */
function shownValue(value: unknown): string {
  return (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') && String(value).length <= 40
    ? ` (got ${JSON.stringify(value)})`
    : '';
}

const SCHEMA_CODES = new Set<ValidationCode>([
  'FIELD_INVALID',
  'ID_INVALID',
  'VNI_INVALID',
  'PORT_INVALID',
  'MTU_INVALID',
  'IFNAME_INVALID',
  'IFNAME_TOO_LONG',
]);

const IFNAME_FIELDS = new Set(['device', 'bridge', 'bridges', 'bridgePorts', 'interface']);

/** Maps one zod issue to a stable code by the field it is about. */
export function schemaCode(path: ReadonlyArray<PropertyKey>, message: string): ValidationCode {
  const keys = path.filter((k): k is string => typeof k === 'string');
  const last = keys[keys.length - 1];
  if (last === 'vni') return 'VNI_INVALID';
  if (last === 'port') return 'PORT_INVALID';
  if (last === 'mtu') return 'MTU_INVALID';
  if (last === 'id' || last === 'hostId' || last === 'segmentId') return 'ID_INVALID';
  if (last !== undefined && IFNAME_FIELDS.has(last)) return /15 bytes/.test(message) ? 'IFNAME_TOO_LONG' : 'IFNAME_INVALID';
  return 'FIELD_INVALID';
}

/**
 * The schema pass: a finding per zod issue, and the element fields it refused (`hosts[1].name`),
 * which the semantic checks must not read.
 */
function schemaFindings(topology: Topology): { findings: Finding[]; refused: Set<string> } {
  const parsed = TopologySchema.safeParse(topology);
  const refused = new Set<string>();
  if (parsed.success) return { findings: [], refused };
  const findings = parsed.error.issues.map((issue) => {
    const [list, index, key] = issue.path;
    if (typeof list === 'string' && typeof index === 'number' && typeof key === 'string') refused.add(`${list}[${index}].${key}`);
    const shown = shownValue(valueAt(topology, issue.path));
    const field = issue.path.filter((k) => typeof k === 'string').pop();
    return {
      code: schemaCode(issue.path, issue.message),
      severity: 'error' as const,
      message: `${field === undefined ? 'The file' : String(field)} ${issue.message}${shown}`,
      ...elementAt(topology, issue.path),
      path: formatPath(issue.path),
      hint: 'Correct this field; the file cannot be deployed until it is valid.',
    };
  });
  return { findings, refused };
}

/** `hosts[1].bridges[0]` -> ['hosts', 1, 'bridges', 0] (inverse of `formatPath`). */
function splitPath(path: string): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[1] !== undefined) keys.push(m[1]);
  }
  return keys;
}

/**
 * Turns the issues of a file that could not be read (`parseTopologyText` returned `ok: false`)
 * into diagnostics with stable codes, so the CLI and the UI report them like any other finding.
 * Pass the decoded JSON as `raw` (when it decoded) to pin each issue to its element id.
 *
 * @example
 * fileIssuesToDiagnostics([{ path: 'segments[0].vni', message: 'must be 1-16777215' }])
 * // [{ code: 'VNI_INVALID', severity: 'error', elementKind: 'segment', path: 'segments[0].vni', message: 'must be 1-16777215', ... }]
 */
export function fileIssuesToDiagnostics(issues: readonly FileIssue[], raw?: unknown): Diagnostic[] {
  return issues.map((issue) => {
    if (issue.path.startsWith('(file)') && /JSON/.test(issue.message)) {
      return {
        code: 'JSON_INVALID',
        severity: 'error',
        message: issue.message,
        elementKind: 'topology',
        path: issue.path,
        hint: 'Fix the JSON syntax at the line and column given (a missing comma, quote or bracket is typical).',
      };
    }
    if (issue.path === 'format') {
      return {
        code: 'FORMAT_UNSUPPORTED',
        severity: 'error',
        message: issue.message,
        elementKind: 'topology',
        path: issue.path,
        hint: 'Open the file with the VXLAN Studio version that wrote it, or set "format": 1 if it is a hand-written v1 file.',
      };
    }
    const keys = splitPath(issue.path);
    return {
      code: schemaCode(keys, issue.message),
      severity: 'error',
      message: `${issue.message}${shownValue(valueAt(raw, keys))}`,
      ...elementAt(raw, keys),
      path: issue.path,
      hint: 'Correct this field (see docs/file-format.md).',
    };
  });
}

/**
 * The objects of an element list with their file indexes kept: a drawing being edited may hold
 * anything, and a non-object entry (already reported by the schema pass) leaves a hole that
 * `forEach` skips, so the remaining checks still report the right `hosts[i]` paths.
 *
 * Each element loses the fields the schema pass refused (an object where a name belongs, say):
 * they are reported there already, and the semantic checks below must never compare, index or
 * print a value of the wrong type.
 */
function elementsOf<T>(list: unknown, name: string, refused: ReadonlySet<string>): T[] {
  if (!Array.isArray(list)) return [];
  const out = new Array<T>(list.length);
  list.forEach((el: unknown, i) => {
    if (typeof el !== 'object' || el === null || Array.isArray(el)) return;
    if (refused.size === 0) out[i] = el as T;
    else out[i] = Object.fromEntries(Object.entries(el).filter(([key]) => !refused.has(`${name}[${i}].${key}`))) as T;
  });
  return out;
}

/** Everything the checks need about one host, computed once. */
interface HostInfo {
  host: Host;
  index: number;
  /** Parsed explicit underlay address, when valid. */
  underlay?: { family: IpFamily; normalized: string };
  underlayIf?: string;
}

interface MemberInfo {
  m: Membership;
  index: number;
  host?: HostInfo;
  segment?: { s: Segment; index: number };
  /** Parsed overlay address, when valid. */
  addr?: ParsedCidr;
}

const hostPath = (i: number, field: string): string => `hosts[${i}].${field}`;
const segPath = (i: number, field: string): string => `segments[${i}].${field}`;
const memPath = (i: number, field: string): string => `memberships[${i}].${field}`;

/**
 * Checks a topology and returns every finding, pinned to an element id and a field path, errors
 * first and otherwise in file order. No errors means the plan compiler may run.
 *
 * Rules cited in the messages: VNI is 24 bits and the VXLAN overhead 50/70 bytes (RFC 7348);
 * interface names at most 15 bytes (Linux IFNAMSIZ, ip-link(8)); IPv6 needs MTU 1280 (RFC 8200).
 *
 * @example
 * validateTopology(topology).filter((d) => d.severity === 'error')
 * // [{ code: 'VNI_DUPLICATE', path: 'segments[1].vni', elementId: 'seg-b', elementKind: 'segment', ... }]
 */
export function validateTopology(topology: Topology, options: ValidateOptions = {}): Diagnostic[] {
  const schema = options.schema === false ? { findings: [], refused: new Set<string>() } : schemaFindings(topology);
  const out: Finding[] = schema.findings;
  const add = (f: Finding): void => {
    out.push(f);
  };
  const hosts = elementsOf<Host>(topology.hosts, 'hosts', schema.refused);
  const segments = elementsOf<Segment>(topology.segments, 'segments', schema.refused);
  const memberships = elementsOf<Membership>(topology.memberships, 'memberships', schema.refused);

  checkIds(hosts, segments, memberships, add);
  checkText(topology, add);
  checkSshHosts(hosts, add);

  // Hosts.
  const hostById = new Map<string, HostInfo>();
  const hostByName = new Map<string, number>();
  const hostByUnderlay = new Map<string, number>();
  hosts.forEach((host, index) => {
    const info: HostInfo = { host, index };
    const underlayIf = host.underlay?.interface;
    if (typeof underlayIf === 'string' && underlayIf !== 'auto') info.underlayIf = underlayIf;
    if (!hostById.has(host.id)) hostById.set(host.id, info);

    const first = hostByName.get(host.name);
    if (first !== undefined) {
      add({
        code: 'HOST_NAME_DUPLICATE',
        severity: 'error',
        message: `Host name "${host.name}" is also used by hosts[${first}]`,
        elementKind: 'host',
        elementId: host.id,
        path: hostPath(index, 'name'),
        hint: 'Give every host a distinct name: the CLI selects hosts with --host NAME.',
      });
    } else hostByName.set(host.name, index);

    const address = host.underlay?.address;
    if (typeof address === 'string' && address !== 'auto') {
      const parsed = parseAddress(address);
      if (typeof parsed === 'string') {
        add({
          code: 'UNDERLAY_ADDRESS_INVALID',
          severity: 'error',
          message: `Underlay address ${parsed}`,
          elementKind: 'host',
          elementId: host.id,
          path: hostPath(index, 'underlay.address'),
          hint: 'Enter the host\'s own IP address on the underlay interface (e.g. 192.168.1.10), or "auto" to read it from the host.',
        });
      } else if (isMulticast(parsed.normalized) || /^(0\.0\.0\.0|::|255\.255\.255\.255)$/.test(parsed.normalized)) {
        add({
          code: 'UNDERLAY_ADDRESS_NOT_UNICAST',
          severity: 'error',
          message: `Underlay address ${parsed.normalized} is not a unicast address a VTEP can send from`,
          elementKind: 'host',
          elementId: host.id,
          path: hostPath(index, 'underlay.address'),
          hint: "Use the host's unicast address on the underlay interface.",
        });
      } else {
        info.underlay = parsed;
        const dup = hostByUnderlay.get(parsed.normalized);
        if (dup !== undefined) {
          add({
            code: 'UNDERLAY_ADDRESS_DUPLICATE',
            severity: 'error',
            message: `Underlay address ${parsed.normalized} is also used by hosts[${dup}]`,
            elementKind: 'host',
            elementId: host.id,
            path: hostPath(index, 'underlay.address'),
            hint: 'Each VTEP needs its own underlay address; peers send to it.',
          });
        } else hostByUnderlay.set(parsed.normalized, index);
      }
    }

    const bridges = Array.isArray(host.bridges) ? host.bridges : [];
    const seenBridge = new Set<string>();
    bridges.forEach((bridge, j) => {
      if (seenBridge.has(bridge)) {
        add({
          code: 'BRIDGE_DUPLICATE',
          severity: 'error',
          message: `Bridge "${bridge}" is declared twice on host "${host.name}"`,
          elementKind: 'host',
          elementId: host.id,
          path: hostPath(index, `bridges[${j}]`),
          hint: 'Remove the second entry.',
        });
      }
      seenBridge.add(bridge);
      if (bridge === info.underlayIf) {
        add({
          code: 'BRIDGE_IS_UNDERLAY',
          severity: 'error',
          message: `Bridge "${bridge}" has the name of the underlay interface of host "${host.name}"`,
          elementKind: 'host',
          elementId: host.id,
          path: hostPath(index, `bridges[${j}]`),
          hint: 'Pick another bridge name; the underlay interface must stay as it is.',
        });
      }
    });
  });

  // Segments: identity.
  const segmentById = new Map<string, { s: Segment; index: number }>();
  const segmentByVni = new Map<number, number>();
  const segmentByName = new Map<string, number>();
  segments.forEach((s, index) => {
    if (!segmentById.has(s.id)) segmentById.set(s.id, { s, index });
    const dup = segmentByVni.get(s.vni);
    if (dup !== undefined) {
      add({
        code: 'VNI_DUPLICATE',
        severity: 'error',
        message: `VNI ${s.vni} is also used by segments[${dup}] ("${segments[dup]?.name ?? ''}")`,
        elementKind: 'segment',
        elementId: s.id,
        path: segPath(index, 'vni'),
        hint: 'Each segment needs its own VNI (1-16777215); hosts in both would otherwise join one L2 domain or fail to create the device.',
      });
    } else segmentByVni.set(s.vni, index);
    const dupName = segmentByName.get(s.name);
    if (dupName !== undefined) {
      add({
        code: 'SEGMENT_NAME_DUPLICATE',
        severity: 'warning',
        message: `Segment name "${s.name}" is also used by segments[${dupName}]`,
        elementKind: 'segment',
        elementId: s.id,
        path: segPath(index, 'name'),
        hint: 'Give segments distinct names so they can be told apart.',
      });
    } else segmentByName.set(s.name, index);
    if (typeof s.port === 'number' && s.port >= 1 && s.port < 1024) {
      add({
        code: 'PORT_WELL_KNOWN',
        severity: 'warning',
        message: `UDP port ${s.port} is in the well-known range and may collide with a system service`,
        elementKind: 'segment',
        elementId: s.id,
        path: segPath(index, 'port'),
        hint: 'Use the IANA VXLAN port 4789 unless the network requires another.',
      });
    }
  });

  // Memberships.
  const members: MemberInfo[] = [];
  const membersBySegment = new Map<string, MemberInfo[]>();
  const hostSegmentPairs = new Map<string, number>();
  memberships.forEach((m, index) => {
    const info: MemberInfo = { m, index };
    const host = hostById.get(m.hostId);
    const segment = segmentById.get(m.segmentId);
    if (host) info.host = host;
    else {
      add({
        code: 'MEMBERSHIP_HOST_MISSING',
        severity: 'error',
        message: `Membership refers to host "${m.hostId}", which does not exist`,
        elementKind: 'membership',
        elementId: m.id,
        path: memPath(index, 'hostId'),
        hint: 'Connect the segment to an existing host, or delete this membership.',
      });
    }
    if (segment) info.segment = segment;
    else {
      add({
        code: 'MEMBERSHIP_SEGMENT_MISSING',
        severity: 'error',
        message: `Membership refers to segment "${m.segmentId}", which does not exist`,
        elementKind: 'membership',
        elementId: m.id,
        path: memPath(index, 'segmentId'),
        hint: 'Connect the host to an existing segment, or delete this membership.',
      });
    }
    if (host && segment) {
      const key = `${m.hostId}\u0000${m.segmentId}`;
      const dup = hostSegmentPairs.get(key);
      if (dup !== undefined) {
        add({
          code: 'MEMBERSHIP_DUPLICATE',
          severity: 'error',
          message: `Host "${host.host.name}" is already a member of segment "${segment.s.name}" (memberships[${dup}])`,
          elementKind: 'membership',
          elementId: m.id,
          path: memPath(index, 'segmentId'),
          hint: 'A host joins a segment once; delete this duplicate connection.',
        });
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
        add({
          code: 'MEMBER_ADDRESS_INVALID',
          severity: 'error',
          message: `Overlay address ${parsed}`,
          elementKind: 'membership',
          elementId: m.id,
          path: memPath(index, 'address'),
          hint: 'Write the overlay address with its prefix length, e.g. 10.0.0.1/24.',
        });
      } else info.addr = parsed;
    }
    members.push(info);
  });

  checkHostInterfaces(members, add);
  checkMemberAddresses(members, segmentById, add);

  segments.forEach((s, index) => {
    checkSegment(s, index, membersBySegment.get(s.id) ?? [], add);
  });
  checkSubnetOverlaps(segments, add);
  checkOverlayVersusUnderlay(segments, membersBySegment, hosts, hostById, add);
  checkAutoUnderlay(hosts, hostById, members, add);

  // A field the schema already refused (e.g. an empty multicast group) is reported once, by the schema.
  const schemaPaths = new Set(out.filter((f) => SCHEMA_CODES.has(f.code)).map((f) => f.path));
  const kept = out.filter((f) => SCHEMA_CODES.has(f.code) || !schemaPaths.has(f.path));
  const indexed = kept.map((d, i) => ({ d, i }));
  indexed.sort((a, b) => SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] || a.i - b.i);
  return indexed.map(({ d }) => toDiagnostic(d));
}

function toDiagnostic(f: Finding): Diagnostic {
  const d: Diagnostic = { code: f.code, severity: f.severity, message: f.message, elementKind: f.elementKind, path: f.path };
  // An id of the wrong type (mid-edit, already reported by the schema pass) pins nothing.
  if (typeof f.elementId === 'string') d.elementId = f.elementId;
  if (f.hint !== undefined) d.hint = f.hint;
  return d;
}

type Add = (f: Finding) => void;

/** Ids are unique across hosts, segments and memberships: they key canvas nodes, edges and diagnostics. */
function checkIds(hosts: readonly Host[], segments: readonly Segment[], memberships: readonly Membership[], add: Add): void {
  const seen = new Map<string, string>();
  const visit = (list: ReadonlyArray<{ id: string }>, name: 'hosts' | 'segments' | 'memberships', kind: ElementKind): void => {
    list.forEach((el, i) => {
      const here = `${name}[${i}]`;
      const first = seen.get(el.id);
      if (first !== undefined) {
        add({
          code: 'ID_DUPLICATE',
          severity: 'error',
          message: `Id "${el.id}" is already used by ${first}`,
          elementKind: kind,
          elementId: el.id,
          path: `${here}.id`,
          hint: 'Every host, segment and membership needs its own id; rename this one.',
        });
      } else seen.set(el.id, here);
    });
  };
  visit(hosts, 'hosts', 'host');
  visit(segments, 'segments', 'segment');
  visit(memberships, 'memberships', 'membership');
}

/**
 * Every string anywhere in the drawing (names, paths, addresses, and fields added later) is free of
 * control characters: a newline in a host name would end a `#` comment in a printed script and run
 * the rest of the name as a command (primer: the plan runs as root), and it breaks logs and terminals.
 */
function checkText(topology: unknown, add: Add): void {
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (typeof value === 'string') {
      const found = firstControlCharacter(value);
      if (found === undefined) return;
      const field = path.filter((k) => typeof k === 'string').pop();
      add({
        code: 'TEXT_CONTROL_CHARACTER',
        severity: 'error',
        message: `${field === undefined ? 'A value' : String(field)} holds the control character ${found} (${JSON.stringify(value).slice(0, 60)})`,
        ...elementAt(topology, path),
        path: formatPath(path),
        hint: 'Remove line breaks, tabs and other control characters; names are single-line text.',
      });
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (firstControlCharacter(k) !== undefined) visit(k, [...path, k]);
        visit(v, [...path, k]);
      }
    }
  };
  visit(topology, []);
}

/** `ssh.host` is written into known_hosts and given to the SSH client: it must be one host, never a pattern or list. */
function checkSshHosts(hosts: readonly Host[], add: Add): void {
  hosts.forEach((host, i) => {
    const target: unknown = host.ssh?.host;
    if (typeof target !== 'string' || firstControlCharacter(target) !== undefined) return;
    const problem = sshHostProblem(target);
    if (problem === undefined) return;
    add({
      code: 'SSH_HOST_INVALID',
      severity: 'error',
      message: `ssh.host ${problem} (got ${JSON.stringify(target.slice(0, 60))})`,
      elementKind: 'host',
      elementId: host.id,
      path: hostPath(i, 'ssh.host'),
      hint: 'Give the one host name or address VXLAN Studio should connect to, e.g. 192.168.1.10 or web1.example.com.',
    });
  });
}

/** Names that must not collide on one host: VXLAN devices, bridges, bridge ports, the underlay interface. */
function checkHostInterfaces(members: readonly MemberInfo[], add: Add): void {
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
        add({
          code: 'DEVICE_NAME_DUPLICATE',
          severity: 'error',
          message: `VXLAN device "${dev}"${implicit} is already used on host "${h.name}" by memberships[${dup}]`,
          elementKind: 'membership',
          elementId: m.id,
          path: devicePath,
          hint: 'Set a distinct device name for one of the two memberships.',
        });
      } else devices.set(dev, index);
      if (bridges.includes(dev)) {
        add({
          code: 'DEVICE_NAME_IS_BRIDGE',
          severity: 'error',
          message: `VXLAN device "${dev}"${implicit} has the name of a bridge on host "${h.name}"`,
          elementKind: 'membership',
          elementId: m.id,
          path: devicePath,
          hint: 'Rename the device or the bridge; one interface name cannot be both.',
        });
      }
      if (dev === host.underlayIf) {
        add({
          code: 'DEVICE_NAME_IS_UNDERLAY',
          severity: 'error',
          message: `VXLAN device "${dev}" has the name of the underlay interface of host "${h.name}"`,
          elementKind: 'membership',
          elementId: m.id,
          path: devicePath,
          hint: 'Pick another device name; the underlay interface must stay as it is.',
        });
      }
    }

    if (m.bridge !== undefined) {
      if (!bridges.includes(m.bridge)) {
        add({
          code: 'BRIDGE_UNDECLARED',
          severity: 'error',
          message: `Bridge "${m.bridge}" is not declared on host "${h.name}"`,
          elementKind: 'membership',
          elementId: m.id,
          path: memPath(index, 'bridge'),
          hint: `Add "${m.bridge}" to hosts[${host.index}].bridges, or pick one of the host's bridges.`,
        });
      }
      const key = `${h.id}\u0000${m.bridge}`;
      const other = bridgeUse.get(key);
      if (other !== undefined) {
        add({
          code: 'BRIDGE_SHARED',
          severity: 'warning',
          message: `Bridge "${m.bridge}" on host "${h.name}" also carries memberships[${other}]: the two segments become one L2 domain there`,
          elementKind: 'membership',
          elementId: m.id,
          path: memPath(index, 'bridge'),
          hint: 'Use one bridge per segment unless joining them is intended.',
        });
      } else bridgeUse.set(key, index);
    }

    const ports = Array.isArray(m.bridgePorts) ? m.bridgePorts : [];
    if (ports.length > 0 && m.bridge === undefined) {
      add({
        code: 'BRIDGE_PORTS_WITHOUT_BRIDGE',
        severity: 'error',
        message: `Bridge ports ${ports.map((p) => `"${p}"`).join(', ')} are listed but the membership has no bridge`,
        elementKind: 'membership',
        elementId: m.id,
        path: memPath(index, 'bridgePorts'),
        hint: 'Set a bridge for this membership, or remove the bridge ports.',
      });
    }
    const hostPorts = portsByHost.get(h.id) ?? new Map<string, number>();
    portsByHost.set(h.id, hostPorts);
    ports.forEach((port, j) => {
      const path = memPath(index, `bridgePorts[${j}]`);
      if (port === host.underlayIf) {
        add({
          code: 'BRIDGE_PORT_IS_UNDERLAY',
          severity: 'error',
          message: `Bridge port "${port}" is the underlay interface of host "${h.name}"`,
          elementKind: 'membership',
          elementId: m.id,
          path,
          hint: 'Enslaving the underlay interface would cut the VXLAN traffic (and maybe SSH); remove it.',
        });
      } else if (bridges.includes(port) || allDevices.get(h.id)?.has(port)) {
        add({
          code: 'BRIDGE_PORT_CONFLICT',
          severity: 'error',
          message: `Bridge port "${port}" is a bridge or VXLAN device managed on host "${h.name}"`,
          elementKind: 'membership',
          elementId: m.id,
          path,
          hint: 'List only external interfaces (VM taps, container veths) as bridge ports.',
        });
      }
      const dup = hostPorts.get(port);
      if (dup !== undefined) {
        add({
          code: 'BRIDGE_PORT_DUPLICATE',
          severity: 'error',
          message: `Interface "${port}" is already a bridge port on host "${h.name}" (memberships[${dup}])`,
          elementKind: 'membership',
          elementId: m.id,
          path,
          hint: 'An interface has one master bridge; list it once.',
        });
      } else hostPorts.set(port, index);
    });
  }
}

/** Overlay addresses: inside the subnet, a host address, unique within the segment. */
function checkMemberAddresses(members: readonly MemberInfo[], segmentById: ReadonlyMap<string, { s: Segment }>, add: Add): void {
  const bySegmentAddress = new Map<string, number>();
  for (const { m, index, addr, segment } of members) {
    if (!addr) {
      if (m.address === undefined && m.bridge === undefined && segment) {
        add({
          code: 'MEMBERSHIP_UNUSED',
          severity: 'info',
          message: 'This membership has neither a bridge nor an overlay address, so nothing on the host uses the VXLAN device',
          elementKind: 'membership',
          elementId: m.id,
          path: memPath(index, 'bridge'),
          hint: 'Attach it to a bridge (for VMs/containers) or give it an overlay address.',
        });
      }
      continue;
    }
    const path = memPath(index, 'address');
    if (addr.family === 4 && addr.prefix < 31) {
      const bcast = broadcastOf(addr);
      if (addr.address === addr.network || addr.address === bcast) {
        add({
          code: 'MEMBER_ADDRESS_NOT_HOST',
          severity: 'warning',
          message: `Overlay address ${addr.address}/${addr.prefix} is the ${addr.address === addr.network ? 'network' : 'broadcast'} address of ${addr.cidr}`,
          elementKind: 'membership',
          elementId: m.id,
          path,
          hint: 'Pick a host address inside the subnet.',
        });
      }
    }
    const seg = segmentById.get(m.segmentId)?.s;
    if (typeof seg?.subnet === 'string') {
      const subnet = parseCidr(seg.subnet);
      if (typeof subnet !== 'string') {
        if (!cidrContains(subnet.cidr, addr.address)) {
          add({
            code: 'MEMBER_ADDRESS_OUTSIDE_SUBNET',
            severity: 'error',
            message: `Overlay address ${addr.address}/${addr.prefix} is outside the segment subnet ${subnet.cidr}`,
            elementKind: 'membership',
            elementId: m.id,
            path,
            hint: `Pick an address inside ${subnet.cidr}, or change the segment subnet.`,
          });
        } else if (addr.prefix !== subnet.prefix) {
          add({
            code: 'MEMBER_PREFIX_MISMATCH',
            severity: 'warning',
            message: `Overlay address ${addr.address}/${addr.prefix} has prefix /${addr.prefix} but the segment subnet is ${subnet.cidr}`,
            elementKind: 'membership',
            elementId: m.id,
            path,
            hint: `Use ${addr.address}/${subnet.prefix} so every member agrees on the on-link range.`,
          });
        }
      }
    }
    if (segment) {
      const key = `${m.segmentId}\u0000${addr.address}`;
      const dup = bySegmentAddress.get(key);
      if (dup !== undefined) {
        add({
          code: 'OVERLAY_ADDRESS_DUPLICATE',
          severity: 'error',
          message: `Overlay address ${addr.address} is also used in this segment by memberships[${dup}]`,
          elementKind: 'membership',
          elementId: m.id,
          path,
          hint: 'Give every member of a segment its own overlay address.',
        });
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

/** Per-segment rules: flood mode, member count, families, MTU, subnet syntax. */
function checkSegment(s: Segment, index: number, members: readonly MemberInfo[], add: Add): void {
  const base = { elementKind: 'segment' as const, elementId: s.id };
  const mode = s.flood?.mode;

  if (typeof s.subnet === 'string') {
    const subnet = parseCidr(s.subnet);
    if (typeof subnet === 'string') {
      add({
        ...base,
        code: 'SUBNET_INVALID',
        severity: 'error',
        message: `Overlay subnet ${subnet}`,
        path: segPath(index, 'subnet'),
        hint: 'Write the subnet in CIDR form, e.g. 10.0.0.0/24.',
      });
    } else if (subnet.hasHostBits) {
      add({
        ...base,
        code: 'SUBNET_HOST_BITS',
        severity: 'warning',
        message: `Overlay subnet ${s.subnet} has host bits set; it means ${subnet.cidr}`,
        path: segPath(index, 'subnet'),
        hint: `Write it as ${subnet.cidr}.`,
      });
    }
  }

  if (mode === 'point-to-point' && members.length !== 2) {
    add({
      ...base,
      code: 'P2P_MEMBER_COUNT',
      severity: 'error',
      message: `Point-to-point segment "${s.name}" has ${members.length} member${members.length === 1 ? '' : 's'}; it needs exactly 2 (one "remote" peer each)`,
      path: segPath(index, 'flood.mode'),
      hint:
        members.length > 2
          ? 'Use flood mode "unicast-mesh" (or "multicast") for more than two hosts.'
          : 'Connect exactly two hosts to this segment.',
    });
  } else if (members.length < 2) {
    add({
      ...base,
      code: 'SEGMENT_FEW_MEMBERS',
      severity: 'warning',
      message: `Segment "${s.name}" has ${members.length === 0 ? 'no members' : 'only one member'}; an overlay needs at least two hosts`,
      path: segPath(index, 'vni'),
      hint: 'Connect more hosts to this segment.',
    });
  }
  if (mode === 'unicast-mesh' && members.length > MESH_MEMBER_WARN_LIMIT) {
    add({
      ...base,
      code: 'MESH_TOO_LARGE',
      severity: 'warning',
      message: `Unicast-mesh segment "${s.name}" has ${members.length} members: head-end replication sends every flood frame ${members.length - 1} times and needs ${members.length * (members.length - 1)} FDB entries in total (grows as N squared)`,
      path: segPath(index, 'flood.mode'),
      hint: 'Above ~100 hosts use flood mode "multicast" where the underlay carries it, or a control plane such as BGP EVPN.',
    });
  }

  // Underlay families of the members with explicit addresses.
  const families = new Map<IpFamily, string>();
  for (const mi of members) {
    if (mi.host?.underlay && !families.has(mi.host.underlay.family)) families.set(mi.host.underlay.family, mi.host.host.name);
  }
  if (families.size > 1) {
    add({
      ...base,
      code: 'UNDERLAY_FAMILY_MIXED',
      severity: 'error',
      message: `Segment "${s.name}" mixes IPv4 underlay (host "${families.get(4) ?? ''}") and IPv6 underlay (host "${families.get(6) ?? ''}"); VTEPs of one segment must speak one family`,
      path: segPath(index, 'flood.mode'),
      hint: 'Give every member host an underlay address of the same IP family.',
    });
  }
  const segmentFamily: IpFamily | undefined = families.size === 1 ? [...families.keys()][0] : undefined;

  if (s.flood?.mode === 'multicast') {
    const path = segPath(index, 'flood.group');
    const group = parseAddress(String(s.flood.group));
    if (typeof group === 'string') {
      add({
        ...base,
        code: 'MULTICAST_GROUP_INVALID',
        severity: 'error',
        message: `Multicast group ${group}`,
        path,
        hint: 'Use a multicast address such as 239.1.1.1 (IPv4) or ff05::100 (IPv6).',
      });
    } else if (!isMulticast(group.normalized)) {
      add({
        ...base,
        code: 'MULTICAST_GROUP_NOT_MULTICAST',
        severity: 'error',
        message: `Multicast group ${group.normalized} is not a multicast address (224.0.0.0/4 or ff00::/8)`,
        path,
        hint: 'Use an administratively scoped group such as 239.1.1.1 (IPv4) or ff05::100 (IPv6).',
      });
    } else {
      for (const [family, hostName] of families) {
        if (family !== group.family) {
          add({
            ...base,
            code: 'MULTICAST_GROUP_FAMILY_MISMATCH',
            severity: 'error',
            message: `Multicast group ${group.normalized} is IPv${group.family} but host "${hostName}" has an IPv${family} underlay address`,
            path,
            hint: `Use an IPv${family} multicast group, matching the underlay.`,
          });
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
        add({
          ...base,
          code: 'MTU_EXCEEDS_UNDERLAY',
          severity: 'error',
          message: `MTU ${s.mtu} is too large for host "${h.host.name}": underlay MTU ${underlayMtu} minus ${underlayMtu - limit} bytes of VXLAN over IPv${family} leaves ${limit}`,
          path: segPath(index, 'mtu'),
          hint: `Set the segment MTU to ${limit} or less (or "auto"); big packets would otherwise vanish while ping still works.`,
        });
      }
    }
    const hasV6Overlay = members.some((mi) => mi.addr?.family === 6);
    if (hasV6Overlay && s.mtu < IPV6_MIN_MTU) {
      add({
        ...base,
        code: 'MTU_TOO_SMALL_FOR_IPV6',
        severity: 'warning',
        message: `MTU ${s.mtu} is below ${IPV6_MIN_MTU}, the IPv6 minimum, but the segment has IPv6 overlay addresses`,
        path: segPath(index, 'mtu'),
        hint: `Raise the MTU to at least ${IPV6_MIN_MTU} (and the underlay accordingly), or use IPv4 overlay addresses.`,
      });
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
      add({
        ...base,
        code: 'MTU_AUTO_DIFFERS',
        severity: 'warning',
        message: `With MTU "auto" the members get different overlay MTUs (${[...byMtu].map(([mtu, name]) => `${mtu} on "${name}"`).join(', ')}); frames larger than the smallest are dropped`,
        path: segPath(index, 'mtu'),
        hint: `Set the segment MTU explicitly to ${smallest}.`,
      });
    }
  }
}

/** Two segments whose overlay subnets overlap give hosts in both two routes for one range. */
function checkSubnetOverlaps(segments: readonly Segment[], add: Add): void {
  const subnets: Array<{ cidr: string; index: number }> = [];
  segments.forEach((s, index) => {
    if (typeof s.subnet !== 'string') return;
    const c = parseCidr(s.subnet);
    if (typeof c === 'string') return;
    const other = subnets.find((o) => cidrsOverlap(o.cidr, c.cidr));
    if (other) {
      add({
        code: 'OVERLAY_SUBNET_OVERLAP',
        severity: 'warning',
        message: `Overlay subnet ${c.cidr} overlaps ${other.cidr} of segments[${other.index}] ("${segments[other.index]?.name ?? ''}")`,
        elementKind: 'segment',
        elementId: s.id,
        path: segPath(index, 'subnet'),
        hint: 'Give each segment its own, non-overlapping subnet.',
      });
    }
    subnets.push({ cidr: c.cidr, index });
  });
}

/**
 * An overlay network that contains an underlay address would route VTEP traffic into the overlay
 * itself (the encapsulated packets would loop), so it is an error.
 */
function checkOverlayVersusUnderlay(
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
          add({
            code: 'OVERLAY_OVERLAPS_UNDERLAY',
            severity: 'error',
            message: `Overlay subnet ${subnet.cidr} contains the underlay address ${u.address} of host "${u.name}"`,
            elementKind: 'segment',
            elementId: s.id,
            path: segPath(index, 'subnet'),
            hint: 'Pick an overlay subnet that does not overlap the underlay (e.g. 10.0.0.0/24 over a 192.168.1.0/24 underlay).',
          });
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
        add({
          code: 'MEMBER_NETWORK_MISMATCH',
          severity: 'warning',
          message: `Overlay address ${mi.addr.address}/${mi.addr.prefix} is in ${mi.addr.cidr} but other members of this segment are in ${firstNetwork}`,
          elementKind: 'membership',
          elementId: mi.m.id,
          path: memPath(mi.index, 'address'),
          hint: 'Members of one segment should share one subnet; set the segment subnet to make it explicit.',
        });
      }
      if (seen.has(mi.addr.cidr)) continue;
      seen.add(mi.addr.cidr);
      for (const u of underlays) {
        if (cidrContains(mi.addr.cidr, u.address)) {
          add({
            code: 'OVERLAY_OVERLAPS_UNDERLAY',
            severity: 'error',
            message: `Overlay network ${mi.addr.cidr} (from ${mi.addr.address}/${mi.addr.prefix}) contains the underlay address ${u.address} of host "${u.name}"`,
            elementKind: 'membership',
            elementId: mi.m.id,
            path: memPath(mi.index, 'address'),
            hint: 'Pick overlay addresses from a range that does not overlap the underlay.',
          });
        }
      }
    }
  });
}

/**
 * Point-to-point and unicast-mesh configure peers by their underlay address (`remote`, `bridge fdb
 * ... dst`), so an "auto" address must be read from the host before a plan can be complete.
 */
function checkAutoUnderlay(
  hosts: readonly Host[],
  hostById: ReadonlyMap<string, HostInfo>,
  members: readonly MemberInfo[],
  add: Add,
): void {
  const needy = new Map<string, Set<string>>();
  for (const mi of members) {
    const mode = mi.segment?.s.flood?.mode;
    if (!mi.host || (mode !== 'point-to-point' && mode !== 'unicast-mesh')) continue;
    if (mi.host.host.underlay?.address !== 'auto') continue;
    const set = needy.get(mi.host.host.id) ?? new Set<string>();
    set.add(mi.segment?.s.name ?? '');
    needy.set(mi.host.host.id, set);
  }
  hosts.forEach((h, index) => {
    const names = needy.get(h.id);
    if (!names || hostById.get(h.id)?.host !== h) return;
    add({
      code: 'UNDERLAY_ADDRESS_AUTO',
      severity: 'info',
      message: `Host "${h.name}" has underlay address "auto" but is a peer in ${[...names].map((n) => `"${n}"`).join(', ')}; its address will be read from the host at deploy time`,
      elementKind: 'host',
      elementId: h.id,
      path: hostPath(index, 'underlay.address'),
      hint: 'Enter the underlay address so offline plans (`vxlan-studio plan`) can name this peer.',
    });
  });
}
