/**
 * Lab set-up the persistent-configuration tests share (persist.int.test.ts, confirm-persist.int.test.ts):
 * a lab whose hosts a network manager may configure, reached with the deploy's own SSH, brought up
 * and torn down the same way; the admin's own networkd file that a deploy must never touch; and a
 * machine id per host. Test code only.
 */
import type { Topology } from '../../../shared/model';
import { labDown, labUp } from '../lab/lab';
import { removeLockFiles } from '../lab/lab-check';
import { hostShell } from '../lab/netns-exec';
import type { LabSpec } from '../lab/spec';
import { labSshOptions } from '../lab/ssh-options';
import type { LabState } from '../lab/state';
import { labTopology } from '../lab/topology';
import { createDeploySsh, type DeploySsh } from './ssh-setup';

export const NETWORKD_DIR = '/etc/systemd/network';

/** A networkd file of the admin's own in the drop-in directory: never ours to touch. */
export const ADMIN_NETDEV = `${NETWORKD_DIR}/70-admin-dummy.netdev`;
export const ADMIN_NETDEV_TEXT = '[NetDev]\nName=admin0\nKind=dummy\n';

export interface PersistLab {
  lab: LabState;
  topology: Topology;
  ssh: DeploySsh;
}

/** Brings the lab up (or reuses it) with its default drawing and the deploy's SSH to its hosts. */
export async function persistLabUp(spec: LabSpec): Promise<PersistLab> {
  const lab = (await labUp(spec)).state;
  return { lab, topology: labTopology(lab), ssh: createDeploySsh(labSshOptions(lab)) };
}

/**
 * Closes the SSH, takes the lab down and removes the deploy lock files of `topologyIds`; each part
 * may be missing when the set-up failed half-way.
 */
export async function persistLabDown(name: string, ssh: DeploySsh | undefined, topologyIds: readonly string[]): Promise<void> {
  await ssh?.close();
  await labDown(name);
  await removeLockFiles(topologyIds);
}

/** Writes the admin's file (ADMIN_NETDEV) on every host. */
export async function writeAdminNetdev(lab: LabState): Promise<void> {
  for (const h of lab.hosts) await hostShell(lab, h.name, 'printf "%s" "$1" > "$2"', [ADMIN_NETDEV_TEXT, ADMIN_NETDEV]);
}

/**
 * Real hosts each have their own machine id, from which networkd derives the MAC addresses of the
 * devices it makes; lab hosts share this machine's, so two bridges would get one MAC.
 */
export async function ownMachineIds(lab: LabState): Promise<void> {
  for (const h of lab.hosts) await hostShell(lab, h.name, 'od -An -N16 -tx1 /dev/urandom | tr -d " \\n" > /etc/machine-id');
}
