import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, isMulticast, maxOverlayMtu, overheadFor, parseAddress, parseCidr } from './ip';

describe('parseAddress', () => {
  it('accepts IPv4 and reports family 4', () => {
    expect(parseAddress('192.168.1.10')).toEqual({ family: 4, normalized: '192.168.1.10' });
  });

  it('normalises IPv6 to the RFC 5952 form', () => {
    expect(parseAddress('2001:DB8:0:0:0:0:0:1')).toEqual({ family: 6, normalized: '2001:db8::1' });
  });

  it('refuses IPv4 with leading zeros instead of reading them as octal', () => {
    expect(parseAddress('010.0.0.1')).toMatch(/not a valid IPv4 address/);
  });

  it('refuses shorthand IPv4 such as "10" that ipaddr.js alone would accept', () => {
    expect(parseAddress('10')).toMatch(/not a valid IPv4 address/);
  });

  it('refuses an octet above 255', () => {
    expect(parseAddress('192.168.1.300')).toMatch(/not a valid IPv4 address/);
  });

  it('refuses an IPv6 zone id', () => {
    expect(parseAddress('fe80::1%eth0')).toMatch(/zone id/);
  });

  it('refuses surrounding spaces', () => {
    expect(parseAddress(' 10.0.0.1')).toMatch(/spaces/);
  });

  it('refuses a CIDR where a plain address is expected', () => {
    expect(parseAddress('10.0.0.1/24')).toMatch(/prefix length/);
  });
});

describe('parseCidr', () => {
  it('splits a host address with prefix into address, prefix and network', () => {
    expect(parseCidr('10.0.0.1/24')).toEqual({
      family: 4,
      address: '10.0.0.1',
      prefix: 24,
      network: '10.0.0.0',
      cidr: '10.0.0.0/24',
      hasHostBits: true,
    });
  });

  it('computes an IPv6 network', () => {
    const c = parseCidr('fd00:1:2:3::9/64');
    expect(typeof c !== 'string' && c.cidr).toBe('fd00:1:2:3::/64');
  });

  it('masks a prefix that is not a multiple of 8', () => {
    const c = parseCidr('10.0.0.77/26');
    expect(typeof c !== 'string' && c.network).toBe('10.0.0.64');
  });

  it('says a network address has no host bits', () => {
    const c = parseCidr('10.0.0.0/24');
    expect(typeof c !== 'string' && c.hasHostBits).toBe(false);
  });

  it('refuses a missing prefix', () => {
    expect(parseCidr('10.0.0.1')).toMatch(/no prefix length/);
  });

  it('refuses a prefix longer than the family allows', () => {
    expect(parseCidr('10.0.0.1/33')).toMatch(/0-32 for IPv4/);
    expect(parseCidr('fd00::1/129')).toMatch(/0-128 for IPv6/);
  });

  it('refuses a non-numeric prefix', () => {
    expect(parseCidr('10.0.0.1/2x')).toMatch(/invalid prefix length/);
  });

  it('refuses a bad address part', () => {
    expect(parseCidr('10.0.0.256/24')).toMatch(/not valid CIDR/);
  });
});

describe('address relations', () => {
  it('recognises IPv4 and IPv6 multicast addresses', () => {
    expect(isMulticast('239.1.1.1')).toBe(true);
    expect(isMulticast('ff05::100')).toBe(true);
    expect(isMulticast('10.0.0.1')).toBe(false);
    expect(isMulticast('not-an-ip')).toBe(false);
  });

  it('tells whether a subnet contains an address or a host CIDR', () => {
    expect(cidrContains('10.0.0.0/24', '10.0.0.200')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.0.2/24')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.1.2')).toBe(false);
  });

  it('never matches across families', () => {
    expect(cidrContains('::/0', '10.0.0.1')).toBe(false);
    expect(cidrsOverlap('0.0.0.0/0', 'fd00::/8')).toBe(false);
  });

  it('finds overlap when one range contains the other, in either order', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/24', '10.0.1.0/24')).toBe(false);
  });

  it('treats a plain address as a single-address range', () => {
    expect(cidrsOverlap('192.168.1.0/24', '192.168.1.10')).toBe(true);
    expect(cidrsOverlap('192.168.1.11', '192.168.1.10')).toBe(false);
  });
});

describe('VXLAN overhead (RFC 7348)', () => {
  it('is 50 bytes over IPv4 and 70 over IPv6', () => {
    expect(overheadFor(4)).toBe(50);
    expect(overheadFor(6)).toBe(70);
  });

  it('leaves 1450 bytes of overlay MTU on a 1500-byte IPv4 underlay', () => {
    expect(maxOverlayMtu(1500, 4)).toBe(1450);
  });
});
