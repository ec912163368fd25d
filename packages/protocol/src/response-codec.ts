/**
 * Server replies and watch notifications: ReplyHeader + the body for the
 * request type (reference §1.2, §1.4, §1.5). Servers call `encodeReply` /
 * `encodeNotification`; clients call `decodeReply`, telling it which request
 * type they sent for each xid (the wire does not say).
 *
 * Rules carried here so callers cannot get them wrong:
 * - a reply with err != 0 is only the 16-byte header (multi's header err is
 *   always 0; its per-op errors are in the body);
 * - ping (xid -2), auth (xid -4), delete, check, setWatches, checkWatches,
 *   removeWatches, closeSession and deleteContainer have no body;
 * - addWatch's OK reply carries ErrorResponse{err=0}, 4 bytes;
 * - create2, createTtl and createContainer answer Create2Response, reconfig
 *   answers GetDataResponse.
 */
import { JuteDecodeError } from './jute-decode-error.ts';
import { JuteReader } from './jute-reader.ts';
import type { JuteReaderOptions } from './jute-reader.ts';
import { JuteWriter } from './jute-writer.ts';
import { OpCode, Xid, opCodeName } from './op-codes.ts';
import {
  multiDoneHeader,
  readAclVector,
  readId,
  readMultiHeader,
  readReplyHeader,
  readStat,
  readWatcherEvent,
  writeAclVector,
  writeId,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
} from './record-codec.ts';
import type {
  Create2Response,
  CreateResponse,
  ErrorResponse,
  ExistsResponse,
  GetAclResponse,
  GetAllChildrenNumberResponse,
  GetChildren2Response,
  GetChildrenResponse,
  GetDataResponse,
  GetEphemeralsResponse,
  MultiResponse,
  MultiResult,
  ReplyHeader,
  RequestType,
  Response,
  ResponseByType,
  SaslResponse,
  SetAclResponse,
  SetDataResponse,
  SyncResponse,
  WatcherEvent,
  WhoAmIResponse,
} from './records.ts';

/** A watch notification (xid -1). */
export interface DecodedNotification {
  kind: 'notification';
  header: ReplyHeader;
  event: WatcherEvent;
}

/** The reply to a request. `response` is undefined when header.err != 0 or the type has no body. */
export interface DecodedReply {
  kind: 'reply';
  header: ReplyHeader;
  requestType: number;
  response: Response;
}

export type DecodedServerMessage = DecodedNotification | DecodedReply;

/**
 * How the client says what it sent: the request type itself, or a lookup by
 * xid over its outstanding requests. Xids -2 (ping) and -4 (auth) are known
 * without asking; -1 is always a notification.
 */
export type RequestTypeForXid = number | ((xid: number) => number | undefined);

/** Request types whose OK reply carries a body; every other type's reply is the header alone. */
const bodyTypes: ReadonlySet<number> = new Set<number>([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTtl, OpCode.exists,
  OpCode.getData, OpCode.setData, OpCode.getAcl, OpCode.setAcl, OpCode.getChildren,
  OpCode.getChildren2, OpCode.sync, OpCode.reconfig, OpCode.sasl, OpCode.getEphemerals,
  OpCode.getAllChildrenNumber, OpCode.addWatch, OpCode.whoAmI, OpCode.multi, OpCode.multiRead,
]);

/** True when an OK reply to `requestType` carries a body. */
export function replyHasBody(requestType: number): boolean {
  return bodyTypes.has(requestType);
}

// ---------------------------------------------------------------- multi results

function writeMultiResults(w: JuteWriter, results: readonly MultiResult[]): void {
  for (const result of results) {
    writeMultiHeader(w, { type: result.type, done: false, err: result.type === OpCode.error ? result.err : 0 });
    switch (result.type) {
      case OpCode.create:
        w.writeUstring(result.path);
        break;
      case OpCode.create2:
        w.writeUstring(result.path);
        writeStat(w, result.stat);
        break;
      case OpCode.delete:
      case OpCode.check:
        break;
      case OpCode.setData:
        writeStat(w, result.stat);
        break;
      case OpCode.getData:
        w.writeBuffer(result.data);
        writeStat(w, result.stat);
        break;
      case OpCode.getChildren:
        w.writeStringVector(result.children);
        break;
      case OpCode.error:
        w.writeInt(result.err);
        break;
      default: {
        const unknown: never = result;
        throw new RangeError(`writeMultiResults: unknown result type ${(unknown as { type: unknown }).type}`);
      }
    }
  }
  writeMultiHeader(w, multiDoneHeader);
}

