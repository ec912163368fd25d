/**
 * The versioned msgpackr codec for records between members and on disk: txns
 * (the transaction log, ZAB proposals) and snapshots (whole, or streamed in
 * parts so a million-node tree never has to sit in one buffer).
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
 * The record shapes are declared here because protocol sits below store; they
 * are the same shapes as the store's `Txn` and `Snapshot` (the server checks
 * at compile time that the two stay identical).
 */
import { Packr, Unpackr } from 'msgpackr';
import type { Acl, Data } from './records.ts';

/** Written as the first byte of every record; a reader refuses a version it does not know. */
export const memberCodecVersion = 1;

export const MemberRecordType = {
  txn: 1,
  snapshot: 2,
  snapshotHead: 3,
  snapshotNodes: 4,
  snapshotSessions: 5,
  snapshotEnd: 6,
} as const;
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
export type TxnBodyRecord =
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
    encodeSnapshot: (snapshot) => {
      const { table, nodes } = nodesTuple(snapshot.nodes);
      return record(MemberRecordType.snapshot, [
        int('formatVersion', snapshot.formatVersion), big('lastZxid', snapshot.lastZxid), table, nodes, snapshot.sessions.map(sessionTuple),
      ]);
    },
    decodeSnapshot: (bytes) => {
      const r = new Reader(open(bytes, [MemberRecordType.snapshot], 'snapshot').value, 'snapshot', 5);
      const formatVersion = r.int();
      const lastZxid = r.big();
      const nodes = nodesOf(r.array(), r.array());
      const sessions = r.array().map(sessionOf);
      return { formatVersion, lastZxid, nodes, sessions };
    },
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
  if (type < MemberRecordType.txn || type > MemberRecordType.snapshotEnd) throw new MemberCodecError('malformed', `unknown record type ${type}`);
  return type as MemberRecordTypeValue;
}

// ---------------------------------------------------------------- encoding (to positional tuples)

const bodyCode = { create: 1, delete: 2, setData: 3, setAcl: 4, check: 5, createSession: 6, closeSession: 7, error: 8, multi: 9 } as const;

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
