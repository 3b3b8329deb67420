/**
 * The watch's report parser, its check script (run by the real sh against files made here) and what
 * the app's memory keeps of a watch. The watch on a real host: watch.int.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployMemory } from './memory';
import type { Prepared } from './scripts';
import { parseWatchBody, watchCheckLines, type WatchArmed } from './watch';

describe('parseWatchBody', () => {
  it('reads the pids and the paths', () => {
    expect(parseWatchBody('tok', '11 12 13\nP /etc/netplan\nA /etc/NetworkManager/system-connections\nL 812\n')).toEqual({
      token: 'tok',
      pids: [11, 12, 13],
      paths: [
        { kind: 'P', path: '/etc/netplan' },
        { kind: 'A', path: '/etc/NetworkManager/system-connections' },
        { kind: 'L', path: '812' },
      ],
    });
  });

  it('refuses a report that is not exactly that, so the watch is not used', () => {
    expect(parseWatchBody('tok', '11 12\nP /etc')).toBeUndefined();
    expect(parseWatchBody('tok', '11 x 13\nP /etc')).toBeUndefined();
    // A file name with a newline splits into a line that is no path.
    expect(parseWatchBody('tok', '11 12 13\nP /etc/netplan/a\nb.yaml')).toBeUndefined();
    expect(parseWatchBody('tok', '11 12 13\nQ /etc')).toBeUndefined();
    expect(parseWatchBody('tok', '11 12 13\nL 81x')).toBeUndefined();
  });
});

describe('watchCheckLines, run by sh', () => {
  let dir = '';
  afterEach(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  /** A watch directory as an arming leaves it (`setUp` then changes it), and the check's answer. */
  function check(w: WatchArmed, setUp: (watchDir: string) => void): string {
    dir = mkdtempSync(path.join(tmpdir(), 'vxs-watch-'));
    const watchDir = path.join(dir, 'w');
    mkdirSync(watchDir);
    writeFileSync(path.join(watchDir, 'token'), `${w.token}\n`);
    writeFileSync(path.join(watchDir, 'ev'), '');
    writeFileSync(path.join(watchDir, 'ref'), 'x');
    setUp(watchDir);
    const lines = watchCheckLines('t', w, 'M').map((l) => (l.startsWith('vxs_wd=') ? `vxs_wd='${watchDir}'` : l));
    // As the runner sends it: in the long-lived shell itself, which must live on after it.
    // Given through the environment: the host's long-lived shell has no positional parameters.
    const out = execFileSync('sh', ['-c', `{ eval "$VXS_CHECK"; } </dev/null; printf 'M ALIVE\\n'`], {
      encoding: 'utf8',
      env: { ...process.env, VXS_CHECK: lines.join('\n') },
    });
    expect(out.endsWith('M ALIVE\n')).toBe(true);
    return out.replace(/M ALIVE\n$/, '') || 'M FULL\n';
  }

  /** Three sleeping processes standing in for the monitors and the filter. */
  function sleepers(): { pids: [number, number, number]; stop: () => void } {
    const out = execFileSync('sh', ['-c', 'for i in 1 2 3; do sleep 30 </dev/null >/dev/null 2>&1 & echo $!; done'], {
      encoding: 'utf8',
    });
    const pids = out.trim().split('\n').map(Number) as [number, number, number];
    return { pids, stop: () => pids.forEach((p) => process.kill(p, 'SIGKILL')) };
  }

  it('answers SAME when the token, the processes, the events and every path hold', () => {
    const s = sleepers();
    try {
      const old = path.join(tmpdir(), `vxs-watch-old-${process.pid}`);
      writeFileSync(old, '');
      utimesSync(old, new Date(2000, 0, 1), new Date(2000, 0, 1));
      const w: WatchArmed = {
        token: 'tok1',
        pids: s.pids,
        paths: [
          { kind: 'P', path: old },
          { kind: 'A', path: '/nonexistent/vxs' },
        ],
      };
      expect(check(w, () => undefined)).toBe('M SAME\n');
      // An event, a newer file, a path that appeared, another token: a full read.
      expect(check(w, (d) => writeFileSync(path.join(d, 'ev'), 'x'))).toBe('M FULL\n');
      expect(check(w, (d) => writeFileSync(path.join(d, 'token'), 'tok2\n'))).toBe('M FULL\n');
      expect(check({ ...w, paths: [{ kind: 'A', path: old }] }, () => undefined)).toBe('M FULL\n');
      expect(
        check(w, (d) => {
          utimesSync(old, new Date(), new Date(Date.now() + 5000));
          void d;
        }),
      ).toBe('M FULL\n');
      rmSync(old, { force: true });
    } finally {
      s.stop();
    }
  });

  it('answers a full read when a watch process is gone', () => {
    const s = sleepers();
    s.stop();
    expect(check({ token: 't', pids: s.pids, paths: [] }, () => undefined)).toBe('M FULL\n');
  });

  it('passes a hostile path to test as one word, running nothing', () => {
    const s = sleepers();
    try {
      const marker = path.join(tmpdir(), `vxs-watch-pwned-${process.pid}`);
      const hostile = `/tmp/x'$(touch ${marker})'\`touch ${marker}\``;
      expect(check({ token: 't', pids: s.pids, paths: [{ kind: 'P', path: hostile }] }, () => undefined)).toBe('M FULL\n');
      expect(existsSync(marker)).toBe(false);
    } finally {
      s.stop();
    }
  });
});

describe("the app's memory of a host's watch", () => {
  const prep = { missing: [], noSudo: false, lock: { kind: 'none' }, persist: {}, complete: true } as unknown as Prepared;
  const watch = { token: 'tok', pids: [1, 2, 3] as [number, number, number], paths: [], prep };

  it('keeps a watch only while the host is expected converged with that drawing', () => {
    const m = new DeployMemory();
    m.setWatch('t', 'h1', 'd1', watch);
    expect(m.watchOf('t', 'h1', 'd1')).toBeUndefined();
    m.record('t', 'h1', 'd1', 'apply', 'applied');
    m.setWatch('t', 'h1', 'd1', watch);
    expect(m.watchOf('t', 'h1', 'd1')).toBe(watch);
    expect(m.watchOf('t', 'h1', 'd2')).toBeUndefined();
    // Unchanged keeps it; steps run (applied), a failure or a destroy forget it.
    m.record('t', 'h1', 'd1', 'apply', 'unchanged');
    expect(m.watchOf('t', 'h1', 'd1')).toBe(watch);
    m.record('t', 'h1', 'd1', 'apply', 'applied');
    expect(m.watchOf('t', 'h1', 'd1')).toBeUndefined();
    m.setWatch('t', 'h1', 'd1', watch);
    m.record('t', 'h1', 'd1', 'apply', 'failed');
    m.record('t', 'h1', 'd1', 'apply', 'applied');
    expect(m.watchOf('t', 'h1', 'd1')).toBeUndefined();
  });

  it('waits for the watches being armed after a run', async () => {
    const m = new DeployMemory();
    let done = false;
    m.track(
      new Promise<void>((r) =>
        setTimeout(() => {
          done = true;
          r();
        }, 50),
      ),
    );
    m.track(Promise.reject(new Error('a host went away')));
    await m.settled();
    expect(done).toBe(true);
  });
});
