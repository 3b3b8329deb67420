/**
 * `vxlan-studio plan` as a user runs it: the real bin script in a child process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBinSync, type BinResult } from './run-bin.testing';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-plan-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (...args: string[]): BinResult => runBinSync(['plan', ...args]);

describe('vxlan-studio plan', () => {
  it("prints host A's runnable script with the primer's commands", () => {
    const r = cli('examples/textbook.vxlan.json', '--host', 'host-a', '--format', 'sh');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain('# Run on that host as root: ssh root@192.168.1.10');
    expect(lines).toContain('set -e');
    for (const l of [
      'ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789',
      'ip link add br-overlay type bridge',
      'ip link set vxlan100 master br-overlay',
      'ip addr add 10.0.0.1/24 dev br-overlay',
      'ip link set vxlan100 up',
      'ip link set br-overlay up',
    ]) {
      expect(lines).toContain(l);
    }
    expect(r.stdout).not.toContain('host-b');
    // The output is a valid sh script.
    execFileSync('sh', ['-n'], { input: r.stdout });
  });

  it('prints every host in sequence, each a separate script, when --host is omitted', () => {
    const r = cli('examples/textbook.vxlan.json');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^#!\/bin\/sh$/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/# end of plan for host host-a\n\n#!\/bin\/sh\n# VXLAN Studio plan for host host-b/);
  });

  it('prints a stable JSON object with argv, shell line and inverse per step', () => {
    const r = cli('examples/textbook.vxlan.json', '--host', 'host-b', '--format', 'json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      format: string;
      version: number;
      teardown: boolean;
      hosts: Array<{
        hostName: string;
        ssh: { host: string };
        steps: Array<{ argv: string[]; shell: string; inverse: Array<{ shell: string }> }>;
      }>;
    };
    expect(out).toMatchObject({ format: 'vxlan-studio-plan', version: 1, teardown: false });
    expect(out.hosts.map((h) => h.hostName)).toEqual(['host-b']);
    const add = out.hosts[0]?.steps.find((s) => s.argv.includes('vxlan') && s.argv[2] === 'add');
    expect(add?.shell).toBe('ip link add vxlan100 type vxlan id 100 remote 192.168.1.10 dev eth0 dstport 4789');
    expect(add?.inverse.map((i) => i.shell)).toEqual(['ip link del vxlan100']);
  });

  it('prints a guarded teardown with --teardown', () => {
    const r = cli('examples/textbook.vxlan.json', '--host', 'host-a', '--teardown');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'if [ "$(cat /sys/class/net/vxlan100/ifalias 2>/dev/null)" = vxlan-studio:textbook ]; then ip link del vxlan100; fi',
    );
    expect(r.stdout).not.toContain('ip link add');
  });

  it('exits 2 and lists the host names for an unknown host', () => {
    const r = cli('examples/textbook.vxlan.json', '--host', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--host "nope" is not a host of this topology; hosts: host-a, host-b');
    expect(r.stdout).toBe('');
  });

  it('exits 2 with the field path for an invalid file', () => {
    const file = path.join(scratch, 'bad.vxlan.json');
    writeFileSync(file, JSON.stringify({ format: 1, id: 'bad', name: 'Bad', segments: [{ id: 's', name: 's', vni: 0 }] }));
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('segments[0].vni: must be 1-16777215');
  });

  it('exits 2 naming the field when a plan cannot be made (peer underlay address "auto")', () => {
    const file = path.join(scratch, 'auto.vxlan.json');
    const host = (id: string, address: string): object => ({
      id,
      name: id,
      ssh: { host: id },
      underlay: { interface: 'eth0', address },
    });
    writeFileSync(
      file,
      JSON.stringify({
        format: 1,
        id: 'auto',
        name: 'Auto',
        hosts: [host('a', '192.0.2.1'), host('b', 'auto')],
        segments: [{ id: 's', name: 's', vni: 5, flood: { mode: 'point-to-point' } }],
        memberships: [
          { id: 'm1', hostId: 'a', segmentId: 's' },
          { id: 'm2', hostId: 'b', segmentId: 's' },
        ],
      }),
    );
    const r = cli(file, '--host', 'a');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('hosts[1].underlay.address');
  });

  it('exits 2 for a missing file and for a bad --format', () => {
    expect(cli(path.join(scratch, 'none.json')).stderr).toContain('no such file');
    const r = cli('examples/textbook.vxlan.json', '--format', 'yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--format must be sh or json');
  });
});

describe('vxlan-studio plan --format networkd|netplan|ifupdown2|ifupdown|nm', () => {
  /** The printed files: header line (host, path, mode) -> content. */
  function files(stdout: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const part of stdout.split(/^(?=# ==> host )/m)) {
      const nl = part.indexOf('\n');
      out.set(part.slice(0, nl), part.slice(nl + 1));
    }
    return out;
  }

  it("prints host A's systemd-networkd files, each under a header naming host, path and mode, then the reload", () => {
    const r = cli('examples/textbook.vxlan.json', '--host', 'host-a', '--format', 'networkd');
    expect(r.status).toBe(0);
    const printed = files(r.stdout);
    expect([...printed.keys()]).toEqual([
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-br-overlay.netdev (mode 0644)',
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-br-overlay.network (mode 0644)',
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-br-overlay.link (mode 0644)',
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-vxlan100.netdev (mode 0644)',
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-vxlan100.network (mode 0644)',
      '# ==> host host-a: /etc/systemd/network/60-vxlan-studio-vxlan100.link (mode 0644)',
      '# ==> host host-a: then run',
    ]);
    expect(printed.get('# ==> host host-a: /etc/systemd/network/60-vxlan-studio-vxlan100.netdev (mode 0644)')).toContain(
      '[VXLAN]\nVNI=100\nRemote=192.168.1.20\nDestinationPort=4789\n',
    );
    expect(printed.get('# ==> host host-a: then run')).toBe('networkctl reload\n');
    expect(r.stdout).not.toContain('host-b');
  });

  it('prints the 0600 netplan yaml and NetworkManager keyfiles, and every host when --host is omitted', () => {
    const netplan = files(cli('examples/textbook.vxlan.json', '--format', 'netplan').stdout);
    expect([...netplan.keys()].filter((k) => k.includes('/etc/netplan/'))).toEqual([
      '# ==> host host-a: /etc/netplan/60-vxlan-studio-textbook.yaml (mode 0600)',
      '# ==> host host-b: /etc/netplan/60-vxlan-studio-textbook.yaml (mode 0600)',
    ]);
    const nm = cli('examples/textbook.vxlan.json', '--host', 'host-b', '--format', 'nm');
    expect(nm.status).toBe(0);
    expect(nm.stdout).toContain(
      '# ==> host host-b: /etc/NetworkManager/system-connections/vxlan-studio-vxlan100.nmconnection (mode 0600)\n',
    );
    expect(nm.stdout).toContain('[vxlan]\nid=100\nremote=192.168.1.10\n');
  });

  it('prints the runtime plan lines under pre-up/up for classic ifupdown, and a note for a host with persist "none"', () => {
    const file = path.join(scratch, 'none.vxlan.json');
    const t = JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')) as { hosts: Array<{ persist: string }> };
    (t.hosts[1] as { persist: string }).persist = 'none';
    writeFileSync(file, JSON.stringify(t));
    const r = cli(file, '--format', 'ifupdown');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('    pre-up ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789\n');
    expect(r.stdout).toContain('# ==> host host-b: persist is "none": runtime only, no files (the overlay is lost at reboot)\n');
    expect(r.stdout).not.toContain('# ==> host host-b: /etc');
  });

  it('exits 2 with a usage error for an unknown manager and for --teardown with a manager format', () => {
    const bad = cli('examples/textbook.vxlan.json', '--format', 'systemd');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('or networkd, netplan, ifupdown2, ifupdown, nm (a network manager\'s files), got "systemd"');
    const teardown = cli('examples/textbook.vxlan.json', '--format', 'nm', '--teardown');
    expect(teardown.status).toBe(2);
    expect(teardown.stderr).toContain('--teardown prints the teardown script; it has no nm files');
  });

  it('exits 2 naming the interface when a name would be read as syntax by the manager', () => {
    const file = path.join(scratch, 'glob.vxlan.json');
    const t = JSON.parse(readFileSync('examples/textbook.vxlan.json', 'utf8')) as { memberships: Array<{ device?: string }> };
    for (const m of t.memberships) m.device = 'vx*100';
    writeFileSync(file, JSON.stringify(t));
    const r = cli(file, '--host', 'host-a', '--format', 'networkd');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"vx*100" cannot be written into systemd-networkd files');
    expect(r.stdout).not.toContain('/etc/systemd/network/');
  });
});
