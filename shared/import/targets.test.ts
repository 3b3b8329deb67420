/** `[USER@]HOST[:PORT]` targets and inventory hosts as a drawing's hosts. */
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT, type Topology } from '../model';
import { addTargetHosts, inventoryTarget, parseSshTarget, type ImportTarget } from './targets';

const emptyTopologyForTest = (): Topology => ({
  format: CURRENT_FORMAT,
  id: 'empty',
  name: 'Empty',
  hosts: [],
  segments: [],
  memberships: [],
  layout: { positions: {} },
});

describe('parseSshTarget', () => {
  it('reads user, host and port, an IPv6 address in brackets, and the defaults', () => {
    expect(parseSshTarget('admin@192.168.1.10:2222')).toEqual({
      name: '192.168.1.10',
      ssh: { host: '192.168.1.10', port: 2222, user: 'admin', auth: { type: 'agent' } },
      sudo: true,
    });
    expect(parseSshTarget('[fd00::1]:22', { identity: '/k' })).toEqual({
      name: 'fd00::1',
      ssh: { host: 'fd00::1', port: 22, user: 'root', auth: { type: 'identity-file', path: '/k' } },
      sudo: false,
    });
    expect(parseSshTarget('vtep-a', { user: 'ops' })).toMatchObject({ ssh: { host: 'vtep-a', port: 22, user: 'ops' } });
  });

  it('says what is wrong with a bad target', () => {
    expect(parseSshTarget('a b')).toBe('"a b" is not [USER@]HOST[:PORT]');
    expect(parseSshTarget('h:70000')).toBe('"h:70000": port must be 1-65535');
    expect(parseSshTarget('Bad User@h')).toBe('"Bad User@h" is not [USER@]HOST[:PORT]');
    expect(parseSshTarget('-x@h')).toBe('"-x@h": user must be a valid login name (letters, digits, "_", ".", "-")');
  });
});

describe('addTargetHosts', () => {
  const target = (name: string, host = name): ImportTarget => ({
    name,
    ssh: { host, port: 22, user: 'root', auth: { type: 'agent' } },
    sudo: false,
  });

  it('adds inventory hosts under the ones already drawn and leaves out those the drawing has', () => {
    const first = addTargetHosts(emptyTopologyForTest(), [target('vtep-a', '192.168.1.10'), target('vtep b', '192.168.1.20')]);
    expect(first.topology.hosts.map((h) => [h.id, h.name, h.ssh.host])).toEqual([
      ['vtep-a', 'vtep-a', '192.168.1.10'],
      ['vtep-b', 'vtep b', '192.168.1.20'],
    ]);
    const again = addTargetHosts(first.topology, [target('vtep-a'), target('other', '192.168.1.20'), target('vtep-c')]);
    expect([again.added, again.skipped]).toEqual([['vtep-c'], ['vtep-a', 'other']]);
    expect(again.topology.layout.positions).toEqual({
      'vtep-a': { x: 0, y: 0 },
      'vtep-b': { x: 0, y: 160 },
      'vtep-c': { x: 0, y: 320 },
    });
  });

  it('takes user, port and key from the inventory and logs in with sudo as a non-root user', () => {
    expect(
      inventoryTarget({ name: 'n1', address: '10.0.0.1', port: 2200, user: 'ops', identityFile: '/k', groups: ['all'] }),
    ).toEqual({
      name: 'n1',
      ssh: { host: '10.0.0.1', port: 2200, user: 'ops', auth: { type: 'identity-file', path: '/k' } },
      sudo: true,
    });
    expect(inventoryTarget({ name: 'n2', address: 'n2', groups: ['all'] }, { identity: '/d' }).ssh.auth).toEqual({
      type: 'identity-file',
      path: '/d',
    });
  });
});
