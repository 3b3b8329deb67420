import { describe, expect, it } from 'vitest';
import { knownHostsLine, sshdConfigText } from './sshd';

describe('lab sshd', () => {
  it('writes a config that listens only on the underlay address and lets root in by key only', () => {
    const text = sshdConfigText({
      hostName: 'h1',
      listenAddress: '172.30.1.11',
      hostKey: '/run/vxlan-studio/labs/x/hosts/h1/ssh_host_ed25519_key',
      pidFile: '/run/vxlan-studio/labs/x/hosts/h1/sshd.pid',
      authorizedKeys: '/run/vxlan-studio/labs/x/authorized_keys',
    });
    const lines = text.split('\n');
    for (const line of [
      'ListenAddress 172.30.1.11',
      'HostKey /run/vxlan-studio/labs/x/hosts/h1/ssh_host_ed25519_key',
      'PidFile /run/vxlan-studio/labs/x/hosts/h1/sshd.pid',
      'AuthorizedKeysFile /run/vxlan-studio/labs/x/authorized_keys',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'UsePAM no',
      'StrictModes no',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('writes known_hosts lines as "<address> <type> <key>" without the key comment', () => {
    expect(knownHostsLine('172.30.1.11', 'ssh-ed25519 AAAAC3Nza lab-key')).toBe('172.30.1.11 ssh-ed25519 AAAAC3Nza');
  });
});
