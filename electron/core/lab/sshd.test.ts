import { describe, expect, it } from 'vitest';
import { hostsFileText, knownHostsLine, sshdConfigText, sshdUsers } from './sshd';
import type { LabUserState } from './state';
import { PATH_WITHOUT_SUDO } from './users';

const base = {
  hostName: 'h1',
  listenAddress: '172.30.1.11',
  hostKey: '/run/vxlan-studio/labs/x/hosts/h1/ssh_host_ed25519_key',
  pidFile: '/run/vxlan-studio/labs/x/hosts/h1/sshd.pid',
  authorizedKeys: '/run/vxlan-studio/labs/x/authorized_keys',
};

describe('lab sshd', () => {
  it('writes a config that listens only on the underlay address and lets root in by key only', () => {
    const lines = sshdConfigText(base).split('\n');
    for (const line of [
      'ListenAddress 172.30.1.11',
      'HostKey /run/vxlan-studio/labs/x/hosts/h1/ssh_host_ed25519_key',
      'PidFile /run/vxlan-studio/labs/x/hosts/h1/sshd.pid',
      'AuthorizedKeysFile /run/vxlan-studio/labs/x/authorized_keys',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
    ]) {
      expect(lines).toContain(line);
    }
    expect(lines.filter((l) => l.startsWith('Match'))).toEqual([]);
  });

  it('allows password login only inside a Match block for the password user, after every global setting', () => {
    const text = sshdConfigText({
      ...base,
      users: [
        { name: 'vxsadmin', password: true },
        { name: 'vxsnosudo', password: false },
        { name: 'vxsbare', password: false, path: '/usr/sbin:/sbin' },
      ],
    });
    const lines = text.split('\n');
    const firstMatch = lines.findIndex((l) => l.startsWith('Match'));
    // Global settings stay key-only: the one "yes" is indented under the vxsadmin block.
    expect(lines.slice(0, firstMatch)).toContain('PasswordAuthentication no');
    expect(lines.slice(firstMatch)).toEqual([
      'Match User vxsadmin',
      '  PasswordAuthentication yes',
      'Match User vxsbare',
      '  SetEnv PATH=/usr/sbin:/sbin',
      '',
    ]);
    expect(lines.filter((l) => l.trim() === 'PasswordAuthentication yes')).toHaveLength(1);
  });

  it('derives the sshd settings from the lab users: password login from `login`, a PATH without sudo for not-on-path users', () => {
    const user = (name: string, login: LabUserState['login'], sudo: LabUserState['sudo']): LabUserState => ({
      name,
      uid: 1,
      gid: 1,
      home: '/h',
      login,
      sudo,
    });
    expect(
      sshdUsers([user('a', ['key', 'password'], 'nopasswd'), user('b', ['key'], 'password'), user('c', ['key'], 'not-on-path')]),
    ).toEqual([
      { name: 'a', password: true },
      { name: 'b', password: false },
      { name: 'c', password: false, path: PATH_WITHOUT_SUDO },
    ]);
  });

  it('writes known_hosts lines as "<address> <type> <key>" without the key comment', () => {
    expect(knownHostsLine('172.30.1.11', 'ssh-ed25519 AAAAC3Nza lab-key')).toBe('172.30.1.11 ssh-ed25519 AAAAC3Nza');
  });

  it("adds the host's own name on 127.0.1.1 to the machine's hosts file, also when it lacks a final newline", () => {
    expect(hostsFileText('127.0.0.1\tlocalhost\n', 'h1')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\th1\n');
    expect(hostsFileText('127.0.0.1\tlocalhost', 'h2')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\th2\n');
  });
});
