/**
 * Persistent configuration: the same desired state as the runtime plan (`DesiredHostState`),
 * rendered as the files of the network manager that owns the host's underlay, so the overlay
 * comes back after a reboot. Rendering is pure (no host access); deploying, reading back and
 * removing the files is the deploy runner's job.
 */
import type { Diagnostic } from '../../validate/diagnostic';

import { PERSIST_MANAGERS } from '../../model/topology';

/**
 * Managers we can write files for. `none` = runtime only (the overlay is lost at reboot). The list
 * lives with the file format (a host's `persist` field), re-exported here for the plan side.
 */
export { PERSIST_MANAGERS };
export type PersistManager = (typeof PERSIST_MANAGERS)[number];

/** The per-host setting in the file: a manager, `auto` (detect on the host) or `none`. */
export type PersistSetting = 'auto' | 'none' | PersistManager;

/** One file we own on the host. */
export interface PersistFile {
  /** Absolute path in the manager's drop-in place, e.g. `/etc/systemd/network/60-vxlan-studio-vxlan100.netdev`. */
  path: string;
  /** Whole content; its first line(s) carry our mark in a comment (`PERSIST_MARK_PREFIX`). */
  content: string;
  /** File mode, e.g. 0o644 (NetworkManager keyfiles and netplan yaml need 0o600). */
  mode: number;
  /** What the file is for, one line for people (`vxlan100: VXLAN device (VNI 100)`). */
  description: string;
}

/** The files for one host and one manager, plus what the manager cannot express. */
export interface PersistRender {
  manager: PersistManager;
  files: PersistFile[];
  /**
   * Commands the manager needs after the files change, as argv (e.g. `networkctl reload`,
   * `netplan generate`, `ifreload -a`); run after the files are in place.
   */
  reload: string[][];
  /** What this manager cannot express and how it is covered (a marked boot-time hook...), or what is lost. */
  diagnostics: Diagnostic[];
}

/** First characters of the comment line that marks a file as ours; followed by the drawing's owner mark. */
export const PERSIST_MARK_PREFIX = '# Written by VXLAN Studio';

/** What a renderer may be told about the host beyond the desired state (all optional). */
export interface PersistRenderOptions {
  /**
   * systemd-networkd: the `.network` file that configures the underlay interface, as the host
   * reports it (`networkctl status eth0`, "Network File:"). With it, a drop-in of ours next to it
   * binds the VXLAN devices to the underlay (`VXLAN=`); without it they are `Independent=yes`.
   */
  underlayNetworkFile?: string;
}
