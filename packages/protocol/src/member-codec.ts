/**
 * The versioned msgpackr codec for records between members and on disk: txns
 * (the transaction log, ZAB proposals), snapshots (whole, or streamed in
 * parts so a million-node tree never has to sit in one buffer), and peer
 * envelopes (every ZAB message between members, for the worker and TCP
 * transports; a forwarded client write carries its request in ZooKeeper's
 * jute encoding).
 *
 * Every record is `[codecVersion byte][record type byte][one msgpack value]`.
 * The msgpack value is a positional array, never a map: compact, and the field
 * order is the schema. One fixed option set (below); each codec instance owns
 * its Packr and Unpackr, so no two members (or channels) ever share one.
 *
 * Exactness: bigints (zxids, session ids, owners) are always written as 64-bit
 * integers and read back as bigints; numbers are numbers; `null` data and an
 * empty Uint8Array stay distinct; strings are well-formed Unicode (a lone
 * surrogate is written as U+FFFD, as a UTF-8 wire would; msgpackr would
 * otherwise keep or replace it depending on the string's length).
 *
 * The record shapes are declared here because protocol sits below store and
 * ensemble; they are the same shapes as the store's `Txn` and `Snapshot` (the
 * server checks at compile time that the two stay identical) and the
 * ensemble's `Envelope` (checked the same way by the transport package).
 */
import { Packr, Unpackr } from 'msgpackr';
import { JuteDecodeError } from './jute-decode-error.ts';
import { OpCode } from './op-codes.ts';
import type { Acl, Data, Id, Request } from './records.ts';
import { decodeRequest, encodeRequest } from './request-codec.ts';

/** Written as the first byte of every record; a reader refuses a version it does not know. */
export const memberCodecVersion = 1;

export const MemberRecordType = {
  txn: 1,
  snapshot: 2,
  snapshotHead: 3,
  snapshotNodes: 4,
  snapshotSessions: 5,
  snapshotEnd: 6,
  /** One message between members (an Envelope: from, to, and a PeerMessage). */
  peerEnvelope: 7,
} as const;
const recordTypeMax = MemberRecordType.peerEnvelope;
export type MemberRecordTypeValue = (typeof MemberRecordType)[keyof typeof MemberRecordType];

/** The store's NodeKind values: persistent, ephemeral, container, ttl. */
export type NodeKindCode = 0 | 1 | 2 | 3;

// ---------------------------------------------------------------- record shapes (= store's Txn / Snapshot)

export interface CreateTxnRecord {
  type: 'create';
  path: string;
  data: Data;
  acl: Acl[];
  kind: NodeKindCode;
  ephemeralOwner: bigint;
  ttlMs: number;
  parentCversion: number;
}
export interface DeleteTxnRecord {
  type: 'delete';
  path: string;
}
export interface SetDataTxnRecord {
  type: 'setData';
  path: string;
  data: Data;
  version: number;
}
export interface SetAclTxnRecord {
  type: 'setAcl';
  path: string;
  acl: Acl[];
  aversion: number;
}
export interface CheckTxnRecord {
  type: 'check';
  path: string;
}
export interface CreateSessionTxnRecord {
  type: 'createSession';
  sessionId: bigint;
  timeoutMs: number;
  passwd: Uint8Array;
}
export interface CloseSessionTxnRecord {
  type: 'closeSession';
  sessionId: bigint;
  ephemeralPaths: string[];
}
export interface ErrorTxnRecord {
  type: 'error';
  err: number;
}
export type MultiSubTxnRecord = CreateTxnRecord | DeleteTxnRecord | SetDataTxnRecord | CheckTxnRecord | ErrorTxnRecord;
export interface MultiTxnRecord {
  type: 'multi';
  ops: MultiSubTxnRecord[];
}
/** A committed reconfiguration: the new member lines (`server.N=spec`, by id); its version is the txn's zxid. */
export interface ReconfigTxnRecord {
  type: 'reconfig';
  servers: string[];
}
export type TxnBodyRecord =
  | ReconfigTxnRecord
  | CreateTxnRecord
  | DeleteTxnRecord
  | SetDataTxnRecord
  | SetAclTxnRecord
  | CreateSessionTxnRecord
  | CloseSessionTxnRecord
  | ErrorTxnRecord
  | MultiTxnRecord;

export interface TxnRecord {
  zxid: bigint;
  timeMs: number;
  sessionId: bigint;
  body: TxnBodyRecord;
  /** The member and request a txn came from (for the reply); written only when present. */
  origin?: { memberId: number; requestId: number } | undefined;
}

export interface SnapshotNodeRecord {
  path: string;
  data: Data;
  acl: Acl[];
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctimeMs: number;
  mtimeMs: number;
  version: number;
  storedCversion: number;
  aversion: number;
  kind: NodeKindCode;
  ephemeralOwner: bigint;
  ttlMs: number;
}

export interface SessionRecordShape {
  sessionId: bigint;
  timeoutMs: number;
  passwd: Uint8Array;
}

export interface SnapshotRecord {
  formatVersion: number;
  lastZxid: bigint;
  nodes: SnapshotNodeRecord[];
  sessions: SessionRecordShape[];
}

// ---------------------------------------------------------------- peer messages (= ensemble's Envelope / PeerMessage)

/** A client write as the store queues it: the jute request of one of these types. */
export type WriteRequestRecord = Extract<Request, {
  type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTtl
    | typeof OpCode.delete | typeof OpCode.deleteContainer | typeof OpCode.setData | typeof OpCode.multi | typeof OpCode.setAcl;
}>;

