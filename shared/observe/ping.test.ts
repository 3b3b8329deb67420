/**
 * ping parser on outputs recorded from iputils 20221126 in scratch namespaces (fixtures/record-diagnose.sh).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePing, pingArgv } from './index';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** A recorded output without the two `# exit` / `# ping` header lines the recorder adds. */
function recorded(name: string): { text: string; exit: number; command: string } {
  const [exitLine, commandLine, ...rest] = readFileSync(path.join(FIXTURES, `ping-${name}.txt`), 'utf8').split('\n');
  return { text: rest.join('\n'), exit: Number(exitLine?.replace('# exit ', '')), command: commandLine?.replace('# ', '') ?? '' };
}
const parse = (name: string): ReturnType<typeof parsePing> => {
  const r = recorded(name);
  return parsePing(r.text, { host: 'a', command: r.command });
};

describe('parsePing on recorded iputils output', () => {
  it('reads a clean run: all answered, no loss, round-trip times', () => {
    expect(parse('ok')).toMatchObject({
      transmitted: 3,
      received: 3,
      errors: 0,
      lossPercent: 0,
      ok: true,
      rtt: { min: 0.064, avg: 0.07, max: 0.075, mdev: 0.004 },
    });
  });

  it('reads total silence as 100% loss, not ok', () => {
    const p = parse('loss');
    expect(p).toMatchObject({ transmitted: 3, received: 0, lossPercent: 100, ok: false });
    expect(p.rtt).toBeUndefined();
    expect(p.evidence).toEqual(['3 packets transmitted, 0 received, 100% packet loss, time 408ms']);
  });

  it('reads partial loss as not ok with the replies that came', () => {
    expect(parse('partial')).toMatchObject({ transmitted: 4, received: 2, lossPercent: 50, ok: false });
  });

  it('reads the local "message too long" refusal of a DF packet over the interface MTU, with that MTU', () => {
    const p = parse('local-too-long');
    expect(p).toMatchObject({
      transmitted: 2,
      received: 0,
      errors: 2,
      lossPercent: 100,
      ok: false,
      messageTooLong: { mtu: 1500 },
    });
    expect(p.localError).toBeUndefined();
  });

  it("reads a router's ICMP fragmentation-needed answer with its next-hop MTU", () => {
    const p = parse('frag-needed');
    expect(p.fragNeeded).toEqual({ from: '10.99.1.1', mtu: 1400 });
    expect(p.messageTooLong).toEqual({ mtu: 1400 });
    expect(p.evidence[0]).toBe('From 10.99.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)');
  });

  it('reads "Destination Host Unreachable" from the router', () => {
    expect(parse('host-unreachable')).toMatchObject({
      received: 0,
      errors: 2,
      unreachable: { from: '10.99.1.1', message: 'Destination Host Unreachable' },
    });
  });

  it('agrees with the exit status of every recorded run (ping exits 0 exactly when some reply came)', () => {
    for (const name of [
      'ok',
      'df-ok',
      'loss',
      'partial',
      'local-too-long',
      'frag-needed',
      'host-unreachable',
      'overlay-ok',
      'overlay-blocked',
      'overlay-df-path',
      'overlay-df-over',
    ]) {
      const r = recorded(name);
      const p = parsePing(r.text, { host: 'a', command: r.command });
      expect({ name, answered: p.received > 0 }).toEqual({ name, answered: r.exit === 0 });
    }
  });

  it('reads a ping that could not even start as a local error', () => {
    expect(parsePing('ping: connect: Network is unreachable\n', { host: 'a', command: 'ping 10.1.1.1' })).toMatchObject({
      transmitted: 0,
      received: 0,
      ok: false,
      localError: 'connect: Network is unreachable',
    });
  });

  it('refuses output that is not ping output, naming host and command', () => {
    expect(() => parsePing('bash: ping: command not found', { host: 'web-1', command: 'ping -c 1 10.0.0.2' })).toThrow(
      /^host web-1: output of `ping -c 1 10.0.0.2` has no ping statistics line/,
    );
  });

  it('builds the DF probe command the recorder ran', () => {
    expect(pingArgv('10.99.2.2', { count: 2, waitSeconds: 1, dontFragment: true, size: 1472 })).toEqual([
      'ping',
      '-n',
      '-c',
      '2',
      '-W',
      '1',
      '-i',
      '0.2',
      '-M',
      'do',
      '-s',
      '1472',
      '10.99.2.2',
    ]);
  });
});
