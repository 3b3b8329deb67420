import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityFileRefused, MAX_IDENTITY_FILE_BYTES, readIdentityFile } from './identity-file';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vxs-identity-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What readIdentityFile rejects with, within 5 s (a FIFO or /dev/zero must not hang the read). */
async function refusal(path: string): Promise<unknown> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`reading ${path} did not finish within 5 s`)), 5_000).unref(),
  );
  try {
    await Promise.race([readIdentityFile(path), timeout]);
  } catch (err) {
    return err;
  }
  throw new Error(`${path} was read`);
}

describe('readIdentityFile', () => {
  it('reads a real private key, also through a symlink, byte for byte', async () => {
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    symlinkSync(key, join(dir, 'link'));
    expect(await readIdentityFile(key)).toEqual(readFileSync(key));
    expect(await readIdentityFile(join(dir, 'link'))).toEqual(readFileSync(key));
  });

  it('reads a file of exactly the limit and refuses one byte more', async () => {
    writeFileSync(join(dir, 'at-limit'), Buffer.alloc(MAX_IDENTITY_FILE_BYTES, 0x41));
    writeFileSync(join(dir, 'over-limit'), Buffer.alloc(MAX_IDENTITY_FILE_BYTES + 1, 0x41));
    expect((await readIdentityFile(join(dir, 'at-limit'))).length).toBe(MAX_IDENTITY_FILE_BYTES);
    const err = await refusal(join(dir, 'over-limit'));
    expect(err).toBeInstanceOf(IdentityFileRefused);
    expect((err as Error).message).toMatch(/65537 bytes, larger than/);
  });

  it('refuses a 1 MiB file', async () => {
    writeFileSync(join(dir, 'big'), Buffer.alloc(1024 * 1024, 0x41));
    expect(await refusal(join(dir, 'big'))).toMatchObject({ message: expect.stringContaining('1048576 bytes') as string });
  });

  it('refuses /dev/zero, a FIFO and a directory at once, without reading them', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(dir, 'folder'));
    const zero = await refusal('/dev/zero');
    const pipe = await refusal(fifo);
    const folder = await refusal(join(dir, 'folder'));
    expect([zero, pipe, folder].every((e) => e instanceof IdentityFileRefused)).toBe(true);
    expect((zero as Error).message).toBe('it is a device, not a regular file');
    expect((pipe as Error).message).toBe('it is a named pipe (FIFO), not a regular file');
    expect((folder as Error).message).toBe('it is a directory, not a regular file');
  });

  it('passes on the errno of a file that cannot be opened', async () => {
    expect(await refusal(join(dir, 'missing'))).toMatchObject({ code: 'ENOENT' });
  });
});
