import type { Command } from '../command';
import { serveCommand } from './serve';
import { labCommand } from './lab';
import { planCommand } from './plan';
import { validateCommand } from './validate';
import { applyCommand } from './apply';
import { destroyCommand } from './destroy';
import { statusCommand } from './status';
import { demoCommand } from './demo';
import { diagnoseCommand } from './diagnose';

/**
 * Every subcommand, in `--help` order. Each lives in its own module under commands/; add one line
 * here to register it.
 */
export const COMMANDS: Command[] = [
  serveCommand,
  labCommand,
  validateCommand,
  planCommand,
  applyCommand,
  destroyCommand,
  statusCommand,
  demoCommand,
  diagnoseCommand,
];
