/**
 * Every observe reads links AND addresses with one `ip -j -d addr show` (OBSERVE_COMMANDS). Held
 * here to the real kernel and iproute2: it must read exactly what the two commands it replaced
 * (`ip -j -d link show` and `ip -j addr show`) read, on every kind of device a drawing makes or an
 * admin leaves (VXLAN with its parameters, a bridge and its ports, veth,
 * IPv4 and IPv6 addresses, down links, FDB entries). Root only: it makes a scratch network namespace.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBSERVE_COMMANDS, parseObserved } from '../../../shared/observe';
import { deleteNamespace, scratchNamespace } from './netns';
import { nsRunOk } from './netns-exec';
import { observeNamespace } from './plan-exec';
import { findExecutable, isRoot } from './preflight';

const root = isRoot();
if (!root) console.log('observe-commands.int.test.ts skipped: it makes a network namespace, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const NS = `vxsob-${randomBytes(3).toString('hex')}`;
const ip = (): string => findExecutable('ip') ?? 'ip';

suite('one `ip -j -d addr show` reads what `ip -j -d link show` and `ip -j addr show` read', () => {
  beforeAll(async () => {
    const lines = [
      'link set lo up',
      'link add u0 type veth peer name u1',
      'addr add 192.0.2.10/24 dev u0',
      'addr add 2001:db8::10/64 dev u0 nodad',
      'link set u0 up',
      'link add br100 type bridge',
      'link add vxlan100 type vxlan id 100 dstport 4789 local 192.0.2.10 dev u0 nolearning ttl 64',
      'link set vxlan100 master br100',
      'link set vxlan100 alias vxlan-studio:test',
      'link set vxlan100 mtu 1450',
      'link add vxlan200 type vxlan id 200 dstport 4790 remote 192.0.2.20 local 192.0.2.10',
      'addr add 10.10.0.1/24 dev br100',
      'link set br100 up',
      'link set vxlan100 up',
    ];
    await scratchNamespace(ip(), NS, lines);
    await nsRunOk(NS, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan100', 'dst', '192.0.2.30']);
  });
  afterAll(async () => {
    await deleteNamespace(ip(), NS).catch(() => undefined);
  });

  it('parses to the same links, addresses and FDB', async () => {
    expect(OBSERVE_COMMANDS.link).toEqual(['ip', '-j', '-d', 'addr', 'show']);
    const one = await observeNamespace(NS, 'scratch');
    const [link, addr, fdb] = await Promise.all([
      nsRunOk(NS, ['ip', '-j', '-d', 'link', 'show']),
      nsRunOk(NS, ['ip', '-j', 'addr', 'show']),
      nsRunOk(NS, ['bridge', '-j', 'fdb', 'show']),
    ]);
    const two = parseObserved({ link, addr, fdb }, { host: 'scratch' });
    expect(one.links).toEqual(two.links);
    expect(one.addresses).toEqual(two.addresses);
    expect(new Set(one.fdb.map((e) => JSON.stringify(e)))).toEqual(new Set(two.fdb.map((e) => JSON.stringify(e))));
    // And it saw what was made: the test is not comparing two empty readings.
    expect(one.links.find((l) => l.name === 'vxlan100')).toMatchObject({
      kind: 'vxlan',
      master: 'br100',
      mtu: 1450,
      alias: 'vxlan-studio:test',
      vxlan: { vni: 100, port: 4789, local: '192.0.2.10', dev: 'u0', learning: false },
    });
    expect(one.links.find((l) => l.name === 'vxlan200')?.vxlan).toMatchObject({ vni: 200, remote: '192.0.2.20' });
    expect(one.addresses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ifname: 'u0', cidr: '192.0.2.10/24', family: 'inet' }),
        expect.objectContaining({ ifname: 'u0', cidr: '2001:db8::10/64', family: 'inet6' }),
        expect.objectContaining({ ifname: 'br100', cidr: '10.10.0.1/24' }),
      ]),
    );
    expect(one.fdb).toEqual(expect.arrayContaining([expect.objectContaining({ ifname: 'vxlan100', dst: '192.0.2.30' })]));
  });
});
