/**
 * The shared jute records (zookeeper.jute): Stat, Id, ACL, the request and
 * reply headers, MultiHeader, WatcherEvent and the connect handshake.
 * `writeX(writer, value)` / `readX(reader)` compose into bigger records;
 * `encodeConnect*` / `decodeConnect*` work on whole frames.
 */
import { JuteReader } from './jute-reader.ts';
import type { JuteReaderOptions } from './jute-reader.ts';
import { JuteWriter } from './jute-writer.ts';
import type {
  Acl,
  ConnectRequest,
  ConnectResponse,
  Id,
  ReplyHeader,
  RequestHeader,
  Stat,
  WatcherEvent,
} from './records.ts';

/** Stat is 68 bytes on the wire. */
export const statBytes = 68;
export const requestHeaderBytes = 8;
export const replyHeaderBytes = 16;
/** ACL{int perms; Id{ustring scheme; ustring id}} takes at least 12 bytes. */
export const aclBytesMin = 12;

// ---------------------------------------------------------------- Stat

export function writeStat(w: JuteWriter, stat: Stat): void {
  w.writeLong(stat.czxid);
  w.writeLong(stat.mzxid);
  w.writeLongNumber(stat.ctime);
  w.writeLongNumber(stat.mtime);
  w.writeInt(stat.version);
  w.writeInt(stat.cversion);
  w.writeInt(stat.aversion);
  w.writeLong(stat.ephemeralOwner);
  w.writeInt(stat.dataLength);
  w.writeInt(stat.numChildren);
  w.writeLong(stat.pzxid);
}

export function readStat(r: JuteReader): Stat {
  r.need(statBytes, 'Stat');
  return {
    czxid: r.readLong('Stat.czxid'),
    mzxid: r.readLong('Stat.mzxid'),
    ctime: r.readLongNumber('Stat.ctime'),
    mtime: r.readLongNumber('Stat.mtime'),
    version: r.readInt('Stat.version'),
    cversion: r.readInt('Stat.cversion'),
    aversion: r.readInt('Stat.aversion'),
    ephemeralOwner: r.readLong('Stat.ephemeralOwner'),
    dataLength: r.readInt('Stat.dataLength'),
    numChildren: r.readInt('Stat.numChildren'),
    pzxid: r.readLong('Stat.pzxid'),
  };
}

// ---------------------------------------------------------------- Id and ACL

export function writeId(w: JuteWriter, id: Id): void {
  w.writeUstring(id.scheme);
  w.writeUstring(id.id);
}

export function readId(r: JuteReader): Id {
  return { scheme: r.readString('Id.scheme'), id: r.readString('Id.id') };
}

export function writeAcl(w: JuteWriter, acl: Acl): void {
  w.writeInt(acl.perms);
  writeId(w, acl.id);
}

export function readAcl(r: JuteReader): Acl {
  const perms = r.readInt('ACL.perms');
  return { perms, id: readId(r) };
}

export function writeAclVector(w: JuteWriter, acl: readonly Acl[]): void {
  w.writeVector(acl, writeAcl);
}

export function readAclVector(r: JuteReader, field: string): Acl[] {
  return r.readVector(field, aclBytesMin, readAcl);
}

// ---------------------------------------------------------------- headers

export function writeRequestHeader(w: JuteWriter, header: RequestHeader): void {
  w.writeInt(header.xid);
  w.writeInt(header.type);
}

export function readRequestHeader(r: JuteReader): RequestHeader {
  return { xid: r.readInt('RequestHeader.xid'), type: r.readInt('RequestHeader.type') };
}

export function writeReplyHeader(w: JuteWriter, header: ReplyHeader): void {
  w.writeInt(header.xid);
  w.writeLong(header.zxid);
  w.writeInt(header.err);
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return {
    xid: r.readInt('ReplyHeader.xid'),
    zxid: r.readLong('ReplyHeader.zxid'),
    err: r.readInt('ReplyHeader.err'),
  };
}

/** MultiHeader{int type; boolean done; int err}: frames each op of multi / multiRead (reference §1.5). */
export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

export function writeMultiHeader(w: JuteWriter, header: MultiHeader): void {
  w.writeInt(header.type);
  w.writeBoolean(header.done);
  w.writeInt(header.err);
}

