/**
 * The recorded history of one simulation run: plain data, produced by the simulation runner and
 * consumed by the checkers. Times are simulated milliseconds (any origin, one clock for the whole
 * history); zxids are bigints; session ids are hex strings.
 *
 * Example (two clients; client 1's setData timed out and may or may not have been applied):
 *
 * ```ts
 * const history: History = {
 *   seed: 42,
 *   operations: [
 *     { id: 1, client: 0, session: '100000a1', op: { type: 'create', path: '/a', data: 'x', sequential: false, ephemeral: false },
 *       callMs: 0, returnMs: 3, outcome: { kind: 'ok', value: '/a' }, zxid: 0x100000002n },
 *     { id: 2, client: 1, session: '200000b7', op: { type: 'setData', path: '/a', data: 'y', version: 0 },
 *       callMs: 4, returnMs: Infinity, outcome: { kind: 'unknown' } },
 *     { id: 3, client: 0, session: '100000a1', op: { type: 'getData', path: '/a', watch: true },
 *       callMs: 5, returnMs: 6, outcome: { kind: 'ok', value: { data: 'y', version: 1 } }, zxid: 0x100000003n },
 *     { id: 4, client: 0, session: '100000a1', op: { type: 'multi', ops: [
 *         { type: 'check', path: '/a', version: 1 },
 *         { type: 'create', path: '/q/s-', data: null, sequential: true, ephemeral: true } ] },
 *       callMs: 7, returnMs: 9, outcome: { kind: 'ok', value: [null, '/q/s-0000000000'] }, zxid: 0x100000004n },
 *     { id: 5, client: 1, session: '200000b7', op: { type: 'delete', path: '/a', version: 0 },
 *       callMs: 8, returnMs: 10, outcome: { kind: 'error', code: -103 } },
 *   ],
 *   watchEvents: [],
 *   sessions: [{ session: '100000a1', client: 0 }, { session: '200000b7', client: 1, expiredAtMs: 30 }],
 *   members: [
 *     { member: 1, establishedEpochs: [{ epoch: 1, leader: 1 }], committed: [
 *       { zxid: 0x100000001n, fingerprint: 'createSession 100000a1' }, { zxid: 0x100000002n, fingerprint: 'create /a' },
 *       { zxid: 0x100000003n, fingerprint: 'setData /a' }, { zxid: 0x100000004n, fingerprint: 'multi' },
 *       { zxid: 0x100000005n, fingerprint: 'error -103' } ] },
 *   ],
 *   initialNodes: [{ path: '/q', data: null, version: 0 }],
 *   finalEphemerals: [{ path: '/q/s-0000000000', owner: '100000a1' }],
 * };
 * ```
 */

/**
 * What an operation returned. `unknown`: the client cannot tell whether it took effect (timeout,
 * connection loss, expiry while it was outstanding); the checkers treat it as possibly applied, at any
 * time after its call (by default before its session's next answered op), or never. Error codes are ZooKeeper's (`ErrorCode` in @vivarium/protocol).
 * The checkers also treat the error codes in `maybeAppliedErrorCodes` (connection loss, operation timeout,
 * session expired, session moved, request timeout) as `unknown`.
 */
export type Outcome<T> =
  | { kind: 'ok'; value: T }
  /** `failedIndex`: for a multi, the index of the sub-op that failed (optional; the checker derives it otherwise). */
  | { kind: 'error'; code: number; failedIndex?: number }
  | { kind: 'unknown' };

/**
 * One znode operation. The `ok` value each produces:
 * - create: the created path (string). For a sequential create it must be the path with its suffix;
 *   inside a multi a non-sequential create may report null.
 *   `container` / `ttl`: the server may delete the node on its own (reaper), at any time after creation.
 * - delete: null
 * - setData: `{ version }`, the node's new version (a whole Stat is fine: only `version` is read)
 * - getData: `{ data, version }`
 * - exists: `{ version }` when the node exists, null when not (an error outcome with NONODE means the same)
 * - getChildren: the child names (string[]); used by the watch checker only
 * - check: null (multi only)
 *
 * `watch`: the read asked for a (one-shot) watch. exists registers one whether or not the node exists;
 * getData and getChildren only when they succeed.
 */
