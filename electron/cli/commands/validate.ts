/**
 * `vxlan-studio validate <file...> [--json]`: reads topology files and reports every problem with
 * its field path, so a file can be checked in CI or before `plan`/`apply` without the app.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { parseTopologyText } from '../../../shared/model';
import { fileIssuesToDiagnostics, hintFor, validateTopology, VALIDATION_RULES, type Diagnostic } from '../../../shared/validate';
import { parseArgs, UsageError } from '../args';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIo, type Command } from '../command';

const USAGE = `Usage: vxlan-studio validate <file...> [--json]

Checks each *.vxlan.json file: JSON syntax, format version, every field, and the cross-field rules
(duplicate VNIs/addresses/names, address in subnet, MTU versus underlay, flood mode member counts...).

Prints one line per finding:  <file>: <field path>: <severity>: <message> (<CODE>)
followed by a hint line and a summary.

Options:
  --json   print one JSON object: { ok, files: [{ file, ok, diagnostics }], summary }

Exit codes: 0 no errors (warnings and notes may be printed), 2 a file is missing, unreadable,
malformed or has errors.`;

/** The outcome for one file. */
export interface FileReport {
  file: string;
  /** True when the file was read, parsed and has no error diagnostics. */
  ok: boolean;
  diagnostics: Diagnostic[];
}

function readFailure(file: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return {
      code: 'FILE_NOT_FOUND',
      severity: 'error',
      message: 'the file does not exist',
      elementKind: 'topology',
      path: '(file)',
      hint: `Check the path "${file}".`,
    };
  }
  const reason =
    code === 'EISDIR'
      ? 'it is a directory'
      : code === 'EACCES'
        ? 'permission denied'
        : err instanceof Error
          ? err.message
          : String(err);
  return {
    code: 'FILE_READ_FAILED',
    severity: 'error',
    message: `the file could not be read: ${reason}`,
    elementKind: 'topology',
    path: '(file)',
    hint: 'Give the path of a readable *.vxlan.json file.',
  };
}

/**
 * Reads, parses and validates one file; never throws. The read is synchronous: the command checks
 * one file after another anyway, and node:fs/promises would load a dozen more of Node's own modules
 * (its file handles bring streams and readline) at every start.
 */
export function validateFile(file: string, cwd: string): FileReport {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    return { file, ok: false, diagnostics: [readFailure(file, err)] };
  }
  const parsed = parseTopologyText(text);
  if (!parsed.ok) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    return { file, ok: false, diagnostics: fileIssuesToDiagnostics(parsed.issues, raw) };
  }
  // The file just passed the schema, so only the cross-field rules remain.
  const diagnostics = validateTopology(parsed.topology, { schema: false });
  if (parsed.migratedFrom !== undefined) {
    diagnostics.push({
      code: 'FORMAT_MIGRATED',
      severity: VALIDATION_RULES.FORMAT_MIGRATED.severity,
      message: `written in format ${parsed.migratedFrom} and upgraded to the current format on reading`,
      elementKind: 'topology',
      path: 'format',
      hint: hintFor('FORMAT_MIGRATED'),
    });
  }
  return { file, ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics };
}

function count(reports: readonly FileReport[], severity: Diagnostic['severity']): number {
  return reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === severity).length, 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Human-readable report: one line per finding plus its hint, then a summary. */
export function formatReports(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.diagnostics.length === 0) lines.push(`${r.file}: ok`);
    for (const d of r.diagnostics) {
      const severity = d.severity === 'info' ? 'note' : d.severity;
      lines.push(`${r.file}: ${d.path}: ${severity}: ${d.message} (${d.code})`);
      if (d.hint) lines.push(`    hint: ${d.hint}`);
    }
  }
  const errors = count(reports, 'error');
  const invalid = reports.filter((r) => !r.ok).length;
  lines.push(
    `${plural(reports.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(count(reports, 'warning'), 'warning')}, ` +
      `${plural(count(reports, 'info'), 'note')}${invalid > 0 ? `; ${invalid} of ${reports.length} not valid` : ''}`,
  );
  return lines.join('\n');
}

/** The command's work, all synchronous (see validateFile); throws a UsageError on bad arguments. */
function validateFiles(argv: readonly string[], io: CliIo): number {
  // zod's fast path compiles a parser for each object schema (new Function) on its first parse.
  // A CLI run parses each file once, so that compile costs more than it saves: without it the
  // parse takes half the time. The setting is the process's, and this process ends with the command.
  z.config({ jitless: true });
  const args = parseArgs(argv, { json: 'boolean' });
  if (args.positionals.length === 0) throw new UsageError('give at least one topology file, e.g. examples/textbook.vxlan.json');
  const reports: FileReport[] = [];
  for (const file of args.positionals) reports.push(validateFile(file, io.cwd));
  const ok = reports.every((r) => r.ok);
  if (args.flags.get('json') === true) {
    const summary = {
      files: reports.length,
      invalid: reports.filter((r) => !r.ok).length,
      errors: count(reports, 'error'),
      warnings: count(reports, 'warning'),
      infos: count(reports, 'info'),
    };
    io.out(JSON.stringify({ ok, files: reports, summary }, null, 2));
  } else {
    io.out(formatReports(reports));
  }
  return ok ? EXIT_OK : EXIT_BAD_INPUT;
}

export const validateCommand: Command = {
  name: 'validate',
  usage: USAGE,
  // A throw inside the executor rejects the promise, as from an async function.
  run: (argv, io) => new Promise((done) => done(validateFiles(argv, io))),
};
