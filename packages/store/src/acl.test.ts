import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Acl, Id } from '@vivarium/protocol';
import { ErrorCode, Perm, ZooKeeperError } from '@vivarium/protocol';
import {
  authenticate,
  checkAcl,
  connectionAuthIds,
  fixupAcl,
  maskAclForReader,
  whoAmIOf,
  withAuthIds,
  type AuthIds,
} from './acl.ts';
import { digestOf } from './auth-digest.ts';

const seed = Number(process.env.FC_SEED ?? 42);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const acl = (perms: number, scheme: string, id: string): Acl => ({ perms, id: { scheme, id } });
const worldAll = acl(Perm.all, 'world', 'anyone');
const userDigest = 'user:smGaoVKd/cQkjm7b88GyorAUz20=';
const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
const ip: Id = { scheme: 'ip', id: '10.0.0.5' };
const asUser: AuthIds = [ip, { scheme: 'digest', id: userDigest }];
const asSuper: AuthIds = [ip, { scheme: 'super', id: '' }, { scheme: 'digest', id: superDigest }];
const on = { skipAcl: false };

function invalidAcl(run: () => unknown): ZooKeeperError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZooKeeperError);
    expect((error as ZooKeeperError).code).toBe(ErrorCode.invalidAcl);
    return error as ZooKeeperError;
  }
  throw new Error('expected INVALIDACL');
}

describe('connection ids', () => {
  it('start with the ip id, normalized as a JVM reports the peer', () => {
    expect(connectionAuthIds('10.0.0.5')).toEqual([ip]);
    expect(connectionAuthIds('::ffff:10.0.0.5')).toEqual([ip]);
    expect(connectionAuthIds('::1')).toEqual([{ scheme: 'ip', id: '0:0:0:0:0:0:0:1' }]);
  });

  it('are a set: withAuthIds skips ids already held and keeps insertion order', () => {
    const digest: Id = { scheme: 'digest', id: userDigest };
    const once = withAuthIds([ip], [digest]);
    expect(once).toEqual([ip, digest]);
    expect(withAuthIds(once, [{ scheme: 'digest', id: userDigest }, { scheme: 'ip', id: '10.0.0.5' }])).toEqual([ip, digest]);
    expect(withAuthIds(once, [{ scheme: 'super', id: '' }])).toEqual([ip, digest, { scheme: 'super', id: '' }]);
  });
});

describe('authenticate', () => {
  it('digest always succeeds with the digest id', () => {
    expect(authenticate('digest', bytes('user:pass'), {})).toEqual([{ scheme: 'digest', id: userDigest }]);
    expect(authenticate('digest', bytes(''), {})).toEqual([{ scheme: 'digest', id: digestOf('') }]);
    expect(authenticate('digest', bytes('user:wrong'), { superDigest })).toEqual([{ scheme: 'digest', id: digestOf('user:wrong') }]);
  });

  it('digest matching the super digest adds super first, then the digest id', () => {
    expect(authenticate('digest', bytes('super:test'), { superDigest })).toEqual([
      { scheme: 'super', id: '' },
      { scheme: 'digest', id: superDigest },
    ]);
    // The user part is part of the comparison: same password, other user, no super.
    expect(authenticate('digest', bytes('admin:test'), { superDigest })).toEqual([{ scheme: 'digest', id: digestOf('admin:test') }]);
  });

  it('ip succeeds and re-adds the connection address, whatever the auth bytes', () => {
    expect(authenticate('ip', bytes('1.1.1.1'), { clientAddress: '::ffff:10.0.0.5' })).toEqual([ip]);
    expect(authenticate('ip', bytes(''), {})).toEqual([]);
  });

  it.each(['world', 'super', 'auth', 'sasl', 'x509', 'Digest', ''])('%j has no provider: AUTHFAILED', (scheme) => {
    expect(authenticate(scheme, bytes('anyone'), { superDigest })).toBeUndefined();
  });
});

