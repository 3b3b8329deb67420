import { describe, expect, it } from 'vitest';
import { formatLabUsers, formatTable } from './report';
import type { LabState } from './state';

describe('formatTable', () => {
  it('aligns columns to the widest cell and leaves no trailing spaces', () => {
    expect(
      formatTable(
        ['HOST', 'ADDRESS'],
        [
          ['h1', '172.30.1.11'],
          ['host-b', '1.2.3.4'],
        ],
      ),
    ).toBe(['HOST    ADDRESS', 'h1      172.30.1.11', 'host-b  1.2.3.4'].join('\n'));
  });
});

describe('formatLabUsers', () => {
  it("lists each lab user's login and what `sudo -n` does, says where the password is, and never prints it", () => {
    const state = {
      stateDir: '/run/vxlan-studio/labs/x',
      users: [
        {
          name: 'vxsadmin',
          uid: 46001,
          gid: 46001,
          home: '/h/a',
          login: ['key', 'password'],
          password: 'pw-never-shown',
          sudo: 'nopasswd',
        },
        { name: 'vxsnosudo', uid: 46002, gid: 46002, home: '/h/b', login: ['key'], sudo: 'password' },
      ],
    } as unknown as LabState;
    const text = formatLabUsers(state).join('\n');
    expect(text).toContain('vxsadmin   46001  key + password  runs as root (NOPASSWD: ALL)');
    expect(text).toContain('vxsnosudo  46002  key             fails: sudo wants a password');
    expect(text).toContain(
      'password of vxsadmin: "password" in users[] of /run/vxlan-studio/labs/x/lab.json (readable by root only)',
    );
    expect(text).not.toContain('pw-never-shown');
  });
});
