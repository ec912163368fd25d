/**
 * What a simulation records, as plain data for the checkers. Kept in step
 * with @vivarium/checker's History (which the checkers consume).
 */
export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'error'; code: number } | { kind: 'unknown' };

export type ZnodeOp =
  | { type: 'create'; path: string; data: string | null; sequential: boolean; ephemeral: boolean }
  | { type: 'delete'; path: string; version: number }
  | { type: 'setData'; path: string; data: string | null; version: number }
  | { type: 'getData'; path: string }
  | { type: 'exists'; path: string }
  | { type: 'check'; path: string; version: number };

export interface Operation {
  id: number;
  client: number;
  /** Session id in hex. */
  session: string;
  op: ZnodeOp | { type: 'multi'; ops: ZnodeOp[] } | { type: 'sync'; path: string };
  /** Simulated ms since the run started. */
  callMs: number;
  /** Infinity when it never returned. */
  returnMs: number;
  outcome: Outcome<unknown>;
  zxid?: bigint;
}

export interface MemberLog {
  member: number;
  committed: Array<{ zxid: bigint; fingerprint: string }>;
  establishedEpochs: Array<{ epoch: number; leader: number }>;
}

export interface History {
  seed: number;
  operations: Operation[];
  watches: unknown[];
  members: MemberLog[];
}
