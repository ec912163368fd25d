import type { Id, Request } from '@vivarium/protocol';
import type { WriteRequest } from './prepare.ts';

/** Which member took a request and which of its requests it was: the member that replies when the txn commits. */
export interface TxnOrigin {
  memberId: number;
  requestId: number;
}

/** A change the engine wants ordered into the replicated history. */
export type WriteOp =
  | { kind: 'request'; request: WriteRequest | Extract<Request, { type: 7 }> }
  | { kind: 'createSession'; sessionId: bigint; timeoutMs: number; passwd: Uint8Array }
  | { kind: 'closeSession'; sessionId: bigint }
  | { kind: 'deleteContainer'; path: string }
  /** A request that fails in the prep step after its txn header is stamped: logged as an error txn, it takes a zxid. */
  | { kind: 'fail'; err: number }
  /** A reconfig: checked and computed by the leader's prepare step (PrepRequestProcessor). */
  | { kind: 'reconfig'; request: Extract<Request, { type: 16 }> };

export interface WriteIntent {
  /** Undefined for the server's own writes (expiry, reaping). */
  origin: TxnOrigin | undefined;
  sessionId: bigint;
  authIds: readonly Id[];
  op: WriteOp;
}

/**
 * Orders writes. Standalone: prepare and commit at once. In a quorum: the
 * leader prepares and proposes, followers forward to the leader; either way
 * the txn comes back through Engine.applyCommitted on every member.
 */
export interface WriteCoordinator {
  submitWrite(intent: WriteIntent): void;
  /** A client's sync: call engine.completeSync(requestId) once this member has caught up with the leader. */
  submitSync(requestId: number): void;
  /**
   * A client is reattaching here: ask the leader whether the session is alive, and make this member its
   * owner (ZooKeeper's REVALIDATE). Answer with engine.completeRevalidation(requestId, valid). The client is
   * told only after the leader recorded the move, so no earlier message can undo it.
   */
  revalidate?(sessionId: bigint, requestId: number): void;
  /**
   * The leader only: whether a quorum of `voters` is connected and synced with it (this leader
   * counted when it is one of them), as ZooKeeper's Leader.isQuorumSynced checks a new configuration.
   */
  isQuorumSynced?(voters: readonly number[]): boolean;
}
