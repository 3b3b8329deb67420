/**
 * The SSH pool against real OpenSSH servers in a netns lab (root only). Every connection is dialled
 * from the lab's controller namespace (labConnector), never from the root namespace.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/catalogue';
import type { SshTarget } from '../../../shared/model';
import { argvToShell } from '../../../shared/plan';
import { labConnector } from '../lab/controller-connector';
import { freezeHostSshd, thawHostSshd } from '../lab/faults';
import { labDown, labUp, restartSshd, rotateHostKey } from '../lab/lab';
import { nsRunOk } from '../lab/netns-exec';
import { isRoot } from '../lab/preflight';
import type { LabState, LabUserState } from '../lab/state';
import { PATH_WITHOUT_SUDO } from '../lab/users';
import { randomLabName } from '../lab/with-lab';
import { KnownHostsStore } from './known-hosts';
import { SshPool } from './pool';
import type { SshEvent, SshPoolOptions } from './types';

const root = isRoot();
if (!root) console.log('ssh.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

/** The machine's account files (sudoers only when sudo is installed), by name. */
function readMachineEtc(): Record<string, string> {
  const files = ['passwd', 'shadow', 'group', 'sudoers', 'hosts'].filter((f) => existsSync(`/etc/${f}`));
  return Object.fromEntries(files.map((f) => [f, readFileSync(`/etc/${f}`, 'utf8')]));
}

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, but the call succeeded');
}

