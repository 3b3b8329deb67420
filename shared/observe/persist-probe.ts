/**
 * Which network manager owns a host's underlay interface, from what the deploy's first round trip
 * reads (electron/core/deploy/persist.ts gathers it): the manager decides where the overlay's
 * persistent files go (shared/plan/persist). Only a manager that demonstrably configures the
 * underlay is trusted: files for a manager that does not run there would never be read at boot.
 */
import { parse as parseYaml } from 'yaml';
import type { PersistManager } from '../plan/persist/types';

/** A text file read on the host. */
export interface ProbedFile {
  path: string;
  text: string;
}

/** What the probe read, as raw texts; `detectManager` interprets them. */
export interface PersistProbe {
  /** A `systemd-networkd` process runs in the host's network namespace (not merely on the machine). */
  networkdRunning: boolean;
  /** networkd's per-link state files, `/run/systemd/netif/links/<ifindex>`, by ifindex. */
  networkdLinks: Record<string, string>;
  /** `/etc/netplan/*.yaml`. */
  netplan: ProbedFile[];
  /** `/etc/network/interfaces`, absent when there is none. */
  interfaces?: string;
  /** Files in `/etc/network/interfaces.d`. */
  interfacesD: ProbedFile[];
  /** Which package's `ifup` is installed: ifupdown2's is a Python program, classic ifupdown's a binary. */
  ifup?: 'ifupdown2' | 'ifupdown';
  /** `nmcli -t -f DEVICE,STATE device` when it answered (NetworkManager runs). */
  nmcli?: string;
  /** Commands found on the host among `networkctl`, `netplan`, `ifreload`, `ifup`, `nmcli`. */
  tools: string[];
}

export interface ManagerDetection {
  /** The manager that configures the underlay; absent when none can be trusted. */
  manager?: PersistManager;
  /** What showed it, one line each, for people (`systemd-networkd manages eth0 (/etc/systemd/network/10-eth0.network)`). */
  evidence: string[];
  /** Why a manager found configuring the underlay cannot take our files, or why none was found. */
  problems: string[];
  /** systemd-networkd: the `.network` file that configures the underlay (its state file's NETWORK_FILE). */
  networkFile?: string;
}

/** `KEY=value` lines of a networkd state file. */
function stateFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/**
 * networkd manages the link: its state file exists with an admin state other than `unmanaged` or
 * `linger` (a link that is gone), the states `networkctl` prints in its SETUP column.
 */
function networkdManages(probe: PersistProbe, ifindex: number | undefined): { file?: string } | undefined {
  if (!probe.networkdRunning || ifindex === undefined) return undefined;
  const text = probe.networkdLinks[String(ifindex)];
  if (text === undefined) return undefined;
  const f = stateFields(text);
  const admin = f.get('ADMIN_STATE');
  if (admin === undefined || admin === 'unmanaged' || admin === 'linger') return undefined;
  const file = f.get('NETWORK_FILE');
  return file === undefined || file === '' ? {} : { file };
}

/** NetworkManager reports the device `connected`; `connected (externally)` means NM only watches it. */
function nmConnected(probe: PersistProbe, ifname: string): boolean {
  if (probe.nmcli === undefined) return false;
  for (const line of probe.nmcli.split('\n')) {
    // `nmcli -t` escapes `:` in values with a backslash; device names cannot hold one anyway.
    const sep = line.lastIndexOf(':');
    if (sep > 0 && line.slice(0, sep) === ifname && line.slice(sep + 1).trim() === 'connected') return true;
  }
  return false;
}

type Renderer = 'networkd' | 'NetworkManager';

