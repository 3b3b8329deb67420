/**
 * Host key trust, OpenSSH style (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): the app's own known_hosts
 * file (read-write) plus the user's `~/.ssh/known_hosts` (read-only). Plain, `[host]:port`, comma
 * lists, negated and wildcard patterns, and hashed `|1|salt|hash` names are understood; `@revoked`
 * lines refuse a key; `@cert-authority` lines are skipped (no certificate support), so a host only
 * trusted through a CA shows up as unknown, never as trusted.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppError } from '../../../shared/errors/catalogue';
import { firstControlCharacter, sshHostProblem } from '../../../shared/validate/text';

/** Names of hashed known_hosts entries (`|1|` = HMAC-SHA1, the only kind OpenSSH writes). */
const HASH_MAGIC = '|1|';

export type KnownHostMarker = '@revoked' | '@cert-authority';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages. */
  line: number;
  marker?: KnownHostMarker;
  /** Plain patterns (comma list split), or the salt and HMAC of a hashed name. */
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob (SSH wire format, RFC 4253 6.6). */
  key: Buffer;
}

export interface KnownHostsIssue {
  file: string;
  line: number;
  message: string;
}

/**
 * Parses known_hosts text. Comments and blank lines are skipped; malformed lines are reported (not
 * thrown) so one bad line never hides the others, exactly like ssh does.
 *
 * @example
 * parseKnownHosts('[10.0.0.5]:2222,web1 ssh-ed25519 AAAAC3Nza...', 'known_hosts')
 * // { entries: [{ hosts: { kind: 'patterns', patterns: ['[10.0.0.5]:2222', 'web1'] }, keyType: 'ssh-ed25519', ... }], issues: [] }
 */
export function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; issues: KnownHostsIssue[] } {
  const entries: KnownHostEntry[] = [];
  const issues: KnownHostsIssue[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m !== '@revoked' && m !== '@cert-authority') {
        issues.push({ file, line, message: `unknown marker ${JSON.stringify(m)}` });
        return;
      }
      marker = m;
    }
    const [names, keyType, keyText] = fields;
    if (names === undefined || keyType === undefined || keyText === undefined) {
      issues.push({ file, line, message: 'expected "<hosts> <key type> <base64 key>"' });
      return;
    }
    const key = decodeBase64(keyText);
    if (key === undefined || key.length < 4) {
      issues.push({ file, line, message: 'the key is not valid base64' });
      return;
    }
    const blobType = keyTypeOfBlob(key);
    if (blobType !== keyType) {
      issues.push({
        file,
        line,
        message: `the key says it is ${JSON.stringify(blobType)} but the line says ${JSON.stringify(keyType)}`,
      });
      return;
    }
    let hosts: KnownHostEntry['hosts'];
    if (names.startsWith(HASH_MAGIC)) {
      const [salt, hash] = names.slice(HASH_MAGIC.length).split('|');
      const saltBuf = salt === undefined ? undefined : decodeBase64(salt);
      const hashBuf = hash === undefined ? undefined : decodeBase64(hash);
      if (saltBuf === undefined || hashBuf === undefined || saltBuf.length !== 20 || hashBuf.length !== 20) {
        issues.push({ file, line, message: 'malformed hashed host name (expected |1|<base64 salt>|<base64 hash>)' });
        return;
      }
      hosts = { kind: 'hashed', salt: saltBuf, hash: hashBuf };
    } else {
      hosts = { kind: 'patterns', patterns: names.split(',').filter((p) => p !== '') };
    }
    entries.push({ file, line, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return { entries, issues };
}

function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/**
 * The name OpenSSH looks up for a host: `host` on port 22, `[host]:port` on any other port.
 *
 * @example
 * knownHostsName('10.0.0.5', 22)    // 10.0.0.5
 * knownHostsName('10.0.0.5', 2222)  // [10.0.0.5]:2222
 */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH `match_pattern`: `*` any run, `?` one character, case-insensitive like host names. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

/**
 * Whether a known_hosts entry names `host:port`. A negated pattern (`!pat`) that matches wins over
 * any positive one, as in OpenSSH's match_hostname.
 */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  // OpenSSH lower-cases the name before hashing or matching it.
  const name = knownHostsName(host.toLowerCase(), port);
  if (entry.hosts.kind === 'hashed') {
    const mac = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return mac.equals(entry.hosts.hash);
  }
  let positive = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      positive = true;
    }
  }
  return positive;
}

