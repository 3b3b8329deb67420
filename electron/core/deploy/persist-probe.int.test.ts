/**
 * The network manager probe's "is systemd-networkd running here" on real processes: only a
 * networkd of the host's own network namespace counts (containers and lab hosts share one process
 * table), compared with the shell's `-ef` (no readlink process per networkd of another namespace). Root
 * only: it makes scratch network namespaces; the stand-in networkd is a copy of sleep(1) whose
 * process name the kernel cuts to `systemd-network`, like the real one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOk } from '../lab/exec';
import { deleteNamespace } from '../lab/netns';
import { findExecutable, isRoot } from '../lab/preflight';
import { sections } from '../ssh/remote-script';
import { parsePersistSections, persistProbeArgv } from './persist';

const root = isRoot();
if (!root) console.log('persist-probe.int.test.ts skipped: it makes network namespaces, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const tag = randomBytes(3).toString('hex');
const HERE = `vxspp-${tag}-a`;
const ELSEWHERE = `vxspp-${tag}-b`;
const ip = (): string => findExecutable('ip') ?? 'ip';

suite("the probe finds the networkd of the host's own network namespace only", () => {
  let dir: string;
  let fake: string;
  /** A PATH without readlink: the namespace comparison is the shell's own. */
  let noReadlink: string;
  const children: ChildProcess[] = [];

  const startNetworkdIn = (ns: string): void => {
    const child = spawn(ip(), ['netns', 'exec', ns, fake, '600'], { stdio: 'ignore' });
    children.push(child);
  };
  /**
   * The probe in `ns`, in the mount namespace `ip netns exec` makes (its mounts do not reach this
   * machine), over a /run of its own that holds a networkd state file unless `stateFile` is false: a
   * running networkd keeps one there, and the probe looks at processes only when it is there.
   */
  const probe = async (ns: string, env?: NodeJS.ProcessEnv, stateFile = true): Promise<boolean> => {
    const m = `M${randomBytes(4).toString('hex')}`;
    const ownRun = `mount -t tmpfs vxs-probe-run /run && mkdir -p /run/systemd/netif${stateFile ? ' && : >/run/systemd/netif/state' : ''} && exec "$@"`;
    const out = await runOk(ip(), ['netns', 'exec', ns, 'sh', '-c', ownRun, 'sh', ...persistProbeArgv(m)], env ? { env } : {});
    return parsePersistSections(sections(out, m)).probe.networkdRunning;
  };

  beforeAll(async () => {
    for (const ns of [HERE, ELSEWHERE]) await runOk(ip(), ['netns', 'add', ns]);
    dir = mkdtempSync(path.join(tmpdir(), 'vxs-probe-'));
    fake = path.join(dir, 'systemd-networkd');
    copyFileSync(findExecutable('sleep') ?? '/bin/sleep', fake);
    const pathOf = (name: string, tools: string[]): string => {
      const bin = path.join(dir, name);
      mkdirSync(bin);
      for (const tool of tools) {
        const found = findExecutable(tool);
        if (found !== undefined) symlinkSync(found, path.join(bin, tool));
      }
      return bin;
    };
    noReadlink = pathOf('no-readlink', ['sh', 'head', 'grep', 'cat', 'stat', 'base64', 'timeout', 'mount', 'mkdir']);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of [HERE, ELSEWHERE]) await deleteNamespace(ip(), ns).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says no while a networkd runs only in another namespace, and yes once one runs in this one, without a readlink process', async () => {
    startNetworkdIn(ELSEWHERE);
    await new Promise((r) => setTimeout(r, 300));
    expect(await probe(HERE)).toBe(false);
    expect(await probe(ELSEWHERE)).toBe(true);
    expect(await probe(HERE, { PATH: noReadlink })).toBe(false);
    expect(await probe(ELSEWHERE, { PATH: noReadlink })).toBe(true);
    startNetworkdIn(HERE);
    await new Promise((r) => setTimeout(r, 300));
    expect(await probe(HERE)).toBe(true);
  });

  it('does not look at processes where no networkd state file exists', async () => {
    // A networkd runs in ELSEWHERE (the test above), but without its state file the probe skips
    // the pass over /proc, which reads the name of every process on the machine.
    expect(await probe(ELSEWHERE, undefined, false)).toBe(false);
    expect(await probe(ELSEWHERE)).toBe(true);
  });
});
