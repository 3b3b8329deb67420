/**
 * Passphrases asked through the API against a lab over SSH: a topology host uses an
 * encrypted identity file, `deploy.preview` raises `hosts.credentialPrompt`, and the "user" answers
 * with `hosts.answerCredential`. Root only.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf } from '../../../shared/api/contract';
import { serializeTopology, type Topology } from '../../../shared/model';
import { removeLockFiles } from '../lab/lab-check';
import { isRoot, labDown, labSshOptions, labTopology, labUp, randomLabName, type LabState } from '../lab/index';
import { createDeployService } from './deploy-handlers';
import { dispatch, type Handlers } from './dispatch';

const root = isRoot();
if (!root)
  console.log(
    'credential-prompts.int.test.ts skipped: the lab (network namespaces, sshd) needs root; run the integration tests with sudo',
  );
const suite = root ? describe : describe.skip;

const PASSPHRASE = 'vxs-correct-horse-7f3a';
const WRONG = 'vxs-wrong-horse-9c1d';

type Preview = {
  ok: boolean;
  value: { hosts: Array<{ hostId: string; outcome: string; error?: { code: string; message: string } }> };
};

suite('SSH credentials asked through the API against a lab', () => {
  const name = randomLabName('cred');
  const scratch = mkdtempSync(path.join(tmpdir(), 'vxs-cred-api-'));
  const key = path.join(scratch, 'encrypted_ed25519');
  let lab: LabState;
  let topology: Topology;
  const emitted: unknown[] = [];
  const results: unknown[] = [];
  // What the "user" types into the modal next; null = Cancel.
  let answer: string | null = null;
  let service: ReturnType<typeof createDeployService>;
  const call = (method: string, request: unknown): Promise<unknown> =>
    dispatch(service.handlers as unknown as Handlers, method, request);
  const preview = async (): Promise<Preview> => {
    const r = (await call('deploy.preview', { topology: serializeTopology(topology), action: 'apply' })) as Preview;
    results.push(r);
    return r;
  };
  const prompts = (): EventOf<'hosts.credentialPrompt'>[] =>
    emitted.flatMap((e) => {
      const { event, payload } = e as { event: string; payload: EventOf<'hosts.credentialPrompt'> };
      return event === 'hosts.credentialPrompt' ? [payload] : [];
    });

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'vxs-test-encrypted', '-f', key]);
    appendFileSync(lab.keys.authorizedKeys, readFileSync(`${key}.pub`, 'utf8'));
    const base = labTopology(lab);
    topology = {
      ...base,
      hosts: base.hosts.map((h) => ({ ...h, ssh: { ...h.ssh, auth: { type: 'identity-file' as const, path: key } } })),
    };
    service = createDeployService({
      ...labSshOptions(lab),
      emit: (event, payload) => {
        emitted.push({ event, payload });
        if (event === 'hosts.credentialPrompt') {
          const promptId = (payload as EventOf<'hosts.credentialPrompt'>).promptId;
          void call('hosts.answerCredential', { promptId, secret: answer, remember: true }).then((r) => results.push(r));
        }
      },
    });
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await labDown(name);
    await removeLockFiles([`lab-${name}`]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('fails every host with SSH_AUTH_FAILED when the user cancels the passphrase question', async () => {
    answer = null;
    const r = await preview();
    expect(r.ok).toBe(true);
    expect(r.value.hosts.map((h) => [h.outcome, h.error?.code])).toEqual(lab.hosts.map(() => ['unreachable', 'SSH_AUTH_FAILED']));
    expect(r.value.hosts[0]?.error?.message).toContain('no passphrase was given');
  }, 120_000);

  it('asks with the key path and no secret, and a wrong passphrase is SSH_AUTH_FAILED', async () => {
    emitted.length = 0;
    answer = WRONG;
    const r = await preview();
    expect(r.value.hosts.map((h) => [h.outcome, h.error?.code])).toEqual(lab.hosts.map(() => ['unreachable', 'SSH_AUTH_FAILED']));
    expect(r.value.hosts[0]?.error?.message).toContain('wrong passphrase');
    expect(prompts().length).toBeGreaterThan(0);
    expect(prompts()[0]).toMatchObject({ kind: 'passphrase', keyPath: key, canRemember: false });
  }, 120_000);

  it('previews every host once the right passphrase is given', async () => {
    emitted.length = 0;
    answer = PASSPHRASE;
    const r = await preview();
    expect(r.value.hosts.map((h) => h.outcome)).toEqual(lab.hosts.map(() => 'pending'));
    expect(prompts().length).toBeGreaterThan(0);
  }, 120_000);

  it('never puts a passphrase into an emitted event or a result', () => {
    const text = JSON.stringify({ emitted, results });
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain(WRONG);
    expect(results.length).toBeGreaterThanOrEqual(3);
  });
});
