/** Pool keys and ProxyJump parsing: what makes two targets share one connection. */
import { describe, expect, it } from 'vitest';
import { parseJump, poolKey } from './pool';

describe('parseJump', () => {
  it('reads [user@]host[:port] like ssh -J, defaulting to the target user and port 22', () => {
    expect(parseJump('bastion', 'root')).toEqual({ user: 'root', host: 'bastion', port: 22 });
    expect(parseJump('admin@10.0.0.1:2222', 'root')).toEqual({ user: 'admin', host: '10.0.0.1', port: 2222 });
    expect(parseJump('ops@[fd00::1]:2200', 'root')).toEqual({ user: 'ops', host: 'fd00::1', port: 2200 });
    expect(parseJump('[fd00::1]', 'root')).toEqual({ user: 'root', host: 'fd00::1', port: 22 });
  });

  it('rejects a port outside 1-65535 with the jump text in the message', () => {
    expect(() => parseJump('bastion:70000', 'root')).toThrow(/bastion:70000/);
  });
});

describe('poolKey', () => {
  it('gives one key per user, host, port and jump, so only identical targets share a connection', () => {
    const base = { host: '10.0.0.5', port: 22, user: 'root' };
    expect(poolKey(base)).toBe('root@10.0.0.5:22');
    expect(poolKey({ ...base, port: 2222 })).not.toBe(poolKey(base));
    expect(poolKey({ ...base, user: 'admin' })).not.toBe(poolKey(base));
    expect(poolKey({ ...base, jump: 'bastion' })).toBe('root@10.0.0.5:22 via bastion');
    expect(poolKey({ host: 'fd00::1', port: 22, user: 'root' })).toBe('root@[fd00::1]:22');
  });
});