/** The key type inside an SSH public key blob (its first string, RFC 4253 6.6), e.g. `ssh-ed25519`. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4 || len > 64) return '';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/**
 * The SHA256 fingerprint of a public key blob, exactly as `ssh-keygen -lf` prints it:
 * `SHA256:` + base64 of the SHA-256 digest without `=` padding.
 */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyCheck =
  | { status: 'trusted'; file: string; line: number }
  | { status: 'unknown' }
  /** The host is known, but with other keys: a hard stop (a MITM or a reinstall). */
  | { status: 'changed'; known: { file: string; line: number; keyType: string; fingerprint: string }[] }
  | { status: 'revoked'; file: string; line: number };

/**
 * Checks a presented host key against parsed entries. `@revoked` beats everything; a matching
 * plain entry trusts; any other entry for this host (of any key type) makes it "changed".
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyCheck {
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && entryMatchesHost(e, host, port));
  const revoked = forHost.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key.equals(key));
  if (match) return { status: 'trusted', file: match.file, line: match.line };
  if (plain.length === 0) return { status: 'unknown' };
  return {
    status: 'changed',
    known: plain.map((e) => ({ file: e.file, line: e.line, keyType: e.keyType, fingerprint: fingerprintSha256(e.key) })),
  };
}

export interface KnownHostsOptions {
  /** The app's own known_hosts (created on first append). */
  appFile: string;
  /** The user's known_hosts, read only; default `~/.ssh/known_hosts`; `null` to ignore it. */
  userFile?: string | null;
}

/**
 * A host name is written into known_hosts and matched as a pattern: a comma, space, `*` or line
 * break would trust a list of hosts, a wildcard or an injected line, so only one plain name or
 * address gets this far.
 */
function assertOneHost(host: string): void {
  const problem = firstControlCharacter(host) !== undefined ? 'must not contain control characters' : sshHostProblem(host);
  if (problem !== undefined)
    throw new AppError('SSH_HOST_INVALID', `SSH host ${JSON.stringify(host)} ${problem}.`, { host: JSON.stringify(host) });
}

/** Default location of the app's known_hosts when the caller gives none (the Electron side passes userData). */
export function defaultAppKnownHostsFile(): string {
  return join(homedir(), '.config', 'vxlan-studio', 'known_hosts');
}

/**
 * The two known_hosts files together. Files are re-read on every check (they are small and the
 * user may edit them between deploys); a missing file counts as empty.
 */
export class KnownHostsStore {
  readonly appFile: string;
  readonly userFile: string | null;

  constructor(options: KnownHostsOptions) {
    this.appFile = options.appFile;
    this.userFile = options.userFile === undefined ? join(homedir(), '.ssh', 'known_hosts') : options.userFile;
  }

  /** Every entry of both files, with the issues of malformed lines. */
  async load(): Promise<{ entries: KnownHostEntry[]; issues: KnownHostsIssue[] }> {
    const files = [this.appFile, ...(this.userFile === null ? [] : [this.userFile])];
    const parsed = await Promise.all(
      files.map(async (file) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], issues: [] };
          throw err;
        }
        return parseKnownHosts(text, file);
      }),
    );
    return { entries: parsed.flatMap((p) => p.entries), issues: parsed.flatMap((p) => p.issues) };
  }

  async check(host: string, port: number, key: Buffer): Promise<HostKeyCheck> {
    assertOneHost(host);
    return checkHostKey((await this.load()).entries, host, port, key);
  }

  /** Key types already trusted for a host, so the client can ask the server for those first (like OpenSSH). */
  async knownKeyTypes(host: string, port: number): Promise<string[]> {
    const { entries } = await this.load();
    return [...new Set(entries.filter((e) => e.marker === undefined && entryMatchesHost(e, host, port)).map((e) => e.keyType))];
  }

  /** Appends a plain `name type base64` line to the app's file (never to the user's). */
  async add(host: string, port: number, key: Buffer): Promise<void> {
    assertOneHost(host);
    await mkdir(dirname(this.appFile), { recursive: true, mode: 0o700 });
    let prefix = '';
    try {
      const text = await readFile(this.appFile, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) prefix = '\n';
    } catch {
      // a missing file is created by appendFile
    }
    await appendFile(this.appFile, `${prefix}${knownHostsName(host, port)} ${keyTypeOfBlob(key)} ${key.toString('base64')}\n`, {
      mode: 0o600,
    });
  }
}
