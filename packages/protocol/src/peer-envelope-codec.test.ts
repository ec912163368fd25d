/**
 * The member codec's peer envelopes: every PeerMessage between members
 * round-trips exactly (bigints stay bigints, null data stays null, binaries
 * come back as plain Uint8Arrays), and garbage is a MemberCodecError, never a
 * message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../../test/support/property-seed.ts';
import * as arb from '../test-support/arbitraries.ts';
import { rec } from '../test-support/arbitraries.ts';
import { expectExactly } from '../test-support/expect-exactly.ts';
import {
  createMemberCodec,
  MemberCodecError,
  MemberRecordType,
  type EnvelopeRecord,
  type PeerMessageRecord,
  type SnapshotRecord,
  type TxnRecord,
  type WriteIntentRecord,
  type WriteRequestRecord,
} from './member-codec.ts';
import { decodeRequest, encodeRequest } from './request-codec.ts';

const long = fc.oneof(arb.int64, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, -1n, 2n ** 64n - 1n, -(2n ** 63n)));
const number = fc.oneof(arb.int32, arb.safeLong, fc.constantFrom(0, -1, 2 ** 53 - 1));
const data = fc.oneof(fc.constant(null), fc.constant(new Uint8Array(0)), arb.bytes);
const acl = fc.array(rec({ perms: arb.int32, id: rec({ scheme: arb.text, id: arb.text }) }), { maxLength: 2 });

const txn: fc.Arbitrary<TxnRecord> = fc.record(
  {
    zxid: long,
    timeMs: number,
    sessionId: long,
    body: fc.oneof(
      rec({ type: fc.constant('create' as const), path: arb.path, data, acl, kind: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3), ephemeralOwner: long, ttlMs: number, parentCversion: number }),
      rec({ type: fc.constant('setData' as const), path: arb.path, data, version: number }),
      rec({ type: fc.constant('createSession' as const), sessionId: long, timeoutMs: number, passwd: arb.bytes }),
      rec({ type: fc.constant('multi' as const), ops: fc.array(rec({ type: fc.constant('delete' as const), path: arb.path }), { maxLength: 3 }) }),
    ),
    origin: rec({ memberId: fc.integer({ min: 1, max: 254 }), requestId: arb.safeLong }),
  },
  { requiredKeys: ['zxid', 'timeMs', 'sessionId', 'body'], noNullPrototype: true },
);

const snapshot: fc.Arbitrary<SnapshotRecord> = rec({
  formatVersion: fc.nat(5),
  lastZxid: long,
  nodes: fc.array(
    rec({
      path: arb.path, data, acl, czxid: long, mzxid: long, pzxid: long, ctimeMs: number, mtimeMs: number, version: number,
      storedCversion: number, aversion: number, kind: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3), ephemeralOwner: long, ttlMs: number,
    }),
    { maxLength: 5 },
  ),
  sessions: fc.array(rec({ sessionId: long, timeoutMs: number, passwd: arb.bytes }), { maxLength: 3 }),
});

const writeRequest = fc.oneof(
  arb.requestByName.create, arb.requestByName.create2, arb.requestByName.createContainer, arb.requestByName.createTtl,
  arb.requestByName.delete, arb.requestByName.deleteContainer, arb.requestByName.setData, arb.requestByName.setAcl, arb.requestByName.multi,
) as fc.Arbitrary<WriteRequestRecord>;

const intent: fc.Arbitrary<WriteIntentRecord> = rec({
  origin: fc.option(rec({ memberId: fc.integer({ min: 1, max: 254 }), requestId: arb.safeLong }), { nil: undefined }),
  sessionId: long,
  authIds: fc.array(rec({ scheme: arb.text, id: arb.text }), { maxLength: 3 }),
  op: fc.oneof(
    rec({ kind: fc.constant('request' as const), request: writeRequest }),
    rec({ kind: fc.constant('createSession' as const), sessionId: long, timeoutMs: number, passwd: arb.bytes }),
    rec({ kind: fc.constant('closeSession' as const), sessionId: long }),
    rec({ kind: fc.constant('deleteContainer' as const), path: arb.path }),
    rec({ kind: fc.constant('fail' as const), err: arb.int32 }),
  ),
});

const epoch = fc.integer({ min: -1, max: 2 ** 31 });
const message: fc.Arbitrary<PeerMessageRecord> = fc.oneof(
  rec({
    type: fc.constant('vote' as const), round: fc.nat(), vote: rec({ leader: fc.integer({ min: -1, max: 255 }), zxid: long, peerEpoch: epoch }),
    state: fc.constantFrom('looking' as const, 'following' as const, 'leading' as const, 'observing' as const),
  }),
  rec({ type: fc.constant('followerInfo' as const), acceptedEpoch: epoch, lastZxid: long, observer: fc.boolean(), connection: fc.nat(), truncateFloor: long }),
  rec({ type: fc.constant('leaderInfo' as const), newEpoch: epoch }),
  rec({ type: fc.constant('ackEpoch' as const), currentEpoch: epoch, lastZxid: long }),
  rec({
    type: fc.constant('sync' as const), mode: fc.constantFrom('diff' as const, 'truncDiff' as const, 'trunc' as const, 'snap' as const),
    truncateTo: long, snapshot: fc.option(snapshot, { nil: undefined }), txns: fc.array(txn, { maxLength: 4 }),
  }),
  rec({ type: fc.constant('newLeader' as const), epoch }),
  rec({ type: fc.constant('ackNewLeader' as const), epoch }),
  rec({ type: fc.constant('upToDate' as const) }),
  rec({ type: fc.constant('proposal' as const), txn }),
  rec({ type: fc.constant('ack' as const), zxid: long }),
  rec({ type: fc.constant('commit' as const), zxid: long }),
  rec({ type: fc.constant('inform' as const), txn }),
  rec({ type: fc.constant('forward' as const), intent }),
  rec({ type: fc.constant('syncRequest' as const), requestId: arb.safeLong }),
  rec({ type: fc.constant('syncReply' as const), requestId: arb.safeLong }),
  rec({ type: fc.constant('ping' as const), touched: fc.array(long, { maxLength: 5 }) }),
  rec({ type: fc.constant('revalidate' as const), sessionId: long, requestId: arb.safeLong }),
  rec({ type: fc.constant('revalidated' as const), requestId: arb.safeLong, valid: fc.boolean() }),
);
const envelope: fc.Arbitrary<EnvelopeRecord> = fc.record(
  {
    from: fc.integer({ min: 1, max: 255 }), to: fc.integer({ min: 1, max: 255 }), message,
    seq: fc.nat(), incarnation: fc.oneof(fc.nat(), arb.safeLong), toIncarnation: fc.nat(), connection: fc.nat(),
  },
  { requiredKeys: ['from', 'to', 'message'], noNullPrototype: true },
);

/** A forwarded request travels as jute: what comes back is jute's reading of it (a lone surrogate becomes U+FFFD). */
function juteNormalised(e: EnvelopeRecord): EnvelopeRecord {
  if (e.message.type !== 'forward' || e.message.intent.op.kind !== 'request') return e;
  const request = decodeRequest(encodeRequest(0, e.message.intent.op.request).subarray(4)).request as WriteRequestRecord;
  return { ...e, message: { ...e.message, intent: { ...e.message.intent, op: { kind: 'request', request } } } };
}

