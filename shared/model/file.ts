/**
 * Reading and writing `*.vxlan.json` files: JSON syntax, format version, migrations, schema.
 *
 * Every failure says what and where: a JSON syntax error gives line and column, a schema error gives
 * the field path (e.g. `segments[0].vni`).
 */
import type * as z from 'zod/mini';
import { CURRENT_FORMAT, TopologySchema, type Topology } from './topology';

/** One problem found while reading a file, pinned to a field path like `hosts[1].ssh.port`. */
export interface FileIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; topology: Topology; migratedFrom?: number } | { ok: false; issues: FileIssue[] };

/** Formats a zod/JSON path as `segments[0].vni`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(file)' : out;
}

/** Line and column (1-based) of a character offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

/**
 * Offset of the first JSON syntax error in `text`, found with a small scanner because engines
 * differ in whether `JSON.parse` reports a position at all.
 */
export function findJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  class SyntaxAt extends Error {
    constructor(readonly at: number) {
      super(`JSON syntax error at ${at}`);
    }
  }
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else if (c < ' ') fail();
      else i++;
    }
    fail();
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    else i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    return at instanceof SyntaxAt ? Math.min(at.at, text.length) : undefined;
  }
}

/**
 * Migrations from older format versions, keyed by the version they upgrade FROM. Each takes the raw
 * JSON object of version N and returns version N+1.
 */
export const MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {
  /**
   * 1 -> 2: hosts gain `persist`. A format-1 drawing was deployed runtime-only, but the point of the
   * new field is that overlays survive reboots, so hosts start at "auto" (detect the host's network
   * manager); an admin who wants the old behaviour picks "none". Anything that is not a list of host
   * objects is left for the schema to report with its path.
   */
  1: (raw) => {
    const hosts = raw['hosts'];
    if (!Array.isArray(hosts)) return raw;
    return {
      ...raw,
      hosts: hosts.map((h: unknown) =>
        typeof h === 'object' && h !== null && !Array.isArray(h) && !('persist' in h) ? { ...h, persist: 'auto' } : h,
      ),
    };
  },
};

/** Upgrades a raw object to CURRENT_FORMAT, or says why it can't. */
export function migrate(raw: unknown): { ok: true; value: unknown; from?: number } | { ok: false; issues: FileIssue[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '(file)', message: 'must be a JSON object describing a topology' }] };
  }
  let obj = raw as Record<string, unknown>;
  const format = obj['format'];
  if (format === undefined) {
    return {
      ok: false,
      issues: [{ path: 'format', message: `is missing: a VXLAN Studio topology file has "format": ${CURRENT_FORMAT}` }],
    };
  }
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 1) {
    return {
      ok: false,
      issues: [{ path: 'format', message: `must be a whole number format version (this build writes ${CURRENT_FORMAT})` }],
    };
  }
  if (format > CURRENT_FORMAT) {
    return {
      ok: false,
      issues: [
        { path: 'format', message: `is ${format}, made by a newer VXLAN Studio; this build reads up to ${CURRENT_FORMAT}` },
      ],
    };
  }
  let version = format;
  while (version < CURRENT_FORMAT) {
    const step = MIGRATIONS[version];
    if (!step) return { ok: false, issues: [{ path: 'format', message: `no migration from format ${version}` }] };
    obj = { ...step(obj), format: version + 1 };
    version += 1;
  }
  return format === CURRENT_FORMAT ? { ok: true, value: obj } : { ok: true, value: obj, from: format };
}

/** Turns zod issues into FileIssues with readable paths. */
export function zodIssues(error: z.core.$ZodError): FileIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Parses an already-decoded JSON value as a topology (after migration). */
export function parseTopologyValue(raw: unknown): ParseResult {
  const migrated = migrate(raw);
  if (!migrated.ok) return migrated;
  const parsed = TopologySchema.safeParse(migrated.value);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  return migrated.from === undefined
    ? { ok: true, topology: parsed.data }
    : { ok: true, topology: parsed.data, migratedFrom: migrated.from };
}

/**
 * Parses the text of a `*.vxlan.json` file.
 *
 * @example
 * const r = parseTopologyText('{"format":2,"id":"x","name":"X","segments":[{"id":"s","name":"s","vni":0}]}');
 * // r.ok === false; r.issues[0] -> { path: 'segments[0].vni', message: 'must be 1-16777215' }
 */
export function parseTopologyText(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = findJsonErrorOffset(text);
    if (offset !== undefined) {
      const { line, column } = lineColumn(text, offset);
      return { ok: false, issues: [{ path: `(file) line ${line}, column ${column}`, message: `is not valid JSON: ${message}` }] };
    }
    return { ok: false, issues: [{ path: '(file)', message: `is not valid JSON: ${message}` }] };
  }
  return parseTopologyValue(raw);
}

/**
 * Canonical text of a topology: 2-space JSON in schema key order with a trailing newline, so that
 * open -> save gives the same bytes and diffs in git stay small.
 */
export function serializeTopology(topology: Topology): string {
  const canonical = TopologySchema.parse(topology);
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/** One-line summary of issues for CLIs and notices: `segments[0].vni: must be 1-16777215`. */
export function formatIssues(issues: readonly FileIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
