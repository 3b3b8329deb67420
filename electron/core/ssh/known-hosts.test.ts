/**
 * known_hosts parsing, matching and fingerprints, checked against OpenSSH's own ssh-keygen on real
 * keys (ed25519, ecdsa, rsa): `-lf` for fingerprints, `-H` for hashed names, `-F` for lookups.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  KnownHostsStore,
  knownHostsName,
  parseKnownHosts,
} from './known-hosts';

const keygen = (args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

let dir: string;
const keys: Record<'ed25519' | 'ecdsa' | 'rsa' | 'other', { line: string; type: string; blob: Buffer; file: string }> =
  {} as never;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vxs-kh-'));
  for (const [name, type] of [
    ['ed25519', 'ed25519'],
    ['ecdsa', 'ecdsa'],
    ['rsa', 'rsa'],
    ['other', 'ed25519'],
  ] as const) {
    const file = join(dir, name);
    keygen(['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `test-${name}`, '-f', file]);
    const line = readFileSync(`${file}.pub`, 'utf8').trim();
    const [t, b64] = line.split(' ') as [string, string];
    keys[name] = { line, type: t, blob: Buffer.from(b64, 'base64'), file: `${file}.pub` };
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprints', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'] as const)('prints the %s fingerprint exactly like ssh-keygen -lf', (name) => {
    const k = keys[name];
    const expected = keygen(['-l', '-E', 'sha256', '-f', k.file]).split(' ')[1];
    expect(fingerprintSha256(k.blob)).toBe(expected);
  });
});

describe('parsing and matching', () => {
  it('matches plain names, comma lists and [host]:port exactly as OpenSSH names them', () => {
    const k = keys.ed25519;
    const { entries, issues } = parseKnownHosts(
      `# comment\n\nweb1,10.0.0.5 ${k.type} ${k.blob.toString('base64')}\n[10.0.0.6]:2222 ${k.line}\n`,
      'kh',
    );
    expect(issues).toEqual([]);
    const [plain, ported] = entries as [NonNullable<(typeof entries)[0]>, NonNullable<(typeof entries)[0]>];
    expect(entryMatchesHost(plain, 'web1', 22)).toBe(true);
    expect(entryMatchesHost(plain, '10.0.0.5', 22)).toBe(true);
    // A plain entry is for port 22 only.
    expect(entryMatchesHost(plain, '10.0.0.5', 2222)).toBe(false);
    expect(entryMatchesHost(ported, '10.0.0.6', 2222)).toBe(true);
    expect(entryMatchesHost(ported, '10.0.0.6', 22)).toBe(false);
    expect(knownHostsName('10.0.0.6', 2222)).toBe('[10.0.0.6]:2222');
  });

  it('matches names hashed by ssh-keygen -H (port 22 and [host]:port) and nothing else', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `web1 ${keys.ecdsa.line}\n[10.1.2.3]:2200 ${keys.rsa.line}\n`);
    keygen(['-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('web1');
    const { entries, issues } = parseKnownHosts(text, file);
    expect(issues).toEqual([]);
    expect(entries.map((e) => e.hosts.kind)).toEqual(['hashed', 'hashed']);
    expect(checkHostKey(entries, 'web1', 22, keys.ecdsa.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'WEB1', 22, keys.ecdsa.blob).status).toBe('trusted');
    expect(checkHostKey(entries, '10.1.2.3', 2200, keys.rsa.blob).status).toBe('trusted');
    expect(checkHostKey(entries, 'web2', 22, keys.ecdsa.blob).status).toBe('unknown');
    expect(checkHostKey(entries, '10.1.2.3', 22, keys.rsa.blob).status).toBe('unknown');
  });

  it('agrees with ssh-keygen -F on wildcard and negated patterns', () => {
    const file = join(dir, 'patterns');
    writeFileSync(file, `*.lab,!bad.lab ${keys.ed25519.line}\n`);
    const { entries } = parseKnownHosts(readFileSync(file, 'utf8'), file);
    for (const host of ['h1.lab', 'bad.lab', 'h1.prod']) {
      let found: boolean;
      try {
        found = keygen(['-F', host, '-f', file]).includes(keys.ed25519.type);
      } catch {
        found = false;
      }
      expect({ host, ours: checkHostKey(entries, host, 22, keys.ed25519.blob).status === 'trusted' }).toEqual({
        host,
        ours: found,
      });
    }
  });

  it('calls a known host with a different key "changed", naming the key that was trusted', () => {
    const { entries } = parseKnownHosts(`h1 ${keys.ed25519.line}\n`, 'kh');
    const check = checkHostKey(entries, 'h1', 22, keys.other.blob);
    expect(check).toEqual({
      status: 'changed',
      known: [{ file: 'kh', line: 1, keyType: 'ssh-ed25519', fingerprint: fingerprintSha256(keys.ed25519.blob) }],
    });
  });

  it('refuses a key marked @revoked even when a plain line trusts it', () => {
    const { entries } = parseKnownHosts(`h1 ${keys.ed25519.line}\n@revoked * ${keys.ed25519.line}\n`, 'kh');
    expect(checkHostKey(entries, 'h1', 22, keys.ed25519.blob)).toEqual({ status: 'revoked', file: 'kh', line: 2 });
  });

  it('never trusts a host through a @cert-authority line (certificates are not supported)', () => {
    const { entries } = parseKnownHosts(`@cert-authority *.lab ${keys.ed25519.line}\n`, 'kh');
    expect(checkHostKey(entries, 'h1.lab', 22, keys.ed25519.blob).status).toBe('unknown');
  });

  it('reports malformed lines with their line number and keeps reading the rest', () => {
    const { entries, issues } = parseKnownHosts(
      `h1 ssh-ed25519\nh2 ssh-rsa ${keys.ed25519.blob.toString('base64')}\n@weird h3 ${keys.ed25519.line}\n|1|bad|hash ${keys.ed25519.line}\nh5 ${keys.ed25519.line}\n`,
      'kh',
    );
    expect(issues.map((i) => i.line)).toEqual([1, 2, 3, 4]);
    expect(issues[1]?.message).toContain('ssh-ed25519');
    expect(entries.map((e) => e.line)).toEqual([5]);
  });
});

describe('KnownHostsStore', () => {
  it('appends accepted keys to the app file only, in a form ssh-keygen -F finds', async () => {
    const appFile = join(dir, 'app', 'known_hosts');
    const userFile = join(dir, 'user_known_hosts');
    writeFileSync(userFile, `h1 ${keys.ed25519.line}\n`);
    const store = new KnownHostsStore({ appFile, userFile });
    expect((await store.check('h1', 22, keys.ed25519.blob)).status).toBe('trusted');
    expect((await store.check('h2', 2222, keys.rsa.blob)).status).toBe('unknown');
    await store.add('h2', 2222, keys.rsa.blob);
    expect((await store.check('h2', 2222, keys.rsa.blob)).status).toBe('trusted');
    expect(readFileSync(userFile, 'utf8')).toBe(`h1 ${keys.ed25519.line}\n`);
    expect(keygen(['-F', '[h2]:2222', '-f', appFile])).toContain(keys.rsa.blob.toString('base64'));
    expect(await store.knownKeyTypes('h2', 2222)).toEqual(['ssh-rsa']);
  });
});

describe('KnownHostsStore refuses anything but one host', () => {
  it.each(['a,b', 'a b', '*', 'h?', '!h1', 'h1\nh2 ssh-ed25519 AAAA', '-oProxyCommand=x', ''])(
    'never checks or writes %j',
    async (host) => {
      const appFile = join(dir, 'refuse', 'known_hosts');
      const store = new KnownHostsStore({ appFile, userFile: null });
      await expect(store.check(host, 22, keys.ed25519.blob)).rejects.toMatchObject({ data: { code: 'SSH_HOST_INVALID' } });
      await expect(store.add(host, 22, keys.ed25519.blob)).rejects.toMatchObject({ data: { code: 'SSH_HOST_INVALID' } });
      expect(existsSync(appFile)).toBe(false);
    },
  );
});
