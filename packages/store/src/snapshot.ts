import type { Acl, Data } from '@vivarium/protocol';
import type { SessionRecord } from './database.ts';
import type { NodeKindValue } from './znode.ts';

/** Bumped whenever the shape below changes; readers refuse versions they do not know. */
export const snapshotFormatVersion = 1;

/** One znode as stored in a snapshot. Children are implied by paths. */
export interface SnapshotNode {
  path: string;
  data: Data;
  acl: Acl[];
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctimeMs: number;
  mtimeMs: number;
  version: number;
  storedCversion: number;
  aversion: number;
  kind: NodeKindValue;
  ephemeralOwner: bigint;
  ttlMs: number;
}

/**
 * The replicated state at one zxid: the tree (parents before children, children
 * in creation order) and the sessions. Plain data, so any codec can carry it.
 */
export interface Snapshot {
  formatVersion: number;
  lastZxid: bigint;
  nodes: SnapshotNode[];
  sessions: SessionRecord[];
}
