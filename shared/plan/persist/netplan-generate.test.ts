/**
 * The rendered netplan files, checked by netplan itself: netplan.io 0.106's generator (unpacked by
 * scripts/setup.sh, never installed) reads them next to an admin's own underlay file in a scratch
 * root (`--root-dir`, nothing under this machine's /etc or /run), must accept them, and must produce
 * the same VXLAN devices as our systemd-networkd rendering, bound to the underlay, and the generated
 * `.network` files our FDB drop-ins extend.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../model';
import { desiredHostState } from '../desired';
import { NETWORKD_DIR } from './networkd';
import { renderPersist } from './index';

const NETPLAN_ROOT = '/opt/vxlan-studio/netplan';
const GENERATE = `${NETPLAN_ROOT}/usr/libexec/netplan/generate`;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-netplan-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `Key=value` pairs of one section of an INI text, in order. */
function section(text: string, name: string): string[] {
  const start = text.indexOf(`[${name}]\n`);
  if (start < 0) return [];
  const rest = text.slice(start + name.length + 3);
  const end = rest.search(/^\[/m);
  return (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((l) => /^[A-Za-z]+=/.test(l));
}

const CASES = [
  { file: 'examples/textbook.vxlan.json', host: 'host-a', underlay: '192.168.1.10/24' },
  { file: 'examples/mesh.vxlan.json', host: 'host-1', underlay: '192.168.1.11/24' },
  { file: 'shared/observe/fixtures/mixed.vxlan.json', host: 'h1', underlay: '192.168.1.10/24' },
] as const;

describe('netplan generate accepts the rendered netplan files', () => {
  it('has the generator (run scripts/setup.sh)', () => {
    expect(existsSync(GENERATE), `${GENERATE} is missing: run scripts/setup.sh`).toBe(true);
  });

  it.each(CASES)('$file, host $host: generates the same VXLAN devices as the networkd rendering', ({ file, host, underlay }) => {
    const r = parseTopologyText(readFileSync(path.join(ROOT, file), 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const desired = desiredHostState(r.topology, host);
    const netplan = renderPersist(desired, 'netplan');
    const networkd = renderPersist(desired, 'systemd-networkd');
    const root = mkdtempSync(path.join(scratch, 'root-'));
    mkdirSync(path.join(root, 'etc/netplan'), { recursive: true });
    // The admin's own file for the underlay: ours names eth0 as `link:`, which netplan resolves across files.
    writeFileSync(
      path.join(root, 'etc/netplan/01-admin.yaml'),
      `network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [${underlay}]\n`,
      { mode: 0o600 },
    );
    const yaml = netplan.files.find((f) => f.path.startsWith('/etc/netplan/'));
    if (!yaml) throw new Error('no netplan yaml');
    expect(yaml.mode).toBe(0o600);
    writeFileSync(path.join(root, yaml.path), yaml.content, { mode: yaml.mode });

    execFileSync(GENERATE, ['--root-dir', root], {
      env: { ...process.env, LD_LIBRARY_PATH: `${NETPLAN_ROOT}/usr/lib/x86_64-linux-gnu` },
      stdio: 'pipe',
    });

    const generated = (name: string): string => readFileSync(path.join(root, 'run/systemd/network', name), 'utf8');
    const vxlans = desired.links.filter((l) => l.kind === 'vxlan');
    expect(vxlans.length).toBeGreaterThan(0);
    for (const link of vxlans) {
      const ours = networkd.files.find((f) => f.path === `${NETWORKD_DIR}/60-vxlan-studio-${link.name}.netdev`);
      expect(section(ours?.content ?? '', 'VXLAN')).toContain(`VNI=${link.vxlan?.vni}`);
      // Same VXLAN parameters; the spelling of booleans and our unbound-case Independent= aside.
      const norm = (lines: string[]): string[] =>
        lines
          .filter((l) => !l.startsWith('Independent='))
          .map((l) => l.replace(/=true$/, '=yes').replace(/=false$/, '=no'))
          .sort();
      expect(norm(section(generated(`10-netplan-${link.name}.netdev`), 'VXLAN'))).toEqual(
        norm(section(ours?.content ?? '', 'VXLAN')),
      );
      expect(section(generated(`10-netplan-${link.name}.netdev`), 'NetDev')).toContain(`Name=${link.name}`);
      if (link.master !== undefined)
        expect(section(generated(`10-netplan-${link.name}.network`), 'Network')).toContain(`Bridge=${link.master}`);
      expect(section(generated('10-netplan-eth0.network'), 'Network')).toContain(`VXLAN=${link.name}`);
    }
    // Every FDB drop-in of ours extends a .network file netplan really generates.
    for (const f of netplan.files.filter((x) => x.path.includes('.network.d/'))) {
      const base = path.basename(path.dirname(f.path)).replace(/\.d$/, '');
      expect(existsSync(path.join(root, 'run/systemd/network', base)), base).toBe(true);
    }
  });
});
