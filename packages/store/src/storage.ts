import type { Snapshot } from './snapshot.ts';
import type { Txn } from './txn.ts';

/** What a member finds on start-up: the newest valid snapshot and the logged txns after it, in zxid order. */
export interface RecoveredState {
  snapshot: Snapshot | undefined;
  txns: Txn[];
  acceptedEpoch: number;
  currentEpoch: number;
}

/**
 * A member's durable storage: the transaction log, snapshots and the ZAB
 * epochs. Synchronous, so the engine stays a run-to-completion state machine;
 * an implementation that does real I/O does it inside these calls.
 *
 * The contract a crash test relies on: `append` may be lost by a crash until
 * the next `flush` returns; after `flush` returns, every appended txn
 * survives any crash.
 */
export interface Storage {
  /** Read everything back (once, at start-up). */
  recover(): RecoveredState;
  /** Add a txn to the log, after every txn already appended. Not yet durable. */
  append(txn: Txn): void;
  /** Make every appended txn durable. Cheap when nothing was appended since the last flush. */
  flush(): void;
  /** Persist a snapshot of the state at snapshot.lastZxid; later appends go after it. */
  saveSnapshot(snapshot: Snapshot): void;
  /**
   * Replace this member's whole state with a leader's snapshot (ZAB SNAP sync): afterwards the log is empty
   * and the history is the snapshot; durable when it returns. Crash-safe: a crash part-way leaves either
   * that, or the state before minus logged txns beyond the snapshot (history the leader never had), never
   * less than what was logged up to it.
   */
  installSnapshot(snapshot: Snapshot): void;
  /** Drop logged txns with zxid > `zxid` (ZAB TRUNC). Durable when it returns. */
  truncateAfter(zxid: bigint): void;
  /** The newest snapshot's zxid (0 without one): truncating below it cannot rebuild the state, so a sync sends a SNAP instead. */
  readonly snapshotZxid: bigint;
  /** Logged txns with zxid > `zxid`, in order (for DIFF sync). */
  readLogAfter(zxid: bigint): Txn[];
  setAcceptedEpoch(epoch: number): void;
  setCurrentEpoch(epoch: number): void;
  close(): void;
}
