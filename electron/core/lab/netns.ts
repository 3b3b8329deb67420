/**
 * Named network namespaces (`ip netns`, which keeps them as bind mounts under /run/netns) and the
 * processes living in them, read straight from /proc so teardown works without any state file.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { run, runOk } from './exec';

export const NETNS_DIR = '/run/netns';

/** Names of all named network namespaces (what `ip netns list` shows). */
export async function listNamespaces(): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).sort();
  } catch {
    return [];
  }
}

export async function namespaceExists(name: string): Promise<boolean> {
  return (await listNamespaces()).includes(name);
}

/** Device and inode that identify a network namespace (as `stat` of its nsfs file shows them). */
async function nsIdentity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

async function allPids(): Promise<number[]> {
  const entries = await readdir('/proc');
  return entries.filter((e) => /^\d+$/.test(e)).map(Number);
}

/**
 * Pids of every process whose network namespace is the named one (like `ip netns pids`), from
 * /proc/<pid>/ns/net.
 */
export async function pidsInNamespace(name: string): Promise<number[]> {
  return (await pidsInNamespaces([name])).get(name) ?? [];
}

/**
 * Pids per named network namespace, from ONE pass over /proc (a lab of 100 hosts has 102
 * namespaces: one pass each would read every process's namespace 102 times). A name that does
 * not exist maps to no pids.
 */
export async function pidsInNamespaces(names: readonly string[]): Promise<Map<string, number[]>> {
  const byIdentity = new Map<string, string>();
  for (const name of names) {
    const id = await nsIdentity(`${NETNS_DIR}/${name}`);
    if (id !== undefined) byIdentity.set(id, name);
  }
  const out = new Map<string, number[]>(names.map((n) => [n, []]));
  if (byIdentity.size === 0) return out;
  for (const pid of await allPids()) {
    const name = byIdentity.get((await nsIdentity(`/proc/${pid}/ns/net`)) ?? '');
    if (name !== undefined) out.get(name)?.push(pid);
  }
  return out;
}

/** True when `pid` lives in the named network namespace. */
export async function pidInNamespace(pid: number, name: string): Promise<boolean> {
  const target = await nsIdentity(`${NETNS_DIR}/${name}`);
  return target !== undefined && (await nsIdentity(`/proc/${pid}/ns/net`)) === target;
}

export interface ProcessInfo {
  pid: number;
  /** Executable name (`/proc/<pid>/comm`). */
  comm: string;
  /** Kernel state letter: R, S, D, T (stopped), Z... */
  state: string;
  /** argv as the process sees it. */
  argv: string[];
}

/** What /proc says about a pid, or undefined when it is gone. */
export async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const [statText, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // The comm field is parenthesised and may itself contain spaces or ")": the state follows the LAST ")".
    const close = statText.lastIndexOf(')');
    const comm = statText.slice(statText.indexOf('(') + 1, close);
    const state = statText.slice(close + 2, close + 3);
    return { pid, comm, state, argv: cmdline.split('\0').filter((s) => s !== '') };
  } catch {
    return undefined;
  }
}

/** This process and its parent chain up to init: never signalled by teardown, even when run inside a lab namespace. */
export async function selfAndAncestors(): Promise<Set<number>> {
  const pids = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return pids;
}

/** Every process whose command line mentions `needle` (e.g. the lab's state directory). */
export async function processesMentioning(needle: string): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const pid of await allPids()) {
    if (pid === process.pid) continue;
    const info = await processInfo(pid);
    if (info && info.argv.some((a) => a.includes(needle))) found.push(info);
  }
  return found;
}

/** Sends `signal` to each pid, ignoring ones that are already gone. */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already exited
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the given processes: SIGCONT (a frozen process cannot act on SIGTERM), SIGTERM, then
 * SIGKILL for any still alive after `graceMs`.
 */
export async function terminatePids(pids: readonly number[], graceMs = 1500): Promise<void> {
  if (pids.length === 0) return;
  signalPids(pids, 'SIGCONT');
  signalPids(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let alive = [...pids];
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = (await Promise.all(alive.map(async (pid) => ((await isRunning(pid)) ? pid : undefined)))).filter(
      (p): p is number => p !== undefined,
    );
  }
  signalPids(alive, 'SIGKILL');
}

/** True when the pid exists and is not a zombie. */
export async function isRunning(pid: number): Promise<boolean> {
  const info = await processInfo(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** `ip netns add`; fails if it exists. */
export async function addNamespace(ipPath: string, name: string): Promise<void> {
  await runOk(ipPath, ['netns', 'add', name]);
}

/** `ip netns add` of each name through one `ip -batch` (one process, not one per namespace); fails if one exists. */
export async function addNamespaces(ipPath: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runOk(ipPath, ['-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') });
}

/**
 * A scratch network namespace for a test: `ip netns add NAME`, then the `ip -batch` lines run in it
 * (one process). Remove it with deleteNamespace.
 */
export async function scratchNamespace(ipPath: string, name: string, batch: readonly string[]): Promise<void> {
  await runOk(ipPath, ['netns', 'add', name]);
  await runOk(ipPath, ['-n', name, '-batch', '-'], { input: batch.map((l) => `${l}\n`).join('') });
}

/** `ip netns del`; a namespace that is already gone is fine. */
export async function deleteNamespace(ipPath: string, name: string): Promise<void> {
  if (!(await namespaceExists(name))) return;
  await runOk(ipPath, ['netns', 'del', name]);
}

/**
 * `ip netns del` of each name through one `ip -force -batch` (one process; -force goes on past a
 * name that is already gone); fails naming those still there afterwards.
 */
export async function deleteNamespaces(ipPath: string, names: readonly string[]): Promise<void> {
  const there = new Set(await listNamespaces());
  const wanted = names.filter((n) => there.has(n));
  if (wanted.length === 0) return;
  await run(ipPath, ['-force', '-batch', '-'], { input: wanted.map((n) => `netns del ${n}\n`).join('') });
  const left = (await listNamespaces()).filter((n) => wanted.includes(n));
  if (left.length > 0) throw new Error(`could not delete the network namespace(s) ${left.join(', ')}`);
}
