/**
 * The lab's no-SSH executor (one long-lived `sh` in a network namespace): results, a timeout, a
 * cancel, and a run refused because its signal had already fired, which must leave the shell
 * alone. Root only: it makes a scratch namespace.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/catalogue';
import { runOk } from './exec';
import { deleteNamespace } from './netns';
import { findExecutable, isRoot } from './preflight';
import { NetnsShell } from './netns-executor';

const root = isRoot();
if (!root) console.log('netns-executor.int.test.ts skipped: it makes a network namespace, which needs root (run with sudo)');
const suite = root ? describe : describe.skip;
const NS = `vxsnx-${randomBytes(3).toString('hex')}`;
const ip = (): string => findExecutable('ip') ?? 'ip';

suite('NetnsShell', () => {
  beforeAll(async () => {
    await runOk(ip(), ['netns', 'add', NS]);
  });
  afterAll(async () => {
    await deleteNamespace(ip(), NS).catch(() => undefined);
  });

  it('runs scripts one after another in the same shell, with stdout, stderr and exit status', async () => {
    const sh = new NetnsShell(NS);
    try {
      expect(await sh.run('echo out; echo err >&2; exit 3')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      expect((await sh.run('echo $$')).stdout).toBe((await sh.run('echo $$')).stdout);
    } finally {
      await sh.release();
    }
  });

  it('refuses a run whose signal already fired without touching the shell, even after its timeout would have passed', async () => {
    const sh = new NetnsShell(NS);
    try {
      const err = await sh.run('echo never', { signal: AbortSignal.abort(), timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).data.code).toBe('CANCELLED');
      await new Promise((r) => setTimeout(r, 300));
      expect(await sh.run('echo alive')).toMatchObject({ code: 0, stdout: 'alive\n' });
    } finally {
      await sh.release();
    }
  });

  it('gives up on a script at its timeout or when cancelled, and the shell is then gone', async () => {
    const timedOut = new NetnsShell(NS);
    await expect(timedOut.run('sleep 2', { timeoutMs: 200 })).rejects.toThrow(/did not finish within 200 ms/);
    await expect(timedOut.run('echo after')).rejects.toThrow(/ended/);
    const cancelled = new NetnsShell(NS);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 200);
    const err = await cancelled.run('sleep 2', { signal: ctl.signal }).catch((e: unknown) => e);
    expect((err as AppError).data.code).toBe('CANCELLED');
  });
});
