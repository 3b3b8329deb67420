import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HOST_NS_SCRIPT, hostNsArgv, hostRootPaths, keptRunDir } from './host-ns';

const host = (config: string): { sshd: { config: string; pidFile: string; hostKey: string; log: string } } => ({
  sshd: { config, pidFile: '', hostKey: '', log: '' },
});

describe("a lab host's private namespace", () => {
  it("keeps the host's layers next to its sshd files in the lab state dir", () => {
    expect(hostRootPaths(host('/run/vxlan-studio/labs/demo/hosts/h1/sshd_config'))).toEqual({
      dir: '/run/vxlan-studio/labs/demo/hosts/h1/root',
      etcUpper: '/run/vxlan-studio/labs/demo/hosts/h1/root/etc-upper',
      etcWork: '/run/vxlan-studio/labs/demo/hosts/h1/root/etc-work',
      varLibUpper: '/run/vxlan-studio/labs/demo/hosts/h1/root/var-lib-upper',
      varLibWork: '/run/vxlan-studio/labs/demo/hosts/h1/root/var-lib-work',
      run: '/run/vxlan-studio/labs/demo/hosts/h1/root/run',
      holderPidFile: '/run/vxlan-studio/labs/demo/hosts/h1/root/holder.pid',
    });
  });

  it('binds back the top of the lab state under /run, and nothing for a state dir elsewhere', () => {
    expect(keptRunDir(host('/run/vxlan-studio/labs/demo/hosts/h1/sshd_config'))).toBe('/run/vxlan-studio');
    expect(keptRunDir(host('/run/other/h1/sshd_config'))).toBe('/run/other');
    expect(keptRunDir(host('/tmp/labs/demo/hosts/h1/sshd_config'))).toBe('');
    expect(keptRunDir(host('/run/sshd_config'))).toBe('');
  });

  it('enters the network, mount and UTS namespaces of the holder', () => {
    expect(hostNsArgv({ nsenter: '/usr/bin/nsenter' }, 4242, ['cat', '/etc/hostname'])).toEqual([
      '/usr/bin/nsenter',
      '-t',
      '4242',
      '-n',
      '-m',
      '-u',
      '--',
      'cat',
      '/etc/hostname',
    ]);
  });

  it('builds the namespace with a script the shell accepts', () => {
    const check = spawnSync('/bin/sh', ['-n', '-c', HOST_NS_SCRIPT], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
