/**
 * The CLI's dispatch: runs the command named first, and prints the command list for `--help`. Both
 * builds of the CLI run it (see scripts/build-cli.mjs): main.ts, the ES module entry of every
 * command, and quick.ts, the CommonJS entry of the commands that must start fast.
 */
import { COMMANDS } from './commands/index';
import { EXIT_BAD_INPUT, type CliIo } from './command';
import { UsageError } from './args';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    'VXLAN Studio: design, deploy and troubleshoot VXLAN overlays.',
    '',
    'Usage: vxlan-studio <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `vxlan-studio <command> --help` for a command's options.",
    'Exit codes: 0 ok, 1 failure or error findings, 2 bad input (file, field or argument).',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? EXIT_BAD_INPUT : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`vxlan-studio: unknown command "${name}"\n\n${help()}`);
    return EXIT_BAD_INPUT;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vxlan-studio ${name}: ${err.message}\n\n${command.usage}`);
      return EXIT_BAD_INPUT;
    }
    io.err(`vxlan-studio ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