export function readMultiHeader(r: JuteReader): MultiHeader {
  return {
    type: r.readInt('MultiHeader.type'),
    done: r.readBoolean('MultiHeader.done'),
    err: r.readInt('MultiHeader.err'),
  };
}

/** The header that ends every multi request and response: {-1, true, -1}. */
export const multiDoneHeader: Readonly<MultiHeader> = { type: -1, done: true, err: -1 };

// ---------------------------------------------------------------- WatcherEvent

export function writeWatcherEvent(w: JuteWriter, event: WatcherEvent): void {
  w.writeInt(event.type);
  w.writeInt(event.state);
  w.writeUstring(event.path);
}

export function readWatcherEvent(r: JuteReader): WatcherEvent {
  return {
    type: r.readInt('WatcherEvent.type'),
    state: r.readInt('WatcherEvent.state'),
    path: r.readString('WatcherEvent.path'),
  };
}

// ---------------------------------------------------------------- handshake

/**
 * The readOnly byte is written only when `readOnly` is defined: an old-style
 * client (no trailing byte, 44 bytes) is mirrored exactly.
 */
export function writeConnectRequest(w: JuteWriter, request: ConnectRequest): void {
  w.writeInt(request.protocolVersion);
  w.writeLong(request.lastZxidSeen);
  w.writeInt(request.timeOutMs);
  w.writeLong(request.sessionId);
  w.writeBuffer(request.passwd);
  if (request.readOnly !== undefined) w.writeBoolean(request.readOnly);
}

/**
 * Reads the five fixed fields, then the readOnly byte only if a byte remains
 * (ProtocolManager: an old client's request ends after passwd). Trailing bytes
 * after readOnly are ignored, as the Java server ignores them.
 */
export function readConnectRequest(r: JuteReader): ConnectRequest {
  const protocolVersion = r.readInt('ConnectRequest.protocolVersion');
  const lastZxidSeen = r.readLong('ConnectRequest.lastZxidSeen');
  const timeOutMs = r.readInt('ConnectRequest.timeOut');
  const sessionId = r.readLong('ConnectRequest.sessionId');
  const passwd = r.readBufferNonNull('ConnectRequest.passwd');
  const readOnly = r.remaining > 0 ? r.readBoolean('ConnectRequest.readOnly') : undefined;
  return { protocolVersion, lastZxidSeen, timeOutMs, sessionId, passwd, readOnly };
}

/** The response mirrors the client's style: no readOnly byte when `readOnly === undefined`. */
export function writeConnectResponse(w: JuteWriter, response: ConnectResponse): void {
  w.writeInt(response.protocolVersion);
  w.writeInt(response.timeOutMs);
  w.writeLong(response.sessionId);
  w.writeBuffer(response.passwd);
  if (response.readOnly !== undefined) w.writeBoolean(response.readOnly);
}

export function readConnectResponse(r: JuteReader): ConnectResponse {
  const protocolVersion = r.readInt('ConnectResponse.protocolVersion');
  const timeOutMs = r.readInt('ConnectResponse.timeOut');
  const sessionId = r.readLong('ConnectResponse.sessionId');
  const passwd = r.readBufferNonNull('ConnectResponse.passwd');
  const readOnly = r.remaining > 0 ? r.readBoolean('ConnectResponse.readOnly') : undefined;
  return { protocolVersion, timeOutMs, sessionId, passwd, readOnly };
}

const connectWriter = new JuteWriter({ framed: true, initialBytes: 64 });

/** A whole ConnectRequest frame, 4-byte length prefix included (no RequestHeader). */
export function encodeConnectRequest(request: ConnectRequest): Uint8Array {
  connectWriter.reset();
  writeConnectRequest(connectWriter, request);
  return connectWriter.finish();
}

/** Decodes the first frame's body (length prefix removed). */
export function decodeConnectRequest(body: Uint8Array, options?: JuteReaderOptions): ConnectRequest {
  return readConnectRequest(new JuteReader(body, options));
}

/** A whole ConnectResponse frame, 4-byte length prefix included. */
export function encodeConnectResponse(response: ConnectResponse): Uint8Array {
  connectWriter.reset();
  writeConnectResponse(connectWriter, response);
  return connectWriter.finish();
}

export function decodeConnectResponse(body: Uint8Array, options?: JuteReaderOptions): ConnectResponse {
  return readConnectResponse(new JuteReader(body, options));
}

