/**
 * Round trip 1 looks up the route to the SSH client (the interface carrying the session) and to the
 * first peer (the underlay) with one `ip -batch` instead of two `ip route get`, and each alone when
 * a lookup fails. Run here through the real sh and iproute2 in a scratch network namespace (the
 * SSH connection's addresses given as sshd would). Root only.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOk } from '../lab/exec';
import { deleteNamespace } from '../lab/netns';
import { nsRunOk } from '../lab/netns-exec';
import { findExecutable, isRoot } from '../lab/preflight';
import { newNonce, sections } from '../ssh/remote-script';
import { parsePrepare, prepareScript } from './scripts';

const root = isRoot();
if (!root) console.log('prepare-routes.int.test.ts skipped: it makes a network namespace, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const NS = `vxsrt-${randomBytes(3).toString('hex')}`;
const ip = (): string => findExecutable('ip') ?? 'ip';

/** Runs round trip 1's script (no lock) in the namespace as an SSH session from 192.0.2.99 would. */
async function prepareIn(peer: string): Promise<{ tags: string[]; prepared: ReturnType<typeof parsePrepare> }> {
  const m = newNonce();
  const script = `SSH_CONNECTION='192.0.2.99 40000 192.0.2.10 22'\n${prepareScript({ topologyId: 't', lock: false, peers: [peer], sudo: false }, m)}`;
  const out = await nsRunOk(NS, ['sh', '-c', script]);
  return { tags: sections(out, m).map((s) => s.tag), prepared: parsePrepare(out, '', m, 'scratch') };
}

suite('round trip 1 looks up both routes with one ip process', () => {
  beforeAll(async () => {
    await runOk(ip(), ['netns', 'add', NS]);
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
    await nsRunOk(NS, ['sh', '-c', `printf '%s\\n' "$@" | ip -batch -`, 'sh', ...lines]);
  });
  afterAll(async () => {
    await deleteNamespace(ip(), NS).catch(() => undefined);
  });

  it('reads the session interface and the underlay route from one batch', async () => {
    const { tags, prepared } = await prepareIn('198.51.100.7');
    expect(tags).toContain('ROUTES');
    expect(tags).not.toContain('SSHROUTE');
    expect(tags).not.toContain('PEERROUTE');
    expect(prepared.ssh).toEqual({ clientAddress: '192.0.2.99', serverAddress: '192.0.2.10', interface: 'u0' });
    expect(prepared.peerRoute).toEqual({ dev: 'u2', prefsrc: '198.51.100.1' });
    expect(prepared.observed?.links.map((l) => l.name).sort()).toEqual(['lo', 'u0', 'u1', 'u2', 'u3']);
  });

  it('looks each route up alone when the peer has no route, and still finds the session interface', async () => {
    const { tags, prepared } = await prepareIn('203.0.113.5');
    expect(tags).not.toContain('ROUTES');
    expect(tags).toEqual(expect.arrayContaining(['SSHROUTE', 'PEERROUTE']));
    expect(prepared.ssh?.interface).toBe('u0');
    expect(prepared.peerRoute).toBeUndefined();
    expect(prepared.complete).toBe(true);
  });
});
