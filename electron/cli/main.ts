/**
 * `vxlan-studio` headless CLI entry. Dispatches to commands/*; every error becomes a clear message
 * and an exit code (2 for bad input), never a stack trace.
 */
import { type CliIo } from './command';
import { runCli } from './run';

const io: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  cwd: process.cwd(),
};

process.exitCode = await runCli(process.argv.slice(2), io);
