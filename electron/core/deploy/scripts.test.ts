/**
 * The runner's scripts and parsers, and its last-line refusal of steps that would cut the SSH
 * session. What the scripts do on a real host is proven by deploy.int.test.ts (lab sshd hosts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addrAdd, addrDel, linkMaster, linkMtu, linkUp, type Step } from '../../../shared/plan';
import { unsafeStep } from './runner';
import { parseSteps, prepareScript, sections, stepsScript } from './scripts';

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
    const fake = `ip() { if [ "$4" = b0 ] || [ "$3" = b0 ]; then echo "Cannot find device b0" >&2; return 1; fi; }\n`;
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

  it('takes the lock in the prepare script only for changing runs, and quotes peer addresses', () => {
    const locking = prepareScript({ topologyId: 'demo', lock: true, peers: ['172.30.1.11'], sudo: true }, 'M');
    expect(locking).toContain('flock -w 2 9');
    expect(locking).toContain('/run/lock/vxlan-studio-demo');
    expect(locking).toContain('sudo -n true');
    expect(locking).toContain('ip -j route get 172.30.1.11');
    expect(prepareScript({ topologyId: 'demo', lock: false, peers: [], sudo: false }, 'M')).not.toContain('flock');
  });

  it('ignores marker-like text that does not carry the run nonce', () => {
    const s = sections('noise\nM1 R 0 0\nM2 R 1 1\nbody\nM1 END', 'M1');
    expect(s.map((x) => [x.tag, x.args])).toEqual([
      ['R', '0 0'],
      ['END', ''],
    ]);
    expect(s[0]?.body).toBe('M2 R 1 1\nbody');
  });
});

describe('refusing steps that would cut the SSH session', () => {
  const facts = { sshInterface: 'eth0', sshAddress: '172.30.1.11', sshClientAddress: '172.30.0.10' };

  it('refuses changing, enslaving or enslaving into the SSH interface', () => {
    expect(unsafeStep(linkMtu('eth0', 1400), facts, undefined)).toMatch(/eth0/);
    expect(unsafeStep(linkMaster('eth0', 'br100'), facts, undefined)).toMatch(/eth0/);
    expect(unsafeStep(linkMaster('tap0', 'eth0'), facts, undefined)).toMatch(/ports of eth0/);
  });

  it('refuses removing the SSH address and adding a subnet that covers either end of the session', () => {
    expect(unsafeStep(addrDel('172.30.1.11/24', 'br100'), facts, undefined)).toMatch(/removes 172.30.1.11/);
    expect(unsafeStep(addrAdd('172.30.0.0/16', 'br100'), facts, undefined)).toMatch(/covers 172.30/);
  });

  it('lets ordinary overlay steps through', () => {
    expect(unsafeStep(addrAdd('10.100.0.1/24', 'br100'), facts, 'eth0')).toBeUndefined();
    expect(unsafeStep(linkUp('vxlan100'), facts, 'eth0')).toBeUndefined();
  });
});