/** The store's WriteOp. */
export type WriteOpRecord =
  | { kind: 'request'; request: WriteRequestRecord }
  | { kind: 'createSession'; sessionId: bigint; timeoutMs: number; passwd: Uint8Array }
  | { kind: 'closeSession'; sessionId: bigint }
  | { kind: 'deleteContainer'; path: string }
  | { kind: 'fail'; err: number }
  | { kind: 'reconfig'; request: Extract<Request, { type: typeof OpCode.reconfig }> };

/** The store's WriteIntent: a write a follower forwards to the leader. */
export interface WriteIntentRecord {
  origin: { memberId: number; requestId: number } | undefined;
  sessionId: bigint;
  authIds: readonly Id[];
  op: WriteOpRecord;
}

export type PeerStateRecord = 'looking' | 'following' | 'leading' | 'observing';
export type SyncModeRecord = 'diff' | 'truncDiff' | 'trunc' | 'snap';
export interface VoteRecord {
  leader: number;
  zxid: bigint;
  peerEpoch: number;
}

/** The ensemble's PeerMessage. */
export type PeerMessageRecord =
  | { type: 'vote'; round: number; vote: VoteRecord; state: PeerStateRecord }
  | { type: 'followerInfo'; acceptedEpoch: number; lastZxid: bigint; observer: boolean; connection: number; truncateFloor: bigint }
  | { type: 'leaderInfo'; newEpoch: number }
  | { type: 'ackEpoch'; currentEpoch: number; lastZxid: bigint }
  | { type: 'sync'; mode: SyncModeRecord; truncateTo: bigint; snapshot: SnapshotRecord | undefined; txns: TxnRecord[] }
  | { type: 'newLeader'; epoch: number }
  | { type: 'ackNewLeader'; epoch: number }
  | { type: 'upToDate' }
  | { type: 'proposal'; txn: TxnRecord }
  | { type: 'ack'; zxid: bigint }
  | { type: 'commit'; zxid: bigint }
  | { type: 'inform'; txn: TxnRecord }
  | { type: 'forward'; intent: WriteIntentRecord }
  | { type: 'syncRequest'; requestId: number }
  | { type: 'syncReply'; requestId: number }
  | { type: 'ping'; touched: bigint[] }
  | { type: 'revalidate'; sessionId: bigint; requestId: number }
  | { type: 'revalidated'; requestId: number; valid: boolean };

/** The ensemble's Envelope: the message and its link stamps (sequence, incarnations, learner connection), each written only when present. */
export interface EnvelopeRecord {
  from: number;
  to: number;
  message: PeerMessageRecord;
  seq?: number;
  incarnation?: number;
  toIncarnation?: number;
  connection?: number;
}

const envelopeStamps = ['seq', 'incarnation', 'toIncarnation', 'connection'] as const;

/** The parts a streamed snapshot is made of, in this order: head, nodes*, sessions*, end. */
export type SnapshotPart =
  | { type: 'head'; formatVersion: number; lastZxid: bigint; nodeCount: number; sessionCount: number }
  | { type: 'nodes'; nodes: SnapshotNodeRecord[] }
  | { type: 'sessions'; sessions: SessionRecordShape[] }
  | { type: 'end'; nodeCount: number; sessionCount: number };

// ---------------------------------------------------------------- errors

/**
 * Bytes that are not a record this codec can read. `reason` says whether the
 * record is from a newer codec (`version`: refuse it, naming both versions) or
 * does not parse (`malformed`).
 */
export class MemberCodecError extends Error {
  readonly reason: 'version' | 'malformed';
  /** The codec version byte found (for `version`). */
  readonly foundVersion: number | undefined;

  constructor(reason: 'version' | 'malformed', detail: string, foundVersion?: number) {
    super(detail);
    this.name = 'MemberCodecError';
    this.reason = reason;
    this.foundVersion = foundVersion;
  }
}

// ---------------------------------------------------------------- the codec

export interface MemberCodec {
  encodeTxn(txn: TxnRecord): Uint8Array;
  decodeTxn(bytes: Uint8Array): TxnRecord;
  /** A whole snapshot as one record (messages; small trees). */
  encodeSnapshot(snapshot: SnapshotRecord): Uint8Array;
  decodeSnapshot(bytes: Uint8Array): SnapshotRecord;
  /** A snapshot as a sequence of records, `nodesPerPart` nodes (and sessions) per record. */
  encodeSnapshotParts(snapshot: SnapshotRecord, nodesPerPart?: number): Generator<Uint8Array>;
  decodeSnapshotPart(bytes: Uint8Array): SnapshotPart;
  /** One message between members. Every field is checked on decode: a peer's garbage is a MemberCodecError, never a bad message. */
  encodeEnvelope(envelope: EnvelopeRecord): Uint8Array;
  decodeEnvelope(bytes: Uint8Array): EnvelopeRecord;
  /** The record type byte of an encoded record, after checking its version byte. */
  recordTypeOf(bytes: Uint8Array): MemberRecordTypeValue;
}

export const snapshotNodesPerPartDefault = 4096;

const bigintMin = -(2n ** 63n);
const bigintMaxExclusive = 2n ** 64n;

