import type { Command } from '../command';

/**
 * Every subcommand, in `--help` order. Each lives in its own module under commands/; add one line
 * here to register it.
 */
export const COMMANDS: Command[] = [];
