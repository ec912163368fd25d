import type { Acl } from '@vivarium/protocol';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import type { DataTree } from './data-tree.ts';
import type { NodeKindValue } from './znode.ts';

/**
 * What prepare needs to know about a node (ZooKeeper's ChangeRecord): the
 * committed tree overlaid with changes prepared but not yet applied, so the
 * ops of a multi (and, in a quorum, requests in flight) see earlier ones.
 */
export interface NodeRecord {
  version: number;
  aversion: number;
  storedCversion: number;
  childCount: number;
  kind: NodeKindValue;
  ephemeralOwner: bigint;
  acl: readonly Acl[];
}

export class PendingChanges {
  /** path -> the node as it will be, or null when it will be deleted. Insertion-ordered. */
  private readonly records = new Map<string, NodeRecord | null>();
  /** path -> the zxid of the txn that last changed it here, so a commit can retire it. */
  private readonly zxidByPath = new Map<string, bigint>();
  /** Every change in zxid order, so retiring pops from the head instead of scanning everything. */
  private readonly changeLog: Array<{ zxid: bigint; path: string }> = [];
  private changeLogHead = 0;
  /** The zxid that `set`/`markDeleted` stamp onto records. */
  currentZxid = 0n;
  private readonly tree: DataTree;

  constructor(tree: DataTree) {
    this.tree = tree;
  }

  get size(): number {
    return this.records.size;
  }

  /** The node at `path`, or undefined when it does not (or will not) exist. */
  find(path: string): NodeRecord | undefined {
    const pending = this.records.get(path);
    if (pending !== undefined) return pending ?? undefined;
    const node = this.tree.get(path);
    if (node === undefined) return undefined;
    return {
      version: node.version,
      aversion: node.aversion,
      storedCversion: node.storedCversion,
      childCount: node.children.size,
      kind: node.kind,
      ephemeralOwner: node.ephemeralOwner,
      acl: node.acl,
    };
  }

  /** The node at `path`, or NONODE. */
  get(path: string): NodeRecord {
    const record = this.find(path);
    if (record === undefined) throw new ZooKeeperError(ErrorCode.noNode, { path });
    return record;
  }

  set(path: string, record: NodeRecord): void {
    this.records.set(path, record);
    this.noteChange(path);
  }

  markDeleted(path: string): void {
    this.records.set(path, null);
    this.noteChange(path);
  }

  private noteChange(path: string): void {
    this.zxidByPath.set(path, this.currentZxid);
    this.changeLog.push({ zxid: this.currentZxid, path });
  }

  /**
   * The txn `zxid` is now in the tree: records it (or an earlier txn) made are
   * the tree's truth now, so drop them (ZooKeeper's outstandingChanges cleanup).
   */
  retireUpTo(zxid: bigint): void {
    while (this.changeLogHead < this.changeLog.length) {
      const change = this.changeLog[this.changeLogHead] as { zxid: bigint; path: string };
      if (change.zxid > zxid) break;
      this.changeLogHead++;
      // Only the path's latest change retires it; a later change to the same path keeps it pending.
      if (this.zxidByPath.get(change.path) === change.zxid) {
        this.zxidByPath.delete(change.path);
        this.records.delete(change.path);
      }
    }
    if (this.changeLogHead > 1024 && this.changeLogHead * 2 > this.changeLog.length) {
      this.changeLog.splice(0, this.changeLogHead);
      this.changeLogHead = 0;
    }
  }

  /** Pending creates and deletes of ephemerals owned by `sessionId`, for closeSession. */
  ephemeralChangesOf(sessionId: bigint): { created: string[]; deleted: string[] } {
    const created: string[] = [];
    const deleted: string[] = [];
    for (const [path, record] of this.records) {
      if (record === null) deleted.push(path);
      else if (record.ephemeralOwner === sessionId) created.push(path);
    }
    return { created, deleted };
  }

  clear(): void {
    this.records.clear();
    this.zxidByPath.clear();
    this.changeLog.length = 0;
    this.changeLogHead = 0;
  }

  /** A copy to roll back to when a multi fails half-way. */
  snapshot(): { records: Map<string, NodeRecord | null>; zxids: Map<string, bigint>; changeLogLength: number } {
    return { records: new Map(this.records), zxids: new Map(this.zxidByPath), changeLogLength: this.changeLog.length };
  }

  restore(snapshot: { records: Map<string, NodeRecord | null>; zxids: Map<string, bigint>; changeLogLength: number }): void {
    this.records.clear();
    this.zxidByPath.clear();
    for (const [path, record] of snapshot.records) this.records.set(path, record);
    for (const [path, zxid] of snapshot.zxids) this.zxidByPath.set(path, zxid);
    this.changeLog.length = Math.max(this.changeLogHead, snapshot.changeLogLength);
  }
}
