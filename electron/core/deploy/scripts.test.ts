/**
 * The runner's scripts and parsers, and its last-line refusal of steps that would cut the SSH
 * session. What the scripts do on a real host is proven by deploy.int.test.ts (lab sshd hosts).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addrAdd,
  addrDel,
  compilePlan,
  fdbAppend,
  linkDel,
  linkMaster,
  linkMtu,
  linkNomaster,
  linkUp,
  protectedPath,
  type Step,
} from '../../../shared/plan';
import type { ObservedHostState } from '../../../shared/observe';
import { unsafeStep } from './runner';
import { stepChunks } from './steps';
import { removeLockFiles } from '../lab/lab-check';
import { LOCK_DIR, LOCK_LEASE_SECONDS, parseSteps, prepareScript, stepBatches, stepsScript } from './scripts';
import { sudoWrapped } from '../ssh';
import { parseTopologyText } from '../../../shared/model';

describe('deploy scripts', () => {
  it('passes every step argument as one shell word, whatever it contains', () => {
    const hostile = 'p`>q9`;$(x)';
    const m = 'VXSTEST';
    const script = stepsScript([linkMaster(hostile, 'br100')], { sudo: false, stopOnError: true, readBack: false }, m);
    // Replace `ip` by printf so sh shows how it split the words, without touching any interface.
    const shown = execFileSync('sh', ['-c', `ip() { printf '<%s>' "$@"; echo; }\n${script}`], { encoding: 'utf8' });
    expect(shown).toContain(`<link><set><${hostile}><master><br100>`);
  });

  it('reports each step exit status and cuts each step stderr apart, stopping at the first failure', () => {
    const m = 'VXSTEST';
    const steps: Step[] = [linkUp('a0'), linkUp('b0'), linkUp('c0')];
    const script = stepsScript(steps, { sudo: false, stopOnError: true, readBack: false }, m);
    // Consecutive `ip` steps go through one `ip -batch -`: this stand-in reads its lines and fails
    // the b0 one the way iproute2 does (its error, then `Command failed -:<line>`, exit 1, nothing
    // after it run); steps-batch.int.test.ts holds the real iproute2 to that format.
    const fake = [
      'ip() { [ "$1" = -batch ] || return 9; n=0',
      '  while read -r l; do n=$((n+1)); case $l in *" b0 "*) echo "Cannot find device b0" >&2; echo "Command failed -:$n" >&2; return 1;; esac; done; }',
      '',
    ].join('\n');
    const r = spawnSync('sh', ['-c', fake + script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = parseSteps(r.stdout, r.stderr, m, 'h1');
    expect([...out.status]).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(out.done).toBe(false);
    expect(out.stderrOf.get(1)?.trim()).toBe('Cannot find device b0');
  });

  it('runs consecutive ip or bridge steps through one -batch process, and alone what batch mode could misread', () => {
    const plan = compilePlan(
      (() => {
        const r = parseTopologyText(readFileSync('examples/textbook.vxlan.json', 'utf8'));
        if (!r.ok) throw new Error('textbook example does not parse');
        return r.topology;
      })(),
    );
    const steps = plan.hosts[0]?.steps ?? [];
    const batches = stepBatches(steps);
    // Every step is in exactly one batch, in order.
    expect(batches.flatMap((b) => Array.from({ length: b.to - b.from + 1 }, (_, k) => b.from + k))).toEqual(
      steps.map((_, i) => i),
    );
    expect(batches.length).toBeLessThan(steps.length);
    const many = Array.from({ length: 99 }, (_, i) => fdbAppend('vxlan100', `172.30.${i}.1`));
    expect(stepBatches(many)).toEqual([{ from: 0, to: 98, tool: 'bridge' }]);
    const script = stepsScript(many, { sudo: true, stopOnError: true, readBack: false }, 'M');
    expect(script.match(/sudo -n bridge -batch -/g)).toHaveLength(1);
    expect(stepsScript(many, { sudo: false, stopOnError: false, readBack: false }, 'M')).toContain('bridge -force -batch -');
    // A guard, a word batch mode would split or read as a comment, a global option, or a deleted
    // link each end a batch.
    const guarded: Step = { ...linkUp('a0'), guards: [{ kind: 'owned', ifname: 'a0', alias: 'vxlan-studio:t' }] };
    expect(stepBatches([linkUp('a0'), guarded, linkUp('b0')]).map((b) => [b.from, b.to, b.tool])).toEqual([
      [0, 0, undefined],
      [1, 1, undefined],
      [2, 2, undefined],
    ]);
    expect(stepBatches([linkUp('a0'), linkUp('#x'), linkUp('b0'), linkUp('c0')]).map((b) => [b.from, b.to])).toEqual([
      [0, 0],
      [1, 1],
      [2, 3],
    ]);
    const v6: Step = { ...addrAdd('fd00::1/64', 'br0'), argv: ['ip', '-6', 'addr', 'add', 'fd00::1/64', 'dev', 'br0'] };
    expect(stepBatches([linkUp('a0'), v6, linkUp('b0')]).map((b) => b.tool)).toEqual([undefined, undefined, undefined]);
    expect(stepBatches([linkUp('a0'), linkDel('a0', 'gone'), linkUp('a0'), linkUp('b0')]).map((b) => [b.from, b.to])).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('takes the lock in the prepare script only for changing runs, and quotes peer addresses', () => {
    const locking = prepareScript({ topologyId: 'demo', lock: true, peers: ['172.30.1.11'], sudo: true }, 'M');
    expect(locking).toContain('flock -w 2 9');
    expect(locking).toContain('/run/vxlan-studio/vxlan-studio-demo');
    expect(locking).toContain('sudo -n true');
    expect(locking).toContain('ip -j route get 172.30.1.11');
    expect(prepareScript({ topologyId: 'demo', lock: false, peers: [], sudo: false }, 'M')).not.toContain('flock');
  });
});

describe('refusing steps that would cut the SSH session', () => {
  const observed: ObservedHostState = {
    links: [
      { name: 'eth0', ifindex: 2, mtu: 1500, up: true },
      { name: 'br0', ifindex: 3, kind: 'bridge', mtu: 1500, up: true },
      { name: 'eth1', ifindex: 4, mtu: 1500, up: true, master: 'br0' },
      { name: 'br-ov', ifindex: 5, kind: 'bridge', mtu: 1500, up: true, alias: 'vxlan-studio:t' },
      { name: 'tap0', ifindex: 6, kind: 'tun', mtu: 1500, up: true, master: 'br-ov' },
    ],
    addresses: [
      { ifname: 'eth0', cidr: '172.30.1.11/24', family: 'inet' },
      { ifname: 'br0', cidr: '192.168.7.2/24', family: 'inet' },
    ],
    fdb: [],
  };
  const path = protectedPath(observed, { interfaces: ['eth0'], addresses: ['172.30.1.11', '172.30.0.10'] });

  it('refuses changing, enslaving or enslaving into the SSH interface', () => {
    expect(unsafeStep(linkMtu('eth0', 1400), path)).toMatch(/eth0/);
    expect(unsafeStep(linkMaster('eth0', 'br100'), path)).toMatch(/eth0 would move to br100/);
    expect(unsafeStep(linkMaster('tap0', 'eth0'), path)).toMatch(/tap0 would join eth0/);
  });

  it('refuses removing the SSH address and adding a subnet that covers either end of the session', () => {
    expect(unsafeStep(addrDel('172.30.1.11/24', 'br100'), path)).toMatch(/removes 172.30.1.11/);
    expect(unsafeStep(addrAdd('172.30.0.0/16', 'br100'), path)).toMatch(/covers 172.30/);
  });

  it('refuses moving a port of the bridge that carries the SSH address to another bridge', () => {
    const viaBridge = protectedPath(observed, { addresses: ['192.168.7.2'] });
    expect(unsafeStep(linkMaster('eth1', 'br-ov', 'br0'), viaBridge)).toBe(
      'eth1 would move to br-ov: it is a port of br0, which is protected',
    );
    expect(unsafeStep(linkNomaster('eth1', 'br0'), viaBridge)).toMatch(/^eth1 would leave br0/);
    expect(unsafeStep(linkDel('br0', 'teardown'), viaBridge)).toMatch(/^br0 would be deleted/);
  });

  it('refuses detaching a port of our bridge when our bridge carries the SSH address (the step names no master in its last word)', () => {
    const viaOurs = protectedPath(observed, { addresses: ['10.9.0.1'] });
    expect(unsafeStep(linkNomaster('tap0', 'br-ov'), viaOurs)).toBeUndefined();
    const sshOnOurs = protectedPath(
      { ...observed, addresses: [...observed.addresses, { ifname: 'br-ov', cidr: '10.9.0.1/24', family: 'inet' }] },
      { addresses: ['10.9.0.1'] },
    );
    expect(linkNomaster('tap0', 'br-ov').argv.at(-1)).toBe('nomaster');
    expect(unsafeStep(linkNomaster('tap0', 'br-ov'), sshOnOurs)).toMatch(/^tap0 would leave br-ov/);
    expect(unsafeStep(linkDel('br-ov', 'teardown'), sshOnOurs)).toMatch(/^br-ov would be deleted/);
  });

  it('lets ordinary overlay steps through', () => {
    expect(unsafeStep(addrAdd('10.100.0.1/24', 'br100'), path)).toBeUndefined();
    expect(unsafeStep(linkUp('vxlan100'), path)).toBeUndefined();
    expect(unsafeStep(linkMaster('tap0', 'br100', 'br-ov'), path)).toBeUndefined();
  });
});

/**
 * The lock holder run for real by sh and flock (util-linux) on this machine: only its lock lines,
 * with the session owner given as $1 the way the pool passes it under sudo or on an exec channel.
 */
