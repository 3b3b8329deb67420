/**
 * `renderPersist`: the one entry point from a host's desired state to its network manager's files.
 */
import type { DesiredHostState } from '../types';
import { persistDiag, unsafeNames } from './common';
import { renderIfupdown, renderIfupdown2 } from './ifupdown';
import { renderNetplan } from './netplan';
import { renderNetworkd } from './networkd';
import { renderNetworkManager } from './networkmanager';
import type { PersistManager, PersistRender, PersistRenderOptions } from './types';

/**
 * The files that make `desired` survive a reboot under `manager`, the commands that make the
 * manager pick them up, and what it cannot express. Pure: same input, same bytes.
 *
 * @example
 * renderPersist(desiredHostState(t, 'host-a'), 'systemd-networkd').files.map((f) => f.path)
 * // ['/etc/systemd/network/60-vxlan-studio-br-overlay.netdev', ..., '/etc/systemd/network/60-vxlan-studio-vxlan100.link']
 */
export function renderPersist(
  desired: DesiredHostState,
  manager: PersistManager,
  options: PersistRenderOptions = {},
): PersistRender {
  const unsafe = unsafeNames(desired);
  if (unsafe.length > 0) {
    return {
      manager,
      files: [],
      reload: [],
      diagnostics: [
        persistDiag(
          'PERSIST_NAME_UNSAFE',
          'error',
          desired,
          `${unsafe.map((n) => JSON.stringify(n)).join(', ')} cannot be written into ${manager} files as ${unsafe.length === 1 ? 'it is' : 'they are'}`,
          'Rename the interface to letters, digits and "_", ".", "@", "+", "-", or set persist to "none" for this host.',
        ),
      ],
    };
  }
  switch (manager) {
    case 'systemd-networkd':
      return renderNetworkd(desired, options);
    case 'netplan':
      return renderNetplan(desired);
    case 'ifupdown2':
      return renderIfupdown2(desired);
    case 'ifupdown':
      return renderIfupdown(desired);
    case 'networkmanager':
      return renderNetworkManager(desired);
  }
}
