import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64Of, digestOf, digestOfAuthBytes, digestUserOf, isValidDigestAcl, utf8BytesOf } from './auth-digest.ts';

const seed = Number(process.env.FC_SEED ?? 42);

describe('digestOf', () => {
  // Expected values computed with ZooKeeper 3.8.0's DigestAuthenticationProvider.generateDigest.
  it.each([
    ['user:pass', 'user:smGaoVKd/cQkjm7b88GyorAUz20='],
    ['super:test', 'super:D/InIHSb7yEEbrWz8b9l71RjZJU='],
    ['', ':2jmj7l5rSw0yVb/vlWAYkK/YBwk='],
    [':pass', ':FOJ9D3sjETKOftocyhm1Cytwaj8='],
    ['nocolon', 'nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g='],
    ['a:b:c', 'a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0='],
    ['é:ü', 'é:Ztqg8TrMmzkSFpOaDBO87lu10+c='],
    ['bob:😀', 'bob:orrHSgc7GY22lp5l9wn4REqh6kQ='],
  ])('%j -> %j', (input, expected) => {
    expect(digestOf(input)).toBe(expected);
  });

  it('splits the user at the first colon and hashes the whole string', () => {
    expect(digestOf('a:b:c').startsWith('a:')).toBe(true);
    expect(digestOf('a:b:c')).not.toBe(digestOf('a:b'));
  });
});

describe('digestOfAuthBytes', () => {
  it('decodes UTF-8 as Java does for well-formed input', () => {
    expect(digestOfAuthBytes(new TextEncoder().encode('user:pass'))).toBe('user:smGaoVKd/cQkjm7b88GyorAUz20=');
    expect(digestOfAuthBytes(new TextEncoder().encode('é:ü'))).toBe('é:Ztqg8TrMmzkSFpOaDBO87lu10+c=');
  });

  it('keeps a leading byte-order mark, as Java\'s new String(bytes) does', () => {
    expect(digestOfAuthBytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x62))).toBe('\ufeffa:g9nR3qjBSsMYMFwjb7nbwAndnMk=');
    expect(digestOfAuthBytes(Uint8Array.of(0x61, 0x3a, 0x62))).toBe('a:3OptnM09ILoVSfbZtd3mB0IViII=');
  });

  it('turns a malformed byte into U+FFFD before hashing', () => {
    expect(digestOfAuthBytes(Uint8Array.of(0x61, 0x3a, 0xff))).toBe('a:QA/+SscEiwfqDoEuMvY+lJpHH5Q=');
  });
});

describe('isValidDigestAcl (Java id.split(":").length == 2)', () => {
  it.each([
    ['user:smGaoVKd/cQkjm7b88GyorAUz20=', true],
    ['u:h', true],
    [':h', true],
    ['u:h:', true],
    ['u:h::', true],
    ['u', false],
    ['u:', false],
    ['u::', false],
    [':', false],
    ['::', false],
    ['', false],
    ['u:h:x', false],
    ['u::h', false],
    [':h:', true],
    ['::h', false],
  ])('%j -> %s', (id, valid) => {
    expect(isValidDigestAcl(id)).toBe(valid);
  });

  it('matches a model of Java split (trailing empty strings dropped)', () => {
    const javaSplitLength = (id: string): number => {
      const parts = id.split(':');
      while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      // Java returns the input itself when nothing matched, even if it is "".
      return id.indexOf(':') === -1 ? 1 : parts.length;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(':', 'a', 'b'), { maxLength: 8 }), (chars) => {
        const id = chars.join('');
        expect(isValidDigestAcl(id)).toBe(javaSplitLength(id) === 2);
      }),
      { seed, numRuns: 2000 },
    );
  });
});

describe('digestUserOf', () => {
  it('is the part before the first colon', () => {
    expect(digestUserOf('user:smGaoVKd/cQkjm7b88GyorAUz20=')).toBe('user');
    expect(digestUserOf(':2jmj7l5rSw0yVb/vlWAYkK/YBwk=')).toBe('');
    expect(digestUserOf('nocolon')).toBe('nocolon');
  });
});

describe('utf8BytesOf', () => {
  it('agrees with TextEncoder on well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (text) => {
        expect(Buffer.from(utf8BytesOf(text)).toString('hex')).toBe(Buffer.from(new TextEncoder().encode(text)).toString('hex'));
      }),
      { seed, numRuns: 1000 },
    );
  });

  it("writes an unpaired surrogate as '?', as Java's getBytes(UTF_8) does", () => {
    expect([...utf8BytesOf('a\ud800b')]).toEqual([0x61, 0x3f, 0x62]);
    expect([...utf8BytesOf('\udc00')]).toEqual([0x3f]);
    expect([...utf8BytesOf('\ud83d')]).toEqual([0x3f]);
    expect([...utf8BytesOf('\ud83d\ude00')]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });
});

describe('base64Of', () => {
  it('agrees with Buffer on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base64Of(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('pads', () => {
    expect(base64Of(new Uint8Array())).toBe('');
    expect(base64Of(Uint8Array.of(0xff))).toBe('/w==');
    expect(base64Of(Uint8Array.of(0xff, 0xfe))).toBe('//4=');
    expect(base64Of(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('+/+/');
  });
});