/** MultiResponse.deserialize: results up to the done header. An error result takes its code from the body. */
function readMultiResults(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const at = r.offset;
    const header = readMultiHeader(r);
    if (header.done) return results;
    const type = header.type;
    switch (type) {
      case OpCode.create:
        results.push({ type, path: r.readString('CreateResponse.path') });
        break;
      case OpCode.create2:
        results.push({ type, path: r.readString('Create2Response.path'), stat: readStat(r) });
        break;
      case OpCode.delete:
      case OpCode.check:
        results.push({ type });
        break;
      case OpCode.setData:
        results.push({ type, stat: readStat(r) });
        break;
      case OpCode.getData:
        results.push({ type, data: r.readBuffer('GetDataResponse.data'), stat: readStat(r) });
        break;
      case OpCode.getChildren:
        results.push({ type, children: r.readStringVector('GetChildrenResponse.children') });
        break;
      case OpCode.error:
        results.push({ type, err: r.readInt('ErrorResponse.err') });
        break;
      default:
        throw new JuteDecodeError(`MultiResponse.results[${results.length}].type`, at, `unknown result type ${type}`);
    }
  }
}

// ---------------------------------------------------------------- bodies

/** Writes the OK body for `requestType`; nothing for header-only types. */
export function writeResponseBody(w: JuteWriter, requestType: number, response: Response): void {
  if (!bodyTypes.has(requestType)) {
    if (response !== undefined) {
      throw new RangeError(`a ${opCodeName(requestType)} reply has no body, but a response was given`);
    }
    return;
  }
  if (response === undefined) {
    throw new RangeError(`a ${opCodeName(requestType)} reply needs a response body`);
  }
  switch (requestType) {
    case OpCode.create:
    case OpCode.sync:
      w.writeUstring((response as CreateResponse | SyncResponse).path);
      return;
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTtl: {
      const create2 = response as Create2Response;
      w.writeUstring(create2.path);
      writeStat(w, create2.stat);
      return;
    }
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setAcl:
      writeStat(w, (response as ExistsResponse | SetDataResponse | SetAclResponse).stat);
      return;
    case OpCode.getData:
    case OpCode.reconfig: {
      const getData = response as GetDataResponse;
      w.writeBuffer(getData.data);
      writeStat(w, getData.stat);
      return;
    }
    case OpCode.getAcl: {
      const getAcl = response as GetAclResponse;
      writeAclVector(w, getAcl.acl);
      writeStat(w, getAcl.stat);
      return;
    }
    case OpCode.getChildren:
      w.writeStringVector((response as GetChildrenResponse).children);
      return;
    case OpCode.getChildren2: {
      const children2 = response as GetChildren2Response;
      w.writeStringVector(children2.children);
      writeStat(w, children2.stat);
      return;
    }
    case OpCode.sasl:
      w.writeBuffer((response as SaslResponse).token);
      return;
    case OpCode.getEphemerals:
      w.writeStringVector((response as GetEphemeralsResponse).ephemerals);
      return;
    case OpCode.getAllChildrenNumber:
      w.writeInt((response as GetAllChildrenNumberResponse).totalNumber);
      return;
    case OpCode.addWatch:
      w.writeInt((response as ErrorResponse).err);
      return;
    case OpCode.whoAmI:
      w.writeVector((response as WhoAmIResponse).clientInfo, writeId);
      return;
    case OpCode.multi:
    case OpCode.multiRead:
      writeMultiResults(w, (response as MultiResponse).results);
      return;
    default:
      throw new RangeError(`writeResponseBody: no body codec for ${opCodeName(requestType)}`);
  }
}

