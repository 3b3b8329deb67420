/**
 * The parsers on JSON recorded from a real kernel (fixtures/record.sh; versions in
 * fixtures/recorded-with.json), and on bad output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OBSERVE_COMMANDS, ObserveParseError, parseObserved, type ObservedHostState } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The three recorded outputs of one scenario. */
function fixtureOutput(name: string): { link: string; addr: string; fdb: string } {
  const read = (kind: string): string => readFileSync(path.join(FIXTURES, `${name}.${kind}.json`), 'utf8');
  return { link: read('link'), addr: read('addr'), fdb: read('fdb') };
}

function observed(name: string): ObservedHostState {
  return parseObserved(fixtureOutput(name), { host: name });
}

describe('parseObserved on recorded kernel output', () => {
  it('reads the textbook VXLAN device: VNI, remote, underlay dev, port, learning, alias, MTU, bridge, up', () => {
    const s = observed('textbook-a');
    const vx = s.links.find((l) => l.name === 'vxlan100');
    expect(vx).toMatchObject({
      kind: 'vxlan',
      alias: 'vxlan-studio:textbook',
      mtu: 1450,
      master: 'br-overlay',
      up: true,
      vxlan: { vni: 100, port: 4789, dev: 'eth0', remote: '192.168.1.20', learning: true },
    });
    expect(vx?.vxlan?.local).toBeUndefined();
    // ttl 0 means "auto" (inherit) in the kernel's reply.
    expect(vx?.vxlan?.ttl).toBeUndefined();
    expect(s.links.find((l) => l.name === 'br-overlay')).toMatchObject({
      kind: 'bridge',
      alias: 'vxlan-studio:textbook',
      up: true,
    });
    expect(s.addresses).toContainEqual({ ifname: 'br-overlay', cidr: '10.0.0.1/24', family: 'inet', scope: 'global' });
  });

  it('reads all three flood modes: mesh (local, nolearning), multicast (group, ttl, port) and the head-end FDB entries', () => {
    const s = observed('mixed-h1');
    expect(s.links.find((l) => l.name === 'vxlan200')?.vxlan).toEqual({
      vni: 200,
      port: 4789,
      dev: 'eth0',
      local: '192.168.1.10',
      learning: false,
    });
    expect(s.links.find((l) => l.name === 'vxlan300')?.vxlan).toEqual({
      vni: 300,
      port: 4790,
      dev: 'eth0',
      group: '239.1.1.1',
      ttl: 5,
      learning: true,
    });
    const heads = s.fdb.filter((e) => e.ifname === 'vxlan200' && e.mac === '00:00:00:00:00:00').map((e) => e.dst);
    expect(heads.sort()).toEqual(['192.168.1.20', '192.168.2.30']);
    // The kernel's own default entry for the point-to-point remote shows up too.
    expect(s.fdb).toContainEqual(expect.objectContaining({ ifname: 'vxlan100', mac: '00:00:00:00:00:00', dst: '192.168.1.20' }));
  });

  it('reads interfaces that are not ours as they are: tap port on our bridge, an admin alias, another topology', () => {
    const s = observed('mixed-h1');
    expect(s.links.find((l) => l.name === 'tap0')).toMatchObject({ kind: 'tun', master: 'br200', up: false });
    expect(s.links.find((l) => l.name === 'foreign0')?.alias).toBe("admin's own");
    expect(s.links.find((l) => l.name === 'vxlan400')?.alias).toBe('vxlan-studio:another-topology');
    expect(s.links.find((l) => l.name === 'lo')?.kind).toBeUndefined();
  });

  it('reads IPv6 overlay addresses and tells kernel-made link-local ones apart by scope', () => {
    const s = observed('mixed-h1');
    expect(s.addresses).toContainEqual({ ifname: 'br-overlay', cidr: 'fd00:100::1/64', family: 'inet6', scope: 'global' });
    expect(s.addresses.filter((a) => a.ifname === 'vxlan200').every((a) => a.scope === 'link')).toBe(true);
  });
});

describe('parseObserved on what a drawing cannot hold', () => {
  it('marks a collect-metadata (external) VXLAN device, recorded from a real kernel', () => {
    const read = (kind: string): string =>
      readFileSync(path.join(FIXTURES, '..', '..', 'import', 'fixtures', `mesh-2.${kind}.json`), 'utf8');
    const s = parseObserved({ link: read('link'), addr: read('addr'), fdb: read('fdb') }, { host: 'mesh-2' });
    expect(s.links.find((l) => l.name === 'vxmeta')?.vxlan).toEqual({ vni: 0, port: 4790, learning: false, external: true });
    expect(s.links.find((l) => l.name === 'vxlan400')?.vxlan?.external).toBeUndefined();
  });

  it('marks a VLAN-aware bridge (vlan_filtering 1) and only that one', () => {
    const bridge = (name: string, vlanFiltering: number): object => ({
      ifindex: name === 'br0' ? 2 : 3,
      ifname: name,
      flags: ['UP'],
      mtu: 1500,
      linkinfo: { info_kind: 'bridge', info_data: { stp_state: 0, vlan_filtering: vlanFiltering } },
    });
    const s = parseObserved({ link: JSON.stringify([bridge('br0', 1), bridge('br1', 0)]), addr: '[]', fdb: '[]' }, { host: 'h' });
    expect(s.links.map((l) => [l.name, l.vlanFiltering])).toEqual([
      ['br0', true],
      ['br1', undefined],
    ]);
  });
});

describe('parseObserved on bad output', () => {
  const good = fixtureOutput('textbook-a');

  it('names host and command when the output is not JSON (e.g. an old iproute2 without -j)', () => {
    const run = (): ObservedHostState =>
      parseObserved({ ...good, fdb: 'Object "fdb" is unknown, try "bridge help".\n' }, { host: 'web-1' });
    expect(run).toThrow(ObserveParseError);
    expect(run).toThrow(
      /^host web-1: output of `bridge -j fdb show` is not JSON .*; it starts with "Object \\"fdb\\" is unknown, try \\"bridge help\\"."$/,
    );
  });

  it('names host and command when the output is empty', () => {
    expect(() => parseObserved({ ...good, addr: '  \n' }, { host: 'db' })).toThrow(
      'host db: output of `ip -j addr show` is empty',
    );
  });

  it('names the field when the JSON has the wrong shape', () => {
    expect(() => parseObserved({ ...good, link: '[{"ifindex":1,"ifname":7,"mtu":1500}]' }, { host: 'h' })).toThrow(
      /^host h: output of `ip -j -d addr show` has an unexpected shape at \[0\]\.ifname: /,
    );
    expect(() => parseObserved({ ...good, link: '{"not":"an array"}' }, { host: 'h' })).toThrow(
      /unexpected shape at \(top level\)/,
    );
  });

  it('names the device when its VXLAN data is malformed', () => {
    const link =
      '[{"ifindex":5,"ifname":"vxlan9","flags":[],"mtu":1450,"linkinfo":{"info_kind":"vxlan","info_data":{"id":"nine","port":4789}}}]';
    expect(() => parseObserved({ ...good, link }, { host: 'h' })).toThrow(/VXLAN data for vxlan9 at linkinfo\.info_data\.id/);
  });

  it('binary garbage is reported, not parsed', () => {
    expect(() => parseObserved({ ...good, link: '\u0000\u0001\u00ff' }, { host: 'h' })).toThrow(/is not JSON/);
  });

  it('documents the exact read-only commands it parses', () => {
    expect(Object.values(OBSERVE_COMMANDS).map((c) => c.join(' '))).toEqual(['ip -j -d addr show', 'bridge -j fdb show']);
  });
});
