/**
 * Single-field problems, as the zod schema reports them: on a drawing being edited (the schema pass of
 * `validateTopology`) and in a file that could not be read (`fileIssuesToDiagnostics`).
 */
import { TopologySchema, formatPath, type FileIssue, type Topology } from '../model';
import type { ValidationCode } from './codes';
import type { Diagnostic, ElementKind } from './diagnostic';
import { finding, type Finding } from './report';
import { hintFor, VALIDATION_RULES } from './rules';

/** Kind and id of the element a field path such as `memberships[2].address` belongs to. */
export function elementAt(topology: unknown, path: ReadonlyArray<PropertyKey>): { elementKind: ElementKind; elementId?: string } {
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

export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** ` (got 0)` for a short primitive value, so the message names the value at fault. */
export function shownValue(value: unknown): string {
  return (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') && String(value).length <= 40
    ? ` (got ${JSON.stringify(value)})`
    : '';
}

const SCHEMA_CODE_LIST = [
  'FIELD_INVALID',
  'ID_INVALID',
  'VNI_INVALID',
  'PORT_INVALID',
  'MTU_INVALID',
  'IFNAME_INVALID',
  'IFNAME_TOO_LONG',
] as const satisfies readonly ValidationCode[];

/** The codes of single-field problems the zod schema finds. */
export type SchemaCode = (typeof SCHEMA_CODE_LIST)[number];

export const SCHEMA_CODES: ReadonlySet<ValidationCode> = new Set<ValidationCode>(SCHEMA_CODE_LIST);

const IFNAME_FIELDS = new Set(['device', 'bridge', 'bridges', 'bridgePorts', 'interface']);

/** Maps one zod issue to a stable code by the field it is about. */
export function schemaCode(path: ReadonlyArray<PropertyKey>, message: string): SchemaCode {
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
export function schemaFindings(topology: Topology): { findings: Finding[]; refused: Set<string> } {
  const parsed = TopologySchema.safeParse(topology);
  const refused = new Set<string>();
  if (parsed.success) return { findings: [], refused };
  const findings = parsed.error.issues.map((issue) => {
    const [list, index, key] = issue.path;
    if (typeof list === 'string' && typeof index === 'number' && typeof key === 'string') refused.add(`${list}[${index}].${key}`);
    const shown = shownValue(valueAt(topology, issue.path));
    const field = issue.path.filter((k) => typeof k === 'string').pop();
    return finding(
      schemaCode(issue.path, issue.message),
      elementAt(topology, issue.path),
      formatPath(issue.path),
      `${field === undefined ? 'The file' : String(field)} ${issue.message}${shown}`,
      { from: 'drawing' },
    );
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
        severity: VALIDATION_RULES.JSON_INVALID.severity,
        message: issue.message,
        elementKind: 'topology',
        path: issue.path,
        hint: hintFor('JSON_INVALID'),
      };
    }
    if (issue.path === 'format') {
      return {
        code: 'FORMAT_UNSUPPORTED',
        severity: VALIDATION_RULES.FORMAT_UNSUPPORTED.severity,
        message: issue.message,
        elementKind: 'topology',
        path: issue.path,
        hint: hintFor('FORMAT_UNSUPPORTED'),
      };
    }
    const keys = splitPath(issue.path);
    const code = schemaCode(keys, issue.message);
    return {
      code,
      severity: VALIDATION_RULES[code].severity,
      message: `${issue.message}${shownValue(valueAt(raw, keys))}`,
      ...elementAt(raw, keys),
      path: issue.path,
      hint: hintFor(code, { from: 'file' }),
    };
  });
}