/** The fixed option set. Changing any of these changes the bytes: bump memberCodecVersion. */
function packrOptions(): ConstructorParameters<typeof Packr>[0] {
  return {
    useRecords: false,
    structuredClone: false,
    moreTypes: false,
    bundleStrings: false,
    mapsAsObjects: true,
    int64AsType: 'bigint',
    largeBigIntToFloat: false,
    largeBigIntToString: false,
    useBigIntExtension: false,
    // Binary fields come back as fresh, plain Uint8Arrays, never views into the input buffer.
    copyBuffers: true,
  };
}

/** A codec with its own Packr and Unpackr: create one per member, channel or storage. */
export function createMemberCodec(): MemberCodec {
  const packr = new Packr(packrOptions());
  const unpackr = new Unpackr(packrOptions());

  const record = (type: MemberRecordTypeValue, value: unknown): Uint8Array => {
    const body = packr.pack(value);
    const out = new Uint8Array(body.length + 2);
    out[0] = memberCodecVersion;
    out[1] = type;
    out.set(body, 2);
    return out;
  };

  const open = (bytes: Uint8Array, expected: readonly MemberRecordTypeValue[], what: string): { type: MemberRecordTypeValue; value: unknown } => {
    const type = checkedType(bytes);
    if (!expected.includes(type)) throw new MemberCodecError('malformed', `${what}: record type ${type} is not one of ${expected.join(', ')}`);
    // A plain Uint8Array view: Node Buffers would make decoded binaries Buffers too.
    const body = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.byteLength - 2);
    let value: unknown;
    try {
      value = unpackr.unpack(body);
    } catch (error) {
      throw new MemberCodecError('malformed', `${what}: msgpack body does not parse (${error instanceof Error ? error.message : String(error)})`);
    }
    return { type, value };
  };

  return {
    encodeTxn: (txn) => record(MemberRecordType.txn, txnTuple(txn)),
    decodeTxn: (bytes) => txnOf(open(bytes, [MemberRecordType.txn], 'txn').value),
    encodeSnapshot: (snapshot) => record(MemberRecordType.snapshot, snapshotTuple(snapshot)),
    decodeSnapshot: (bytes) => snapshotOf(open(bytes, [MemberRecordType.snapshot], 'snapshot').value),
    *encodeSnapshotParts(snapshot, nodesPerPart = snapshotNodesPerPartDefault) {
      if (!Number.isInteger(nodesPerPart) || nodesPerPart < 1) throw new RangeError(`nodesPerPart must be a positive integer, got ${nodesPerPart}`);
      const nodeCount = snapshot.nodes.length;
      const sessionCount = snapshot.sessions.length;
      yield record(MemberRecordType.snapshotHead, [int('formatVersion', snapshot.formatVersion), big('lastZxid', snapshot.lastZxid), nodeCount, sessionCount]);
      for (let i = 0; i < nodeCount; i += nodesPerPart) {
        const { table, nodes } = nodesTuple(snapshot.nodes.slice(i, i + nodesPerPart));
        yield record(MemberRecordType.snapshotNodes, [table, nodes]);
      }
      for (let i = 0; i < sessionCount; i += nodesPerPart) {
        yield record(MemberRecordType.snapshotSessions, snapshot.sessions.slice(i, i + nodesPerPart).map(sessionTuple));
      }
      yield record(MemberRecordType.snapshotEnd, [nodeCount, sessionCount]);
    },
    decodeSnapshotPart: (bytes) => {
      const { type, value } = open(
        bytes,
        [MemberRecordType.snapshotHead, MemberRecordType.snapshotNodes, MemberRecordType.snapshotSessions, MemberRecordType.snapshotEnd],
        'snapshot part',
      );
      switch (type) {
        case MemberRecordType.snapshotHead: {
          const r = new Reader(value, 'snapshot head', 4);
          return { type: 'head', formatVersion: r.int(), lastZxid: r.big(), nodeCount: r.int(), sessionCount: r.int() };
        }
        case MemberRecordType.snapshotNodes: {
          const r = new Reader(value, 'snapshot nodes', 2);
          return { type: 'nodes', nodes: nodesOf(r.array(), r.array()) };
        }
        case MemberRecordType.snapshotSessions:
          return { type: 'sessions', sessions: arrayOf(value, 'snapshot sessions').map(sessionOf) };
        default: {
          const r = new Reader(value, 'snapshot end', 2);
          return { type: 'end', nodeCount: r.int(), sessionCount: r.int() };
        }
      }
    },
    encodeEnvelope: (envelope) => {
      const tuple: unknown[] = [int('from', envelope.from), int('to', envelope.to), peerMessageTuple(envelope.message)];
      for (const stamp of envelopeStamps) {
        const value = envelope[stamp];
        tuple.push(value === undefined ? null : int(stamp, value));
      }
      return record(MemberRecordType.peerEnvelope, tuple);
    },
    decodeEnvelope: (bytes) => {
      const r = new Reader(open(bytes, [MemberRecordType.peerEnvelope], 'envelope').value, 'envelope', 3 + envelopeStamps.length);
      const envelope: EnvelopeRecord = { from: r.int(), to: r.int(), message: peerMessageOf(r.array()) };
      for (const stamp of envelopeStamps) {
        const value = r.intOrNull();
        if (value !== null) envelope[stamp] = value;
      }
      return envelope;
    },
    recordTypeOf: checkedType,
  };
}

/**
 * Rebuild a snapshot from its parts, checking their order and counts (a
 * snapshot missing its end part, or with the wrong number of nodes, is incomplete).
 */
