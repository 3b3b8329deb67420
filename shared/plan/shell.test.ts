/**
 * The quoting helper's output stays readable (plain tokens unquoted) and the script wrapper keeps
 * free text inside comments. Shell-level safety is proven with a real sh in injection.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { argvToShell, hostScript, quoteShellArg, shellComment, stepLine, type HostPlan } from './index';

describe('argvToShell', () => {
  it('leaves plain tokens unquoted so commands read like the primer', () => {
    expect(
      argvToShell([
        'ip',
        'link',
        'add',
        'vxlan100',
        'type',
        'vxlan',
        'id',
        '100',
        'remote',
        '192.168.1.20',
        'dev',
        'eth0',
        'dstport',
        '4789',
      ]),
    ).toBe('ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789');
    expect(argvToShell(['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan100', 'dst', 'fd00::2'])).toBe(
      'bridge fdb append 00:00:00:00:00:00 dev vxlan100 dst fd00::2',
    );
  });

  it("quotes with POSIX single quotes and writes ' as '\\''", () => {
    expect(quoteShellArg("it's")).toBe("'it'\\''s'");
    expect(quoteShellArg('')).toBe("''");
    expect(quoteShellArg('a b')).toBe("'a b'");
    expect(quoteShellArg('$(x)')).toBe("'$(x)'");
  });

  it('quotes words a shell would read as syntax or assignment', () => {
    expect(argvToShell(['if', 'a=b', '~', '#x'])).toBe("'if' 'a=b' '~' '#x'");
  });

  it('refuses an empty command', () => {
    expect(() => argvToShell([])).toThrow(/empty command/);
  });
});

describe('hostScript', () => {
  const plan: HostPlan = {
    hostId: 'a',
    hostName: 'evil\nreboot',
    diagnostics: [],
    steps: [
      {
        argv: ['ip', 'link', 'del', 'vxlan100'],
        description: 'delete\nrm -rf /',
        inverse: [],
        kind: 'link-del',
        target: 'vxlan100',
        guards: [{ kind: 'owned', ifname: 'vxlan100', alias: 'vxlan-studio:t' }],
      },
    ],
  };

  it('keeps host names and descriptions with newlines inside their comment line', () => {
    const script = hostScript(plan);
    expect(
      script.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('set -e') && !l.startsWith('if ')),
    ).toEqual([]);
    expect(shellComment('a\nb\u2028c')).toBe('# a?b?c');
  });

  it('starts with a shebang and set -e, and wraps guarded steps in an if', () => {
    const lines = hostScript(plan).split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain('set -e');
    expect(stepLine(plan.steps[0]!, { sudo: true })).toBe(
      'if [ "$(cat /sys/class/net/vxlan100/ifalias 2>/dev/null)" = vxlan-studio:t ]; then sudo -n ip link del vxlan100; fi',
    );
  });

  it('says so when a host has nothing to do', () => {
    expect(hostScript({ ...plan, steps: [] })).toContain('\n# nothing to do\n');
  });
});