describe('checkAcl', () => {
  it('passes everything with skipAcl, even an ACL nobody matches', () => {
    expect(checkAcl([acl(Perm.read, 'digest', 'x:y')], [ip], Perm.write, { skipAcl: true })).toBe(true);
  });

  it('passes a null or empty ACL', () => {
    expect(checkAcl(null, [], Perm.admin, on)).toBe(true);
    expect(checkAcl([], [], Perm.admin, on)).toBe(true);
  });

  it('passes any super id, whatever the ACL', () => {
    expect(checkAcl([acl(0, 'digest', 'x:y')], asSuper, Perm.admin, on)).toBe(true);
    expect(checkAcl([acl(Perm.read, 'ip', '1.1.1.1')], [{ scheme: 'super', id: 'anything' }], Perm.admin, on)).toBe(true);
  });

  it('world:anyone grants only its own perms', () => {
    const readOnly = [acl(Perm.read, 'world', 'anyone')];
    expect(checkAcl(readOnly, [], Perm.read, on)).toBe(true);
    expect(checkAcl(readOnly, [], Perm.write, on)).toBe(false);
    expect(checkAcl([acl(Perm.all, 'world', 'someone')], asUser, Perm.read, on)).toBe(false);
  });

  it('needs only one of the requested bits (getACL asks for READ|ADMIN)', () => {
    expect(checkAcl([acl(Perm.admin, 'world', 'anyone')], [], Perm.read | Perm.admin, on)).toBe(true);
    expect(checkAcl([acl(Perm.write, 'world', 'anyone')], [], Perm.read | Perm.admin, on)).toBe(false);
  });

  it('digest is exact string equality with the connection digest id', () => {
    const nodeAcl = [acl(Perm.read, 'digest', userDigest)];
    expect(checkAcl(nodeAcl, asUser, Perm.read, on)).toBe(true);
    expect(checkAcl(nodeAcl, asUser, Perm.write, on)).toBe(false);
    expect(checkAcl(nodeAcl, [ip, { scheme: 'digest', id: digestOf('user:other') }], Perm.read, on)).toBe(false);
    // Scheme must match too: a digest id held under another scheme does not count.
    expect(checkAcl(nodeAcl, [{ scheme: 'ip', id: userDigest }], Perm.read, on)).toBe(false);
  });

  it('ip uses prefix matching against the connection ip id', () => {
    expect(checkAcl([acl(Perm.read, 'ip', '10.0.0.0/8')], asUser, Perm.read, on)).toBe(true);
    expect(checkAcl([acl(Perm.read, 'ip', '10.0.0.6')], asUser, Perm.read, on)).toBe(false);
    expect(checkAcl([acl(Perm.read, 'ip', '::/0')], asUser, Perm.read, on)).toBe(false);
  });

  it('tries every entry: a later entry can grant what an earlier one lacks', () => {
    const nodeAcl = [acl(Perm.read, 'digest', userDigest), acl(Perm.write, 'ip', '10.0.0.5')];
    expect(checkAcl(nodeAcl, asUser, Perm.write, on)).toBe(true);
    expect(checkAcl(nodeAcl, [ip], Perm.read, on)).toBe(false);
  });

  it('entries of schemes without a provider match nothing', () => {
    expect(checkAcl([acl(Perm.all, 'super', '')], [{ scheme: 'auth', id: '' }], Perm.read, on)).toBe(false);
    expect(checkAcl([acl(Perm.all, 'auth', '')], [{ scheme: 'auth', id: '' }], Perm.read, on)).toBe(false);
    expect(checkAcl([acl(Perm.all, 'sasl', 'bob')], [{ scheme: 'sasl', id: 'bob' }], Perm.read, on)).toBe(false);
  });

  it('with no super id, equals a direct reading of the rule', () => {
    const scheme = fc.constantFrom('world', 'digest', 'ip', 'sasl');
    const idFor = fc.constantFrom('anyone', userDigest, '10.0.0.5', '10.0.0.0/8', 'bob');
    const entry = fc.record({ perms: fc.nat(31), id: fc.record({ scheme, id: idFor }) });
    const held = fc.record({ scheme: fc.constantFrom('digest', 'ip', 'sasl'), id: idFor });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.array(held, { maxLength: 3 }), fc.integer({ min: 1, max: 31 }), (nodeAcl, ids, need) => {
        const grants = (a: Acl): boolean =>
          (a.perms & need) !== 0 &&
          ((a.id.scheme === 'world' && a.id.id === 'anyone') ||
            (a.id.scheme === 'digest' && ids.some((h) => h.scheme === 'digest' && h.id === a.id.id)) ||
            (a.id.scheme === 'ip' &&
              (a.id.id === '10.0.0.5' || a.id.id === '10.0.0.0/8') &&
              ids.some((h) => h.scheme === 'ip' && h.id === '10.0.0.5')));
        expect(checkAcl(nodeAcl, ids, need, on)).toBe(nodeAcl.length === 0 || nodeAcl.some(grants));
      }),
      { seed, numRuns: 2000 },
    );
  });
});

