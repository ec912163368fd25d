import type { Acl, Data, Stat } from '@vivarium/protocol';

/**
 * What kind of node this is. ZooKeeper packs this into ephemeralOwner
 * (session id, Long.MIN_VALUE for containers, 0xFF.. | ttl for TTL nodes);
 * we keep it explicit and report ephemeralOwner as ZooKeeper's copyStat does.
 */
export const NodeKind = {
  persistent: 0,
  ephemeral: 1,
  container: 2,
  ttl: 3,
} as const;
export type NodeKindValue = (typeof NodeKind)[keyof typeof NodeKind];

/** One znode. Mutated only by DataTree while applying a txn. */
export interface ZNode {
  data: Data;
  acl: readonly Acl[];
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctimeMs: number;
  mtimeMs: number;
  version: number;
  /** Number of child creations ever (ZooKeeper's stored cversion); clients see 2*this - numChildren. */
  storedCversion: number;
  aversion: number;
  kind: NodeKindValue;
  /** The owning session for ephemerals, 0n otherwise. */
  ephemeralOwner: bigint;
  /** TTL in ms for TTL nodes, 0 otherwise. */
  ttlMs: number;
  /** Child names in creation order. */
  children: Set<string>;
}

export function dataLengthOf(data: Data): number {
  return data === null ? 0 : data.length;
}

/** The client-visible Stat of a node (DataNode.copyStat). */
export function statOf(node: ZNode): Stat {
  const numChildren = node.children.size;
  return {
    czxid: node.czxid,
    mzxid: node.mzxid,
    ctime: node.ctimeMs,
    mtime: node.mtimeMs,
    version: node.version,
    cversion: (node.storedCversion * 2 - numChildren) | 0,
    aversion: node.aversion,
    // Containers and TTL nodes report 0, as copyStat does.
    ephemeralOwner: node.kind === NodeKind.ephemeral ? node.ephemeralOwner : 0n,
    dataLength: dataLengthOf(node.data),
    numChildren,
    pzxid: node.pzxid,
  };
}
