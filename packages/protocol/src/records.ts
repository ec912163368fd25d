/**
 * The client protocol's records as plain data (zookeeper.jute), shared by the
 * jute codec, the store and the clients. 64-bit fields (zxids, session ids,
 * ephemeral owners) are bigints; millisecond times and TTLs are numbers.
 * Null data (jute buffer length -1) is `null`, distinct from an empty array.
 */
import type { OpCode } from './op-codes.ts';

export type Data = Uint8Array | null;

export interface Id {
  scheme: string;
  id: string;
}

export interface Acl {
  perms: number;
  id: Id;
}

export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

// ---------------------------------------------------------------- handshake

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeOutMs: number;
  sessionId: bigint;
  passwd: Uint8Array;
  /** Absent when the client is old-style (no trailing readOnly byte). */
  readOnly: boolean | undefined;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOutMs: number;
  sessionId: bigint;
  passwd: Uint8Array;
  /** Absent when answering an old-style client. */
  readOnly: boolean | undefined;
}

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

// ---------------------------------------------------------------- requests

export interface CreateRequest {
  type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
  path: string;
  data: Data;
  acl: Acl[];
  flags: number;
}
export interface CreateTtlRequest {
  type: typeof OpCode.createTtl;
  path: string;
  data: Data;
  acl: Acl[];
  flags: number;
  ttl: number;
}
export interface DeleteRequest { type: typeof OpCode.delete; path: string; version: number }
export interface DeleteContainerRequest { type: typeof OpCode.deleteContainer; path: string }
export interface ExistsRequest { type: typeof OpCode.exists; path: string; watch: boolean }
export interface GetDataRequest { type: typeof OpCode.getData; path: string; watch: boolean }
export interface SetDataRequest { type: typeof OpCode.setData; path: string; data: Data; version: number }
export interface GetAclRequest { type: typeof OpCode.getAcl; path: string }
export interface SetAclRequest { type: typeof OpCode.setAcl; path: string; acl: Acl[]; version: number }
export interface GetChildrenRequest {
  type: typeof OpCode.getChildren | typeof OpCode.getChildren2;
  path: string;
  watch: boolean;
}
export interface SyncRequest { type: typeof OpCode.sync; path: string }
export interface CheckVersionRequest { type: typeof OpCode.check; path: string; version: number }
export interface PingRequest { type: typeof OpCode.ping }
export interface CloseSessionRequest { type: typeof OpCode.closeSession }
export interface ReconfigRequest {
  type: typeof OpCode.reconfig;
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: bigint;
}
export interface CheckWatchesRequest { type: typeof OpCode.checkWatches; path: string; watcherType: number }
export interface RemoveWatchesRequest { type: typeof OpCode.removeWatches; path: string; watcherType: number }
export interface AuthRequest { type: typeof OpCode.auth; authType: number; scheme: string; auth: Uint8Array }
export interface SetWatchesRequest {
  type: typeof OpCode.setWatches;
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}
export interface SetWatches2Request {
  type: typeof OpCode.setWatches2;
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
export interface SaslRequest { type: typeof OpCode.sasl; token: Uint8Array }
export interface GetEphemeralsRequest { type: typeof OpCode.getEphemerals; prefixPath: string }
export interface GetAllChildrenNumberRequest { type: typeof OpCode.getAllChildrenNumber; path: string }
export interface AddWatchRequest { type: typeof OpCode.addWatch; path: string; mode: number }
export interface WhoAmIRequest { type: typeof OpCode.whoAmI }

/** An op allowed inside a write multi. */
export type MultiWriteOp =
  | CreateRequest
  | CreateTtlRequest
  | DeleteRequest
  | SetDataRequest
  | CheckVersionRequest;

/** An op allowed inside multiRead. */
export type MultiReadOp = GetDataRequest | (GetChildrenRequest & { type: typeof OpCode.getChildren });

export interface MultiRequest { type: typeof OpCode.multi; ops: MultiWriteOp[] }
export interface MultiReadRequest { type: typeof OpCode.multiRead; ops: MultiReadOp[] }

export type Request =
  | CreateRequest
  | CreateTtlRequest
  | DeleteRequest
  | DeleteContainerRequest
  | ExistsRequest
  | GetDataRequest
  | SetDataRequest
  | GetAclRequest
  | SetAclRequest
  | GetChildrenRequest
  | SyncRequest
  | CheckVersionRequest
  | PingRequest
  | CloseSessionRequest
  | ReconfigRequest
  | CheckWatchesRequest
  | RemoveWatchesRequest
  | AuthRequest
  | SetWatchesRequest
  | SetWatches2Request
  | SaslRequest
  | GetEphemeralsRequest
  | GetAllChildrenNumberRequest
  | AddWatchRequest
  | WhoAmIRequest
  | MultiRequest
  | MultiReadRequest;

export type RequestType = Request['type'];

// ---------------------------------------------------------------- responses

export interface CreateResponse { path: string }
export interface Create2Response { path: string; stat: Stat }
export interface ExistsResponse { stat: Stat }
export interface GetDataResponse { data: Data; stat: Stat }
export interface SetDataResponse { stat: Stat }
export interface GetAclResponse { acl: Acl[]; stat: Stat }
export interface SetAclResponse { stat: Stat }
export interface GetChildrenResponse { children: string[] }
export interface GetChildren2Response { children: string[]; stat: Stat }
export interface SyncResponse { path: string }
export interface GetEphemeralsResponse { ephemerals: string[] }
export interface GetAllChildrenNumberResponse { totalNumber: number }
export interface WhoAmIResponse { clientInfo: Id[] }
/** A server without SASL answers a null token (ZooKeeperServer.processSasl). */
export interface SaslResponse { token: Data }
export interface ErrorResponse { err: number }

/** One entry of a MultiResponse. `type` is the sub-op's type, or -1 for an error. */
export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.check }
  | { type: typeof OpCode.getData; data: Data; stat: Stat }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.error; err: number };

