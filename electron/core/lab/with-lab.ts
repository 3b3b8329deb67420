/**
 * `withLab`: the one way tests (and benchmarks) should use a lab. A random name keeps parallel runs
 * apart; teardown runs whatever happens inside `fn`.
 */
import { randomBytes } from 'node:crypto';
import { labDown, labUp, type LabOptions } from './lab';
import type { LabHostSpec } from './spec';
import type { LabManager, LabState } from './state';

/** A fresh random lab name with a readable tag, e.g. `t3f9a1c` (fits the 12-character limit). */
export function randomLabName(tag = 't'): string {
  const clean =
    tag
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 5) || 't';
  return `${clean}${randomBytes(4)
    .toString('hex')
    .slice(0, 12 - clean.length)}`;
}

export interface WithLabOptions extends LabOptions {
  hosts: number | readonly LabHostSpec[];
  /** Lab name; default a random one (recommended for tests). */
  name?: string;
  /** Prefix of the random name, to tell which test made a lab. */
  tag?: string;
  controllerSubnet?: string;
  /** Network manager every host runs (managers.ts); default 'none'. */
  manager?: LabManager;
}

/**
 * Brings a lab up, runs `fn(lab)`, and always tears the lab down afterwards: also when `fn` throws,
 * and when the process is interrupted (Ctrl+C or `kill` during a long benchmark), where the lab is
 * torn down before the process exits with 128 + the signal's number, as a shell reports it.
 */
export async function withLab<T>(options: WithLabOptions, fn: (lab: LabState) => Promise<T>): Promise<T> {
  const name = options.name ?? randomLabName(options.tag);
  const onSignal = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    void labDown(name, options).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { state } = await labUp(
      {
        name,
        hosts: options.hosts,
        ...(options.controllerSubnet ? { controllerSubnet: options.controllerSubnet } : {}),
        ...(options.manager ? { manager: options.manager } : {}),
      },
      options,
    );
    return await fn(state);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await labDown(name, options);
  }
}
