import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../../test/support/property-seed.ts';
import * as arb from '../test-support/arbitraries.ts';
import { rec } from '../test-support/arbitraries.ts';
import { expectExactly } from '../test-support/expect-exactly.ts';
import {
  assembleSnapshot,
  createMemberCodec,
  MemberCodecError,
  memberCodecVersion,
  MemberRecordType,
  type MultiSubTxnRecord,
  type NodeKindCode,
  type SessionRecordShape,
  type SnapshotNodeRecord,
  type SnapshotRecord,
  type TxnBodyRecord,
  type TxnRecord,
} from './member-codec.ts';

/** Every 64-bit value the codec promises to carry: signed longs and unsigned ones (session ids of members >= 128). */
const long = fc.oneof(
  arb.int64,
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 32n, 2n ** 53n + 1n),
);
const number = fc.oneof(arb.int32, arb.safeLong, fc.constantFrom(0, -1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)));
const kind = fc.constantFrom<NodeKindCode>(0, 1, 2, 3);
const acl = fc.array(rec({ perms: arb.int32, id: rec({ scheme: arb.text, id: arb.text }) }), { maxLength: 3 });
const data = fc.oneof(fc.constant(null), fc.constant(new Uint8Array(0)), arb.bytes);

const create = rec({ type: fc.constant('create' as const), path: arb.path, data, acl, kind, ephemeralOwner: long, ttlMs: number, parentCversion: number });
const del = rec({ type: fc.constant('delete' as const), path: arb.path });
const setData = rec({ type: fc.constant('setData' as const), path: arb.path, data, version: number });
const check = rec({ type: fc.constant('check' as const), path: arb.path });
const error = rec({ type: fc.constant('error' as const), err: number });
const subTxn: fc.Arbitrary<MultiSubTxnRecord> = fc.oneof(create, del, setData, check, error);
const body: fc.Arbitrary<TxnBodyRecord> = fc.oneof(
  create,
  del,
  setData,
  error,
  rec({ type: fc.constant('setAcl' as const), path: arb.path, acl, aversion: number }),
  rec({ type: fc.constant('createSession' as const), sessionId: long, timeoutMs: number, passwd: arb.bytes }),
  rec({ type: fc.constant('closeSession' as const), sessionId: long, ephemeralPaths: fc.array(arb.path, { maxLength: 4 }) }),
  rec({ type: fc.constant('multi' as const), ops: fc.array(subTxn, { maxLength: 5 }) }),
);
const txn: fc.Arbitrary<TxnRecord> = fc.record(
  { zxid: long, timeMs: number, sessionId: long, body, origin: rec({ memberId: fc.integer({ min: 1, max: 254 }), requestId: arb.safeLong }) },
  { requiredKeys: ['zxid', 'timeMs', 'sessionId', 'body'], noNullPrototype: true },
);

