import type { Acl, Data } from '@vivarium/protocol';
import type { NodeKindValue } from './znode.ts';

/**
 * A transaction: everything non-deterministic (zxid, time, session ids,
 * sequence numbers, passwords) is captured here by the prepare step, so that
 * applying it is a pure function of the txn and the tree (DESIGN rule 3).
 * Plain data only: txns are logged and sent between members.
 */
export interface Txn {
  zxid: bigint;
  timeMs: number;
  /** The session that issued the request (0n for the server's own txns, e.g. reaping). */
  sessionId: bigint;
  body: TxnBody;
  /** The member and request it came from, so that member can reply once it commits. */
  origin?: { memberId: number; requestId: number } | undefined;
}

export interface CreateTxn {
  type: 'create';
  path: string;
  data: Data;
  acl: Acl[];
  kind: NodeKindValue;
  ephemeralOwner: bigint;
  ttlMs: number;
  /** The parent's stored cversion after this create (ZooKeeper's CreateTxn.parentCVersion). */
  parentCversion: number;
}

export interface DeleteTxn {
  type: 'delete';
  path: string;
}

export interface SetDataTxn {
  type: 'setData';
  path: string;
  data: Data;
  version: number;
}

export interface SetAclTxn {
  type: 'setAcl';
  path: string;
  acl: Acl[];
  aversion: number;
}

/** A version check inside a multi: changes nothing. */
export interface CheckTxn {
  type: 'check';
  path: string;
}

export interface CreateSessionTxn {
  type: 'createSession';
  sessionId: bigint;
  timeoutMs: number;
  passwd: Uint8Array;
}

export interface CloseSessionTxn {
  type: 'closeSession';
  sessionId: bigint;
  /** The session's ephemerals at prepare time, deleted in this order. */
  ephemeralPaths: string[];
}

/** A failed write: still takes a zxid, as in ZooKeeper. */
export interface ErrorTxn {
  type: 'error';
  err: number;
}

export type MultiSubTxn = CreateTxn | DeleteTxn | SetDataTxn | CheckTxn | ErrorTxn;

/**
 * A multi. When it failed, every op is an ErrorTxn: 0 before the failing op,
 * the real code at it, -2 (RUNTIMEINCONSISTENCY) after it.
 */
export interface MultiTxn {
  type: 'multi';
  ops: MultiSubTxn[];
}

/**
 * A committed reconfiguration (ZooKeeper's reconfig SetDataTxn on /zookeeper/config):
 * the new member lines, `server.N=host:port:port:role;clientHost:clientPort`, by id.
 * The configuration's version is the txn's zxid.
 */
export interface ReconfigTxn {
  type: 'reconfig';
  servers: string[];
}

export type TxnBody =
  | ReconfigTxn
  | CreateTxn
  | DeleteTxn
  | SetDataTxn
  | SetAclTxn
  | CreateSessionTxn
  | CloseSessionTxn
  | ErrorTxn
  | MultiTxn;

export function isFailedMulti(body: MultiTxn): boolean {
  return body.ops.some((op) => op.type === 'error');
}
