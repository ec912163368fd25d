/**
 * Client requests: RequestHeader + body for every opcode a 3.4 to 3.9 client
 * sends (zookeeper.jute; reference §1.4 and §1.5). Servers call
 * `decodeRequest`, clients call `encodeRequest`.
 *
 * An unknown opcode decodes as far as the header and comes back with
 * `request: undefined`, so the server can answer UNIMPLEMENTED (-6) with the
 * request's xid. A known opcode whose body does not parse throws
 * JuteDecodeError. Bytes after a complete body are ignored, as the Java
 * server ignores them.
 */
import { JuteDecodeError } from './jute-decode-error.ts';
import { JuteReader } from './jute-reader.ts';
import type { JuteReaderOptions } from './jute-reader.ts';
import { JuteWriter } from './jute-writer.ts';
import { OpCode } from './op-codes.ts';
import {
  multiDoneHeader,
  readAclVector,
  readMultiHeader,
  readRequestHeader,
  writeAclVector,
  writeMultiHeader,
  writeRequestHeader,
} from './record-codec.ts';
import type {
  CreateRequest,
  CreateTtlRequest,
  MultiReadOp,
  MultiWriteOp,
  Request,
  RequestHeader,
  RequestType,
} from './records.ts';

export interface DecodedRequest {
  header: RequestHeader;
  /**
   * The decoded request, or undefined when `header.type` is not a request
   * type this codec knows (including 0, -1 and -10): answer UNIMPLEMENTED.
   */
  request: Request | undefined;
}

const requestTypes: ReadonlySet<number> = new Set<number>([
  OpCode.create, OpCode.delete, OpCode.exists, OpCode.getData, OpCode.setData, OpCode.getAcl,
  OpCode.setAcl, OpCode.getChildren, OpCode.sync, OpCode.ping, OpCode.getChildren2, OpCode.check,
  OpCode.multi, OpCode.create2, OpCode.reconfig, OpCode.checkWatches, OpCode.removeWatches,
  OpCode.createContainer, OpCode.deleteContainer, OpCode.createTtl, OpCode.multiRead, OpCode.auth,
  OpCode.setWatches, OpCode.sasl, OpCode.getEphemerals, OpCode.getAllChildrenNumber,
  OpCode.setWatches2, OpCode.addWatch, OpCode.whoAmI, OpCode.closeSession,
]);

/** True for every `Request['type']`: the opcodes `decodeRequest` decodes. */
export function isRequestType(type: number): type is RequestType {
  return requestTypes.has(type);
}

// ---------------------------------------------------------------- encode

function writeCreateBody(w: JuteWriter, request: CreateRequest | CreateTtlRequest): void {
  w.writeUstring(request.path);
  w.writeBuffer(request.data);
  writeAclVector(w, request.acl);
  w.writeInt(request.flags);
}

function writeMultiOps(w: JuteWriter, ops: readonly (MultiWriteOp | MultiReadOp)[]): void {
  for (const op of ops) {
    writeMultiHeader(w, { type: op.type, done: false, err: -1 });
    writeRequestBody(w, op);
  }
  writeMultiHeader(w, multiDoneHeader);
}