export function assembleSnapshot(parts: Iterable<SnapshotPart>): SnapshotRecord {
  let head: Extract<SnapshotPart, { type: 'head' }> | undefined;
  let ended = false;
  const nodes: SnapshotNodeRecord[] = [];
  const sessions: SessionRecordShape[] = [];
  for (const part of parts) {
    if (ended) throw new MemberCodecError('malformed', 'snapshot: a part after the end part');
    if (head === undefined) {
      if (part.type !== 'head') throw new MemberCodecError('malformed', `snapshot: first part is ${part.type}, not head`);
      head = part;
      continue;
    }
    switch (part.type) {
      case 'head':
        throw new MemberCodecError('malformed', 'snapshot: a second head part');
      case 'nodes':
        if (sessions.length > 0) throw new MemberCodecError('malformed', 'snapshot: nodes after sessions');
        for (const node of part.nodes) nodes.push(node);
        break;
      case 'sessions':
        for (const session of part.sessions) sessions.push(session);
        break;
      case 'end':
        if (part.nodeCount !== head.nodeCount || part.sessionCount !== head.sessionCount) {
          throw new MemberCodecError('malformed', `snapshot: end part counts ${part.nodeCount}/${part.sessionCount} differ from the head's ${head.nodeCount}/${head.sessionCount}`);
        }
        ended = true;
        break;
    }
  }
  if (head === undefined) throw new MemberCodecError('malformed', 'snapshot: no parts');
  if (!ended) throw new MemberCodecError('malformed', 'snapshot: no end part (incomplete)');
  if (nodes.length !== head.nodeCount || sessions.length !== head.sessionCount) {
    throw new MemberCodecError('malformed', `snapshot: ${nodes.length} nodes and ${sessions.length} sessions, the head says ${head.nodeCount} and ${head.sessionCount}`);
  }
  return { formatVersion: head.formatVersion, lastZxid: head.lastZxid, nodes, sessions };
}

function checkedType(bytes: Uint8Array): MemberRecordTypeValue {
  if (bytes.length < 3) throw new MemberCodecError('malformed', `record of ${bytes.length} bytes is too short`);
  const version = bytes[0] as number;
  if (version > memberCodecVersion) {
    throw new MemberCodecError('version', `record written by member codec version ${version}; this Vivarium reads version ${memberCodecVersion}`, version);
  }
  if (version !== memberCodecVersion) throw new MemberCodecError('malformed', `record has codec version ${version}; this Vivarium reads version ${memberCodecVersion}`, version);
  const type = bytes[1] as number;
  if (type < MemberRecordType.txn || type > recordTypeMax) throw new MemberCodecError('malformed', `unknown record type ${type}`);
  return type as MemberRecordTypeValue;
}

// ---------------------------------------------------------------- encoding (to positional tuples)

const bodyCode = { create: 1, delete: 2, setData: 3, setAcl: 4, check: 5, createSession: 6, closeSession: 7, error: 8, multi: 9, reconfig: 10 } as const;

function big(field: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < bigintMin || value >= bigintMaxExclusive) throw new RangeError(`member codec: ${field} must be a bigint in [-2^63, 2^64), got ${String(value)}`);
  return value;
}

function int(field: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`member codec: ${field} must be a safe integer, got ${String(value)}`);
  return value;
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function str(value: string): string {
  return loneSurrogate.test(value) ? value.replace(loneSurrogates, '\ufffd') : value;
}

function aclTuple(acl: readonly Acl[]): unknown[] {
  const out: unknown[] = [];
  for (const entry of acl) out.push(int('acl.perms', entry.perms), str(entry.id.scheme), str(entry.id.id));
  return out;
}

function dataOf(data: Data): Data {
  if (data !== null && !(data instanceof Uint8Array)) throw new TypeError('member codec: data must be a Uint8Array or null');
  return data;
}

function bodyTuple(body: TxnBodyRecord | MultiSubTxnRecord): unknown[] {
  switch (body.type) {
    case 'create':
      return [bodyCode.create, str(body.path), dataOf(body.data), aclTuple(body.acl), body.kind, big('ephemeralOwner', body.ephemeralOwner), int('ttlMs', body.ttlMs), int('parentCversion', body.parentCversion)];
    case 'delete':
      return [bodyCode.delete, str(body.path)];
    case 'setData':
      return [bodyCode.setData, str(body.path), dataOf(body.data), int('version', body.version)];
    case 'setAcl':
      return [bodyCode.setAcl, str(body.path), aclTuple(body.acl), int('aversion', body.aversion)];
    case 'check':
      return [bodyCode.check, str(body.path)];
    case 'createSession':
      return [bodyCode.createSession, big('sessionId', body.sessionId), int('timeoutMs', body.timeoutMs), dataOf(body.passwd)];
    case 'closeSession':
      return [bodyCode.closeSession, big('sessionId', body.sessionId), body.ephemeralPaths.map(str)];
    case 'error':
      return [bodyCode.error, int('err', body.err)];
    case 'multi':
      return [bodyCode.multi, body.ops.map(bodyTuple)];
    case 'reconfig':
      return [bodyCode.reconfig, body.servers.map(str)];
  }
}

function txnTuple(txn: TxnRecord): unknown[] {
  const tuple = [big('zxid', txn.zxid), int('timeMs', txn.timeMs), big('sessionId', txn.sessionId), bodyTuple(txn.body)];
  if (txn.origin !== undefined) tuple.push([int('origin.memberId', txn.origin.memberId), int('origin.requestId', txn.origin.requestId)]);
  return tuple;
}