/** Reads the OK body for `requestType`; undefined for header-only and unknown types. */
export function readResponseBody(r: JuteReader, requestType: number): Response {
  switch (requestType) {
    case OpCode.create:
      return { path: r.readString('CreateResponse.path') } satisfies CreateResponse;
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTtl:
      return { path: r.readString('Create2Response.path'), stat: readStat(r) } satisfies Create2Response;
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setAcl:
      return { stat: readStat(r) } satisfies ExistsResponse;
    case OpCode.getData:
    case OpCode.reconfig:
      return { data: r.readBuffer('GetDataResponse.data'), stat: readStat(r) } satisfies GetDataResponse;
    case OpCode.getAcl:
      return { acl: readAclVector(r, 'GetACLResponse.acl'), stat: readStat(r) } satisfies GetAclResponse;
    case OpCode.getChildren:
      return { children: r.readStringVector('GetChildrenResponse.children') } satisfies GetChildrenResponse;
    case OpCode.getChildren2:
      return {
        children: r.readStringVector('GetChildren2Response.children'),
        stat: readStat(r),
      } satisfies GetChildren2Response;
    case OpCode.sync:
      return { path: r.readString('SyncResponse.path') } satisfies SyncResponse;
    case OpCode.sasl:
      return { token: r.readBuffer('SetSASLResponse.token') } satisfies SaslResponse;
    case OpCode.getEphemerals:
      return { ephemerals: r.readStringVector('GetEphemeralsResponse.ephemerals') } satisfies GetEphemeralsResponse;
    case OpCode.getAllChildrenNumber:
      return { totalNumber: r.readInt('GetAllChildrenNumberResponse.totalNumber') } satisfies GetAllChildrenNumberResponse;
    case OpCode.addWatch:
      return { err: r.readInt('ErrorResponse.err') } satisfies ErrorResponse;
    case OpCode.whoAmI:
      // ClientInfo{ustring authScheme; ustring user} has the same shape as Id{scheme; id}.
      return { clientInfo: r.readVector('WhoAmIResponse.clientInfo', 8, readId) } satisfies WhoAmIResponse;
    case OpCode.multi:
    case OpCode.multiRead:
      return { results: readMultiResults(r) } satisfies MultiResponse;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- frames

const replyWriter = new JuteWriter({ framed: true });

/**
 * A whole reply frame (4-byte length prefix included). When header.err != 0
 * only the header is written, whatever `response` holds.
 */
export function encodeReply<T extends RequestType>(header: ReplyHeader, requestType: T, response: ResponseByType[T]): Uint8Array;
export function encodeReply(header: ReplyHeader, requestType: number, response?: Response): Uint8Array;
export function encodeReply(header: ReplyHeader, requestType: number, response?: Response): Uint8Array {
  const w = replyWriter;
  w.reset();
  writeReplyHeader(w, header);
  if (header.err === 0) writeResponseBody(w, requestType, response);
  return w.finish();
}

/**
 * A watch notification frame: ReplyHeader{-1, zxid, 0} + WatcherEvent.
 * ZooKeeper up to 3.8 sends zxid -1; 3.9 sends the triggering zxid.
 */
export function encodeNotification(event: WatcherEvent, zxid: bigint): Uint8Array {
  const w = replyWriter;
  w.reset();
  writeReplyHeader(w, { xid: Xid.notification, zxid, err: 0 });
  writeWatcherEvent(w, event);
  return w.finish();
}

function resolveRequestType(xid: number, requestTypeForXid: RequestTypeForXid): number {
  if (xid === Xid.ping) return OpCode.ping;
  if (xid === Xid.auth) return OpCode.auth;
  const type = typeof requestTypeForXid === 'number' ? requestTypeForXid : requestTypeForXid(xid);
  if (type === undefined) throw new JuteDecodeError('ReplyHeader.xid', 0, `no outstanding request has xid ${xid}`);
  return type;
}

/**
 * Decodes a server frame body (length prefix removed): a notification when
 * xid is -1, otherwise the reply to the request type found for its xid.
 */
export function decodeReply(
  body: Uint8Array,
  requestTypeForXid: RequestTypeForXid,
  options?: JuteReaderOptions,
): DecodedServerMessage {
  const r = new JuteReader(body, options);
  const header = readReplyHeader(r);
  if (header.xid === Xid.notification) return { kind: 'notification', header, event: readWatcherEvent(r) };
  const requestType = resolveRequestType(header.xid, requestTypeForXid);
  const response = header.err === 0 ? readResponseBody(r, requestType) : undefined;
  return { kind: 'reply', header, requestType, response };
}

