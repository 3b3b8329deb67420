/**
 * Inputs shared by the commands that talk to hosts (apply, destroy, status, diagnose): the topology
 * file, failing as a UsageError (exit 2) that says what and where. The `--lab` option is in lab-option.ts.
 */
import { readFileSync } from 'node:fs';
import { formatIssues, parseTopologyText, type Topology } from '../../shared/model';
import { UsageError } from './args';

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
