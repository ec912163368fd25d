import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipAclMatches, isValidIpAcl, normalizeClientAddress, parseIpAddress } from './auth-ip.ts';

const seed = Number(process.env.FC_SEED ?? 42);
const bytesOf = (text: string): number[] | undefined => {
  const parsed = parseIpAddress(text);
  return parsed === undefined ? undefined : [...parsed];
};

describe('parseIpAddress', () => {
  it.each([
    ['1.2.3.4', [1, 2, 3, 4]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['010.0.0.1', [10, 0, 0, 1]], // Java's Integer.parseInt: leading zeros are decimal
    ['+1.-0.2.3', [1, 0, 2, 3]], // and a sign is allowed
    ['::', new Array(16).fill(0)],
    ['::1', [...new Array(15).fill(0), 1]],
    ['1::', [0, 1, ...new Array(14).fill(0)]],
    ['0:0:0:0:0:0:0:1', [...new Array(15).fill(0), 1]],
    ['2001:DB8::ff00:42:8329', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]],
    ['1:2:3:4:5:6:7::', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]],
    ['::2:3:4:5:6:7:8', [0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]],
    ['0:0:0:0:0:ffff:1.2.3.4', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]],
    ['64:ff9b::192.0.2.33', [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33]],
    ['-1::', [0xff, 0xff, ...new Array(14).fill(0)]], // Integer.parseInt("-1", 16), low 16 bits
  ])('%j', (text, expected) => {
    expect(bytesOf(text)).toEqual(expected);
  });

  it.each([
    '',
    'localhost',
    '1',
    '1.2.3',
    '1.2.3.4.5',
    '1..3.4',
    '256.0.0.1',
    '-1.0.0.0',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.4%eth0',
    '１.2.3.4', // fullwidth digit: Java would take it; not copied
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1:2:3:4::5:6:7:8',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '12345::',
    'g::',
    '-::',
    'fe80::1%eth0',
    '::1.2.3.4.5',
    '1.2.3.4::',
    '::1.2.3.4:1',
    '0:0:0:0:0:0:ffff:1.2.3.4', // a dotted tail is worth two groups: nine in all
  ])('rejects %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  function formatFull(bytes: Uint8Array, upper: boolean, pad: boolean): string {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) {
      let group = ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
      if (pad) group = group.padStart(4, '0');
      groups.push(upper ? group.toUpperCase() : group);
    }
    return groups.join(':');
  }

  /** RFC 5952 style: the longest run (>= 1 group here) of zero groups becomes "::". */
  function formatCompressed(bytes: Uint8Array, runStart: number, runLength: number): string {
    const groups = formatFull(bytes, false, false).split(':');
    return `${groups.slice(0, runStart).join(':')}::${groups.slice(runStart + runLength).join(':')}`;
  }

  it('reads back every way of writing random IPv6 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat(7),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.boolean(),
        (raw, runStart, runWanted, upper, pad) => {
          const runLength = Math.min(runWanted, 8 - runStart);
          const bytes = raw.slice();
          bytes.fill(0, runStart * 2, (runStart + runLength) * 2);
          const expected = [...bytes];
          expect(bytesOf(formatFull(bytes, upper, pad))).toEqual(expected);
          expect(bytesOf(formatCompressed(bytes, runStart, runLength))).toEqual(expected);
          const dotted = `${bytes[12]!}.${bytes[13]!}.${bytes[14]!}.${bytes[15]!}`;
          expect(bytesOf(`${formatFull(bytes, upper, pad).split(':').slice(0, 6).join(':')}:${dotted}`)).toEqual(expected);
        },
      ),
      { seed, numRuns: 1000 },
    );
  });
});

describe('isValidIpAcl (IPAuthenticationProvider.isValid)', () => {
  // Verified against ZooKeeper 3.9.5's IPAuthenticationProvider.
  it.each([
    ['1.2.3.4', true],
    ['1.2.3.4/0', true],
    ['1.2.3.4/32', true],
    ['1.2.3.4/08', true],
    ['1.2.3.4/+8', true],
    ['1.2.3.4/-0', true],
    ['1.2.3.4/33', false],
    ['1.2.3.4/-1', false],
    ['1.2.3.4/', false],
    ['1.2.3.4/x', false],
    ['1.2.3.4/8/8', false],
    ['::1', true],
    ['::/0', true],
    ['2001:db8::/32', true],
    ['::1/128', true],
    ['::1/129', false],
    ['::ffff:1.2.3.4', false], // ZooKeeper's IPv6 parser reads hex groups only
    ['::ffff:102:304', true],
    ['fe80::1%eth0', false],
    ['localhost', false],
    ['', false],
    ['/8', false],
  ])('%j -> %s', (id, valid) => {
    expect(isValidIpAcl(id)).toBe(valid);
  });
});