describe('the deploy lock follows the SSH session that took it', () => {
  const id = `vxs-locktest-${process.pid}`;
  // The lock directory is this machine's /run/vxlan-studio: leave nothing there.
  afterAll(() => removeLockFiles([id]));
  const lockFile = (): string => {
    const ns = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' })
      .trim()
      .replace(/^net:\[(\d+)\]$/, '$1');
    return `${LOCK_DIR}/vxlan-studio-${id}-net${ns}.lock`;
  };
  /** The lock lines of the prepare script (everything up to the facts). */
  const lockScript = (): string => {
    const full = prepareScript({ topologyId: id, lock: true, peers: [], sudo: false }, 'M');
    return full.slice(0, full.indexOf("printf '%s SSH"));
  };
  /** Runs the lock lines with `owner` as $1; answers the printed tags. */
  const takeLock = (owner: number): string =>
    execFileSync('sh', ['-c', lockScript(), 'vxs', String(owner)], { encoding: 'utf8' });
  /** Whether another run could take the lock within `seconds`. */
  const free = (seconds: number): boolean => spawnSync('flock', ['-w', String(seconds), lockFile(), 'true']).status === 0;
  /** A process and the pid of a child of it that has exited and is never reaped (a zombie). */
  const zombieMaker = async (): Promise<{ parent: ReturnType<typeof spawn>; zombie: number }> => {
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = await new Promise<number>((resolve) =>
      parent.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    for (
      let i = 0;
      i < 50 && !/^\S+ \(.*\) Z/.test(spawnSync('cat', [`/proc/${zombie}/stat`], { encoding: 'utf8' }).stdout);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return { parent, zombie };
  };

  it('holds while the session lives and frees within seconds once it dies', () => {
    const session = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      expect(takeLock(session.pid as number)).toMatch(/^M LOCK \d+$/m);
      expect(free(2)).toBe(false);
      session.kill('SIGKILL');
      expect(free(5)).toBe(true);
    } finally {
      session.kill('SIGKILL');
      rmSync(lockFile(), { force: true });
    }
  });

  it('lets go within seconds once its token is killed (release), and the token is one sleep for the lease, not a loop', () => {
    const session = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const token = Number(/^M LOCK (\d+)$/m.exec(takeLock(session.pid as number))?.[1]);
      expect(
        readFileSync(`/proc/${token}/cmdline`, 'utf8')
          .split('\0')
          .filter((w) => w !== ''),
      ).toEqual(['sleep', String(LOCK_LEASE_SECONDS)]);
      expect(free(2)).toBe(false);
      process.kill(token, 'SIGTERM');
      expect(free(5)).toBe(true);
    } finally {
      session.kill('SIGKILL');
      rmSync(lockFile(), { force: true });
    }
  });

  it('counts a session that is a zombie (killed sshd, an init that does not reap) as dead', async () => {
    const { parent, zombie } = await zombieMaker();
    try {
      expect(spawnSync('cat', [`/proc/${zombie}/stat`], { encoding: 'utf8' }).stdout).toMatch(/\) Z/);
      expect(takeLock(zombie)).toMatch(/^M LOCK \d+$/m);
      expect(free(5)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      rmSync(lockFile(), { force: true });
    }
  });

  it('gives a script run under sudo the session pid as $1, and $$ when none is passed', () => {
    // `sudo` itself is left out (stand-in: the same argv without it); the words and $1 are what matter.
    const wrapped = sudoWrapped('echo "owner=$1"').replace(/^sudo -n /, '');
    expect(execFileSync('sh', ['-c', wrapped, 'vxs', '4242'], { encoding: 'utf8' })).toBe('owner=4242\n');
    const own = execFileSync('sh', ['-c', `${wrapped}; echo "self=$$"`], { encoding: 'utf8' }).split('\n');
    expect(own[0]).toBe(own[1]?.replace('self=', 'owner='));
  });
});

