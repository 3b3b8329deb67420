/**
 * SSH credentials asked through the API (never stored in the drawing): the pool's `passphrase`/`password`/
 * `sudoPassword` callbacks become `hosts.credentialPrompt` events answered by `hosts.answerCredential`.
 *
 * Secrets never go into an event, an error or a log; answers stay in memory for the pool's life
 * (so a second connection to the same host does not ask again) and go to the optional encrypted
 * `SecretStore` only when the user ticked "remember" and the secret proved right: a passphrase that
 * decrypts its key file, a password once the host accepted it (the pool's `ready` event), a sudo
 * password once sudo accepted it (the pool's `sudo-auth` event; a refused one is forgotten).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { EventName, EventOf } from '../../../shared/api/contract';
import type { SshCredentials, SshEvent } from '../ssh';

/** An encrypted secret store (Electron safeStorage in the desktop app; none in web mode). */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, secret: string): Promise<void>;
  /** False while the store cannot encrypt (then "remember" is not offered); absent = always available. */
  isAvailable?(): boolean;
}

export interface CredentialPromptOptions {
  emit: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  secretStore?: SecretStore | undefined;
  /** Seconds a question waits before counting as "cancel"; default 300 (like the host-key prompt). */
  timeoutSeconds?: number | undefined;
}

export interface CredentialPrompts {
  credentials: SshCredentials;
  /** Feed the pool's events here: a `ready` endpoint confirms a password (and saves it when asked to). */
  onSshEvent(event: SshEvent): void;
  /**
   * The user's answer; false when the prompt is unknown (already answered or timed out). `forAllHosts`
   * (sudo passwords only): the same password answers every other open sudo question and later ones.
   */
  answer(promptId: string, secret: string | null, remember: boolean, forAllHosts?: boolean): boolean;
  /** Cancels every open question (on close). */
  cancelAll(): void;
}

/** `user@host` as in the pool's endpoint labels ([...] around IPv6 literals). */
function userAtHost(user: string, host: string): string {
  return `${user}@${host.includes(':') ? `[${host}]` : host}`;
}

/** True when `passphrase` decrypts the private key in `path` (checked locally, before any server sees it). */
async function passphraseOpens(path: string, passphrase: string): Promise<boolean> {
  try {
    return !(ssh2.utils.parseKey(await readFile(path), passphrase) instanceof Error);
  } catch {
    return false;
  }
}

