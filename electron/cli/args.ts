/**
 * Tiny argv parser for the CLI: positionals plus `--flag`, `--key value`, `--key=value` and the
 * one-letter options a spec names (`-F value`).
 * Unknown flags are errors (exit 2) so a typo never silently changes what runs.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true | string[]>;
}

/**
 * @param spec flag name -> 'boolean' | 'string' | 'list' (a value flag that may be given more than
 *   once, e.g. `--ssh a --ssh b`; read with `listFlag`)
 */
export function parseArgs(argv: readonly string[], spec: Record<string, 'boolean' | 'string' | 'list'>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A one-letter option the spec names (`-F FILE`, as ssh spells it) reads like its long form.
    const short = /^-[A-Za-z]$/.test(arg) && spec[arg.slice(1)] !== undefined;
    if (!arg.startsWith('--') && !short) {
      positionals.push(arg);
      continue;
    }
    const eq = short ? -1 : arg.indexOf('=');
    const name = short ? arg.slice(1) : eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      flags.set(name, true);
    } else {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') throw new UsageError(`option --${name} needs a value`);
      const before = flags.get(name);
      flags.set(name, kind === 'list' ? [...(Array.isArray(before) ? before : []), value] : value);
    }
  }
  return { positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a 'list' flag, in the order given (empty when it was not given). */
export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? [...v] : [];
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

/**
 * A whole number argument in `min`-`max` (at most as many digits as `max`), else a UsageError naming
 * it, e.g. `--port must be a number 0-65535, got "x"`. `what` is the flag or argument as typed.
 */
export function intArg(text: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || text.length > String(max).length || Number(text) < min || Number(text) > max)
    throw new UsageError(`${what} must be a number ${min}-${max}, got "${text}"`);
  return Number(text);
}