describe('step-by-step rounds', () => {
  it('sends creating a link and marking it ours in one round, every other step alone', () => {
    const steps: Step[] = [
      {
        argv: ['ip', 'link', 'add', 'br0', 'type', 'bridge'],
        description: 'create br0',
        inverse: [],
        kind: 'link-add',
        target: 'br0',
      },
      {
        argv: ['ip', 'link', 'set', 'br0', 'alias', 'vxlan-studio:t'],
        description: 'mark br0',
        inverse: [],
        kind: 'link-alias',
        target: 'br0',
      },
      linkMtu('br0', 1450),
      {
        argv: ['ip', 'link', 'add', 'vx1', 'type', 'dummy'],
        description: 'create vx1',
        inverse: [],
        kind: 'link-add',
        target: 'vx1',
      },
      {
        argv: ['ip', 'link', 'set', 'br0', 'alias', 'x'],
        description: 'mark br0 again',
        inverse: [],
        kind: 'link-alias',
        target: 'br0',
      },
    ];
    expect(stepChunks(steps).map((c) => [c.from, c.steps.length])).toEqual([
      [0, 2],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
  });

  it('pairs every device the compiler creates with its mark', () => {
    const text = readFileSync(new URL('../../../examples/textbook.vxlan.json', import.meta.url), 'utf8');
    const parsed = parseTopologyText(text);
    if (!parsed.ok) throw new Error('the textbook example should parse');
    for (const hp of compilePlan(parsed.topology).hosts) {
      for (const chunk of stepChunks(hp.steps))
        if (chunk.steps[0]?.kind === 'link-add') expect(chunk.steps.map((x) => x.kind)).toEqual(['link-add', 'link-alias']);
    }
  });
});
