/**
 * Running commands inside lab namespaces: on a host (apply a plan script, read state back), in the
 * controller namespace (client-side code that must reach only the lab), and SSH from the controller
 * to a host with the lab's keys.
 */
import { run, runOk, type RunOptions, type RunResult } from './exec';
import { hostNsArgv, requireHolder } from './host-ns';
import { labHost } from './lab';
import { findExecutable } from './preflight';
import type { LabState } from './state';

let ipPath: string | undefined;
function ip(): string {
  ipPath ??= findExecutable('ip') ?? 'ip';
  return ipPath;
}

/** argv that runs `argv` inside network namespace `namespace`: `ip netns exec <ns> ...argv`. */
export function nsArgv(namespace: string, argv: readonly string[]): string[] {
  return [ip(), 'netns', 'exec', namespace, ...argv];
}

/** Runs argv inside a namespace; resolves with exit status and output (never rejects on a non-zero exit). */
export function nsRun(namespace: string, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = nsArgv(namespace, argv);
  return run(file as string, args, options);
}

/** Runs argv inside a namespace; rejects with the command and its stderr unless it exits 0. Resolves with stdout. */
export function nsRunOk(namespace: string, argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const [file, ...args] = nsArgv(namespace, argv);
  return runOk(file as string, args, options);
}

/**
 * Runs a shell script inside a namespace (`ip netns exec <ns> sh -c <script>`), the way a plan's
 * host script runs on a real host. Extra `args` arrive as "$1"...
 */
export function nsShell(
  namespace: string,
  script: string,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  return nsRun(namespace, ['/bin/sh', '-c', script, 'sh', ...args], options);
}

/**
 * argv that runs `argv` ON a lab host: in its network namespace AND its private mount and UTS
 * namespaces (host-ns.ts), so it sees the host's own /etc, /var/lib and /run and hostname, as an
 * SSH session there does. `nsRun` only enters the network namespace and sees the machine's files:
 * use it for `ip` and `nft`, this for anything that reads or writes files on the host.
 */
export async function hostArgv(state: LabState, hostName: string, argv: readonly string[]): Promise<string[]> {
  const pid = await requireHolder(labHost(state, hostName));
  return hostNsArgv({ nsenter: findExecutable('nsenter') ?? 'nsenter' }, pid, argv);
}

/** Runs argv on a lab host (`hostArgv`); resolves with exit status and output (never rejects on a non-zero exit). */
export async function hostRun(
  state: LabState,
  hostName: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const [file, ...args] = await hostArgv(state, hostName, argv);
  return run(file as string, args, options);
}

/** Runs argv on a lab host (`hostArgv`); rejects unless it exits 0. Resolves with stdout. */
export async function hostRunOk(
  state: LabState,
  hostName: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const [file, ...args] = await hostArgv(state, hostName, argv);
  return runOk(file as string, args, options);
}

/** Runs a shell script on a lab host (`hostArgv` + `sh -c`); extra `args` arrive as "$1"... */
export function hostShell(
  state: LabState,
  hostName: string,
  script: string,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  return hostRun(state, hostName, ['/bin/sh', '-c', script, 'sh', ...args], options);
}

/** argv that runs `argv` in the lab's controller namespace, e.g. `controllerArgv(lab, ['node', 'deploy.mjs'])`. */
export function controllerArgv(state: LabState, argv: readonly string[]): string[] {
  return nsArgv(state.controller.namespace, argv);
}

/** Runs argv in the controller namespace, which routes only to the lab. */
export function runInController(state: LabState, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return nsRun(state.controller.namespace, argv, options);
}

export interface SshArgvOptions {
  /** Seconds for TCP connect and banner; default 5. */
  connectTimeout?: number;
  /** known_hosts file; default the lab's (with every host's key). */
  knownHosts?: string;
  /** Extra `-o Key=Value` options. */
  options?: readonly string[];
}

/**
 * `ssh` argv that logs into a lab host as root with the lab's client key, checking its host key
 * against the lab's known_hosts and ignoring the user's ssh config. The remote command is passed
 * as given; ssh joins it with spaces for the remote shell.
 */
export function sshArgv(state: LabState, hostName: string, remote: readonly string[], options: SshArgvOptions = {}): string[] {
  const host = labHost(state, hostName);
  return [
    findExecutable('ssh') ?? 'ssh',
    '-F',
    '/dev/null',
    '-i',
    state.keys.clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${options.knownHosts ?? state.keys.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${options.connectTimeout ?? 5}`,
    ...(options.options ?? []).flatMap((o) => ['-o', o]),
    `root@${host.address}`,
    '--',
    ...remote,
  ];
}

/** Runs `ssh root@<host> <remote>` from the controller namespace. */
export function sshFromController(
  state: LabState,
  hostName: string,
  remote: readonly string[],
  options: SshArgvOptions & RunOptions = {},
): Promise<RunResult> {
  return runInController(state, sshArgv(state, hostName, remote, options), options);
}
