/** fast-check arbitraries for every record in records.ts (test support; not shipped). */
import fc from 'fast-check';
import { OpCode } from '../src/op-codes.ts';
import type {
  Acl,
  ConnectRequest,
  ConnectResponse,
  Data,
  Id,
  MultiReadOp,
  MultiResult,
  MultiWriteOp,
  Request,
  RequestType,
  Response,
  Stat,
  WatcherEvent,
} from '../src/records.ts';

/** fc.record with ordinary prototypes, so decoded records compare with toStrictEqual. */
export function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

export const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const safeLong = fc.maxSafeInteger();
export const xid = int32;
/** An xid a normal request can carry in a reply: not -1 (notification), -2 (ping) or -4 (auth). */
export const ordinaryReplyXid = int32.filter((x) => x !== -1 && x !== -2 && x !== -4);

/**
 * Any Unicode scalar value (BMP and astral, no lone surrogates), i.e. every
 * well-formed string, with edge characters boosted. (fast-check's own `unit: 'binary'`
 * costs ~0.75 s to set up.)
 */
export const unicodeChar: fc.Arbitrary<string> = fc
  .oneof(
    // Edge characters: NUL, the UTF-8 width boundaries, U+FEFF (a BOM decoders like to strip),
    // U+FFFD and the last BMP and astral code points.
    fc.constantFrom(0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x1_0000, 0x10_ffff),
    fc.integer({ min: 0x00, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x1_0000, max: 0x10_ffff }),
  )
  .map((codePoint) => String.fromCodePoint(codePoint));
export const unicodeString = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: unicodeChar, maxLength });

/** ASCII paths most of the time, arbitrary well-formed Unicode (astral planes too) the rest. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), weight: 3 },
  { arbitrary: unicodeString(40), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 300 }), weight: 1 },
);
export const path = text;
export const nullableText = fc.option(text, { nil: null });
export const bytes = fc.uint8Array({ maxLength: 64 });
export const data: fc.Arbitrary<Data> = fc.option(bytes, { nil: null });
export const strings = fc.array(text, { maxLength: 6 });

export const stat: fc.Arbitrary<Stat> = rec({
  czxid: int64,
  mzxid: int64,
  ctime: safeLong,
  mtime: safeLong,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: int64,
  dataLength: int32,
  numChildren: int32,
  pzxid: int64,
});

export const id: fc.Arbitrary<Id> = rec({ scheme: text, id: text });
export const acl: fc.Arbitrary<Acl> = rec({ perms: int32, id });
export const acls = fc.array(acl, { maxLength: 4 });

export const watcherEvent: fc.Arbitrary<WatcherEvent> = rec({ type: int32, state: int32, path });

const readOnly = fc.option(fc.boolean(), { nil: undefined });

export const connectRequest: fc.Arbitrary<ConnectRequest> = rec({
  protocolVersion: int32,
  lastZxidSeen: int64,
  timeOutMs: int32,
  sessionId: int64,
  passwd: bytes,
  readOnly,
});

export const connectResponse: fc.Arbitrary<ConnectResponse> = rec({
  protocolVersion: int32,
  timeOutMs: int32,
  sessionId: int64,
  passwd: bytes,
  readOnly,
});

// ---------------------------------------------------------------- requests

const createFields = { path, data, acl: acls, flags: int32 };
const create = rec({ type: fc.constant(OpCode.create), ...createFields });
const create2 = rec({ type: fc.constant(OpCode.create2), ...createFields });
const createContainer = rec({ type: fc.constant(OpCode.createContainer), ...createFields });
const createTtl = rec({ type: fc.constant(OpCode.createTtl), ...createFields, ttl: safeLong });
const del = rec({ type: fc.constant(OpCode.delete), path, version: int32 });
const setData = rec({ type: fc.constant(OpCode.setData), path, data, version: int32 });
const check = rec({ type: fc.constant(OpCode.check), path, version: int32 });
const getData = rec({ type: fc.constant(OpCode.getData), path, watch: fc.boolean() });
const getChildren = rec({ type: fc.constant(OpCode.getChildren), path, watch: fc.boolean() });

export const multiWriteOp: fc.Arbitrary<MultiWriteOp> = fc.oneof(
  create, create2, createContainer, createTtl, del, setData, check,
);
export const multiReadOp: fc.Arbitrary<MultiReadOp> = fc.oneof(getData, getChildren);

/** One arbitrary per request type, keyed by opcode name. */
export const requestByName = {
  create,
  create2,
  createContainer,
  createTtl,
  delete: del,
  deleteContainer: rec({ type: fc.constant(OpCode.deleteContainer), path }),
  exists: rec({ type: fc.constant(OpCode.exists), path, watch: fc.boolean() }),
  getData,
  setData,
  getAcl: rec({ type: fc.constant(OpCode.getAcl), path }),
  setAcl: rec({ type: fc.constant(OpCode.setAcl), path, acl: acls, version: int32 }),
  getChildren,
  getChildren2: rec({ type: fc.constant(OpCode.getChildren2), path, watch: fc.boolean() }),
  sync: rec({ type: fc.constant(OpCode.sync), path }),
  check,
  ping: rec({ type: fc.constant(OpCode.ping) }),
  closeSession: rec({ type: fc.constant(OpCode.closeSession) }),
  reconfig: rec({
    type: fc.constant(OpCode.reconfig),
    joiningServers: nullableText,
    leavingServers: nullableText,
    newMembers: nullableText,
    curConfigId: int64,
  }),
  checkWatches: rec({ type: fc.constant(OpCode.checkWatches), path, watcherType: int32 }),
  removeWatches: rec({ type: fc.constant(OpCode.removeWatches), path, watcherType: int32 }),
  auth: rec({ type: fc.constant(OpCode.auth), authType: int32, scheme: text, auth: bytes }),
  setWatches: rec({
    type: fc.constant(OpCode.setWatches),
    relativeZxid: int64,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
  }),
  setWatches2: rec({
    type: fc.constant(OpCode.setWatches2),
    relativeZxid: int64,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
    persistentWatches: strings,
    persistentRecursiveWatches: strings,
  }),
  sasl: rec({ type: fc.constant(OpCode.sasl), token: bytes }),
  getEphemerals: rec({ type: fc.constant(OpCode.getEphemerals), prefixPath: path }),
  getAllChildrenNumber: rec({ type: fc.constant(OpCode.getAllChildrenNumber), path }),
  addWatch: rec({ type: fc.constant(OpCode.addWatch), path, mode: int32 }),
  whoAmI: rec({ type: fc.constant(OpCode.whoAmI) }),
  multi: rec({ type: fc.constant(OpCode.multi), ops: fc.array(multiWriteOp, { maxLength: 6 }) }),
  multiRead: rec({ type: fc.constant(OpCode.multiRead), ops: fc.array(multiReadOp, { maxLength: 6 }) }),
} satisfies Record<string, fc.Arbitrary<Request>>;

