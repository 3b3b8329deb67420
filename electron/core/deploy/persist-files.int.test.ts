/**
 * The commands that write and remove a network manager file on a host, run for real (as root, as
 * the deploy runs them: one shell line from `argvToShell`) on files in a temporary directory: the
 * write is atomic with the asked mode and root ownership, and a file without our mark is never
 * written over or removed.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { argvToShell } from '../../../shared/plan';
import { PERSIST_MARK_PREFIX } from '../../../shared/plan/persist/types';
import { removeFileArgv, writeFileArgv } from './persist';

const dir = mkdtempSync(join(tmpdir(), 'vxs-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one command the way the step script does: its `argvToShell` line in `sh`. */
function run(argv: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', argvToShell(argv)], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const id = 'lab-7';
const ours = (body: string): string => `${PERSIST_MARK_PREFIX} for vxlan-studio:${id}\n${body}`;

describe('writing and removing network manager files on a host', () => {
  it('writes the exact content with the mode and root ownership, leaving no temp file behind', () => {
    const path = join(dir, '60-vxlan-studio-vxlan100.netdev');
    const content = ours("[NetDev]\nName=vxlan100\nDescription=it's $(not) `run`\n\n");
    expect(run(writeFileArgv(path, content, 0o600, id)).status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(content);
    const st = statSync(path);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o600, 0, 0]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    // Written again over our own file: replaced.
    expect(run(writeFileArgv(path, ours('v2\n'), 0o644, id)).status).toBe(0);
    expect([readFileSync(path, 'utf8'), statSync(path).mode & 0o777]).toEqual([ours('v2\n'), 0o644]);
  });

  it('never writes over or removes a file without our mark, nor one of another drawing', () => {
    const admin = join(dir, '10-eth0.network');
    writeFileSync(admin, '[Match]\nName=eth0\n');
    const w = run(writeFileArgv(admin, ours('x\n'), 0o644, id));
    expect(w.status).toBe(3);
    expect(w.stderr).toContain('was not written by VXLAN Studio');
    expect(run(removeFileArgv(admin, id)).status).toBe(3);
    const other = join(dir, '60-other.netdev');
    writeFileSync(other, `${PERSIST_MARK_PREFIX} for vxlan-studio:${id}-2\n`);
    expect(run(writeFileArgv(other, ours('x\n'), 0o644, id)).status).toBe(3);
    expect(run(removeFileArgv(other, id)).status).toBe(3);
    expect(readFileSync(admin, 'utf8')).toBe('[Match]\nName=eth0\n');
    expect(readFileSync(other, 'utf8')).toBe(`${PERSIST_MARK_PREFIX} for vxlan-studio:${id}-2\n`);
  });

  it('never writes through a symlink, even one pointing at a file of ours', () => {
    const target = join(dir, 'target.netdev');
    writeFileSync(target, ours('t\n'));
    const link = join(dir, 'link.netdev');
    symlinkSync(target, link);
    expect(run(writeFileArgv(link, ours('x\n'), 0o644, id)).status).toBe(3);
    expect(run(removeFileArgv(link, id)).status).toBe(3);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(ours('t\n'));
  });

  it('removes our file, and a file already gone is not an error', () => {
    const path = join(dir, '60-gone.netdev');
    writeFileSync(path, ours('g\n'));
    expect(run(removeFileArgv(path, id)).status).toBe(0);
    expect(readdirSync(dir)).not.toContain('60-gone.netdev');
    expect(run(removeFileArgv(path, id)).status).toBe(0);
  });

  it('reads the mark as the renderers write it, with the owner in parentheses', () => {
    const path = join(dir, '60-paren.netdev');
    const mine = `${PERSIST_MARK_PREFIX} (vxlan-studio:${id}); do not edit\n[NetDev]\n`;
    writeFileSync(path, `${PERSIST_MARK_PREFIX} (vxlan-studio:${id}-2); do not edit\n`);
    expect(run(writeFileArgv(path, mine, 0o644, id)).status).toBe(3);
    writeFileSync(path, mine);
    expect(run(writeFileArgv(path, `${mine}x\n`, 0o644, id)).status).toBe(0);
    expect(run(removeFileArgv(path, id)).status).toBe(0);
  });

  it('makes a missing drop-in directory next to a manager file, and only that', () => {
    const path = join(dir, '10-eth0.network.d', '60-vxlan-studio.conf');
    expect(run(writeFileArgv(path, ours('[Network]\nVXLAN=vxlan100\n'), 0o644, id)).status).toBe(0);
    expect(statSync(join(dir, '10-eth0.network.d')).mode & 0o777).toBe(0o755);
    expect(run(writeFileArgv(join(dir, 'a', 'b.d', 'f'), ours('x\n'), 0o644, id)).status).toBe(4);
  });

  it('fails clearly when the directory does not exist (the manager is not installed)', () => {
    const r = run(writeFileArgv(join(dir, 'missing', 'f'), ours('x\n'), 0o644, id));
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('does not exist');
  });
});