export interface MultiResponse { results: MultiResult[] }

/**
 * The body of a successful reply, by request type. Requests with no reply body
 * (delete, setWatches, checkWatches, removeWatches, closeSession, ping, auth) map to `undefined`.
 */
export interface ResponseByType {
  [OpCode.create]: CreateResponse;
  [OpCode.create2]: Create2Response;
  [OpCode.createContainer]: Create2Response;
  [OpCode.createTtl]: Create2Response;
  [OpCode.delete]: undefined;
  [OpCode.deleteContainer]: undefined;
  [OpCode.exists]: ExistsResponse;
  [OpCode.getData]: GetDataResponse;
  [OpCode.setData]: SetDataResponse;
  [OpCode.getAcl]: GetAclResponse;
  [OpCode.setAcl]: SetAclResponse;
  [OpCode.getChildren]: GetChildrenResponse;
  [OpCode.getChildren2]: GetChildren2Response;
  [OpCode.sync]: SyncResponse;
  [OpCode.check]: undefined;
  [OpCode.ping]: undefined;
  [OpCode.closeSession]: undefined;
  [OpCode.reconfig]: GetDataResponse;
  [OpCode.checkWatches]: undefined;
  [OpCode.removeWatches]: undefined;
  [OpCode.auth]: undefined;
  [OpCode.setWatches]: undefined;
  [OpCode.setWatches2]: undefined;
  [OpCode.sasl]: SaslResponse;
  [OpCode.getEphemerals]: GetEphemeralsResponse;
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse;
  [OpCode.addWatch]: ErrorResponse;
  [OpCode.whoAmI]: WhoAmIResponse;
  [OpCode.multi]: MultiResponse;
  [OpCode.multiRead]: MultiResponse;
}

export type Response = ResponseByType[RequestType];
