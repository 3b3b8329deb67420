import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventOf } from '../../../shared/api/contract';
import { createCredentialPrompts, type SecretStore } from './credential-prompts';
import { createDeployService } from './deploy-handlers';

type Prompt = EventOf<'hosts.credentialPrompt'>;

/** Collects emitted events and hands out the credential prompts as they arrive. */
function recorder(): { events: unknown[]; next(): Promise<Prompt>; emit: <E extends EventName>(e: E, p: EventOf<E>) => void } {
  const events: unknown[] = [];
  const waiting: ((p: Prompt) => void)[] = [];
  const queued: Prompt[] = [];
  return {
    events,
    emit: (event, payload) => {
      events.push({ event, payload });
      if (event !== 'hosts.credentialPrompt') return;
      const p = payload as Prompt;
      const w = waiting.shift();
      if (w) w(p);
      else queued.push(p);
    },
    next: () => {
      const q = queued.shift();
      return q ? Promise.resolve(q) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function memoryStore(initial: Record<string, string> = {}): SecretStore & { saved: Map<string, string> } {
  const saved = new Map(Object.entries(initial));
  return { saved, get: (k) => Promise.resolve(saved.get(k)), set: (k, v) => (saved.set(k, v), Promise.resolve()) };
}

let dir: string;
let keyFile: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vxs-cred-'));
  keyFile = path.join(dir, 'id_ed25519');
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'right pass', cipher: 'aes256-ctr', rounds: 4 });
  await fs.writeFile(keyFile, pair.private, { mode: 0o600 });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('sudo password prompts', () => {
  it('asks per host; "same for every host" answers the other open sudo questions and later hosts, without asking again', async () => {
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit });
    const sudo = prompts.credentials.sudoPassword;
    const a = sudo?.('h1', 'ops');
    const b = sudo?.('h2', 'ops');
    const first = await r.next();
    const second = await r.next();
    expect([first.kind, first.host, first.user, second.host]).toEqual(['sudo-password', 'h1', 'ops', 'h2']);
    expect(JSON.stringify(r.events)).not.toContain('s3cret');
    expect(prompts.answer(first.promptId, 's3cret', false, true)).toBe(true);
    expect(await a).toBe('s3cret');
    expect(await b).toBe('s3cret');
    // The other question was answered by the first: answering it now finds nothing open.
    expect(prompts.answer(second.promptId, 'late', false)).toBe(false);
    expect(await sudo?.('h3', 'ops')).toBe('s3cret');
    expect(r.events.filter((e) => (e as { event: string }).event === 'hosts.credentialPrompt')).toHaveLength(2);
  });

  it('remembers a sudo password only once sudo accepted it, and forgets a refused one so the next run asks again', async () => {
    const r = recorder();
    const store = memoryStore();
    const prompts = createCredentialPrompts({ emit: r.emit, secretStore: store });
    const sudo = prompts.credentials.sudoPassword;
    const wrong = sudo?.('h1', 'ops');
    prompts.answer((await r.next()).promptId, 'wrong', true);
    expect(await wrong).toBe('wrong');
    prompts.onSshEvent({ kind: 'sudo-auth', endpoint: 'ops@h1:22', ok: false });
    expect(store.saved.size).toBe(0);
    const right = sudo?.('h1', 'ops');
    prompts.answer((await r.next()).promptId, 'right', true);
    expect(await right).toBe('right');
    prompts.onSshEvent({ kind: 'sudo-auth', endpoint: 'ops@h1:22', ok: true });
    await Promise.resolve();
    expect(store.saved.get('sudo:ops@h1')).toBe('right');
    // Known now: handed out without a question.
    expect(await sudo?.('h1', 'ops')).toBe('right');
    expect(r.events).toHaveLength(2);
  });
});

