/**
 * Who the host is and who we are: the host key checked against known_hosts before anything else (a
 * changed key is a hard stop before authentication), then the one auth method the topology names.
 * Credentials are asked through callbacks only after the host key passed, and never kept (a
 * decrypted key object stays in memory for the pool's life, its passphrase not).
 */
import ssh2, { type AnyAuthMethod, type AuthenticationType, type ParsedKey } from 'ssh2';
import type { SshAuth } from '../../../shared/model';
import type { Deadline } from './deadline';
import { AppError } from '../../../shared/errors/catalogue';
import { sshError, type Endpoint } from './errors';
import { IdentityFileRefused, readIdentityFile } from './identity-file';
import { fingerprintSha256, keyTypeOfBlob } from './known-hosts';
import type { SshEvent, SshPoolOptions } from './types';

// ssh2 is CommonJS: Node's ESM loader only guarantees its default export.
const { utils } = ssh2;

/** ssh2's host key algorithms (all it supports by default), so known key types can be put first. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Algorithms that prove a key of a known_hosts key type (an `ssh-rsa` key signs with rsa-sha2-*). */
function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** How an auth method reads in "refused ..." messages (never the secret itself). */
function describeAuth(auth: SshAuth): string {
  return auth.type === 'identity-file'
    ? `the key in ${auth.path} (publickey authentication)`
    : auth.type === 'agent'
      ? 'every key of the ssh-agent'
      : 'the password (or password login is disabled on the host)';
}

/** A method that cannot be offered at all (no agent, no such key file): the next one is tried. */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof AppError)) return false;
  const detail = err.data.detail ?? {};
  return detail['errno'] === 'ENOENT' || detail['agent'] === 'unset';
}

/** The host key check and the client authentication of the pool's connections. */
export class Authenticator {
  /** Decrypted identity keys by path, so a reconnect does not ask for the passphrase again. */
  private readonly keyCache = new Map<string, ParsedKey>();

  constructor(private readonly opts: SshPoolOptions) {}

  /** Every algorithm ssh2 supports, those of key types known_hosts already has for the host first (like OpenSSH). */
  async hostKeyAlgorithms(ep: Endpoint): Promise<string[]> {
    const knownTypes = await this.opts.knownHosts.knownKeyTypes(ep.host, ep.port);
    const preferred = knownTypes.flatMap(algorithmsForKeyType).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
    return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
  }

  async verifyHostKey(ep: Endpoint, label: string, key: Buffer, deadline: Deadline): Promise<void> {
    const log = this.opts.log ?? ((): void => undefined);
    const fingerprint = fingerprintSha256(key);
    const keyType = keyTypeOfBlob(key);
    const check = await this.opts.knownHosts.check(ep.host, ep.port, key);
    const detail = { fingerprint, keyType };
    switch (check.status) {
      case 'trusted':
        log({ kind: 'host-key', endpoint: label, status: 'trusted', fingerprint, decision: 'ok' });
        return;
      case 'revoked':
        log({ kind: 'host-key', endpoint: label, status: 'revoked', fingerprint, decision: 'refused' });
        throw sshError(
          'SSH_HOST_KEY_REVOKED',
          ep,
          `${label} presented the ${keyType} key ${fingerprint}, which ${check.file}:${check.line} marks @revoked`,
          detail,
        );
      case 'changed': {
        log({ kind: 'host-key', endpoint: label, status: 'changed', fingerprint, decision: 'refused' });
        const was = check.known.map((k) => `${k.keyType} ${k.fingerprint} (${k.file}:${k.line})`).join('; ');
        throw sshError(
          'SSH_HOST_KEY_CHANGED',
          ep,
          `the host key of ${label} has CHANGED: it now presents ${keyType} ${fingerprint}, known_hosts has ${was}`,
          {
            ...detail,
            knownFingerprint: check.known[0]?.fingerprint ?? null,
          },
        );
      }
      case 'unknown':
        break;
    }
    const policy = this.opts.hostKeyPolicy ?? 'refuse';
    let accept = policy === 'accept-new';
    if (policy === 'ask') {
      const confirm = this.opts.confirmHostKey;
      accept = confirm
        ? await deadline.whilePaused(() => confirm({ host: ep.host, port: ep.port, keyType, fingerprint }))
        : false;
    }
    if (!accept) {
      log({ kind: 'host-key', endpoint: label, status: 'unknown', fingerprint, decision: 'refused' });
      throw sshError('SSH_HOST_KEY_UNKNOWN', ep, `the host key of ${label} is not known: ${keyType} ${fingerprint}`, detail);
    }
    await this.opts.knownHosts.add(ep.host, ep.port, key);
    log({ kind: 'host-key', endpoint: label, status: 'unknown', fingerprint, decision: 'stored' });
  }