describe('member codec: peer envelopes', () => {
  const seed = propertySeed(0x70656572, 'peer envelope codec');

  it('round-trips every PeerMessage exactly, through a second codec too', () => {
    const sender = createMemberCodec();
    const receiver = createMemberCodec();
    fc.assert(
      fc.property(envelope, (e) => {
        const bytes = sender.encodeEnvelope(e);
        expect(bytes[1]).toBe(MemberRecordType.peerEnvelope);
        const expected = juteNormalised(e);
        expectExactly(receiver.decodeEnvelope(bytes), expected);
        expectExactly(sender.decodeEnvelope(bytes), expected);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('keeps null data, empty data and absent snapshots and origins apart', () => {
    const codec = createMemberCodec();
    const cases: EnvelopeRecord[] = [
      { from: 1, to: 2, message: { type: 'sync', mode: 'diff', truncateTo: 0n, snapshot: undefined, txns: [] } },
      { from: 1, to: 2, message: { type: 'proposal', txn: { zxid: 1n, timeMs: 5, sessionId: 0n, body: { type: 'setData', path: '/a', data: null, version: 1 } } } },
      { from: 1, to: 2, message: { type: 'proposal', txn: { zxid: 1n, timeMs: 5, sessionId: 0n, body: { type: 'setData', path: '/a', data: new Uint8Array(0), version: 1 } } } },
      { from: 3, to: 1, message: { type: 'forward', intent: { origin: undefined, sessionId: 7n, authIds: [], op: { kind: 'request', request: { type: 5, path: '/x', data: null, version: -1 } } } } },
      { from: 3, to: 1, message: { type: 'vote', round: 1, vote: { leader: -1, zxid: -1n, peerEpoch: -1 }, state: 'observing' }, incarnation: 2, toIncarnation: 0 },
      { from: 1, to: 3, message: { type: 'commit', zxid: 0x100000001n }, seq: 7, incarnation: 1, toIncarnation: 2, connection: 3 },
    ];
    for (const e of cases) expectExactly(codec.decodeEnvelope(codec.encodeEnvelope(e)), e);
    const txnWithOrigin = codec.decodeEnvelope(codec.encodeEnvelope(cases[1] as EnvelopeRecord));
    expect('origin' in (txnWithOrigin.message as { txn: TxnRecord }).txn).toBe(false);
    expect(Object.keys(txnWithOrigin)).toEqual(['from', 'to', 'message']);
  });

  it('never decodes garbage silently: truncations and byte flips decode to a well-formed message or throw MemberCodecError', () => {
    const codec = createMemberCodec();
    fc.assert(
      fc.property(envelope, fc.nat(), fc.integer({ min: 1, max: 255 }), (e, at, xor) => {
        const bytes = codec.encodeEnvelope(e);
        const flipped = bytes.slice();
        flipped[at % flipped.length] ^= xor;
        for (const broken of [bytes.subarray(0, at % bytes.length), flipped]) {
          try {
            const decoded = codec.decodeEnvelope(broken);
            expect(typeof decoded.message.type).toBe('string');
            // Whatever decodes re-encodes: it is a message the encoder accepts.
            codec.encodeEnvelope(decoded);
          } catch (error) {
            expect(error).toBeInstanceOf(MemberCodecError);
          }
        }
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('refuses random bytes and records of another type', () => {
    const codec = createMemberCodec();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          codec.encodeEnvelope(codec.decodeEnvelope(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(MemberCodecError);
        }
      }),
      { seed, numRuns: 2000 },
    );
    const txnBytes = codec.encodeTxn({ zxid: 1n, timeMs: 0, sessionId: 0n, body: { type: 'error', err: 0 } });
    expect(() => codec.decodeEnvelope(txnBytes)).toThrow(MemberCodecError);
  });

  it('refuses a forwarded request that is not a write', () => {
    const codec = createMemberCodec();
    const read = { type: 4, path: '/x', watch: false };
    const bytes = codec.encodeEnvelope({
      from: 2, to: 1, message: { type: 'forward', intent: { origin: undefined, sessionId: 1n, authIds: [], op: { kind: 'request', request: read as never } } },
    });
    expect(() => codec.decodeEnvelope(bytes)).toThrow(/not a write/);
  });
});
