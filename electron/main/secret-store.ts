/**
 * Secrets the user asked to remember (SSH passwords and key passphrases), encrypted
 * with Electron safeStorage (the OS keychain: Keychain, DPAPI, libsecret/kwallet) and kept in
 * userData/secrets.json as a JSON map of base64 blobs. Never in the topology file, logs or renderer.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecretStore } from '../core/backend';
import { readTextFile, writeFileAtomic } from '../core/backend/files';

/** The part of Electron's `safeStorage` the store uses (a fake in tests: the Electron binary can't run there). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring, i.e. a hard-coded key, which is not encryption. */
  getSelectedStorageBackend?: () => string;
}

export const SECRETS_FILE = 'secrets.json';

const StoredSchema = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) });

/**
 * A safeStorage-backed store. Availability is checked at each use, because safeStorage only answers
 * after Electron's `ready` event: without real encryption the app never offers "remember", finds
 * nothing remembered, and refuses to save.
 */
export function createSafeStorageSecretStore(safeStorage: SafeStorageLike, dataDir: string): SecretStore {
  const available = (): boolean =>
    safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  const file = path.join(dataDir, SECRETS_FILE);
  let tail: Promise<unknown> = Promise.resolve();

  /** The stored map; a missing or damaged file reads as empty (a remembered secret is only a convenience). */
  async function readMap(): Promise<Record<string, string>> {
    try {
      const parsed = StoredSchema.safeParse(JSON.parse(await readTextFile(file, 1024 * 1024)));
      return parsed.success ? parsed.data.secrets : {};
    } catch {
      return {};
    }
  }

  return {
    isAvailable: available,
    async get(key) {
      if (!available()) return undefined;
      const blob = (await readMap())[key];
      if (blob === undefined) return undefined;
      try {
        return safeStorage.decryptString(Buffer.from(blob, 'base64'));
      } catch {
        // Encrypted under another OS user or keyring: as if not remembered, so the user is asked.
        return undefined;
      }
    },
    set(key, secret) {
      if (!available())
        return Promise.reject(new Error('OS encryption (safeStorage) is not available; the secret was not saved'));
      // Serialised read-modify-write so two answers never lose each other.
      const run = tail.then(async () => {
        const secrets = await readMap();
        secrets[key] = safeStorage.encryptString(secret).toString('base64');
        await fs.mkdir(dataDir, { recursive: true });
        // Created owner-only before the first write; writeFileAtomic keeps an existing file's mode.
        await fs.writeFile(file, '', { flag: 'a', mode: 0o600 });
        await writeFileAtomic(file, `${JSON.stringify({ version: 1, secrets }, null, 2)}\n`);
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
