/**
 * Inputs shared by the commands that talk to hosts (apply, destroy, status, diagnose): the topology
 * file, failing as a UsageError (exit 2) that says what and where. The `--lab` option is in lab-option.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatIssues, parseTopologyText, type Topology } from '../../shared/model';
import { intArg, stringFlag, UsageError, type ParsedArgs } from './args';

/** Reads and parses a topology file; an unreadable or invalid file names the file and each field. */
export function readTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const parsed = parseTopologyText(text);
  if (!parsed.ok) throw new UsageError(`${file} is not a valid topology:\n${formatIssues(parsed.issues)}`);
  return parsed.topology;
}

/** The one positional argument of a command on a drawing (apply, destroy, status, confirm, revert, diagnose), read and parsed. */
export function topologyArgument(args: ParsedArgs, cwd: string): Topology {
  if (args.positionals.length !== 1)
    throw new UsageError(
      args.positionals.length === 0 ? 'missing the topology file' : `unexpected argument "${args.positionals[1] ?? ''}"`,
    );
  return readTopologyFile(path.resolve(cwd, args.positionals[0] as string));
}

/** `--concurrency N` (1-256), or undefined when not given (the runner's default). */
export function concurrencyOption(args: ParsedArgs): number | undefined {
  const text = stringFlag(args, 'concurrency');
  return text === undefined ? undefined : intArg(text, '--concurrency', 1, 256);
}