export function createCredentialPrompts(options: CredentialPromptOptions): CredentialPrompts {
  const store = options.secretStore;
  const canRemember = (): boolean => store !== undefined && (store.isAvailable?.() ?? true);
  const open = new Map<string, (secret: string | null, remember: boolean) => void>();
  // Open sudo questions (answered all at once by a "same for every host" answer).
  const openSudo = new Set<string>();
  // A "same for every host" sudo password: tried on hosts that have none of their own.
  let sudoForAll: { secret: string; remember: boolean } | undefined;
  // Sudo passwords handed out whose check has not come back yet (the pool's `sudo-auth` event).
  const sudoUnconfirmed = new Map<string, { secret: string; remember: boolean }>();
  // Answers of this pool's life, by store key; never logged or emitted.
  const memory = new Map<string, string>();
  // Passwords handed out without asking whose connection has not become ready yet: a second ask
  // before `ready` means the host refused it, so the user is asked instead.
  const unconfirmed = new Map<string, { endpointPrefix: string; secret: string; remember: boolean }>();

  const ask = (
    payload: Omit<EventOf<'hosts.credentialPrompt'>, 'promptId' | 'canRemember'>,
    opened?: (promptId: string) => void,
  ): Promise<{ secret: string; remember: boolean } | undefined> =>
    new Promise((resolve) => {
      const promptId = randomUUID();
      opened?.(promptId);
      const finish = (secret: string | null, remember: boolean): void => {
        clearTimeout(timer);
        open.delete(promptId);
        openSudo.delete(promptId);
        resolve(secret === null ? undefined : { secret, remember: remember && canRemember() });
      };
      const timer = setTimeout(() => finish(null, false), (options.timeoutSeconds ?? 300) * 1000);
      open.set(promptId, finish);
      options.emit('hosts.credentialPrompt', { promptId, ...payload, canRemember: canRemember() });
    });

  const known = async (key: string): Promise<string | undefined> =>
    memory.get(key) ?? (await store?.get(key).catch(() => undefined));

  const credentials: SshCredentials = {
    passphrase: async (host, path) => {
      const key = `passphrase:${path}`;
      const saved = await known(key);
      if (saved !== undefined && (await passphraseOpens(path, saved))) return saved;
      const answer = await ask({ kind: 'passphrase', host, keyPath: path });
      if (answer === undefined) return undefined;
      // A wrong passphrase is neither kept nor saved; the pool reports it as SSH_AUTH_FAILED.
      if (await passphraseOpens(path, answer.secret)) {
        memory.set(key, answer.secret);
        if (answer.remember) await store?.set(key, answer.secret).catch(() => undefined);
      }
      return answer.secret;
    },
    sudoPassword: async (host, user) => {
      const who = userAtHost(user, host);
      const key = `sudo:${who}`;
      const saved = (await known(key)) ?? sudoForAll?.secret;
      if (saved !== undefined) {
        sudoUnconfirmed.set(who, { secret: saved, remember: false });
        return saved;
      }
      // A "same for every host" answer to another question also answers this one (see `answer`).
      const answer = await ask({ kind: 'sudo-password', host, user }, (promptId) => openSudo.add(promptId));
      if (answer === undefined) return undefined;
      sudoUnconfirmed.set(who, answer);
      return answer.secret;
    },
    password: async (host, user) => {
      const who = userAtHost(user, host);
      const key = `password:${who}`;
      const pending = unconfirmed.get(key);
      unconfirmed.delete(key);
      if (pending === undefined) {
        const saved = await known(key);
        if (saved !== undefined) {
          unconfirmed.set(key, { endpointPrefix: `${who}:`, secret: saved, remember: false });
          return saved;
        }
      }
      if (pending !== undefined) memory.delete(key);
      const answer = await ask({ kind: 'password', host, user });
      if (answer === undefined) return undefined;
      unconfirmed.set(key, { endpointPrefix: `${who}:`, secret: answer.secret, remember: answer.remember });
      return answer.secret;
    },
  };

  return {
    credentials,
    onSshEvent(event) {
      if (event.kind === 'sudo-auth') {
        // The endpoint is `user@host:port`; the question was asked for `user@host`.
        const who = event.endpoint.replace(/:\d+$/, '');
        const p = sudoUnconfirmed.get(who);
        sudoUnconfirmed.delete(who);
        if (p === undefined) return;
        const key = `sudo:${who}`;
        if (event.ok) {
          memory.set(key, p.secret);
          if (p.remember) void store?.set(key, p.secret).catch(() => undefined);
        } else {
          // A wrong password is forgotten, so the next run asks again.
          memory.delete(key);
          if (sudoForAll?.secret === p.secret) sudoForAll = undefined;
        }
        return;
      }
      if (event.kind !== 'ready') return;
      for (const [key, p] of unconfirmed) {
        if (!event.endpoint.startsWith(p.endpointPrefix)) continue;
        unconfirmed.delete(key);
        memory.set(key, p.secret);
        if (p.remember) void store?.set(key, p.secret).catch(() => undefined);
      }
    },
    answer(promptId, secret, remember, forAllHosts) {
      const finish = open.get(promptId);
      if (finish !== undefined && forAllHosts === true && secret !== null && openSudo.has(promptId)) {
        sudoForAll = { secret, remember };
        for (const other of [...openSudo]) if (other !== promptId) open.get(other)?.(secret, remember);
      }
      finish?.(secret, remember);
      return finish !== undefined;
    },
    cancelAll() {
      for (const finish of [...open.values()]) finish(null, false);
    },
  };
}
