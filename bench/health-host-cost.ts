/**
 * What a health round costs the lab's hosts, for bench:health:
 *
 * - CPU: every process in a lab host's network namespace, read from /proc/<pid>/stat before and after
 *   (utime + stime + cutime + cstime of the processes alive at both times). A process the round
 *   started and that ended is in its parent's cutime/cstime once reaped, so the round's pings,
 *   fpings, `ip` and `nft` runs count through the persistent shell that reaps them, and sshd's own
 *   work through sshd. Other helpers' processes on the machine are not in these namespaces.
 * - Processes: `strace -f` attached to one host's persistent shells (the `sh` children of its sshd)
 *   for one round, counting the execve calls that succeeded (programs started) and the forks
 *   (clone/fork/vfork calls that returned a child).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LabState } from '../electron/core/lab/index';

/** Clock ticks per second of /proc/<pid>/stat's times (sysconf(_SC_CLK_TCK); 100 on Linux). */
const CLK_TCK = 100;

/** The inode of each lab host's network namespace (/run/netns/<name>), by host name. */
function hostNetns(lab: LabState): Map<number, string> {
  const out = new Map<number, string>();
  for (const h of lab.hosts) out.set(statSync(`/run/netns/${h.namespace}`).ino, h.name);
  return out;
}

interface Proc {
  pid: number;
  host: string;
  comm: string;
  ppid: number;
  ticks: number;
}

/** Every process in a lab host's network namespace. */
function labProcs(lab: LabState): Map<number, Proc> {
  const ns = hostNetns(lab);
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const link = /net:\[(\d+)\]/.exec(readlinkSync(`/proc/${name}/ns/net`));
      const host = link?.[1] === undefined ? undefined : ns.get(Number(link[1]));
      if (host === undefined) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces: the fields after it start at the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat
        .slice(close + 2)
        .split(' ')
        .map(Number);
      // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime), counted from 1; f starts at field 3.
      const ticks = (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
      out.set(Number(name), { pid: Number(name), host, comm, ppid: f[1] ?? 0, ticks });
    } catch {
      // The process ended while being read.
    }
  }
  return out;
}

/** CPU seconds the lab's hosts spent while `during` ran (see the file comment). */
export async function hostCpuSeconds<T>(lab: LabState, during: () => Promise<T>): Promise<{ value: T; cpuSeconds: number }> {
  const before = labProcs(lab);
  const value = await during();
  const after = labProcs(lab);
  let ticks = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (b !== undefined && b.comm === a.comm) ticks += Math.max(0, a.ticks - b.ticks);
  }
  return { value, cpuSeconds: ticks / CLK_TCK };
}

/** Programs started and forks made on `host` (its persistent shells traced) while `during` ran. */
export async function hostProcesses<T>(
  lab: LabState,
  host: string,
  during: () => Promise<T>,
): Promise<{ value: T; execs: number; forks: number; shells: number }> {
  const procs = labProcs(lab);
  const shells = [...procs.values()].filter(
    (p) => p.host === host && p.comm === 'sh' && procs.get(p.ppid)?.comm === 'sshd' && procs.get(p.ppid)?.host === host,
  );
  if (shells.length === 0) throw new Error(`no persistent shell found on ${host}`);
  const out = path.join(tmpdir(), `vxs-hbench-strace-${process.pid}.txt`);
  const strace = spawn(
    'strace',
    ['-f', '-qq', '-e', 'trace=execve,clone,clone3,fork,vfork', '-o', out, ...shells.flatMap((s) => ['-p', String(s.pid)])],
    { stdio: 'ignore' },
  );
  let failed: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    strace.on('exit', () => resolve());
    // Not installed (scripts/setup.sh installs it): said, not a crash of the whole bench.
    strace.on('error', (err) => {
      failed = err;
      resolve();
    });
  });
  // strace attaches within milliseconds; give it a moment before the round starts.
  await new Promise((r) => setTimeout(r, 500));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    strace.kill('SIGINT');
    await exited;
  };
  try {
    const value = await during();
    await stop();
    if (failed !== undefined) throw new Error(`strace could not run (scripts/setup.sh installs it): ${failed.message}`);
    return { value, ...countTrace(readFileSync(out, 'utf8')), shells: shells.length };
  } finally {
    await stop();
    rmSync(out, { force: true });
  }
}

/** Counts strace's lines: execve calls that returned 0, clone/fork calls that returned a child pid. */
export function countTrace(text: string): { execs: number; forks: number } {
  let execs = 0;
  let forks = 0;
  for (const line of text.split('\n')) {
    // A call another traced process interrupted ends on a `<... execve resumed>` line.
    if (/\bexecve(\(|\s+resumed>).* = 0$/.test(line)) execs += 1;
    else if (/\b(clone3?|v?fork)(\(|\s+resumed>).* = [1-9]\d*$/.test(line)) forks += 1;
  }
  return { execs, forks };
}
