import { describe, expect, it } from 'vitest';
import { LabError } from './preflight';
import { etcBindMounts, LAB_USERS, labAccountFiles, labEtcPaths, type AccountFiles, type LabUserEntry } from './users';

const machine: AccountFiles = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n',
  shadow: 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n',
  group: 'root:x:0:\nshadow:x:42:\n',
  sudoers: 'Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n',
};

const spec = (name: string): LabUserEntry['spec'] => {
  const s = LAB_USERS.find((u) => u.name === name);
  if (!s) throw new Error(`no lab user ${name}`);
  return s;
};
const entries: LabUserEntry[] = [
  { spec: spec('vxsadmin'), home: '/run/vxlan-studio/labs/x/home/vxsadmin', passwordHash: '$6$salt$hash' },
  { spec: spec('vxsnosudo'), home: '/run/vxlan-studio/labs/x/home/vxsnosudo' },
  { spec: spec('vxsbare'), home: '/run/vxlan-studio/labs/x/home/vxsbare' },
];

describe('lab users', () => {
  it('are vxsadmin (password and key, sudo without a password), vxsnosudo (sudo wants a password) and vxsbare (no sudo on its PATH), with uids from 46001', () => {
    expect(LAB_USERS.map((u) => [u.name, u.uid, u.login.join('+'), u.sudo])).toEqual([
      ['vxsadmin', 46001, 'key+password', 'nopasswd'],
      ['vxsnosudo', 46002, 'key', 'password'],
      ['vxsbare', 46003, 'key', 'not-on-path'],
    ]);
  });

  it("keeps every line of the machine's account files and appends one line per user", () => {
    const files = labAccountFiles(machine, entries, 20000);
    expect(files.passwd).toBe(
      `${machine.passwd}` +
        'vxsadmin:x:46001:46001:VXLAN Studio lab user:/run/vxlan-studio/labs/x/home/vxsadmin:/bin/sh\n' +
        'vxsnosudo:x:46002:46002:VXLAN Studio lab user:/run/vxlan-studio/labs/x/home/vxsnosudo:/bin/sh\n' +
        'vxsbare:x:46003:46003:VXLAN Studio lab user:/run/vxlan-studio/labs/x/home/vxsbare:/bin/sh\n',
    );
    // A password hash only for vxsadmin; "*" matches no password, yet (unlike "!") does not lock key login.
    expect(files.shadow).toBe(
      `${machine.shadow}vxsadmin:$6$salt$hash:20000:0:99999:7:::\nvxsnosudo:*:20000:0:99999:7:::\nvxsbare:*:20000:0:99999:7:::\n`,
    );
    expect(files.group).toBe(`${machine.group}vxsadmin:x:46001:\nvxsnosudo:x:46002:\nvxsbare:x:46003:\n`);
  });

  it('puts the sudo rules after everything the machine has, so they are the last match: NOPASSWD for vxsadmin, a password for vxsnosudo', () => {
    const sudoers = labAccountFiles(machine, entries, 20000).sudoers ?? '';
    expect(sudoers.startsWith(machine.sudoers ?? '-')).toBe(true);
    expect(
      sudoers
        .slice((machine.sudoers ?? '').length)
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#')),
    ).toEqual(['vxsadmin ALL=(ALL:ALL) NOPASSWD: ALL', 'vxsnosudo ALL=(ALL:ALL) ALL']);
  });

  it('writes no sudoers copy when the machine has no sudo', () => {
    const { sudoers: _none, ...withoutSudo } = machine;
    expect(labAccountFiles(withoutSudo, entries, 20000).sudoers).toBeUndefined();
    expect(etcBindMounts(labEtcPaths('/s', false)).map(([, target]) => target)).toEqual([
      '/etc/passwd',
      '/etc/shadow',
      '/etc/group',
    ]);
  });

  it('replaces a lab user already on the machine instead of listing it twice', () => {
    const stale: AccountFiles = {
      passwd: `${machine.passwd}vxsadmin:x:46001:46001::/old:/bin/bash\n`,
      shadow: `${machine.shadow}vxsadmin:!:1:0:99999:7:::\n`,
      group: `${machine.group}vxsadmin:x:46001:\n`,
    };
    const files = labAccountFiles(stale, entries, 20000);
    expect(files.passwd.split('\n').filter((l) => l.startsWith('vxsadmin:'))).toEqual([
      'vxsadmin:x:46001:46001:VXLAN Studio lab user:/run/vxlan-studio/labs/x/home/vxsadmin:/bin/sh',
    ]);
    expect(files.shadow.split('\n').filter((l) => l.startsWith('vxsadmin:'))).toEqual([
      'vxsadmin:$6$salt$hash:20000:0:99999:7:::',
    ]);
  });

  it('refuses to give a lab user a uid or gid that another account on the machine has, naming both', () => {
    const taken = { ...machine, passwd: `${machine.passwd}alice:x:46002:100::/home/alice:/bin/bash\n` };
    expect(() => labAccountFiles(taken, entries, 20000)).toThrow(LabError);
    expect(() => labAccountFiles(taken, entries, 20000)).toThrow(
      /vxsnosudo needs id 46002, but \/etc\/passwd on this machine gives it to "alice"/,
    );
    const group = { ...machine, group: `${machine.group}staff2:x:46003:\n` };
    expect(() => labAccountFiles(group, entries, 20000)).toThrow(
      /vxsbare needs id 46003, but \/etc\/group on this machine gives it to "staff2"/,
    );
  });

  it('bind-mounts each copy from the state dir over the file of the same name in /etc', () => {
    expect(etcBindMounts(labEtcPaths('/run/vxlan-studio/labs/x', true))).toEqual([
      ['/run/vxlan-studio/labs/x/etc/passwd', '/etc/passwd'],
      ['/run/vxlan-studio/labs/x/etc/shadow', '/etc/shadow'],
      ['/run/vxlan-studio/labs/x/etc/group', '/etc/group'],
      ['/run/vxlan-studio/labs/x/etc/sudoers', '/etc/sudoers'],
    ]);
    expect(etcBindMounts(undefined)).toEqual([]);
  });
});