describe('fixupAcl', () => {
  it('rejects a null or empty ACL', () => {
    invalidAcl(() => fixupAcl(null, asUser));
    const error = invalidAcl(() => fixupAcl([], asUser, '/a'));
    expect(error.path).toBe('/a');
  });

  it('keeps world:anyone and valid digest and ip entries as given', () => {
    const given = [worldAll, acl(Perm.read, 'digest', 'bob:hash'), acl(Perm.write, 'ip', '10.0.0.0/8'), acl(Perm.read, 'ip', '::1')];
    expect(fixupAcl(given, [ip])).toEqual(given);
  });

  it('removes exact duplicates, keeping the first occurrence in place', () => {
    const a = acl(Perm.read, 'digest', 'bob:hash');
    const b = acl(Perm.all, 'world', 'anyone');
    const aOtherPerms = acl(Perm.write, 'digest', 'bob:hash');
    expect(fixupAcl([a, b, { ...a, id: { ...a.id } }, aOtherPerms, b], [])).toEqual([a, b, aOtherPerms]);
  });

  it('does not confuse entries whose scheme and id concatenate alike', () => {
    const x = acl(1, 'digest', 'ab:c');
    const y = acl(1, 'digestab', ':c');
    invalidAcl(() => fixupAcl([x, y], [])); // y is kept apart (then rejected: no such scheme)
  });

  it('world accepts only anyone', () => {
    invalidAcl(() => fixupAcl([acl(Perm.all, 'world', 'everyone')], asUser));
    invalidAcl(() => fixupAcl([acl(Perm.all, 'world', '')], asUser));
  });

  it('expands auth to every authenticated id of the connection (digest, not ip, not super)', () => {
    const twoUsers: AuthIds = [ip, { scheme: 'digest', id: userDigest }, { scheme: 'super', id: '' }, { scheme: 'digest', id: 'bob:hash' }];
    expect(fixupAcl([acl(Perm.read, 'world', 'anyone'), acl(Perm.all, 'auth', 'ignored')], twoUsers)).toEqual([
      acl(Perm.read, 'world', 'anyone'),
      acl(Perm.all, 'digest', userDigest),
      acl(Perm.all, 'digest', 'bob:hash'),
    ]);
  });

  it('rejects auth from a connection with no authenticated id', () => {
    invalidAcl(() => fixupAcl([acl(Perm.all, 'auth', '')], [ip]));
    invalidAcl(() => fixupAcl([acl(Perm.all, 'auth', '')], [ip, { scheme: 'super', id: '' }]));
    invalidAcl(() => fixupAcl([worldAll, acl(Perm.all, 'auth', '')], []));
  });

  it('does not de-duplicate again after expanding auth', () => {
    expect(fixupAcl([acl(Perm.all, 'auth', ''), acl(Perm.all, 'digest', userDigest)], asUser)).toEqual([
      acl(Perm.all, 'digest', userDigest),
      acl(Perm.all, 'digest', userDigest),
    ]);
  });

  it.each([
    ['digest', 'nocolon'],
    ['digest', 'a:b:c'],
    ['digest', 'user:'],
    ['ip', '10.0.0.1/33'],
    ['ip', 'localhost'],
    ['ip', '::ffff:10.0.0.1'],
    ['super', ''],
    ['sasl', 'bob'],
    ['unknown', 'x'],
  ])('rejects %s:%j', (scheme, id) => {
    invalidAcl(() => fixupAcl([worldAll, acl(Perm.all, scheme, id)], asSuper));
  });

  it('rejects null parts a decoder may produce', () => {
    invalidAcl(() => fixupAcl([null as unknown as Acl], asUser));
    invalidAcl(() => fixupAcl([{ perms: 1, id: null as unknown as Id }], asUser));
    invalidAcl(() => fixupAcl([{ perms: 1, id: { scheme: null as unknown as string, id: 'x' } }], asUser));
    invalidAcl(() => fixupAcl([{ perms: 1, id: { scheme: 'world', id: null as unknown as string } }], asUser));
  });

  it('does not check perms: ZooKeeper stores any int', () => {
    expect(fixupAcl([acl(0, 'world', 'anyone'), acl(-1, 'ip', '1.2.3.4'), acl(1 << 10, 'digest', 'a:b')], [])).toEqual([
      acl(0, 'world', 'anyone'),
      acl(-1, 'ip', '1.2.3.4'),
      acl(1 << 10, 'digest', 'a:b'),
    ]);
  });

  it('returns fresh objects, never the caller\'s', () => {
    const given = [worldAll];
    const fixed = fixupAcl(given, []);
    expect(fixed[0]).not.toBe(given[0]);
    expect(fixed[0]!.id).not.toBe(given[0]!.id);
  });

  it('is idempotent on its own output when no auth entry is involved', () => {
    const entry = fc.oneof(
      fc.constant(worldAll),
      fc.record({ perms: fc.nat(31), id: fc.record({ scheme: fc.constant('digest'), id: fc.constantFrom('a:b', 'c:d') }) }),
      fc.record({ perms: fc.nat(31), id: fc.record({ scheme: fc.constant('ip'), id: fc.constantFrom('1.2.3.4', '::1/64') }) }),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (given) => {
        const fixed = fixupAcl(given, []);
        expect(fixupAcl(fixed, [])).toEqual(fixed);
        const keys = fixed.map((a) => JSON.stringify(a));
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(given.map((a) => JSON.stringify(a)))).toEqual(new Set(keys));
      }),
      { seed, numRuns: 1000 },
    );
  });
});

