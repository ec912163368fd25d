import type { Acl, Stat } from '@vivarium/protocol';
import { ErrorCode, EventType } from '@vivarium/protocol';
import { assert } from './assert.ts';
import { DataTree, configPath, parentPathOf } from './data-tree.ts';
import { configText } from './ensemble-config.ts';
import { snapshotFormatVersion, type Snapshot } from './snapshot.ts';
import type { MultiSubTxn, Txn, TxnBody } from './txn.ts';
import { statOf } from './znode.ts';

/** A session as replicated state: what survives a restart and moves between members. */
export interface SessionRecord {
  sessionId: bigint;
  timeoutMs: number;
  passwd: Uint8Array;
}

/** One event a txn fires, before it is matched against watch tables. */
export interface WatchTrigger {
  type: typeof EventType.nodeCreated | typeof EventType.nodeDeleted | typeof EventType.nodeDataChanged | typeof EventType.nodeChildrenChanged;
  path: string;
  /** The ACL that decides who may see the event (3.8.4+): the node's, or the parent's for NodeChildrenChanged. */
  acl: readonly Acl[];
}

export type TxnResult =
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'setAcl'; stat: Stat }
  | { type: 'check' }
  | { type: 'createSession' }
  | { type: 'closeSession' }
  | { type: 'error'; err: number }
  | { type: 'multi'; results: TxnResult[] };

export interface ApplyOutcome {
  result: TxnResult;
  triggers: WatchTrigger[];
}

/**
 * The replicated state of a member: the tree, the sessions and the last applied
 * zxid (ZooKeeper's ZKDatabase). Changed only by applyTxn.
 */
export class Database {
  readonly tree = new DataTree();
  readonly sessions = new Map<bigint, SessionRecord>();
  lastProcessedZxid = 0n;

  /**
   * Apply one txn. A pure function of the txn and the current state: the same
   * txns in the same order give the same state and the same outcomes on every member.
   */
  applyTxn(txn: Txn): ApplyOutcome {
    // Checked without building the message unless it fails: this runs for every txn.
    if (!(txn.zxid > this.lastProcessedZxid)) assert(false, `applyTxn: zxid 0x${txn.zxid.toString(16)} not after 0x${this.lastProcessedZxid.toString(16)}`);
    const triggers: WatchTrigger[] = [];
    const result = this.applyBody(txn, txn.body, triggers);
    this.lastProcessedZxid = txn.zxid;
    return { result, triggers };
  }

  /** The whole replicated state at lastProcessedZxid, as plain data. */
  toSnapshot(): Snapshot {
    const nodes = [];
    for (const [path, node] of this.tree.walk()) {
      nodes.push({
        path,
        data: node.data,
        acl: [...node.acl],
        czxid: node.czxid,
        mzxid: node.mzxid,
        pzxid: node.pzxid,
        ctimeMs: node.ctimeMs,
        mtimeMs: node.mtimeMs,
        version: node.version,
        storedCversion: node.storedCversion,
        aversion: node.aversion,
        kind: node.kind,
        ephemeralOwner: node.ephemeralOwner,
        ttlMs: node.ttlMs,
      });
    }
    return { formatVersion: snapshotFormatVersion, lastZxid: this.lastProcessedZxid, nodes, sessions: [...this.sessions.values()].map((s) => ({ ...s })) };
  }

  /** A database holding exactly a snapshot's state. */
  static fromSnapshot(snapshot: Snapshot): Database {
    assert(snapshot.formatVersion === snapshotFormatVersion, `snapshot format ${snapshot.formatVersion} is not ${snapshotFormatVersion}`);
    const database = new Database();
    for (const node of snapshot.nodes) database.tree.restore(node);
    for (const session of snapshot.sessions) database.sessions.set(session.sessionId, { ...session });
    database.lastProcessedZxid = snapshot.lastZxid;
    return database;
  }