/** Nodes with their ACLs interned: most trees use a handful of distinct ACLs. */
function nodesTuple(nodes: readonly SnapshotNodeRecord[]): { table: unknown[][]; nodes: unknown[] } {
  const table: unknown[][] = [];
  const indexByArray = new Map<readonly Acl[], number>();
  const indexByKey = new Map<string, number>();
  const flat: unknown[] = [];
  for (const node of nodes) {
    let index = indexByArray.get(node.acl);
    if (index === undefined) {
      const tuple = aclTuple(node.acl);
      const key = JSON.stringify(tuple);
      index = indexByKey.get(key);
      if (index === undefined) {
        index = table.length;
        table.push(tuple);
        indexByKey.set(key, index);
      }
      indexByArray.set(node.acl, index);
    }
    flat.push([
      str(node.path), dataOf(node.data), index, big('czxid', node.czxid), big('mzxid', node.mzxid), big('pzxid', node.pzxid),
      int('ctimeMs', node.ctimeMs), int('mtimeMs', node.mtimeMs), int('version', node.version), int('storedCversion', node.storedCversion),
      int('aversion', node.aversion), node.kind, big('ephemeralOwner', node.ephemeralOwner), int('ttlMs', node.ttlMs),
    ]);
  }
  return { table, nodes: flat };
}

function sessionTuple(session: SessionRecordShape): unknown[] {
  return [big('sessionId', session.sessionId), int('timeoutMs', session.timeoutMs), dataOf(session.passwd)];
}

function snapshotTuple(snapshot: SnapshotRecord): unknown[] {
  const { table, nodes } = nodesTuple(snapshot.nodes);
  return [int('formatVersion', snapshot.formatVersion), big('lastZxid', snapshot.lastZxid), table, nodes, snapshot.sessions.map(sessionTuple)];
}

const peerCode = {
  vote: 1, followerInfo: 2, leaderInfo: 3, ackEpoch: 4, sync: 5, newLeader: 6, ackNewLeader: 7, upToDate: 8,
  proposal: 9, ack: 10, commit: 11, inform: 12, forward: 13, syncRequest: 14, syncReply: 15, ping: 16, revalidate: 17, revalidated: 18,
} as const;
const peerStates: readonly PeerStateRecord[] = ['looking', 'following', 'leading', 'observing'];
const syncModes: readonly SyncModeRecord[] = ['diff', 'truncDiff', 'trunc', 'snap'];
const writeOpCode = { request: 1, createSession: 2, closeSession: 3, deleteContainer: 4, fail: 5, reconfig: 6 } as const;
const writeRequestTypes: ReadonlySet<number> = new Set<number>([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTtl, OpCode.delete, OpCode.deleteContainer, OpCode.setData, OpCode.multi, OpCode.setAcl,
]);

function codeOf<T>(field: string, table: readonly T[], value: T): number {
  const index = table.indexOf(value);
  if (index < 0) throw new RangeError(`member codec: ${field} ${String(value)} is not one of ${table.join(', ')}`);
  return index;
}

/** A forwarded client write carries its request in ZooKeeper's own jute encoding (xid 0, no length prefix). */
function writeOpTuple(op: WriteOpRecord): unknown[] {
  switch (op.kind) {
    case 'request': {
      const frame = encodeRequest(0, op.request);
      return [writeOpCode.request, frame.slice(4)];
    }
    case 'createSession':
      return [writeOpCode.createSession, big('sessionId', op.sessionId), int('timeoutMs', op.timeoutMs), dataOf(op.passwd)];
    case 'closeSession':
      return [writeOpCode.closeSession, big('sessionId', op.sessionId)];
    case 'deleteContainer':
      return [writeOpCode.deleteContainer, str(op.path)];
    case 'fail':
      return [writeOpCode.fail, int('err', op.err)];
    case 'reconfig':
      return [writeOpCode.reconfig, encodeRequest(0, op.request).slice(4)];
  }
}

function writeIntentTuple(intent: WriteIntentRecord): unknown[] {
  const authIds: string[] = [];
  for (const id of intent.authIds) authIds.push(str(id.scheme), str(id.id));
  const origin = intent.origin === undefined ? null : [int('origin.memberId', intent.origin.memberId), int('origin.requestId', intent.origin.requestId)];
  return [origin, big('sessionId', intent.sessionId), authIds, writeOpTuple(intent.op)];
}

