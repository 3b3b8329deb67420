/**
 * Checks every lab entry point makes before touching the kernel: root, and the tools it runs.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An error the lab reports to the user as is (no stack trace): what is wrong and how to fix it. */
export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

export const NOT_ROOT_MESSAGE = 'the lab needs root: run with sudo (e.g. `sudo npm run lab -- up 3`)';

/** True when this process can create network namespaces (effective uid 0). */
export function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

/** Throws `LabError(NOT_ROOT_MESSAGE)` unless running as root. */
export function assertRoot(): void {
  if (!isRoot()) throw new LabError(NOT_ROOT_MESSAGE);
}

/** A tool the lab runs and the Debian package that provides it. */
export interface RequiredTool {
  name: string;
  debianPackage: string;
  /** Why the lab needs it, for the error message. */
  purpose: string;
}

export const LAB_TOOLS: readonly RequiredTool[] = [
  { name: 'ip', debianPackage: 'iproute2', purpose: 'network namespaces, veths, bridges, routes' },
  { name: 'bridge', debianPackage: 'iproute2', purpose: 'reading FDB entries' },
  { name: 'nft', debianPackage: 'nftables', purpose: 'firewall faults' },
  { name: 'sshd', debianPackage: 'openssh-server', purpose: 'one SSH server per lab host' },
  { name: 'ssh-keygen', debianPackage: 'openssh-client', purpose: 'lab host and client keys' },
  { name: 'unshare', debianPackage: 'util-linux', purpose: 'a hostname and a mount namespace per lab host' },
  { name: 'nsenter', debianPackage: 'util-linux', purpose: "running commands in a lab host's own namespaces" },
  { name: 'mount', debianPackage: 'mount', purpose: "each lab host's private /etc, /var/lib and /run" },
  { name: 'openssl', debianPackage: 'openssl', purpose: "the lab users' password hashes" },
];

/** sbin directories are searched too: `sudo` usually adds them, a plain root shell may not. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable named `name`, searching PATH and the sbin directories, or undefined. */
export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...path.split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Resolved absolute paths of the lab's tools, keyed by tool name. */
export type ToolPaths = Record<string, string>;

/**
 * Finds every tool in `tools` or throws one `LabError` naming each missing tool and the Debian
 * package to install.
 */
export function assertTools(tools: readonly RequiredTool[] = LAB_TOOLS): ToolPaths {
  const found: ToolPaths = {};
  const missing: RequiredTool[] = [];
  for (const tool of tools) {
    const path = findExecutable(tool.name);
    if (path) found[tool.name] = path;
    else missing.push(tool);
  }
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((t) => t.debianPackage))].join(' ');
    const lines = missing.map((t) => `  ${t.name} (Debian package ${t.debianPackage}): needed for ${t.purpose}`);
    throw new LabError(
      `the lab needs tools that are not installed:\n${lines.join('\n')}\ninstall them with: apt-get install ${packages}`,
    );
  }
  return found;
}

/** Root and tools in one call: what every lab entry point runs first. */
export function preflight(tools: readonly RequiredTool[] = LAB_TOOLS): ToolPaths {
  assertRoot();
  return assertTools(tools);
}