  checkInvariants(): void {
    this.tree.checkInvariants();
    for (const [sessionId] of this.tree.sessionsWithEphemerals()) {
      assert(this.sessions.has(sessionId), `Database: ephemerals owned by unknown session 0x${sessionId.toString(16)}`);
    }
    for (const [sessionId, record] of this.sessions) {
      assert(record.sessionId === sessionId, `Database: session keyed 0x${sessionId.toString(16)} holds 0x${record.sessionId.toString(16)}`);
    }
  }

  private applyBody(txn: Txn, body: TxnBody, triggers: WatchTrigger[]): TxnResult {
    const tree = this.tree;
    switch (body.type) {
      case 'create': {
        const node = tree.create(
          { path: body.path, data: body.data, acl: body.acl, kind: body.kind, ephemeralOwner: body.ephemeralOwner, ttlMs: body.ttlMs, zxid: txn.zxid, timeMs: txn.timeMs },
          body.parentCversion,
        );
        const parentPath = parentPathOf(body.path);
        triggers.push({ type: EventType.nodeCreated, path: body.path, acl: node.acl });
        triggers.push({ type: EventType.nodeChildrenChanged, path: parentPath, acl: tree.get(parentPath)?.acl ?? [] });
        return { type: 'create', path: body.path, stat: statOf(node) };
      }
      case 'delete': {
        this.deleteNode(body.path, txn.zxid, triggers);
        return { type: 'delete' };
      }
      case 'setData': {
        const node = tree.setData(body.path, body.data, body.version, txn.zxid, txn.timeMs);
        triggers.push({ type: EventType.nodeDataChanged, path: body.path, acl: node.acl });
        return { type: 'setData', stat: statOf(node) };
      }
      case 'setAcl': {
        const node = tree.setAcl(body.path, body.acl, body.aversion);
        return { type: 'setAcl', stat: statOf(node) };
      }
      case 'createSession': {
        assert(!this.sessions.has(body.sessionId), `applyTxn: session 0x${body.sessionId.toString(16)} already exists`);
        this.sessions.set(body.sessionId, { sessionId: body.sessionId, timeoutMs: body.timeoutMs, passwd: body.passwd });
        return { type: 'createSession' };
      }
      case 'closeSession': {
        for (const path of body.ephemeralPaths) {
          // The list was taken at prepare time; a node deleted since is simply gone.
          const node = tree.get(path);
          if (node !== undefined && node.ephemeralOwner === body.sessionId) this.deleteNode(path, txn.zxid, triggers);
        }
        this.sessions.delete(body.sessionId);
        return { type: 'closeSession' };
      }
      case 'error':
        return { type: 'error', err: body.err };
      case 'reconfig': {
        // ZooKeeper's reconfig is a SetDataTxn on /zookeeper/config with version -1: the stat's version stays -1,
        // mzxid becomes the new configuration's version, and data watchers see NodeDataChanged.
        const node = tree.setData(configPath, new TextEncoder().encode(configText(body.servers, txn.zxid)), -1, txn.zxid, txn.timeMs);
        triggers.push({ type: EventType.nodeDataChanged, path: configPath, acl: node.acl });
        return { type: 'setData', stat: statOf(node) };
      }
      case 'multi': {
        const results: TxnResult[] = [];
        for (const op of body.ops) results.push(this.applyMultiOp(txn, op, triggers));
        return { type: 'multi', results };
      }
    }
  }

  private applyMultiOp(txn: Txn, op: MultiSubTxn, triggers: WatchTrigger[]): TxnResult {
    if (op.type === 'check') return { type: 'check' };
    return this.applyBody(txn, op, triggers);
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): void {
    const node = this.tree.delete(path, zxid);
    const parentPath = parentPathOf(path);
    triggers.push({ type: EventType.nodeDeleted, path, acl: node.acl });
    triggers.push({ type: EventType.nodeChildrenChanged, path: parentPath, acl: this.tree.get(parentPath)?.acl ?? [] });
  }
}

/** The error a txn result carries, or ok. */
export function errorOf(result: TxnResult): number {
  return result.type === 'error' ? result.err : ErrorCode.ok;
}