const sharedAcls = [
  [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
  [{ perms: 1, id: { scheme: 'digest', id: 'u:p' } }, { perms: 30, id: { scheme: 'ip', id: '10.0.0.0/8' } }],
];
const node: fc.Arbitrary<SnapshotNodeRecord> = rec({
  path: arb.path,
  data,
  // Mostly ACLs that repeat (interned in the encoding), sometimes arbitrary ones.
  acl: fc.oneof(fc.constantFrom(...sharedAcls), acl),
  czxid: long,
  mzxid: long,
  pzxid: long,
  ctimeMs: number,
  mtimeMs: number,
  version: number,
  storedCversion: number,
  aversion: number,
  kind,
  ephemeralOwner: long,
  ttlMs: number,
});
const session: fc.Arbitrary<SessionRecordShape> = rec({ sessionId: long, timeoutMs: number, passwd: arb.bytes });
const snapshot: fc.Arbitrary<SnapshotRecord> = rec({
  formatVersion: fc.nat(5),
  lastZxid: long,
  nodes: fc.array(node, { maxLength: 12 }),
  sessions: fc.array(session, { maxLength: 6 }),
});

describe('member codec', () => {
  const seed = propertySeed(0x6d656d62, 'member codec');

  it('round-trips any txn exactly (bigints, null vs empty data, Uint8Array)', () => {
    const codec = createMemberCodec();
    fc.assert(
      fc.property(txn, (t) => {
        const bytes = codec.encodeTxn(t);
        expect(bytes[0]).toBe(memberCodecVersion);
        expect(bytes[1]).toBe(MemberRecordType.txn);
        expectExactly(codec.decodeTxn(bytes), t);
        // A separate codec (another member) reads the same bytes the same way.
        expectExactly(createMemberCodec().decodeTxn(bytes), t);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('round-trips any snapshot, whole and in parts of any size', () => {
    const codec = createMemberCodec();
    fc.assert(
      fc.property(snapshot, fc.integer({ min: 1, max: 5 }), (s, perPart) => {
        expectExactly(codec.decodeSnapshot(codec.encodeSnapshot(s)), s);
        const parts = [...codec.encodeSnapshotParts(s, perPart)];
        expect(parts.length).toBe(2 + Math.ceil(s.nodes.length / perPart) + Math.ceil(s.sessions.length / perPart));
        expectExactly(assembleSnapshot(parts.map((p) => codec.decodeSnapshotPart(p))), s);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('writes a lone surrogate as U+FFFD, the same for short and long strings', () => {
    const codec = createMemberCodec();
    for (const path of ['/a\ud800', `/${'x'.repeat(200)}\udc00y`, '/ok\ud83d\ude00']) {
      const decoded = codec.decodeTxn(codec.encodeTxn({ zxid: 1n, timeMs: 0, sessionId: 0n, body: { type: 'delete', path } }));
      expect(decoded.body).toEqual({ type: 'delete', path: path.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') });
    }
  });

  it('refuses a record from a newer codec, naming both versions', () => {
    const codec = createMemberCodec();
    const bytes = codec.encodeTxn({ zxid: 1n, timeMs: 0, sessionId: 0n, body: { type: 'error', err: -101 } });
    bytes[0] = memberCodecVersion + 1;
    const error = (() => {
      try {
        codec.decodeTxn(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MemberCodecError);
    expect((error as MemberCodecError).reason).toBe('version');
    expect((error as MemberCodecError).message).toContain(`version ${memberCodecVersion + 1}`);
    expect((error as MemberCodecError).message).toContain(`reads version ${memberCodecVersion}`);
  });

  it('never decodes garbage silently: any truncation or byte flip either decodes to a txn or throws MemberCodecError', () => {
    const codec = createMemberCodec();
    fc.assert(
      fc.property(txn, fc.nat(), fc.integer({ min: 1, max: 255 }), (t, at, xor) => {
        const bytes = codec.encodeTxn(t);
        const flipped = bytes.slice();
        flipped[at % flipped.length] ^= xor;
        for (const broken of [bytes.subarray(0, at % bytes.length), flipped]) {
          try {
            const decoded = codec.decodeTxn(broken);
            // A flip inside a value can still parse; it then has the record's shape.
            expect(typeof decoded.zxid).toBe('bigint');
          } catch (e) {
            expect(e).toBeInstanceOf(MemberCodecError);
          }
        }
      }),
      { seed, numRuns: 500 },
    );
  });

  it('checks fields on encode: a bigint outside 64 bits or a fractional number is a RangeError', () => {
    const codec = createMemberCodec();
    expect(() => codec.encodeTxn({ zxid: 2n ** 64n, timeMs: 0, sessionId: 0n, body: { type: 'error', err: 0 } })).toThrow(RangeError);
    expect(() => codec.encodeTxn({ zxid: 1n, timeMs: 0.5, sessionId: 0n, body: { type: 'error', err: 0 } })).toThrow(RangeError);
  });

  it('refuses incomplete or disordered snapshot parts', () => {
    const codec = createMemberCodec();
    const s: SnapshotRecord = { formatVersion: 1, lastZxid: 9n, nodes: [], sessions: [{ sessionId: 1n, timeoutMs: 10, passwd: new Uint8Array(16) }] };
    const parts = [...codec.encodeSnapshotParts(s)].map((p) => codec.decodeSnapshotPart(p));
    expect(() => assembleSnapshot(parts.slice(0, -1))).toThrow(/no end part/);
    expect(() => assembleSnapshot(parts.slice(1))).toThrow(/not head/);
    expect(() => assembleSnapshot([parts[0]!, parts.at(-1)!])).toThrow(/counts|sessions/);
  });
});