/** Netplan device sections (netplan(5) "Device types") that can name the underlay. */
const NETPLAN_SECTIONS = ['ethernets', 'bonds', 'bridges', 'vlans', 'wifis', 'vrfs', 'modems', 'dummy-devices'];

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * The netplan file that configures `ifname` and the renderer it uses (the device's own `renderer`,
 * else the file's `network.renderer`, else networkd, netplan(5)); a device matches by its id, its
 * `set-name` or a `match: name:` (globs as netplan reads them).
 */
function netplanFor(probe: PersistProbe, ifname: string): { path: string; renderer: Renderer } | undefined {
  let found: { path: string; renderer: Renderer } | undefined;
  // Files are read in name order, later definitions override earlier ones (netplan(5) "General structure").
  for (const file of [...probe.netplan].sort((a, b) => basename(a.path).localeCompare(basename(b.path)))) {
    let doc: unknown;
    try {
      doc = parseYaml(file.text);
    } catch {
      continue;
    }
    const network = record(record(doc)?.network);
    if (network === undefined) continue;
    const top = network.renderer === 'NetworkManager' ? 'NetworkManager' : 'networkd';
    for (const section of NETPLAN_SECTIONS) {
      for (const [id, raw] of Object.entries(record(network[section]) ?? {})) {
        const dev = record(raw) ?? {};
        const matchName = record(dev.match)?.name;
        const names = [id, dev['set-name'], matchName].filter((n): n is string => typeof n === 'string');
        if (!names.some((n) => globMatch(n, ifname))) continue;
        const own = dev.renderer === 'NetworkManager' ? 'NetworkManager' : dev.renderer === 'networkd' ? 'networkd' : top;
        found = { path: file.path, renderer: own };
      }
    }
  }
  return found;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Shell-style glob (`*`, `?`, `[...]`) as netplan's `match: name:` takes it. */
function globMatch(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === name;
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}

/** Logical lines of an interfaces(5) file: comments dropped, `\` continuations joined. */
function interfacesLines(text: string): string[][] {
  const out: string[][] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = pending + raw;
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    out.push(t.split(/\s+/));
  }
  return out;
}

/** An `iface <ifname> ...` stanza configures the interface (interfaces(5)). */
function ifaceStanza(text: string, ifname: string): boolean {
  return interfacesLines(text).some((w) => w[0] === 'iface' && w[1] === ifname);
}

/**
 * `/etc/network/interfaces` reads the files of `/etc/network/interfaces.d`: a `source` of a glob in
 * it or a `source-directory` of it (relative paths are relative to /etc/network, interfaces(5)).
 */
export function sourcesInterfacesD(text: string): boolean {
  const abs = (p: string): string => (p.startsWith('/') ? p : `/etc/network/${p}`).replace(/\/+$/, '');
  return interfacesLines(text).some(
    (w) =>
      (w[0] === 'source-directory' && w[1] !== undefined && abs(w[1]) === '/etc/network/interfaces.d') ||
      (w[0] === 'source' && w[1] !== undefined && /^\/etc\/network\/interfaces\.d\/[^/]*\*[^/]*$/.test(abs(w[1]))),
  );
}

/**
 * Which manager configures the underlay interface `ifname` (index `ifindex`), checked in the order
 * that decides who wins at boot: NetworkManager owning the device, then systemd-networkd managing
 * it (both possibly as netplan's renderer: netplan then owns the configuration), then an
 * interfaces(5) stanza read by ifupdown2 or classic ifupdown.
 *
 * @example
 * detectManager({ networkdRunning: true, networkdLinks: { '2': 'ADMIN_STATE=configured' }, ... }, 'eth0', 2).manager
 * // 'systemd-networkd'
 */
export function detectManager(probe: PersistProbe, ifname: string, ifindex: number | undefined): ManagerDetection {
  const evidence: string[] = [];
  const problems: string[] = [];
  const plan = netplanFor(probe, ifname);
  if (nmConnected(probe, ifname)) {
    evidence.push(`NetworkManager has ${ifname} connected`);
    if (plan?.renderer === 'NetworkManager') {
      evidence.push(`${plan.path} configures ${ifname} with the NetworkManager renderer`);
      return { manager: 'netplan', evidence, problems };
    }
    return { manager: 'networkmanager', evidence, problems };
  }
  const networkd = networkdManages(probe, ifindex);
  if (networkd !== undefined) {
    evidence.push(`systemd-networkd manages ${ifname}${networkd.file === undefined ? '' : ` (${networkd.file})`}`);
    const file = networkd.file === undefined ? {} : { networkFile: networkd.file };
    if (plan?.renderer === 'networkd') {
      evidence.push(`${plan.path} configures ${ifname} with the networkd renderer`);
      return { manager: 'netplan', evidence, problems, ...file };
    }
    return { manager: 'systemd-networkd', evidence, problems, ...file };
  }
  if (plan !== undefined)
    problems.push(
      `${plan.path} configures ${ifname} for ${plan.renderer}, which does not manage it now (${plan.renderer === 'networkd' ? 'systemd-networkd is not running or leaves it unmanaged' : 'NetworkManager does not have it connected'})`,
    );
  const stanza =
    probe.interfaces !== undefined && ifaceStanza(probe.interfaces, ifname)
      ? '/etc/network/interfaces'
      : probe.interfacesD.find((f) => ifaceStanza(f.text, ifname))?.path;
  if (stanza !== undefined) {
    evidence.push(`${stanza} has an iface stanza for ${ifname}`);
    if (probe.interfaces === undefined || !sourcesInterfacesD(probe.interfaces))
      problems.push('/etc/network/interfaces does not source interfaces.d (we never edit it)');
    else if (probe.ifup === undefined) problems.push(`${stanza} configures ${ifname} but no ifup is installed`);
    else {
      evidence.push(probe.ifup === 'ifupdown2' ? 'ifup is ifupdown2 (Python)' : 'ifup is classic ifupdown');
      return { manager: probe.ifup, evidence, problems };
    }
  }
  if (problems.length === 0) problems.push(`no network manager configures ${ifname}`);
  return { evidence, problems };
}

/**
 * Whether `manager` is there to read files at boot, for a manager named explicitly in the drawing
 * (not detected): its program runs or is installed, and for ifupdown its `interfaces` reads
 * interfaces.d. Returns why not, or undefined when it is there.
 */
export function managerMissing(probe: PersistProbe, manager: PersistManager): string | undefined {
  switch (manager) {
    case 'systemd-networkd':
      return probe.networkdRunning ? undefined : 'no systemd-networkd process runs on the host';
    case 'netplan':
      return probe.tools.includes('netplan') ? undefined : 'the netplan command is not installed';
    case 'networkmanager':
      return probe.nmcli !== undefined ? undefined : 'NetworkManager does not answer (`nmcli device` failed or is missing)';
    case 'ifupdown2':
    case 'ifupdown':
      if (probe.ifup !== manager)
        return probe.ifup === undefined ? 'no ifup is installed' : `the installed ifup is ${probe.ifup}, not ${manager}`;
      if (probe.interfaces === undefined || !sourcesInterfacesD(probe.interfaces))
        return '/etc/network/interfaces does not source interfaces.d (we never edit it)';
      return undefined;
  }
}
