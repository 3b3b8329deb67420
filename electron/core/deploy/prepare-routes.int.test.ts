/**
 * Round trip 1 looks up the route to the SSH client (the interface carrying the session) and to the
 * first peer (the underlay) and reads the links with their addresses with one `ip -batch` instead of
 * three `ip` processes, and runs each alone when a lookup fails. Run here through the real sh and
 * iproute2 in a scratch network namespace (the SSH connection's addresses given as sshd would), with
 * `ip` reached through a wrapper that counts its runs. Root only.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespace, scratchNamespace } from '../lab/netns';
import { nsRunOk } from '../lab/netns-exec';
import { findExecutable, isRoot } from '../lab/preflight';
import { newNonce, sections } from '../ssh/remote-script';
import { parsePrepare, prepareScript } from './scripts';

const root = isRoot();
if (!root) console.log('prepare-routes.int.test.ts skipped: it makes a network namespace, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const NS = `vxsrt-${randomBytes(3).toString('hex')}`;
const ip = (): string => findExecutable('ip') ?? 'ip';

let dir = '';

/**
 * Runs round trip 1's script (no lock) in the namespace as an SSH session from 192.0.2.99 would,
 * with an `ip` first in PATH that logs each run and then runs the real one.
 */
async function prepareIn(peer: string): Promise<{ tags: string[]; prepared: ReturnType<typeof parsePrepare>; ipRuns: number }> {
  const m = newNonce();
  const log = path.join(dir, `ip-runs-${m}`);
  writeFileSync(log, '');
  const script = [
    `PATH=${dir}:$PATH; SSH_CONNECTION='192.0.2.99 40000 192.0.2.10 22'; IP_RUNS=${log}; export IP_RUNS`,
    prepareScript({ topologyId: 't', lock: false, peers: [peer], sudo: false }, m),
  ].join('\n');
  const out = await nsRunOk(NS, ['sh', '-c', script]);
  const ipRuns = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
  return { tags: sections(out, m).map((s) => s.tag), prepared: parsePrepare(out, '', m, 'scratch'), ipRuns };
}

suite('round trip 1 looks up both routes and reads the links with one ip process', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vxs-iprun-'));
    const wrapper = path.join(dir, 'ip');
    writeFileSync(wrapper, `#!/bin/sh\necho "$*" >>"$IP_RUNS"\nexec ${ip()} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const lines = [
      'link set lo up',
      'link add u0 type veth peer name u1',
      'addr add 192.0.2.10/24 dev u0',
      'link set u0 up',
      'link set u1 up',
      'link add u2 type veth peer name u3',
      'addr add 198.51.100.1/24 dev u2',
      'link set u2 up',
      'link set u3 up',
    ];
    await scratchNamespace(ip(), NS, lines);
  });
  afterAll(async () => {
    await deleteNamespace(ip(), NS).catch(() => undefined);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads the session interface, the underlay route and the links from one batch', async () => {
    const { tags, prepared, ipRuns } = await prepareIn('198.51.100.7');
    expect(ipRuns).toBe(1);
    expect(tags).toContain('ROUTES_LINK');
    expect(tags).not.toContain('SSHROUTE');
    expect(tags).not.toContain('PEERROUTE');
    expect(tags.filter((t) => t === 'OBS')).toHaveLength(1);
    expect(prepared.ssh).toEqual({ clientAddress: '192.0.2.99', serverAddress: '192.0.2.10', interface: 'u0' });
    expect(prepared.peerRoute).toEqual({ dev: 'u2', prefsrc: '198.51.100.1' });
    expect(prepared.observed?.links.map((l) => l.name).sort()).toEqual(['lo', 'u0', 'u1', 'u2', 'u3']);
    expect(prepared.observed?.addresses).toContainEqual(expect.objectContaining({ ifname: 'u2', cidr: '198.51.100.1/24' }));
  });

  it('looks each route up alone when the peer has no route, and still finds the session interface', async () => {
    const { tags, prepared, ipRuns } = await prepareIn('203.0.113.5');
    expect(ipRuns).toBe(4);
    expect(tags).not.toContain('ROUTES_LINK');
    expect(tags).toEqual(expect.arrayContaining(['SSHROUTE', 'PEERROUTE']));
    expect(prepared.ssh?.interface).toBe('u0');
    expect(prepared.peerRoute).toBeUndefined();
    expect(prepared.complete).toBe(true);
    expect(prepared.observed?.addresses).toContainEqual(expect.objectContaining({ ifname: 'u0', cidr: '192.0.2.10/24' }));
  });
});
