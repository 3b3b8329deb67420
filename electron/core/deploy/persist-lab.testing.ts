/**
 * Lab set-up the persistent-configuration tests share (persist.int.test.ts, confirm-persist.int.test.ts):
 * a lab whose hosts a network manager may configure, reached with the deploy's own SSH, brought up
 * and torn down the same way; the admin's own networkd file that a deploy must never touch; and a
 * machine id per host. Test code only.
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Topology } from '../../../shared/model';
import { labDown, labUp } from '../lab/lab';
import { removeLockFiles } from '../lab/lab-check';
import { hostRun, hostRunOk, hostShell } from '../lab/netns-exec';
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

/** How long `slowNetworkdReload` leaves a host without the addresses networkd re-applies (ms). */
export const NETWORKD_GAP_MS = 1_500;

/**
 * Makes `host`'s systemd-networkd re-apply its links late, the way a busy machine does. Networkd 252
 * reconfigures the links whose files a reload changed: it deletes their addresses and adds them
 * again (measured here, unloaded: the underlay's address back after 3.5 ms, its default route after
 * 20 ms, both before `networkctl reload` returned; on a loaded machine after it had returned). The
 * wrapper bound over networkctl, in that host's own mount namespace only, runs the real reload and
 * then opens that gap itself for NETWORKD_GAP_MS: every global address goes, and comes back with the
 * default route. With `failFirst` the first reload fails instead (exit 1, nothing reloaded), as a
 * manager that rejects a change does. Returns the undo: unbinds the wrapper (after the gap has closed).
 */
export async function slowNetworkdReload(
  lab: LabState,
  host: string,
  opts: { failFirst?: boolean } = {},
): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join('/var/tmp', 'vxs-slownetworkd-'));
  const bin = (await hostRunOk(lab, host, ['sh', '-c', 'command -v networkctl'])).trim();
  copyFileSync(bin, path.join(dir, 'networkctl.real'));
  chmodSync(path.join(dir, 'networkctl.real'), 0o755);
  const wrapper = path.join(dir, 'networkctl');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `[ "$1" = reload ] || exec ${dir}/networkctl.real "$@"`,
      ...(opts.failFirst === true ? [`[ -e ${dir}/failed ] || { touch ${dir}/failed; echo 'reload refused' >&2; exit 1; }`] : []),
      `${dir}/networkctl.real "$@"; rc=$?`,
      "a=$(ip -o addr show scope global | awk '{print $4, $2, $3}')",
      "gw=$(ip -4 route show default | awk '{print $3; exit}')",
      'printf "%s\\n" "$a" | while read -r cidr dev f; do ip addr del "$cidr" dev "$dev"; done',
      `touch ${dir}/opened`,
      "( trap '' HUP",
      `  sleep ${NETWORKD_GAP_MS / 1000}`,
      '  printf "%s\\n" "$a" | while read -r cidr dev f; do',
      '    if [ "$f" = inet ]; then ip addr add "$cidr" brd + dev "$dev"; else ip addr add "$cidr" dev "$dev" nodad; fi',
      '  done',
      '  [ -z "$gw" ] || ip route replace default via "$gw"',
      `  touch ${dir}/closed`,
      ') </dev/null >/dev/null 2>&1 &',
      'exit $rc',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  await hostRunOk(lab, host, ['mount', '--bind', wrapper, bin]);
  return async () => {
    await hostRun(lab, host, ['umount', bin]).catch(() => undefined);
    // A gap still open closes by itself; wait for it so the next test finds the host whole.
    for (let i = 0; i < 50 && !existsSync(path.join(dir, 'closed')) && existsSync(path.join(dir, 'opened')); i++)
      await new Promise((r) => setTimeout(r, 100));
    rmSync(dir, { recursive: true, force: true });
  };
}