function peerMessageTuple(message: PeerMessageRecord): unknown[] {
  switch (message.type) {
    case 'vote':
      return [peerCode.vote, int('round', message.round), int('vote.leader', message.vote.leader), big('vote.zxid', message.vote.zxid),
        int('vote.peerEpoch', message.vote.peerEpoch), codeOf('state', peerStates, message.state)];
    case 'followerInfo':
      return [peerCode.followerInfo, int('acceptedEpoch', message.acceptedEpoch), big('lastZxid', message.lastZxid), message.observer === true, int('connection', message.connection), big('truncateFloor', message.truncateFloor)];
    case 'leaderInfo':
      return [peerCode.leaderInfo, int('newEpoch', message.newEpoch)];
    case 'ackEpoch':
      return [peerCode.ackEpoch, int('currentEpoch', message.currentEpoch), big('lastZxid', message.lastZxid)];
    case 'sync':
      return [peerCode.sync, codeOf('mode', syncModes, message.mode), big('truncateTo', message.truncateTo),
        message.snapshot === undefined ? null : snapshotTuple(message.snapshot), message.txns.map(txnTuple)];
    case 'newLeader':
      return [peerCode.newLeader, int('epoch', message.epoch)];
    case 'ackNewLeader':
      return [peerCode.ackNewLeader, int('epoch', message.epoch)];
    case 'upToDate':
      return [peerCode.upToDate];
    case 'proposal':
      return [peerCode.proposal, txnTuple(message.txn)];
    case 'ack':
      return [peerCode.ack, big('zxid', message.zxid)];
    case 'commit':
      return [peerCode.commit, big('zxid', message.zxid)];
    case 'inform':
      return [peerCode.inform, txnTuple(message.txn)];
    case 'forward':
      return [peerCode.forward, writeIntentTuple(message.intent)];
    case 'syncRequest':
      return [peerCode.syncRequest, int('requestId', message.requestId)];
    case 'syncReply':
      return [peerCode.syncReply, int('requestId', message.requestId)];
    case 'ping':
      return [peerCode.ping, message.touched.map((id) => big('touched', id))];
    case 'revalidate':
      return [peerCode.revalidate, big('sessionId', message.sessionId), int('requestId', message.requestId)];
    case 'revalidated':
      return [peerCode.revalidated, int('requestId', message.requestId), message.valid];
  }
}

// ---------------------------------------------------------------- decoding (strict: every field checked)

function arrayOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new MemberCodecError('malformed', `${what}: expected an array, found ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value;
}

/** Reads a positional tuple field by field, naming the field in any error. */
class Reader {
  private index = 0;
  private readonly items: unknown[];
  private readonly what: string;

  constructor(value: unknown, what: string, length: number, lengthMax = length) {
    this.items = arrayOf(value, what);
    this.what = what;
    if (this.items.length < length || this.items.length > lengthMax) {
      throw new MemberCodecError('malformed', `${what}: expected ${length === lengthMax ? length : `${length} to ${lengthMax}`} fields, found ${this.items.length}`);
    }
  }

  get remaining(): number {
    return this.items.length - this.index;
  }

  private next(): unknown {
    return this.items[this.index++];
  }

  private fail(expected: string, value: unknown): never {
    throw new MemberCodecError('malformed', `${this.what} field ${this.index - 1}: expected ${expected}, found ${describe(value)}`);
  }

  int(): number {
    const value = this.next();
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail('an integer', value);
    return value;
  }

  big(): bigint {
    const value = this.next();
    if (typeof value !== 'bigint') this.fail('a 64-bit integer', value);
    return value;
  }

  str(): string {
    const value = this.next();
    if (typeof value !== 'string') this.fail('a string', value);
    return value;
  }

  bytes(): Uint8Array {
    const value = this.next();
    if (!(value instanceof Uint8Array)) this.fail('bytes', value);
    return value;
  }

  data(): Data {
    const value = this.next();
    if (value !== null && !(value instanceof Uint8Array)) this.fail('bytes or null', value);
    return value;
  }

  kind(): NodeKindCode {
    const value = this.next();
    if (value !== 0 && value !== 1 && value !== 2 && value !== 3) this.fail('a node kind 0..3', value);
    return value;
  }

  array(): unknown[] {
    const value = this.next();
    if (!Array.isArray(value)) this.fail('an array', value);
    return value;
  }

  intOrNull(): number | null {
    const value = this.next();
    if (value !== null && (typeof value !== 'number' || !Number.isSafeInteger(value))) this.fail('an integer or null', value);
    return value;
  }

  arrayOrNull(): unknown[] | null {
    const value = this.next();
    if (value !== null && !Array.isArray(value)) this.fail('an array or null', value);
    return value;
  }

  bool(): boolean {
    const value = this.next();
    if (typeof value !== 'boolean') this.fail('a boolean', value);
    return value;
  }

  /** An index into `table` (an enum written as its position). */
  code<T>(table: readonly T[], expected: string): T {
    const value = this.next();
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= table.length) this.fail(expected, value);
    return table[value] as T;
  }

  bigs(): bigint[] {
    const values = this.array();
    for (const value of values) if (typeof value !== 'bigint') this.fail('64-bit integers', value);
    return values as bigint[];
  }

  strings(): string[] {
    const values = this.array();
    for (const value of values) if (typeof value !== 'string') this.fail('strings', value);
    return values as string[];
  }
}

function aclOf(value: unknown, what: string): Acl[] {
  const flat = arrayOf(value, what);
  if (flat.length % 3 !== 0) throw new MemberCodecError('malformed', `${what}: ${flat.length} fields is not a whole number of ACL entries`);
  const acl: Acl[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const perms = flat[i];
    const scheme = flat[i + 1];
    const id = flat[i + 2];
    if (typeof perms !== 'number' || !Number.isSafeInteger(perms) || typeof scheme !== 'string' || typeof id !== 'string') {
      throw new MemberCodecError('malformed', `${what}: entry ${i / 3} is not [perms, scheme, id]`);
    }
    acl.push({ perms, id: { scheme, id } });
  }
  return acl;
}

function bodyOf(value: unknown, inMulti: boolean): TxnBodyRecord | MultiSubTxnRecord {
  const items = arrayOf(value, 'txn body');
  const code = items[0];
  switch (code) {
    case bodyCode.create: {
      const r = new Reader(items, 'create txn', 8);
      r.int();
      const path = r.str();
      const data = r.data();
      const acl = aclOf(r.array(), 'create txn acl');
      return { type: 'create', path, data, acl, kind: r.kind(), ephemeralOwner: r.big(), ttlMs: r.int(), parentCversion: r.int() };
    }
    case bodyCode.delete: {
      const r = new Reader(items, 'delete txn', 2);
      r.int();
      return { type: 'delete', path: r.str() };
    }
    case bodyCode.setData: {
      const r = new Reader(items, 'setData txn', 4);
      r.int();
      return { type: 'setData', path: r.str(), data: r.data(), version: r.int() };
    }
    case bodyCode.error: {
      const r = new Reader(items, 'error txn', 2);
      r.int();
      return { type: 'error', err: r.int() };
    }
    default:
      break;
  }
  if (inMulti) {
    if (code !== bodyCode.check) throw new MemberCodecError('malformed', `multi op: body code ${String(code)} cannot appear inside a multi`);
    const r = new Reader(items, 'check txn', 2);
    r.int();
    return { type: 'check', path: r.str() };
  }
  switch (code) {
    case bodyCode.setAcl: {
      const r = new Reader(items, 'setAcl txn', 4);
      r.int();
      const path = r.str();
      return { type: 'setAcl', path, acl: aclOf(r.array(), 'setAcl txn acl'), aversion: r.int() };
    }
    case bodyCode.createSession: {
      const r = new Reader(items, 'createSession txn', 4);
      r.int();
      return { type: 'createSession', sessionId: r.big(), timeoutMs: r.int(), passwd: r.bytes() };
    }
    case bodyCode.closeSession: {
      const r = new Reader(items, 'closeSession txn', 3);
      r.int();
      return { type: 'closeSession', sessionId: r.big(), ephemeralPaths: r.strings() };
    }
    case bodyCode.multi: {
      const r = new Reader(items, 'multi txn', 2);
      r.int();
      return { type: 'multi', ops: r.array().map((op) => bodyOf(op, true) as MultiSubTxnRecord) };
    }
    case bodyCode.reconfig: {
      const r = new Reader(items, 'reconfig txn', 2);
      r.int();
      return { type: 'reconfig', servers: r.strings() };
    }
    case bodyCode.check:
      throw new MemberCodecError('malformed', 'txn body: a check outside a multi');
    default:
      throw new MemberCodecError('malformed', `txn body: unknown body code ${String(code)}`);
  }
}

function txnOf(value: unknown): TxnRecord {
  const r = new Reader(value, 'txn', 4, 5);
  const zxid = r.big();
  const timeMs = r.int();
  const sessionId = r.big();
  const txn: TxnRecord = { zxid, timeMs, sessionId, body: bodyOf(r.array(), false) as TxnBodyRecord };
  if (r.remaining > 0) {
    const origin = new Reader(r.array(), 'txn origin', 2);
    txn.origin = { memberId: origin.int(), requestId: origin.int() };
  }
  return txn;
}

function snapshotOf(value: unknown): SnapshotRecord {
  const r = new Reader(value, 'snapshot', 5);
  const formatVersion = r.int();
  const lastZxid = r.big();
  const nodes = nodesOf(r.array(), r.array());
  const sessions = r.array().map(sessionOf);
  return { formatVersion, lastZxid, nodes, sessions };
}

function writeRequestOf(bytes: Uint8Array): WriteRequestRecord {
  let request: Request | undefined;
  try {
    // Over a copy: decoded buffers must not alias the message's bytes.
    request = decodeRequest(new Uint8Array(bytes)).request;
  } catch (error) {
    if (error instanceof JuteDecodeError) throw new MemberCodecError('malformed', `forwarded request: ${error.message}`);
    throw error;
  }
  if (request === undefined || !writeRequestTypes.has(request.type)) {
    throw new MemberCodecError('malformed', `forwarded request: type ${request?.type ?? 'unknown'} is not a write`);
  }
  return request as WriteRequestRecord;
}

function writeOpOf(value: unknown): WriteOpRecord {
  const items = arrayOf(value, 'write op');
  switch (items[0]) {
    case writeOpCode.request: {
      const r = new Reader(items, 'write op request', 2);
      r.int();
      return { kind: 'request', request: writeRequestOf(r.bytes()) };
    }
    case writeOpCode.createSession: {
      const r = new Reader(items, 'write op createSession', 4);
      r.int();
      return { kind: 'createSession', sessionId: r.big(), timeoutMs: r.int(), passwd: r.bytes() };
    }
    case writeOpCode.closeSession: {
      const r = new Reader(items, 'write op closeSession', 2);
      r.int();
      return { kind: 'closeSession', sessionId: r.big() };
    }
    case writeOpCode.deleteContainer: {
      const r = new Reader(items, 'write op deleteContainer', 2);
      r.int();
      return { kind: 'deleteContainer', path: r.str() };
    }
    case writeOpCode.fail: {
      const r = new Reader(items, 'write op fail', 2);
      r.int();
      return { kind: 'fail', err: r.int() };
    }
    case writeOpCode.reconfig: {
      const r = new Reader(items, 'write op reconfig', 2);
      r.int();
      let request: Request | undefined;
      try {
        request = decodeRequest(new Uint8Array(r.bytes())).request;
      } catch (error) {
        if (error instanceof JuteDecodeError) throw new MemberCodecError('malformed', `forwarded reconfig: ${error.message}`);
        throw error;
      }
      if (request?.type !== OpCode.reconfig) throw new MemberCodecError('malformed', 'forwarded reconfig: not a reconfig request');
      return { kind: 'reconfig', request };
    }
    default:
      throw new MemberCodecError('malformed', `write op: unknown kind code ${String(items[0])}`);
  }
}

function writeIntentOf(value: unknown): WriteIntentRecord {
  const r = new Reader(value, 'write intent', 4);
  const originValue = r.arrayOrNull();
  let origin: WriteIntentRecord['origin'];
  if (originValue !== null) {
    const o = new Reader(originValue, 'write intent origin', 2);
    origin = { memberId: o.int(), requestId: o.int() };
  }
  const sessionId = r.big();
  const flat = r.strings();
  if (flat.length % 2 !== 0) throw new MemberCodecError('malformed', `write intent: ${flat.length} auth id fields is not a whole number of ids`);
  const authIds: Id[] = [];
  for (let i = 0; i < flat.length; i += 2) authIds.push({ scheme: flat[i] as string, id: flat[i + 1] as string });
  return { origin, sessionId, authIds, op: writeOpOf(r.array()) };
}

function peerMessageOf(items: unknown[]): PeerMessageRecord {
  const code = items[0];
  const fields = (what: string, length: number): Reader => {
    const r = new Reader(items, what, length);
    r.int();
    return r;
  };
  switch (code) {
    case peerCode.vote: {
      const r = fields('vote', 6);
      const round = r.int();
      const vote = { leader: r.int(), zxid: r.big(), peerEpoch: r.int() };
      return { type: 'vote', round, vote, state: r.code(peerStates, 'a peer state code') };
    }
    case peerCode.followerInfo: {
      const r = fields('followerInfo', 6);
      return { type: 'followerInfo', acceptedEpoch: r.int(), lastZxid: r.big(), observer: r.bool(), connection: r.int(), truncateFloor: r.big() };
    }
    case peerCode.leaderInfo:
      return { type: 'leaderInfo', newEpoch: fields('leaderInfo', 2).int() };
    case peerCode.ackEpoch: {
      const r = fields('ackEpoch', 3);
      return { type: 'ackEpoch', currentEpoch: r.int(), lastZxid: r.big() };
    }
    case peerCode.sync: {
      const r = fields('sync', 5);
      const mode = r.code(syncModes, 'a sync mode code');
      const truncateTo = r.big();
      const snapshotValue = r.arrayOrNull();
      const snapshot = snapshotValue === null ? undefined : snapshotOf(snapshotValue);
      return { type: 'sync', mode, truncateTo, snapshot, txns: r.array().map(txnOf) };
    }
    case peerCode.newLeader:
      return { type: 'newLeader', epoch: fields('newLeader', 2).int() };
    case peerCode.ackNewLeader:
      return { type: 'ackNewLeader', epoch: fields('ackNewLeader', 2).int() };
    case peerCode.upToDate:
      fields('upToDate', 1);
      return { type: 'upToDate' };
    case peerCode.proposal:
      return { type: 'proposal', txn: txnOf(fields('proposal', 2).array()) };
    case peerCode.ack:
      return { type: 'ack', zxid: fields('ack', 2).big() };
    case peerCode.commit:
      return { type: 'commit', zxid: fields('commit', 2).big() };
    case peerCode.inform:
      return { type: 'inform', txn: txnOf(fields('inform', 2).array()) };
    case peerCode.forward:
      return { type: 'forward', intent: writeIntentOf(fields('forward', 2).array()) };
    case peerCode.syncRequest:
      return { type: 'syncRequest', requestId: fields('syncRequest', 2).int() };
    case peerCode.syncReply:
      return { type: 'syncReply', requestId: fields('syncReply', 2).int() };
    case peerCode.ping:
      return { type: 'ping', touched: fields('ping', 2).bigs() };
    case peerCode.revalidate: {
      const r = fields('revalidate', 3);
      return { type: 'revalidate', sessionId: r.big(), requestId: r.int() };
    }
    case peerCode.revalidated: {
      const r = fields('revalidated', 3);
      return { type: 'revalidated', requestId: r.int(), valid: r.bool() };
    }
    default:
      throw new MemberCodecError('malformed', `peer message: unknown type code ${String(code)}`);
  }
}

function nodesOf(tableValue: unknown[], nodeValues: unknown[]): SnapshotNodeRecord[] {
  const table = tableValue.map((acl, i) => aclOf(acl, `snapshot acl ${i}`));
  const nodes: SnapshotNodeRecord[] = [];
  for (const value of nodeValues) {
    const r = new Reader(value, 'snapshot node', 14);
    const path = r.str();
    const data = r.data();
    const aclIndex = r.int();
    const acl = table[aclIndex];
    if (acl === undefined) throw new MemberCodecError('malformed', `snapshot node ${path}: acl index ${aclIndex} outside a table of ${table.length}`);
    nodes.push({
      path, data, acl, czxid: r.big(), mzxid: r.big(), pzxid: r.big(), ctimeMs: r.int(), mtimeMs: r.int(), version: r.int(),
      storedCversion: r.int(), aversion: r.int(), kind: r.kind(), ephemeralOwner: r.big(), ttlMs: r.int(),
    });
  }
  return nodes;
}

function sessionOf(value: unknown): SessionRecordShape {
  const r = new Reader(value, 'session', 3);
  return { sessionId: r.big(), timeoutMs: r.int(), passwd: r.bytes() };
}
