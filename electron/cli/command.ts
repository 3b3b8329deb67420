/** A CLI subcommand. `run` returns the process exit code (0 ok, 1 findings/failure, 2 bad input). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export interface Command {
  name: string;
  /** Full usage text for `vxlan-studio <name> --help`. */
  usage: string;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/**
 * A subcommand as `vxlan-studio --help` lists it. The command itself is loaded only when it runs,
 * so `--help` and a quick `validate` do not pay for SSH, the web server and the lab.
 */
export interface CommandEntry {
  name: string;
  /** One line for `vxlan-studio --help`. */
  summary: string;
  load: () => Promise<Command>;
}

/** Documented exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