/** Writes a request's body (no header). */
export function writeRequestBody(w: JuteWriter, request: Request): void {
  switch (request.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      writeCreateBody(w, request);
      return;
    case OpCode.createTtl:
      writeCreateBody(w, request);
      w.writeLongNumber(request.ttl);
      return;
    case OpCode.delete:
    case OpCode.check:
      w.writeUstring(request.path);
      w.writeInt(request.version);
      return;
    case OpCode.deleteContainer:
      // DeleteContainerRequest{buffer path}: a buffer has the same bytes as a ustring.
      w.writeUstring(request.path);
      return;
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      w.writeUstring(request.path);
      w.writeBoolean(request.watch);
      return;
    case OpCode.setData:
      w.writeUstring(request.path);
      w.writeBuffer(request.data);
      w.writeInt(request.version);
      return;
    case OpCode.getAcl:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      w.writeUstring(request.path);
      return;
    case OpCode.setAcl:
      w.writeUstring(request.path);
      writeAclVector(w, request.acl);
      w.writeInt(request.version);
      return;
    case OpCode.ping:
    case OpCode.closeSession:
    case OpCode.whoAmI:
      return;
    case OpCode.reconfig:
      w.writeUstring(request.joiningServers);
      w.writeUstring(request.leavingServers);
      w.writeUstring(request.newMembers);
      w.writeLong(request.curConfigId);
      return;
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      w.writeUstring(request.path);
      w.writeInt(request.watcherType);
      return;
    case OpCode.auth:
      w.writeInt(request.authType);
      w.writeUstring(request.scheme);
      w.writeBuffer(request.auth);
      return;
    case OpCode.setWatches:
      w.writeLong(request.relativeZxid);
      w.writeStringVector(request.dataWatches);
      w.writeStringVector(request.existWatches);
      w.writeStringVector(request.childWatches);
      return;
    case OpCode.setWatches2:
      w.writeLong(request.relativeZxid);
      w.writeStringVector(request.dataWatches);
      w.writeStringVector(request.existWatches);
      w.writeStringVector(request.childWatches);
      w.writeStringVector(request.persistentWatches);
      w.writeStringVector(request.persistentRecursiveWatches);
      return;
    case OpCode.sasl:
      w.writeBuffer(request.token);
      return;
    case OpCode.getEphemerals:
      w.writeUstring(request.prefixPath);
      return;
    case OpCode.addWatch:
      w.writeUstring(request.path);
      w.writeInt(request.mode);
      return;
    case OpCode.multi:
    case OpCode.multiRead:
      writeMultiOps(w, request.ops);
      return;
    default: {
      const unknown: never = request;
      throw new RangeError(`writeRequestBody: unknown request type ${(unknown as { type: unknown }).type}`);
    }
  }
}

const requestWriter = new JuteWriter({ framed: true });

/** A whole request frame: 4-byte length, RequestHeader{xid, request.type}, body. */
export function encodeRequest(xid: number, request: Request): Uint8Array {
  const w = requestWriter;
  w.reset();
  writeRequestHeader(w, { xid, type: request.type });
  writeRequestBody(w, request);
  return w.finish();
}

// ---------------------------------------------------------------- decode

function readCreateFields(r: JuteReader, record: string): Omit<CreateRequest, 'type'> {
  const path = r.readString(`${record}.path`);
  const data = r.readBuffer(`${record}.data`);
  const acl = readAclVector(r, `${record}.acl`);
  const flags = r.readInt(`${record}.flags`);
  return { path, data, acl, flags };
}

const multiWriteOpTypes: ReadonlySet<number> = new Set<number>([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTtl,
  OpCode.delete, OpCode.setData, OpCode.check,
]);
const multiReadOpTypes: ReadonlySet<number> = new Set<number>([OpCode.getData, OpCode.getChildren]);

/** Reads `(MultiHeader + op)*` up to the header with done=true (MultiOperationRecord.deserialize). */
function readMultiOps(r: JuteReader, allowed: ReadonlySet<number>, record: string): Request[] {
  const ops: Request[] = [];
  for (;;) {
    const at = r.offset;
    const header = readMultiHeader(r);
    if (header.done) return ops;
    if (!allowed.has(header.type)) {
      throw new JuteDecodeError(`${record}.ops[${ops.length}].type`, at, `op type ${header.type} is not allowed in ${record}`);
    }
    // Every allowed type is a known request type, so this is never undefined.
    ops.push(readRequestBody(r, header.type) as Request);
  }
}

/**
 * Reads the body of a request of the given type. Returns undefined for a type
 * that is not a known request type (the reader is left after the header).
 */