export const anyRequest: fc.Arbitrary<Request> = fc.oneof(...Object.values(requestByName));

// ---------------------------------------------------------------- responses

const createResponse = rec({ path });
const create2Response = rec({ path, stat });
const statResponse = rec({ stat });
const getDataResponse = rec({ data, stat });

export const multiWriteResult: fc.Arbitrary<MultiResult> = fc.oneof(
  rec({ type: fc.constant(OpCode.create), path }),
  rec({ type: fc.constant(OpCode.create2), path, stat }),
  rec({ type: fc.constant(OpCode.delete) }),
  rec({ type: fc.constant(OpCode.setData), stat }),
  rec({ type: fc.constant(OpCode.check) }),
  rec({ type: fc.constant(OpCode.error), err: int32 }),
);

export const multiReadResult: fc.Arbitrary<MultiResult> = fc.oneof(
  rec({ type: fc.constant(OpCode.getData), data, stat }),
  rec({ type: fc.constant(OpCode.getChildren), children: strings }),
  rec({ type: fc.constant(OpCode.error), err: int32 }),
);

/** One arbitrary per request type for the body of its OK reply. */
export const responseByType: { [T in RequestType]: fc.Arbitrary<Response> } = {
  [OpCode.create]: createResponse,
  [OpCode.create2]: create2Response,
  [OpCode.createContainer]: create2Response,
  [OpCode.createTtl]: create2Response,
  [OpCode.delete]: fc.constant(undefined),
  [OpCode.deleteContainer]: fc.constant(undefined),
  [OpCode.exists]: statResponse,
  [OpCode.getData]: getDataResponse,
  [OpCode.setData]: statResponse,
  [OpCode.getAcl]: rec({ acl: acls, stat }),
  [OpCode.setAcl]: statResponse,
  [OpCode.getChildren]: rec({ children: strings }),
  [OpCode.getChildren2]: rec({ children: strings, stat }),
  [OpCode.sync]: rec({ path }),
  [OpCode.check]: fc.constant(undefined),
  [OpCode.ping]: fc.constant(undefined),
  [OpCode.closeSession]: fc.constant(undefined),
  [OpCode.reconfig]: getDataResponse,
  [OpCode.checkWatches]: fc.constant(undefined),
  [OpCode.removeWatches]: fc.constant(undefined),
  [OpCode.auth]: fc.constant(undefined),
  [OpCode.setWatches]: fc.constant(undefined),
  [OpCode.setWatches2]: fc.constant(undefined),
  [OpCode.sasl]: rec({ token: bytes }),
  [OpCode.getEphemerals]: rec({ ephemerals: strings }),
  [OpCode.getAllChildrenNumber]: rec({ totalNumber: int32 }),
  [OpCode.addWatch]: rec({ err: int32 }),
  [OpCode.whoAmI]: rec({ clientInfo: fc.array(id, { maxLength: 4 }) }),
  [OpCode.multi]: rec({ results: fc.array(multiWriteResult, { maxLength: 6 }) }),
  [OpCode.multiRead]: rec({ results: fc.array(multiReadResult, { maxLength: 6 }) }),
};
