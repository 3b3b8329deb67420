import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSafeStorageSecretStore, SECRETS_FILE, type SafeStorageLike } from './secret-store';

/**
 * Stands in for Electron's safeStorage (its binary cannot run here): a reversible transform under a
 * per-instance key, so "another keychain" fails to decrypt like the real one does.
 */
function fakeSafeStorage(opts: { available?: boolean; backend?: string; key?: number } = {}): SafeStorageLike {
  const k = opts.key ?? 0x5a;
  return {
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (plain) => Buffer.concat([Buffer.from([k]), Buffer.from(plain, 'utf8').map((b) => b ^ k)]),
    decryptString: (blob) => {
      if (blob[0] !== k) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(blob.subarray(1).map((b) => b ^ k)).toString('utf8');
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-secrets-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('safeStorage secret store', () => {
  it('gives back a remembered secret, and the file on disk holds only the encrypted blob, owner-only', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage(), dir);
    await store.set('password:admin@10.0.0.1', 'correct horse battery');
    expect(await store.get('password:admin@10.0.0.1')).toBe('correct horse battery');
    const text = await fs.readFile(path.join(dir, SECRETS_FILE), 'utf8');
    expect(text).not.toContain('correct horse');
    expect(JSON.parse(text)).toMatchObject({ version: 1, secrets: { 'password:admin@10.0.0.1': expect.any(String) as string } });
    expect((await fs.stat(path.join(dir, SECRETS_FILE))).mode & 0o777).toBe(0o600);
  });

  it('survives a restart of the app (a new store over the same folder)', async () => {
    await createSafeStorageSecretStore(fakeSafeStorage(), dir).set('passphrase:/home/a/.ssh/id', 'pp');
    expect(await createSafeStorageSecretStore(fakeSafeStorage(), dir).get('passphrase:/home/a/.ssh/id')).toBe('pp');
  });

  it('keeps both of two secrets saved at the same time', async () => {
    const store = createSafeStorageSecretStore(fakeSafeStorage(), dir);
    await Promise.all([store.set('password:a@h1', 'one'), store.set('password:b@h2', 'two')]);
    expect([await store.get('password:a@h1'), await store.get('password:b@h2')]).toEqual(['one', 'two']);
  });

  it('treats a blob from another keychain or a damaged file as not remembered, so the user is asked', async () => {
    await createSafeStorageSecretStore(fakeSafeStorage({ key: 1 }), dir).set('password:a@h1', 'one');
    expect(await createSafeStorageSecretStore(fakeSafeStorage({ key: 2 }), dir).get('password:a@h1')).toBeUndefined();
    await fs.writeFile(path.join(dir, SECRETS_FILE), '{not json');
    expect(await createSafeStorageSecretStore(fakeSafeStorage(), dir).get('password:a@h1')).toBeUndefined();
  });

  it('is unavailable and refuses to save without real OS encryption (none, or Linux basic_text)', async () => {
    for (const safe of [fakeSafeStorage({ available: false }), fakeSafeStorage({ backend: 'basic_text' })]) {
      const store = createSafeStorageSecretStore(safe, dir);
      expect(store.isAvailable?.()).toBe(false);
      await expect(store.set('password:a@h1', 'one')).rejects.toThrow(/not available/);
      expect(await store.get('password:a@h1')).toBeUndefined();
    }
    await expect(fs.access(path.join(dir, SECRETS_FILE))).rejects.toThrow();
  });
});