export type ZnodeOp =
  | { type: 'create'; path: string; data: string | null; sequential: boolean; ephemeral: boolean; container?: boolean; ttl?: boolean }
  | { type: 'delete'; path: string; version: number }
  | { type: 'setData'; path: string; data: string | null; version: number }
  | { type: 'getData'; path: string; watch?: boolean }
  | { type: 'exists'; path: string; watch?: boolean }
  | { type: 'getChildren'; path: string; watch?: boolean }
  | { type: 'check'; path: string; version: number };

/** The sub-operations a (write) multi may hold. */
export type MultiSubOp = Extract<ZnodeOp, { type: 'create' | 'delete' | 'setData' | 'check' }>;

/**
 * A multi's ok value: one entry per sub-op, in order, with the sub-op's ok value (create: path or null,
 * delete and check: null, setData: `{ version }`). A failed multi is `{ kind: 'error', code }` with the code of
 * the sub-op that failed (the first whose result is neither 0 nor RUNTIMEINCONSISTENCY), as the client reports it.
 */
export type MultiValue = Array<string | null | { version: number }>;

export type OperationBody = ZnodeOp | { type: 'multi'; ops: MultiSubOp[] } | { type: 'sync'; path: string };

export interface Operation {
  /** Unique within the history; messages name operations as `#id`. */
  id: number;
  client: number;
  /** The session that issued it, as hex. */
  session: string;
  op: OperationBody;
  /** When the client issued it. */
  callMs: number;
  /** When the client learned the outcome; Infinity when it never returned. */
  returnMs: number;
  outcome: Outcome<unknown>;
  /** The zxid in the reply header, when known (reads and errors report the last zxid the server had processed). */
  zxid?: bigint;
}

/**
 * A watch notification delivered to a client (node events only: NodeCreated 1, NodeDeleted 2,
 * NodeDataChanged 3, NodeChildrenChanged 4). Registrations are the history's reads with `watch: true`.
 * List events in the order each client received them.
 */
export interface WatchEvent {
  client: number;
  session: string;
  path: string;
  /** `EventType` from @vivarium/protocol. */
  type: number;
  /** When the client received it. */
  atMs: number;
}

export interface SessionRecord {
  session: string;
  client: number;
  /** When the client's close() returned: the closeSession txn committed, so its ephemerals are gone by then. */
  closedAtMs?: number;
  /**
   * When the client was told the session expired. Its ephemerals go, but not necessarily by then (the
   * leader can refuse the session before its closeSession txn commits). An op failing with SESSIONEXPIRED
   * counts the same.
   */
  expiredAtMs?: number;
}

export interface MemberLog {
  member: number;
  /**
   * The txns this member committed (applied), in the order it first applied them; entries a restart
   * replays from the member's own storage are not listed again. `fingerprint`: any string that is equal
   * for equal txns (zxid, type, body).
   */
  committed: Array<{ zxid: bigint; fingerprint: string }>;
  /** Epochs this member saw established, with their leader (as leader or as follower). */
  establishedEpochs: Array<{ epoch: number; leader: number }>;
  /** Zxids of snapshots this member installed from a leader (SNAP sync): committed entries up to one may be missing. */
  snapshotZxids?: bigint[];
}

export interface History {
  seed: number;
  operations: Operation[];
  /** Delivered watch notifications; empty when the run did not watch. */
  watchEvents: WatchEvent[];
  /** Every session the history's clients used; sessions missing here are taken as never known to have ended. */
  sessions: SessionRecord[];
  members: MemberLog[];
  /** Nodes that existed before the first operation (besides `/`, which always exists). Default: none. */
  initialNodes?: Array<{ path: string; data: string | null; version: number }>;
  /** The ephemeral nodes in the (healed, caught-up) tree at the end, with their owner session in hex. */
  finalEphemerals?: Array<{ path: string; owner: string }>;
}