suite('the SSH pool on real lab sshd hosts', () => {
  const name = randomLabName('ssh');
  let lab: LabState;
  let dir: string;
  const pools: SshPool[] = [];
  let poolCount = 0;

  /** The machine's account files before the lab was made, to prove the lab users never reach them. */
  let machineEtc: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vxs-ssh-'));
    machineEtc = readMachineEtc();
    lab = (await labUp({ name, hosts: 3 })).state;
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.closeAll()));
  });
  afterAll(async () => {
    try {
      await Promise.all(pools.map((p) => p.closeAll()));
    } finally {
      await labDown(name);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const host = (n: string): LabState['hosts'][number] => {
    const h = lab.hosts.find((x) => x.name === n);
    if (!h) throw new Error(`no lab host ${n}`);
    return h;
  };
  const target = (n: string, extra: Partial<SshTarget> = {}): SshTarget => ({
    host: host(n).address,
    port: 22,
    user: 'root',
    auth: { type: 'identity-file', path: lab.keys.clientKey },
    ...extra,
  });
  /** A pool dialling from the controller namespace; by default trusting the lab's known_hosts (as the "user" file). */
  const makePool = (
    opts: Partial<SshPoolOptions> = {},
    appFile = join(dir, `app-${poolCount++}`),
    userFile: string | null = lab.keys.knownHosts,
  ): SshPool => {
    const pool = new SshPool({
      knownHosts: new KnownHostsStore({ appFile, userFile }),
      connector: labConnector(lab),
      readyTimeoutMs: 10_000,
      ...opts,
    });
    pools.push(pool);
    return pool;
  };
  const labUser = (name: string): LabUserState => {
    const u = lab.users.find((x) => x.name === name);
    if (!u) throw new Error(`the lab has no user ${name} (users: ${lab.users.map((x) => x.name).join(', ')})`);
    return u;
  };
  /** The lab's sudo tests need sudo on this machine (scripts/setup.sh installs it); without it they fail saying so. */
  const requireSudo = (): void => {
    if (labUser('vxsadmin').sudo !== 'nopasswd')
      throw new Error(
        'this machine has no sudo, so the lab hosts have none: install it (scripts/setup.sh, or apt-get install sudo)',
      );
  };
  /** The part of a host's sshd log written after `offset`, once it has a line matching `wanted` (sshd may log a moment late). */
  const sshdLogSince = async (h: LabState['hosts'][number], offset: number, wanted: RegExp): Promise<string> => {
    let text = '';
    for (let i = 0; i < 20; i++) {
      text = readFileSync(h.sshd.log).subarray(offset).toString('utf8');
      if (wanted.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return text;
  };
  const fingerprintOf = (pubFile: string): string =>
    execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1] ?? '';

  it('logs into 3 hosts through the controller namespace with the lab key, and each prints its own hostname', async () => {
    const pool = makePool();
    const names = await Promise.all(
      lab.hosts.map(async (h) => (await pool.session(target(h.name)).run('hostname')).stdout.trim()),
    );
    expect(names).toEqual(lab.hosts.map((h) => h.name));
  });

  it('runs 200 commands over one persistent shell per host with the right stdout, stderr and exit codes, on one TCP connection per host', async () => {
    const pool = makePool();
    const sessions = lab.hosts.map((h) => pool.session(target(h.name)));
    const cases = Array.from({ length: 200 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return {
            script: `echo out${i}; echo err${i} >&2; exit ${i % 7}`,
            want: { code: i % 7, stdout: `out${i}\n`, stderr: `err${i}\n` },
          };
        case 1:
          // Looks like our markers, without the nonce.
          return {
            script: `printf 'vxs BEGIN\\nvxs0000 END 0\\n\\n END 9\\n'`,
            want: { code: 0, stdout: 'vxs BEGIN\nvxs0000 END 0\n\n END 9\n', stderr: '' },
          };
        case 2:
          // Binary-ish: NUL, control bytes, ESC, DEL, no trailing newline, multi-byte UTF-8.
          return {
            script: `printf '\\000\\001\\002\\033[0m\\177\\303\\251\\344\\270\\255'; printf 'x\\ty' >&2; exit 3`,
            want: { code: 3, stdout: '\0\x01\x02\x1b[0m\x7fé中', stderr: 'x\ty' },
          };
        case 3:
          return { script: 'set -e; false; echo unreachable', want: { code: 1, stdout: '', stderr: '' } };
        default:
          return {
            script: `seq 1 ${i}`,
            want: { code: 0, stdout: `${Array.from({ length: i }, (_, k) => k + 1).join('\n')}\n`, stderr: '' },
          };
      }
    });
    const got = await Promise.all(
      sessions.map(async (s) => {
        const out = [];
        for (const c of cases) {
          const r = await s.run(c.script);
          out.push({ code: r.code, stdout: r.stdout, stderr: r.stderr });
        }
        return out;
      }),
    );
    for (const perHost of got) expect(perHost).toEqual(cases.map((c) => c.want));
    expect(pool.stats()).toEqual({ open: 3, dials: 3 });
    // The host's own view: established TCP connections to its sshd (earlier tests' pools are closed;
    // their server side may take a moment to go away, so wait up to 2 s for it to settle).
    for (const h of lab.hosts) {
      let connections = -1;
      for (let i = 0; i < 20 && connections !== 1; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const established = await nsRunOk(h.namespace, ['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
        connections = established.split('\n').filter((l) => l.trim() !== '').length;
      }
      expect({ host: h.name, connections }).toEqual({ host: h.name, connections: 1 });
    }
  });

  it('passes a hostile argument to the remote command as one argv token, running nothing', async () => {
    const pool = makePool();
    const sentinel = join(dir, 'pwned');
    const hostile = `x'; touch ${sentinel}; echo "$(id)" \`id\` $HOME * \n--rm -rf / ;#`;
    const r = await pool.session(target('h1')).run(argvToShell(['printf', '<%s>\\n', hostile, 'second']));
    expect(r).toMatchObject({ code: 0, stdout: `<${hostile}>\n<second>\n`, stderr: '' });
    expect(existsSync(sentinel)).toBe(false);
  });

  it('gives the script its stdin byte for byte and finds ip, bridge and flock on the host', async () => {
    const s = makePool().session(target('h2'));
    expect((await s.run('cat', { stdin: "a'b\n%s\\\n\u00e9 no newline" })).stdout).toBe("a'b\n%s\\\n\u00e9 no newline");
    await expect(s.checkTools()).resolves.toBeUndefined();
    const missing = await appErrorOf(s.checkTools({ tools: ['ip', 'vxs-no-such-tool'] }));
    expect(missing.data).toMatchObject({
      code: 'COMMAND_MISSING',
      detail: { host: host('h2').address, missing: 'vxs-no-such-tool' },
    });
    expect(missing.message).toContain('vxs-no-such-tool');
  });

  it('times a hung command out with COMMAND_TIMEOUT and the next command runs on a fresh shell', async () => {
    const s = makePool().session(target('h1'));
    const err = await appErrorOf(s.run('sleep 30', { timeoutMs: 300 }));
    expect(err.data.code).toBe('COMMAND_TIMEOUT');
    expect(await s.run('echo alive')).toMatchObject({ code: 0, stdout: 'alive\n' });
  });

  it('keeps at most 4 channels open per connection while running many exec calls in parallel', async () => {
    const s = makePool().session(target('h1'));
    const seen = join(dir, 'concurrency');
    // Each call marks itself running in a shared directory and reports how many calls run at that moment.
    // The sleep is long enough for a whole wave of channels to open even on a busy machine, so the
    // last call of a wave sees the full bound, and no call ever sees more.
    const script = `mkdir -p ${seen} && mkdir ${seen}/$$ && ls ${seen} | wc -l && sleep 1.5 && rmdir ${seen}/$$`;
    const results = await Promise.all(Array.from({ length: 8 }, () => s.exec(script)));
    const running = results.map((r) => (expect(r.code).toBe(0), Number(r.stdout.trim())));
    expect(Math.max(...running)).toBe(4);
  });

  it('cancels a running command through its AbortSignal, and the host stays usable', async () => {
    const s = makePool().session(target('h3'));
    const ac = new AbortController();
    const pending = s.run('sleep 30', { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    expect((await appErrorOf(pending)).data).toMatchObject({ code: 'CANCELLED', detail: { host: host('h3').address } });
    expect((await s.run('echo ok')).stdout).toBe('ok\n');
  });

  it("makes the lab users inside the lab hosts only: the machine's /etc and mounts stay as they were", async () => {
    expect(readMachineEtc()).toEqual(machineEtc);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^vxsadmin:/m);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(lab.stateDir);
    // Inside a lab host, root sees the users and the lab's sudoers rules.
    const s = makePool().session(target('h2'));
    expect((await s.run('getent passwd vxsadmin vxsnosudo vxsbare | cut -d: -f1,3,6,7')).stdout).toBe(
      lab.users.map((u) => `${u.name}:${u.uid}:${u.home}:/bin/sh\n`).join(''),
    );
    expect((await s.run('grep -c "^vxsadmin ALL=(ALL:ALL) NOPASSWD: ALL$" /etc/sudoers')).stdout).toBe('1\n');
  });

  it("gives root on a lab host an empty home of that host's own, so the machine's shell start-up files never run there", async () => {
    const marker = `vxs-home-${process.pid}`;
    const s = makePool().session(target('h1'));
    expect((await s.run('echo "$HOME"; ls -A "$HOME" | grep -v "^\\.ansible$" | wc -l')).stdout).toBe('/root\n0\n');
    await s.run(`touch "$HOME/${marker}"`);
    // Written on the lab host, not in the machine's /root, and not on another lab host.
    expect(existsSync(`/root/${marker}`)).toBe(false);
    expect((await makePool().session(target('h2')).run(`test -e "$HOME/${marker}"`)).code).toBe(1);
    await s.run(`rm -f "$HOME/${marker}"`);
  });

  it('logs in as vxsadmin with the password asked through credentials.password(), and sshd accepted a password, not a key', async () => {
    const admin = labUser('vxsadmin');
    const password = admin.password ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    const h = host('h1');
    const logBefore = statSync(h.sshd.log).size;
    const asked: string[] = [];
    const events: SshEvent[] = [];
    const pool = makePool({
      log: (e) => events.push(e),
      credentials: { password: (address, user) => (asked.push(`${user}@${address}`), Promise.resolve(password)) },
    });
    const r = await pool.session(target('h1', { user: 'vxsadmin', auth: { type: 'password' } })).run('id -un; echo "$HOME"');
    expect(r).toMatchObject({ code: 0, stdout: `vxsadmin\n${admin.home}\n`, stderr: '' });
    expect(asked).toEqual([`vxsadmin@${h.address}`]);
    expect(events.flatMap((e) => (e.kind === 'auth-attempt' ? [e.method] : []))).toEqual(['password']);
    expect(JSON.stringify(events)).not.toContain(password);
    expect(await sshdLogSince(h, logBefore, /Accepted \w+ for vxsadmin/)).toMatch(/Accepted password for vxsadmin from /);
  });

  it('refuses a wrong password for vxsadmin with SSH_AUTH_FAILED, and no error text contains the password', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const h = host('h1');
    const logBefore = statSync(h.sshd.log).size;
    const pool = makePool({ credentials: { password: () => Promise.resolve(wrong) } });
    const err = await appErrorOf(pool.session(target('h1', { user: 'vxsadmin', auth: { type: 'password' } })).run('true'));
    expect(err.data).toMatchObject({
      code: 'SSH_AUTH_FAILED',
      detail: { host: h.address, user: 'vxsadmin', method: 'password' },
    });
    expect(err.message).toContain('refused the password');
    for (const text of [err.message, JSON.stringify(err.data), String(err), err.stack ?? '']) expect(text).not.toContain(wrong);
    // sshd itself checked the password against the lab's shadow copy and said no.
    expect(await sshdLogSince(h, logBefore, /Failed password for vxsadmin/)).toMatch(/Failed password for vxsadmin from /);
  });

  it('runs a host script as root through `sudo -n` when logged in as vxsadmin, on the persistent shell and on exec channels', async () => {
    requireSudo();
    for (const persistentShell of [true, false]) {
      const s = makePool({ persistentShell }).session(target('h3', { user: 'vxsadmin' }));
      expect(await s.run('id -un')).toMatchObject({ code: 0, stdout: 'vxsadmin\n' });
      // Without sudo the user may not touch the kernel's links; through sudo it may.
      const plain = await s.run('ip link add vxstest0 type dummy');
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toMatch(/Operation not permitted/);
      const r = await s.run(
        'echo "$(id -u) $(id -un)"; ip link add vxstest0 type veth peer name vxstest1 && ip link del vxstest0 && echo changed',
        {
          sudo: true,
        },
      );
      // stderr is empty: no password prompt, and no "unable to resolve host" (each lab host's hosts file names it).
      expect({ persistentShell, ...r }).toMatchObject({ persistentShell, code: 0, stdout: '0 root\nchanged\n', stderr: '' });
    }
  });

  it('says SUDO_PASSWORD_REQUIRED, naming the host and user, when sudo wants a password (vxsnosudo), and the session stays usable', async () => {
    requireSudo();
    const s = makePool().session(target('h1', { user: 'vxsnosudo' }));
    expect((await s.run('id -un')).stdout).toBe('vxsnosudo\n');
    const err = await appErrorOf(s.run('ip link show lo', { sudo: true }));
    expect(err.data).toMatchObject({ code: 'SUDO_PASSWORD_REQUIRED', detail: { host: host('h1').address, user: 'vxsnosudo' } });
    expect(err.message).toBe(
      `sudo on vxsnosudo@${host('h1').address}:22 wants a password (sudo -n: sudo: a password is required)`,
    );
    expect((await s.run('echo still here')).stdout).toBe('still here\n');
  });

  it('says COMMAND_MISSING for sudo when the session finds no sudo (vxsbare, whose PATH has none)', async () => {
    const s = makePool().session(target('h2', { user: 'vxsbare' }));
    // The host is the same as for the others; this user's PATH (set by sshd) just has no directory holding sudo.
    expect(await s.run('echo "$PATH"; command -v sudo || echo none')).toMatchObject({
      code: 0,
      stdout: `${PATH_WITHOUT_SUDO}\nnone\n`,
    });
    const err = await appErrorOf(s.run('ip link show lo', { sudo: true }));
    expect(err.data).toMatchObject({
      code: 'COMMAND_MISSING',
      detail: { host: host('h2').address, user: 'vxsbare', missing: 'sudo' },
    });
    expect(err.message).toContain('has no `sudo`');
  });

  it('reconnects by itself after the host dropped the connection (sshd restarted)', async () => {
    const pool = makePool();
    const s = pool.session(target('h2'));
    expect((await s.run('hostname')).stdout).toBe('h2\n');
    await restartSshd(lab, 'h2');
    // The first call may still find the dying connection; a dead connection is never reused after that.
    let r;
    try {
      r = await s.run('hostname');
    } catch (err) {
      expect((err as AppError).data.code).toBe('SSH_UNREACHABLE');
      r = await s.run('hostname');
    }
    expect(r.stdout).toBe('h2\n');
    expect(pool.stats().dials).toBe(2);
  });

  it('gives the same results on fresh exec channels (the fallback when no shell can be opened)', async () => {
    const s = makePool({ persistentShell: false }).session(target('h3'));
    expect(await s.run('echo out; echo err >&2; exit 5')).toMatchObject({ code: 5, stdout: 'out\n', stderr: 'err\n' });
    expect((await s.run('cat', { stdin: 'in' })).stdout).toBe('in');
    expect((await s.exec(argvToShell(['printf', '%s', "a'b $(c)"]))).stdout).toBe("a'b $(c)");
  });

  it('reaches a host through a jump host (ProxyJump), verifying both host keys', async () => {
    const events: SshEvent[] = [];
    const pool = makePool({ log: (e) => events.push(e) });
    const r = await pool.session(target('h3', { jump: `root@${host('h1').address}` })).run('hostname');
    expect(r.stdout).toBe('h3\n');
    expect(events.filter((e) => e.kind === 'host-key').map((e) => e.kind === 'host-key' && [e.endpoint, e.status])).toEqual([
      [`root@${host('h1').address}:22`, 'trusted'],
      [`root@${host('h3').address}:22`, 'trusted'],
    ]);
    expect(pool.stats()).toEqual({ open: 2, dials: 2 });
  });

  it('authenticates through a real ssh-agent, and says clearly when SSH_AUTH_SOCK is not set', async () => {
    const sock = join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [lab.keys.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const ok = makePool({ agentSocket: sock }).session(target('h1', { auth: { type: 'agent' } }));
      expect((await ok.run('hostname')).stdout).toBe('h1\n');
      const none = await appErrorOf(
        makePool({ agentSocket: '' })
          .session(target('h1', { auth: { type: 'agent' } }))
          .run('true'),
      );
      expect(none.data).toMatchObject({ code: 'SSH_AUTH_FAILED', detail: { host: host('h1').address } });
      expect(none.message).toContain('SSH_AUTH_SOCK');
    } finally {
      agent.kill();
    }
  });

  it('asks for the passphrase of an encrypted key once, and a wrong one is a clear SSH_AUTH_FAILED', async () => {
    const key = join(dir, 'encrypted_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-C', 'vxs-test-encrypted', '-f', key]);
    appendFileSync(lab.keys.authorizedKeys, readFileSync(`${key}.pub`, 'utf8'));
    const asked: string[] = [];
    const good = makePool({
      credentials: { passphrase: (h, path) => (asked.push(`${h} ${path}`), Promise.resolve('correct horse')) },
    });
    expect((await good.session(target('h1', { auth: { type: 'identity-file', path: key } })).run('hostname')).stdout).toBe(
      'h1\n',
    );
    expect(await good.session(target('h2', { auth: { type: 'identity-file', path: key } })).run('hostname')).toMatchObject({
      stdout: 'h2\n',
    });
    expect(asked).toEqual([`${host('h1').address} ${key}`]);
    const bad = makePool({ credentials: { passphrase: () => Promise.resolve('wrong horse') } });
    const err = await appErrorOf(bad.session(target('h1', { auth: { type: 'identity-file', path: key } })).run('true'));
    expect(err.data).toMatchObject({ code: 'SSH_AUTH_FAILED', detail: { host: host('h1').address, path: key } });
    expect(err.message).toContain('wrong passphrase');
    expect(JSON.stringify(err.data)).not.toContain('wrong horse');
  });

  it('reports a key the host does not accept as SSH_AUTH_FAILED', async () => {
    const key = join(dir, 'stranger_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vxs-test-stranger', '-f', key]);
    const err = await appErrorOf(
      makePool()
        .session(target('h2', { auth: { type: 'identity-file', path: key } }))
        .run('true'),
    );
    expect(err.data).toMatchObject({ code: 'SSH_AUTH_FAILED', detail: { host: host('h2').address, method: 'identity-file' } });
    expect(err.message).toContain(key);
  });

  it('refuses an identity file that is a device, a FIFO, a directory or 1 MiB big, naming it, without reading it', async () => {
    const fifo = join(dir, 'identity-fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = mkdtempSync(join(dir, 'identity-dir-'));
    const big = join(dir, 'identity-1mib');
    writeFileSync(big, Buffer.alloc(1024 * 1024, 0x41));
    const cases: Array<[string, string]> = [
      ['/dev/zero', 'it is a device, not a regular file'],
      [fifo, 'it is a named pipe (FIFO), not a regular file'],
      [folder, 'it is a directory, not a regular file'],
      [big, 'it is 1048576 bytes, larger than a key can be (65536 bytes at most)'],
    ];
    for (const [path, why] of cases) {
      const run = makePool()
        .session(target('h1', { auth: { type: 'identity-file', path } }))
        .run('true');
      // Before the check, /dev/zero filled memory and the FIFO blocked forever: bound the wait.
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${path}: no answer within 5 s`)), 5_000).unref(),
      );
      const err = await appErrorOf(Promise.race([run, timeout]));
      expect(err.data, path).toMatchObject({ code: 'SSH_AUTH_FAILED', detail: { host: host('h1').address, path } });
      expect(err.message).toBe(`refusing the identity file ${path}: ${why}`);
    }
  });

  it('refuses password login the server does not allow, without the password in the error', async () => {
    const secret = 'hunter2-do-not-log';
    const pool = makePool({ credentials: { password: () => Promise.resolve(secret) } });
    const err = await appErrorOf(pool.session(target('h3', { auth: { type: 'password' } })).run('true'));
    expect(err.data.code).toBe('SSH_AUTH_FAILED');
    expect(JSON.stringify(err.data)).not.toContain(secret);
  });

  it('reports a lab address without sshd as SSH_UNREACHABLE (connection refused)', async () => {
    const err = await appErrorOf(
      makePool()
        .session({ ...target('h1'), host: lab.controller.gateway })
        .run('true'),
    );
    expect(err.data).toMatchObject({ code: 'SSH_UNREACHABLE', detail: { host: lab.controller.gateway, errno: 'ECONNREFUSED' } });
  });

  it("refuses an unknown host key under 'refuse' with the fingerprint ssh-keygen prints, and stores it under 'accept-new'", async () => {
    const appFile = join(dir, 'fresh_known_hosts');
    const h = host('h1');
    const expected = fingerprintOf(`${h.sshd.hostKey}.pub`);
    const refused = await appErrorOf(makePool({ hostKeyPolicy: 'refuse' }, appFile, null).session(target('h1')).run('true'));
    expect(refused.data).toMatchObject({
      code: 'SSH_HOST_KEY_UNKNOWN',
      detail: { host: h.address, fingerprint: expected, keyType: 'ssh-ed25519' },
    });
    expect(refused.message).toContain(expected);
    expect(existsSync(appFile)).toBe(false);

    const prompts: unknown[] = [];
    const declined = await appErrorOf(
      makePool({ hostKeyPolicy: 'ask', confirmHostKey: (p) => (prompts.push(p), Promise.resolve(false)) }, appFile, null)
        .session(target('h1'))
        .run('true'),
    );
    expect(declined.data.code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(prompts).toEqual([{ host: h.address, port: 22, keyType: 'ssh-ed25519', fingerprint: expected }]);

    expect((await makePool({ hostKeyPolicy: 'accept-new' }, appFile, null).session(target('h1')).run('hostname')).stdout).toBe(
      'h1\n',
    );
    expect(execFileSync('ssh-keygen', ['-F', h.address, '-f', appFile], { encoding: 'utf8' })).toContain(
      readFileSync(`${h.sshd.hostKey}.pub`, 'utf8').split(' ')[1],
    );
    // Now known: the strict policy lets it in.
    expect((await makePool({ hostKeyPolicy: 'refuse' }, appFile, null).session(target('h1')).run('hostname')).stdout).toBe(
      'h1\n',
    );
  });

  it('hard-stops on a changed host key with SSH_HOST_KEY_CHANGED before any authentication', async () => {
    const h = host('h3');
    await rotateHostKey(lab, 'h3');
    const logBefore = statSync(h.sshd.log).size;
    const events: SshEvent[] = [];
    const asked: string[] = [];
    const pool = makePool({
      hostKeyPolicy: 'accept-new',
      log: (e) => events.push(e),
      confirmHostKey: () => (asked.push('confirm'), Promise.resolve(true)),
      credentials: {
        passphrase: () => (asked.push('passphrase'), Promise.resolve(undefined)),
        password: () => (asked.push('password'), Promise.resolve(undefined)),
      },
    });
    const err = await appErrorOf(pool.session(target('h3')).run('true'));
    expect(err.data).toMatchObject({
      code: 'SSH_HOST_KEY_CHANGED',
      detail: { host: h.address, fingerprint: fingerprintOf(`${h.sshd.hostKey}.pub`) },
    });
    expect(events.filter((e) => e.kind === 'auth-attempt')).toEqual([]);
    expect(asked).toEqual([]);
    // sshd's own view: the client left during key exchange, never as an "authenticating user".
    await new Promise((r) => setTimeout(r, 200));
    const log = readFileSync(h.sshd.log, 'utf8').slice(logBefore);
    // sshd names the user once authentication began ("... authenticating user root ..."); here it cannot.
    expect(log).toMatch(
      new RegExp(
        `(Connection closed by|Disconnected from) ${lab.controller.address.replaceAll('.', '\\.')} port \\d+ \\[preauth\\]`,
      ),
    );
    expect(log).not.toMatch(/authenticating user|Accepted|Failed|Invalid user/);
  });

  it('handshakes with at most maxHandshakes hosts at once, each one after the last is ready', async () => {
    const events: SshEvent[] = [];
    const pool = makePool({ maxHandshakes: 1, log: (e) => events.push(e) });
    // h3's key was rotated by an earlier test of this file.
    const names = ['h1', 'h2'];
    const out = await Promise.all(names.map((n) => pool.session(target(n)).run('hostname')));
    expect(out.map((r) => r.stdout.trim())).toEqual(names);
    const steps = events.filter((e) => e.kind === 'connect' || e.kind === 'ready').map((e) => e.kind);
    expect(steps).toEqual(['connect', 'ready', 'connect', 'ready']);
  });

  it('times a handshake from its turn: a host that waited behind a frozen one still connects', async () => {
    await freezeHostSshd(lab, 'h2');
    try {
      const pool = makePool({ maxHandshakes: 1, readyTimeoutMs: 2000 });
      const [frozen, waited] = await Promise.allSettled([
        pool.session(target('h2')).run('true'),
        pool.session(target('h1')).run('hostname'),
      ]);
      expect(frozen.status === 'rejected' && frozen.reason instanceof AppError ? frozen.reason.data.code : frozen.status).toBe(
        'SSH_TIMEOUT',
      );
      expect(waited.status === 'fulfilled' ? waited.value.stdout.trim() : waited.reason).toBe('h1');
    } finally {
      await thawHostSshd(lab, 'h2');
    }
  });

  it('gives up on a frozen sshd with SSH_TIMEOUT once readyTimeout has passed', async () => {
    const readyTimeoutMs = 2000;
    await freezeHostSshd(lab, 'h2');
    try {
      const started = performance.now();
      const err = await appErrorOf(makePool({ readyTimeoutMs }).session(target('h2')).run('true'));
      const elapsed = performance.now() - started;
      expect(err.data).toMatchObject({ code: 'SSH_TIMEOUT', detail: { host: host('h2').address, timeoutMs: readyTimeoutMs } });
      // Not a speed target: the error must come from the ready timeout, not from an earlier failure or a much later one.
      expect(elapsed).toBeGreaterThanOrEqual(readyTimeoutMs - 50);
      expect(elapsed).toBeLessThan(readyTimeoutMs + 10_000);
    } finally {
      await thawHostSshd(lab, 'h2');
    }
  });
});
