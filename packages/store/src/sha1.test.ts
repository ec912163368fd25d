import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { sha1 } from './sha1.ts';

const seed = Number(process.env.FC_SEED ?? 42);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('sha1', () => {
  // FIPS 180-4 / RFC 3174 vectors.
  it.each([
    ['', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'a49b2446a02c645bf419f995b67091253a04a259',
    ],
    ['The quick brown fox jumps over the lazy dog', '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
  ])('sha1(%j)', (input, expected) => {
    expect(hex(sha1(ascii(input)))).toBe(expected);
  });

  it('hashes one million "a"s', () => {
    expect(hex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('pads correctly around the block boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('hashes a view into a larger buffer by its own bytes only', () => {
    const backing = new Uint8Array(100).fill(0x78);
    const view = backing.subarray(10, 13).fill(0x61);
    expect(hex(sha1(view))).toBe(createHash('sha1').update('aaa').digest('hex'));
    expect(backing[9]).toBe(0x78); // the input is not modified
  });

  it('agrees with node:crypto on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
      }),
      { seed, numRuns: 500 },
    );
  });
});
