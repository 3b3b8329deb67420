/**
 * The CommonJS entry of the built CLI for the commands a user waits on most: the command list
 * (`--help`, `-h`, `help`, no command) and `validate`. bin/vxlan-studio.cjs runs this build for
 * those and the ES module build (main.ts) for every other command: CommonJS skips Node's ES module
 * loader, and this bundle holds no other command's code (scripts/build-cli.mjs, QUICK_COMMANDS).
 */
import { writeSync } from 'node:fs';
import { type CliIo } from './command';
import { runCli } from './run';

/**
 * Writes `text` (plus a newline when it has none) to `fd` with a system call, not through
 * process.stdout or process.stderr: the first touch of either builds a stream, for a pipe a
 * net.Socket with the modules behind it, which cost `validate` a quarter of its time above Node's
 * own start. When the descriptor does not take it all at once (a non-blocking pipe that is full) or
 * fails (a closed pipe), the rest goes through the stream, which queues it or reports the error as
 * before. Only this CLI writes to stdout and stderr in these commands, so nothing overtakes the stream.
 */
export function directWriter(fd: number, stream: () => NodeJS.WritableStream): (text: string) => void {
  let direct = true;
  return (text) => {
    const bytes = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
    let done = 0;
    if (direct) {
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
        return;
      } catch {
        direct = false;
      }
    }
    stream().write(bytes.subarray(done));
  };
}

const io: CliIo = {
  out: directWriter(1, () => process.stdout),
  err: directWriter(2, () => process.stderr),
  cwd: process.cwd(),
};

/** Runs the CLI on `argv` (the arguments after the script); resolves with the exit code. */
export function quickCli(argv: readonly string[]): Promise<number> {
  return runCli(argv, io);
}