  /**
   * Tries the route's auth methods for this endpoint in order (one for a drawing that names its
   * method; the agent and the config's IdentityFiles otherwise), each prepared lazily (after the host
   * key passed). An agent without SSH_AUTH_SOCK or a missing identity file is skipped while another
   * method is left, as ssh skips them.
   */
  authHandler(
    ep: Endpoint,
    label: string,
    choices: readonly SshAuth[],
    deadline: Deadline,
    log: (e: SshEvent) => void,
    fail: (err: unknown) => void,
    tried: (what: string) => void,
  ): (methodsLeft: AuthenticationType[], partial: boolean, next: (m: AnyAuthMethod | AuthenticationType) => void) => void {
    let index = 0;
    const offered: string[] = [];
    const prepare = async (): Promise<AnyAuthMethod | undefined> => {
      while (index < choices.length) {
        const choice = choices[index++] as SshAuth;
        const last = index >= choices.length;
        try {
          const method = await this.authMethod(ep, label, choice, deadline);
          offered.push(describeAuth(choice));
          return method;
        } catch (err) {
          if (last || !isUnavailable(err)) throw err;
        }
      }
      return undefined;
    };
    return (_left, _partial, next) => {
      prepare().then(
        (method) => {
          if (!method) {
            // Every method was tried; ssh2 then reports the failure.
            next(false as unknown as AuthenticationType);
            return;
          }
          log({ kind: 'auth-attempt', endpoint: label, method: method.type });
          tried(offered.join(', then '));
          next(method);
        },
        (err: unknown) => fail(err),
      );
    };
  }

  private async authMethod(ep: Endpoint, label: string, auth: SshAuth, deadline: Deadline): Promise<AnyAuthMethod> {
    switch (auth.type) {
      case 'agent': {
        const agent = this.opts.agentSocket ?? process.env['SSH_AUTH_SOCK'];
        if (agent === undefined || agent === '') {
          throw sshError(
            'SSH_AUTH_FAILED',
            ep,
            `${label} uses ssh-agent authentication, but SSH_AUTH_SOCK is not set (start ssh-agent and ssh-add a key, or choose an identity file)`,
            { agent: 'unset' },
          );
        }
        return { type: 'agent', username: ep.user, agent };
      }
      case 'identity-file':
        return { type: 'publickey', username: ep.user, key: await this.identityKey(ep, auth.path, deadline) };
      case 'password': {
        const ask = this.opts.credentials?.password;
        const password = ask ? await deadline.whilePaused(() => ask(ep.host, ep.user)) : undefined;
        if (password === undefined)
          throw sshError('SSH_AUTH_FAILED', ep, `${label} uses password authentication, but no password was given`);
        return { type: 'password', username: ep.user, password };
      }
    }
  }

  private async identityKey(ep: Endpoint, path: string, deadline: Deadline): Promise<ParsedKey> {
    const cached = this.keyCache.get(path);
    if (cached) return cached;
    let data: Buffer;
    try {
      data = await readIdentityFile(path);
    } catch (err) {
      if (err instanceof IdentityFileRefused)
        throw sshError('SSH_AUTH_FAILED', ep, `refusing the identity file ${path}: ${err.message}`, { path });
      throw sshError(
        'SSH_AUTH_FAILED',
        ep,
        `cannot read the identity file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { path, errno: (err as NodeJS.ErrnoException).code ?? null },
      );
    }
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
      const ask = this.opts.credentials?.passphrase;
      const passphrase = ask ? await deadline.whilePaused(() => ask(ep.host, path)) : undefined;
      if (passphrase === undefined)
        throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} is encrypted and no passphrase was given`, { path });
      parsed = utils.parseKey(data, passphrase);
      if (parsed instanceof Error)
        throw sshError('SSH_AUTH_FAILED', ep, `wrong passphrase for the identity file ${path}`, { path });
    }
    if (parsed instanceof Error)
      throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} is not a private key ssh2 can read: ${parsed.message}`, {
        path,
      });
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    if (!key) throw sshError('SSH_AUTH_FAILED', ep, `the identity file ${path} holds no key`, { path });
    this.keyCache.set(path, key);
    return key;
  }
}