describe('ipAclMatches (IPAuthenticationProvider.matches)', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['127.0.0.0/8', '127.1.2.3', true],
    ['127.0.0.0/8', '128.0.0.1', false],
    ['10.1.2.3/0', '200.1.1.1', true],
    ['192.168.1.0/25', '192.168.1.127', true],
    ['192.168.1.0/25', '192.168.1.128', false],
    ['010.0.0.1', '10.0.0.1', true],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['::1', '::1', true],
    ['::1/128', '::2', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['::/0', '::1', true],
    // Families never cross, even with /0.
    ['0.0.0.0/0', '::1', false],
    ['::/0', '127.0.0.1', false],
    // A mapped client is the IPv4 peer it carries (a JVM reports an Inet4Address).
    ['1.2.3.4', '::ffff:1.2.3.4', true],
    ['1.2.0.0/16', '::FFFF:1.2.99.99', true],
    ['1.2.3.4', '::ffff:102:304', true],
    ['::ffff:102:304', '::ffff:1.2.3.4', false],
    ['::ffff:0:0/96', '1.2.3.4', false],
    // Invalid on either side matches nothing.
    ['1.2.3.4/33', '1.2.3.4', false],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4', false],
    ['1.2.3.4', 'localhost', false],
    ['fe80::1', 'fe80::1%eth0', false],
  ])('acl %j, client %j -> %s', (acl, client, expected) => {
    expect(ipAclMatches(acl, client)).toBe(expected);
  });

  const toBigInt = (bytes: Uint8Array): bigint => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
  const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const formatV4 = (b: Uint8Array): string => [...b].join('.');
  const formatV6 = (b: Uint8Array): string => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');

  it('is a prefix comparison of the two addresses as numbers', () => {
    const family = fc.oneof(
      fc.record({ acl: v4, client: v4, format: fc.constant(formatV4), width: fc.constant(32) }),
      fc.record({ acl: v6, client: v6, format: fc.constant(formatV6), width: fc.constant(128) }),
    );
    fc.assert(
      fc.property(family, fc.nat(128), fc.nat(128), ({ acl, client, format, width }, bitsWanted, shared) => {
        const bits = bitsWanted % (width + 1);
        // Make the client share a random-length prefix with the ACL address, so both answers occur.
        const near = client.slice();
        for (let i = 0; i < Math.min(shared % (width + 1), width) >> 3; i++) near[i] = acl[i]!;
        const shift = BigInt(width - bits);
        const expected = toBigInt(acl) >> shift === toBigInt(near) >> shift;
        expect(ipAclMatches(`${format(acl)}/${bits}`, format(near))).toBe(expected);
        if (bits === width) expect(ipAclMatches(format(acl), format(near))).toBe(expected);
      }),
      { seed, numRuns: 2000 },
    );
  });
});

describe('normalizeClientAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.0.0.9', '10.0.0.9'],
    ['::ffff:a00:9', '10.0.0.9'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['2001:DB8::0042', '2001:db8:0:0:0:0:0:42'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304'], // IPv4-compatible, not mapped: stays IPv6
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1%eth0'],
    ['not-an-address', 'not-an-address'],
    ['', ''],
  ])('%j -> %j', (address, expected) => {
    expect(normalizeClientAddress(address)).toBe(expected);
  });

  it('produces ids that still match the same ACLs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128), (bytes, bits) => {
        const compressed = `::${Array.from({ length: 6 }, (_, i) => ((bytes[4 + 2 * i]! << 8) | bytes[5 + 2 * i]!).toString(16)).join(':')}`;
        const acl = `${normalizeClientAddress(compressed)}/${bits}`;
        expect(isValidIpAcl(acl)).toBe(true);
        expect(ipAclMatches(acl, compressed)).toBe(!isMapped(compressed));
      }),
      { seed, numRuns: 500 },
    );
  });
});

function isMapped(address: string): boolean {
  const bytes = parseIpAddress(address)!;
  return bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}
