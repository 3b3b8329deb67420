/**
 * Ansible inventories as admins write them (docs.ansible.com "How to build your inventory"), INI
 * and YAML, and the errors bad ones give.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/catalogue';
import { expandHostRange, inventoryHosts, parseInventory, type InventoryHost } from './inventory';

const INI = `# overlay hosts
mail.example.com

[vteps]
vtep-a ansible_host=192.168.1.10 ansible_user=admin
vtep-b ansible_host=192.168.1.20 ansible_port=2222 ansible_ssh_private_key_file="/home/me/.ssh/lab key"
web[01:03].example.com

[edge]
edge.example.com:5309 ansible_become=yes ; not a comment in Ansible either, but a bad word

[dc:children]
vteps
edge

[dc:vars]
ansible_user=ops
ansible_ssh_private_key_file=/home/me/.ssh/dc
`;

const short = (h: InventoryHost): unknown => [h.name, h.address, h.port, h.user, h.identityFile, h.become];

describe('INI inventories', () => {
  const fixed = INI.replace(' ; not a comment in Ansible either, but a bad word', ' # a comment');
  const inv = parseInventory(fixed, 'hosts.ini');

  it('reads hosts with ansible_host/user/port/key, ranges, host:port, and group vars through children', () => {
    expect(inv.hosts.map(short)).toEqual([
      ['mail.example.com', 'mail.example.com', undefined, undefined, undefined, undefined],
      // The host's own variables win over its group's.
      ['vtep-a', '192.168.1.10', undefined, 'admin', '/home/me/.ssh/dc', undefined],
      ['vtep-b', '192.168.1.20', 2222, 'ops', '/home/me/.ssh/lab key', undefined],
      ['web01.example.com', 'web01.example.com', undefined, 'ops', '/home/me/.ssh/dc', undefined],
      ['web02.example.com', 'web02.example.com', undefined, 'ops', '/home/me/.ssh/dc', undefined],
      ['web03.example.com', 'web03.example.com', undefined, 'ops', '/home/me/.ssh/dc', undefined],
      ['edge.example.com', 'edge.example.com', 5309, 'ops', '/home/me/.ssh/dc', true],
    ]);
  });

  it('selects a group with its children, and names the groups when one is unknown', () => {
    expect(inventoryHosts(inv, 'hosts.ini', 'edge').map((h) => h.name)).toEqual(['edge.example.com']);
    expect(inventoryHosts(inv, 'hosts.ini', 'dc').map((h) => h.name)).toHaveLength(6);
    expect(inventoryHosts(inv, 'hosts.ini').map((h) => h.name)).toHaveLength(7);
    expect(() => inventoryHosts(inv, 'hosts.ini', 'db')).toThrow(
      'hosts.ini: has no group "db" (groups: ungrouped, vteps, edge, dc)',
    );
  });

  it('refuses a bad line with file, line and a reason', () => {
    const err = (text: string): AppError => {
      try {
        parseInventory(text, 'hosts.ini');
      } catch (e) {
        if (e instanceof AppError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    expect(err(INI).message).toBe('hosts.ini line 10: ";" is not key=value');
    expect(err(INI).data).toMatchObject({ code: 'INVENTORY_INVALID', detail: { file: 'hosts.ini', line: 10 } });
    expect(err('[web\nhost1\n').message).toBe(
      'hosts.ini line 1: "[web" is not a section header ([group], [group:vars] or [group:children])',
    );
    expect(err('[web]\nweb[3:1]\n').message).toBe('hosts.ini line 2: range [3:1] runs backwards');
    expect(err('[web]\nh ansible_user="ops\n').message).toBe('hosts.ini line 2: unclosed " quote');
    expect(err('[web]\nh ansible_port=99999\n').message).toBe('hosts.ini: host h: ansible_port "99999" is not a port 1-65535');
  });
});

describe('YAML inventories', () => {
  const YAML = `---
all:
  vars:
    ansible_user: root
  hosts:
    vtep-a:
      ansible_host: 192.168.1.10
  children:
    mesh:
      vars:
        ansible_user: admin
      hosts:
        node[1:3]:
          ansible_port: 2200
        node9:
    empty:
`;
  const inv = parseInventory(YAML, 'inventory.yml');

  it('reads all: hosts/children/vars, ranges and nulls as Ansible does', () => {
    expect(inv.hosts.map(short)).toEqual([
      ['vtep-a', '192.168.1.10', undefined, 'root', undefined, undefined],
      ['node1', 'node1', 2200, 'admin', undefined, undefined],
      ['node2', 'node2', 2200, 'admin', undefined, undefined],
      ['node3', 'node3', 2200, 'admin', undefined, undefined],
      ['node9', 'node9', undefined, 'admin', undefined, undefined],
    ]);
    expect(inventoryHosts(inv, 'inventory.yml', 'mesh').map((h) => h.name)).toEqual(['node1', 'node2', 'node3', 'node9']);
    expect(inv.hosts[1]?.groups).toEqual(['all', 'mesh']);
  });

  it('refuses bad YAML and bad shapes with file and line', () => {
    expect(() => parseInventory('all:\n  hosts:\n    a: [1\n', 'inv.yml')).toThrow(/^inv\.yml line \d+: /);
    expect(() => parseInventory('all:\n  hosts:\n    - a\n    - b\n', 'inv.yml')).toThrow(
      'inv.yml line 3: hosts of group all must be a mapping of host names',
    );
    expect(() => parseInventory('all:\n  host:\n    a:\n', 'inv.yml')).toThrow(
      'inv.yml line 2: group all has "host"; a group holds only hosts, children and vars',
    );
    expect(() => parseInventory('all:\n  hosts:\n    a:\n    a:\n', 'inv.yml')).toThrow(
      /^inv\.yml line 3: Map keys must be unique/,
    );
  });
});

describe('host ranges', () => {
  it('keeps leading zeros, counts letters, takes a stride', () => {
    expect(expandHostRange('web[08:11]')).toEqual(['web08', 'web09', 'web10', 'web11']);
    expect(expandHostRange('db-[a:c].lan')).toEqual(['db-a.lan', 'db-b.lan', 'db-c.lan']);
    expect(expandHostRange('n[1:9:4]')).toEqual(['n1', 'n5', 'n9']);
    expect(expandHostRange('r[1:2]-[a:b]')).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
    expect(() => expandHostRange('x[1:b]')).toThrow('range [1:b] must be numbers (01:10) or single letters (a:f)');
  });
});
