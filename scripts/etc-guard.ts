/**
 * "Nothing of this machine's /etc changes during the test suite": a fingerprint of a directory tree
 * (every path's type, mode, owner, size, mtime, symlink target, and a hash of each small file) taken
 * before the integration tests and compared after them (etc-guard.global-setup.ts). Lab hosts have a
 * private /etc (an overlay, electron/core/lab/host-ns.ts); a test or deploy that writes through to
 * the machine's files shows up here as a changed path.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Files up to this size are hashed too (a same-size, same-mtime rewrite still shows); bigger ones by size and mtime. */
export const HASH_LIMIT = 256 * 1024;

/** One path's fingerprint, as a single comparable line. */
export type Fingerprint = Map<string, string>;

async function entryLine(path: string): Promise<string> {
  const s = await lstat(path);
  const common = `mode=${(s.mode & 0o7777).toString(8)} uid=${s.uid} gid=${s.gid}`;
  if (s.isSymbolicLink()) return `link ${common} -> ${await readlink(path)}`;
  if (s.isDirectory()) return `dir ${common}`;
  if (!s.isFile()) return `special ${common} mtime=${s.mtimeMs}`;
  let hash = 'unhashed';
  if (s.size <= HASH_LIMIT) {
    try {
      hash = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    } catch (err) {
      hash = `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
    }
  }
  return `file ${common} size=${s.size} mtime=${s.mtimeMs} sha256=${hash}`;
}

/**
 * Fingerprints `root` and everything below it (symlinks are recorded, never followed). A path that
 * vanishes while being read is simply not in the result.
 */
export async function fingerprintTree(root: string): Promise<Fingerprint> {
  const result: Fingerprint = new Map();
  const walk = async (path: string): Promise<void> => {
    let line: string;
    try {
      line = await entryLine(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      line = `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
    }
    result.set(path, line);
    if (!line.startsWith('dir ')) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch {
      return;
    }
    for (const name of names.sort()) await walk(join(path, name));
  };
  await walk(root);
  return result;
}

/** Human-readable differences between two fingerprints: added, removed and changed paths, sorted. */
export function diffFingerprints(before: Fingerprint, after: Fingerprint): string[] {
  const lines: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (now === undefined) lines.push(`removed: ${path}`);
    else if (now !== was) lines.push(`changed: ${path} (was ${was}; now ${now})`);
  }
  for (const path of after.keys()) if (!before.has(path)) lines.push(`added:   ${path}`);
  return lines.sort((a, b) => a.slice(9).localeCompare(b.slice(9)));
}