describe('credential prompts', () => {
  it('asks for a password with an event that carries no secret, and the answer resolves the pool callback', async () => {
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit });
    const pending = prompts.credentials.password?.('10.0.0.1', 'admin');
    const prompt = await r.next();
    expect(prompt).toEqual({
      promptId: expect.any(String) as string,
      kind: 'password',
      host: '10.0.0.1',
      user: 'admin',
      canRemember: false,
    });
    expect(prompts.answer(prompt.promptId, 's3cret-pw', false)).toBe(true);
    expect(await pending).toBe('s3cret-pw');
    expect(JSON.stringify(r.events)).not.toContain('s3cret-pw');
  });

  it('turns a cancel into "no password", which the pool reports as SSH_AUTH_FAILED', async () => {
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit });
    const pending = prompts.credentials.password?.('10.0.0.1', 'admin');
    prompts.answer((await r.next()).promptId, null, false);
    expect(await pending).toBeUndefined();
  });

  it('counts an unanswered question as cancel after the timeout, and a late answer is not accepted', async () => {
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit, timeoutSeconds: 0.05 });
    const pending = prompts.credentials.passphrase?.('10.0.0.1', keyFile);
    const prompt = await r.next();
    expect(await pending).toBeUndefined();
    expect(prompts.answer(prompt.promptId, 'right pass', false)).toBe(false);
  });

  it('remembers a password only after the host accepted it, and uses it next time without asking', async () => {
    const store = memoryStore();
    const r = recorder();
    const first = createCredentialPrompts({ emit: r.emit, secretStore: store });
    const pending = first.credentials.password?.('10.0.0.1', 'admin');
    const prompt = await r.next();
    expect(prompt.canRemember).toBe(true);
    first.answer(prompt.promptId, 'pw-1', true);
    expect(await pending).toBe('pw-1');
    expect(store.saved.size).toBe(0);
    first.onSshEvent({ kind: 'ready', endpoint: 'admin@10.0.0.1:22', ms: 5 });
    await Promise.resolve();
    expect(store.saved.get('password:admin@10.0.0.1')).toBe('pw-1');

    const later = createCredentialPrompts({ emit: r.emit, secretStore: store });
    expect(await later.credentials.password?.('10.0.0.1', 'admin')).toBe('pw-1');
    expect(r.events).toHaveLength(1);
  });

  it('asks again when a remembered password was refused (asked twice before the connection was ready)', async () => {
    const store = memoryStore({ 'password:admin@10.0.0.1': 'old-pw' });
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit, secretStore: store });
    expect(await prompts.credentials.password?.('10.0.0.1', 'admin')).toBe('old-pw');
    const again = prompts.credentials.password?.('10.0.0.1', 'admin');
    prompts.answer((await r.next()).promptId, 'new-pw', true);
    expect(await again).toBe('new-pw');
    prompts.onSshEvent({ kind: 'ready', endpoint: 'admin@10.0.0.1:22', ms: 5 });
    await Promise.resolve();
    expect(store.saved.get('password:admin@10.0.0.1')).toBe('new-pw');
  });

  it('skips a remembered passphrase that no longer opens the key, and saves only one that does', async () => {
    const store = memoryStore({ [`passphrase:${keyFile}`]: 'stale' });
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit, secretStore: store });
    const wrong = prompts.credentials.passphrase?.('10.0.0.1', keyFile);
    const p1 = await r.next();
    expect(p1).toMatchObject({ kind: 'passphrase', host: '10.0.0.1', keyPath: keyFile, canRemember: true });
    prompts.answer(p1.promptId, 'wrong pass', true);
    expect(await wrong).toBe('wrong pass');
    expect(store.saved.get(`passphrase:${keyFile}`)).toBe('stale');

    const right = prompts.credentials.passphrase?.('10.0.0.1', keyFile);
    prompts.answer((await r.next()).promptId, 'right pass', true);
    expect(await right).toBe('right pass');
    expect(store.saved.get(`passphrase:${keyFile}`)).toBe('right pass');
    // Kept in memory for the pool's life: a second connection does not ask.
    expect(await prompts.credentials.passphrase?.('10.0.0.2', keyFile)).toBe('right pass');
    expect(r.events.filter((e) => JSON.stringify(e).includes('right pass'))).toEqual([]);
  });

  it('does not remember when the user did not tick it', async () => {
    const store = memoryStore();
    const r = recorder();
    const prompts = createCredentialPrompts({ emit: r.emit, secretStore: store });
    const pending = prompts.credentials.passphrase?.('10.0.0.1', keyFile);
    prompts.answer((await r.next()).promptId, 'right pass', false);
    expect(await pending).toBe('right pass');
    expect(store.saved.size).toBe(0);
  });
});

describe('hosts.answerCredential', () => {
  it('reports an unknown prompt as not accepted', async () => {
    const service = createDeployService({});
    expect(await service.handlers['hosts.answerCredential']({ promptId: 'nope', secret: 'x', remember: false })).toEqual({
      accepted: false,
    });
    await service.close();
  });
});
