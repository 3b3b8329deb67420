/** A CLI subcommand. `run` returns the process exit code (0 ok, 1 findings/failure, 2 bad input). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export interface Command {
  name: string;
  /** One line for `vxlan-studio --help`. */
  summary: string;
  /** Full usage text for `vxlan-studio <name> --help`. */
  usage: string;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/** Documented exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