describe('maskAclForReader', () => {
  const stored = [acl(Perm.all, 'digest', userDigest), worldAll, acl(Perm.read, 'ip', '10.0.0.0/8'), acl(Perm.read, 'digest', 'odd:a:b')];

  it('returns the ACL unchanged to a reader with ADMIN', () => {
    expect(maskAclForReader(stored, true)).toBe(stored);
  });

  it('masks digest ids as user:x for a reader without ADMIN', () => {
    expect(maskAclForReader(stored, false)).toEqual([
      acl(Perm.all, 'digest', 'user:x'),
      worldAll,
      acl(Perm.read, 'ip', '10.0.0.0/8'),
      acl(Perm.read, 'digest', 'odd:x'),
    ]);
    expect(stored[0]!.id.id).toBe(userDigest); // the stored ACL is not touched
  });

  it("follows Java's replaceAll(\":.*\", \":x\") across line terminators", () => {
    const masked = (id: string): string => maskAclForReader([acl(1, 'digest', id)], false)[0]!.id.id;
    // Expected values from Java's String.replaceAll.
    expect(masked('a:b\nc:d')).toBe('a:x\nc:x');
    expect(masked('a:b\rc')).toBe('a:x\rc');
    expect(masked('a\u2028:b')).toBe('a\u2028:x');
    expect(masked('a:b\u0085c:d\u2029:e')).toBe('a:x\u0085c:x\u2029:x');
    expect(masked('nocolon')).toBe('nocolon');
  });
});

describe('whoAmIOf', () => {
  it('reports ip as the address, digest as the user, super as ""', () => {
    expect(whoAmIOf(asSuper)).toEqual([
      { scheme: 'ip', id: '10.0.0.5' },
      { scheme: 'super', id: '' },
      { scheme: 'digest', id: 'super' },
    ]);
    expect(whoAmIOf([{ scheme: 'digest', id: digestOf(':pw') }, { scheme: 'sasl', id: 'bob' }])).toEqual([
      { scheme: 'digest', id: '' },
      { scheme: 'sasl', id: '' },
    ]);
  });
});