export function readRequestBody(r: JuteReader, type: number): Request | undefined {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return { type, ...readCreateFields(r, 'CreateRequest') };
    case OpCode.createTtl: {
      const fields = readCreateFields(r, 'CreateTTLRequest');
      return { type, ...fields, ttl: r.readLongNumber('CreateTTLRequest.ttl') };
    }
    case OpCode.delete:
      return { type, path: r.readString('DeleteRequest.path'), version: r.readInt('DeleteRequest.version') };
    case OpCode.check:
      return { type, path: r.readString('CheckVersionRequest.path'), version: r.readInt('CheckVersionRequest.version') };
    case OpCode.deleteContainer:
      return { type, path: r.readString('DeleteContainerRequest.path') };
    case OpCode.exists:
      return { type, path: r.readString('ExistsRequest.path'), watch: r.readBoolean('ExistsRequest.watch') };
    case OpCode.getData:
      return { type, path: r.readString('GetDataRequest.path'), watch: r.readBoolean('GetDataRequest.watch') };
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return { type, path: r.readString('GetChildrenRequest.path'), watch: r.readBoolean('GetChildrenRequest.watch') };
    case OpCode.setData:
      return {
        type,
        path: r.readString('SetDataRequest.path'),
        data: r.readBuffer('SetDataRequest.data'),
        version: r.readInt('SetDataRequest.version'),
      };
    case OpCode.getAcl:
      return { type, path: r.readString('GetACLRequest.path') };
    case OpCode.setAcl:
      return {
        type,
        path: r.readString('SetACLRequest.path'),
        acl: readAclVector(r, 'SetACLRequest.acl'),
        version: r.readInt('SetACLRequest.version'),
      };
    case OpCode.sync:
      return { type, path: r.readString('SyncRequest.path') };
    case OpCode.ping:
    case OpCode.closeSession:
    case OpCode.whoAmI:
      return { type };
    case OpCode.reconfig:
      return {
        type,
        joiningServers: r.readUstring('ReconfigRequest.joiningServers'),
        leavingServers: r.readUstring('ReconfigRequest.leavingServers'),
        newMembers: r.readUstring('ReconfigRequest.newMembers'),
        curConfigId: r.readLong('ReconfigRequest.curConfigId'),
      };
    case OpCode.checkWatches:
      return { type, path: r.readString('CheckWatchesRequest.path'), watcherType: r.readInt('CheckWatchesRequest.type') };
    case OpCode.removeWatches:
      return { type, path: r.readString('RemoveWatchesRequest.path'), watcherType: r.readInt('RemoveWatchesRequest.type') };
    case OpCode.auth:
      return {
        type,
        authType: r.readInt('AuthPacket.type'),
        scheme: r.readString('AuthPacket.scheme'),
        auth: r.readBufferNonNull('AuthPacket.auth'),
      };
    case OpCode.setWatches:
      return {
        type,
        relativeZxid: r.readLong('SetWatches.relativeZxid'),
        dataWatches: r.readStringVector('SetWatches.dataWatches'),
        existWatches: r.readStringVector('SetWatches.existWatches'),
        childWatches: r.readStringVector('SetWatches.childWatches'),
      };
    case OpCode.setWatches2:
      return {
        type,
        relativeZxid: r.readLong('SetWatches2.relativeZxid'),
        dataWatches: r.readStringVector('SetWatches2.dataWatches'),
        existWatches: r.readStringVector('SetWatches2.existWatches'),
        childWatches: r.readStringVector('SetWatches2.childWatches'),
        persistentWatches: r.readStringVector('SetWatches2.persistentWatches'),
        persistentRecursiveWatches: r.readStringVector('SetWatches2.persistentRecursiveWatches'),
      };
    case OpCode.sasl:
      return { type, token: r.readBufferNonNull('GetSASLRequest.token') };
    case OpCode.getEphemerals:
      return { type, prefixPath: r.readString('GetEphemeralsRequest.prefixPath') };
    case OpCode.getAllChildrenNumber:
      return { type, path: r.readString('GetAllChildrenNumberRequest.path') };
    case OpCode.addWatch:
      return { type, path: r.readString('AddWatchRequest.path'), mode: r.readInt('AddWatchRequest.mode') };
    case OpCode.multi:
      return { type, ops: readMultiOps(r, multiWriteOpTypes, 'multi') as MultiWriteOp[] };
    case OpCode.multiRead:
      return { type, ops: readMultiOps(r, multiReadOpTypes, 'multiRead') as MultiReadOp[] };
    default:
      return undefined;
  }
}

/**
 * Decodes a request frame body (length prefix removed). Throws
 * JuteDecodeError when the header or a known opcode's body does not parse.
 */
export function decodeRequest(body: Uint8Array, options?: JuteReaderOptions): DecodedRequest {
  const r = new JuteReader(body, options);
  const header = readRequestHeader(r);
  return { header, request: readRequestBody(r, header.type) };
}
