/**
 * The `--lab NAME` option of the commands that talk to hosts (apply, destroy, status, diagnose): the
 * lab's front door in those commands. It turns the named lab into the SSH options that reach it, so
 * the commands themselves take a connector and known_hosts files and never import the lab.
 */
import type { SshReachOptions } from '../core/deploy/ssh-setup';
import { getLab, labSshOptions, type LabState } from '../core/lab/index';
import { UsageError } from './args';

/** The SSH options reaching the lab named by `--lab` (none without it); a lab that is not up is a UsageError. */
export async function loadLabOption(name: string | undefined): Promise<SshReachOptions> {
  if (name === undefined) return {};
  let lab: LabState;
  try {
    lab = await getLab(name);
  } catch (err) {
    throw new UsageError(`--lab ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return labSshOptions(lab);
}
