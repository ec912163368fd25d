import type { Acl, Data } from '@vivarium/protocol';
import { Perm } from '@vivarium/protocol';
import { AclCache } from './acl-cache.ts';
import { assert, InvariantError } from './assert.ts';
import type { SnapshotNode } from './snapshot.ts';
import { NodeKind, type NodeKindValue, type ZNode } from './znode.ts';

export const rootPath = '/';
export const zookeeperPath = '/zookeeper';
export const quotaPath = '/zookeeper/quota';
export const configPath = '/zookeeper/config';

/** Paths ZooKeeper refuses to delete (DataTree.isSpecialPath): BADARGUMENTS. */
export function isSpecialPath(path: string): boolean {
  return path === rootPath || path === zookeeperPath || path === quotaPath || path === configPath;
}

export const openAcl: readonly Acl[] = Object.freeze([{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }]);
export const readOnlyAcl: readonly Acl[] = Object.freeze([{ perms: Perm.read, id: { scheme: 'world', id: 'anyone' } }]);

export function parentPathOf(path: string): string {
  const lastSlash = path.lastIndexOf('/');
  return lastSlash <= 0 ? rootPath : path.slice(0, lastSlash);
}

export function childNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPathOf(parent: string, name: string): string {
  return parent === rootPath ? `/${name}` : `${parent}/${name}`;
}

export interface NewNode {
  path: string;
  data: Data;
  acl: readonly Acl[];
  kind: NodeKindValue;
  ephemeralOwner: bigint;
  ttlMs: number;
  zxid: bigint;
  timeMs: number;
}

/**
 * The znode tree with its secondary indexes (ephemerals by session, containers,
 * TTL nodes). A plain data structure: it checks structure, not permissions or
 * versions; prepare decided those already.
 */
export class DataTree {
  private readonly nodes = new Map<string, ZNode>();
  private readonly ephemeralsBySession = new Map<bigint, Set<string>>();
  /** Container and TTL paths, the reaper's candidates. */
  private readonly containerPaths = new Set<string>();
  private readonly ttlPaths = new Set<string>();
  /** Znodes with equal ACL lists share one frozen copy (ZooKeeper's ACL cache): ~100 bytes less per node. */
  private readonly acls = new AclCache(undefined, [openAcl, readOnlyAcl]);

  constructor() {
    this.nodes.set(rootPath, blankNode(new Uint8Array(0), openAcl));
    this.addBuiltIn(zookeeperPath, new Uint8Array(0), openAcl, 0);
    // /zookeeper/config is world-readable only, with aversion -1 (ZooKeeper's addConfigNode).
    // Added before quota so getChildren('/zookeeper') lists them in the order 3.8 shows: config, quota.
    this.addBuiltIn(configPath, new Uint8Array(0), readOnlyAcl, -1);
    this.addBuiltIn(quotaPath, new Uint8Array(0), openAcl, 0);
  }

  get(path: string): ZNode | undefined {
    // ZooKeeper's node map holds the root under "" too, so reads of "" see the root (writes validate first).
    return this.nodes.get(path === '' ? '/' : path);
  }

  has(path: string): boolean {
    return this.nodes.has(path === '' ? '/' : path);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  paths(): IterableIterator<string> {
    return this.nodes.keys();
  }

  entries(): IterableIterator<[string, ZNode]> {
    return this.nodes.entries();
  }

  ephemeralsOf(sessionId: bigint): ReadonlySet<string> {
    return this.ephemeralsBySession.get(sessionId) ?? emptySet;
  }

  sessionsWithEphemerals(): IterableIterator<[bigint, ReadonlySet<string>]> {
    return this.ephemeralsBySession.entries();
  }

  containers(): ReadonlySet<string> {
    return this.containerPaths;
  }

  ttlNodes(): ReadonlySet<string> {
    return this.ttlPaths;
  }

  /** Create a node under an existing parent; the parent's stored cversion becomes `parentCversion` when that is higher. */
  create(spec: NewNode, parentCversion: number): ZNode {
    const parentPath = parentPathOf(spec.path);
    const parent = this.nodes.get(parentPath);
    assert(parent !== undefined, `DataTree.create ${spec.path}: parent missing`);
    assert(!this.nodes.has(spec.path), `DataTree.create ${spec.path}: node exists`);
    const node: ZNode = {
      data: spec.data,
      acl: this.acls.intern(spec.acl),
      czxid: spec.zxid,
      mzxid: spec.zxid,
      pzxid: spec.zxid,
      ctimeMs: spec.timeMs,
      mtimeMs: spec.timeMs,
      version: 0,
      storedCversion: 0,
      aversion: 0,
      kind: spec.kind,
      ephemeralOwner: spec.kind === NodeKind.ephemeral ? spec.ephemeralOwner : 0n,
      ttlMs: spec.kind === NodeKind.ttl ? spec.ttlMs : 0,
      children: noChildren,
    };
    ownChildren(parent).add(childNameOf(spec.path));
    // As DataTree.createNode: only a higher cversion moves cversion and pzxid, so replaying a txn is harmless.
    if (parentCversion > parent.storedCversion) {
      parent.storedCversion = parentCversion;
      parent.pzxid = spec.zxid;
    }
    this.nodes.set(spec.path, node);
    this.index(spec.path, node);
    return node;
  }

  /** Delete a leaf node; the parent's pzxid moves to `zxid`. Returns the deleted node. */
  delete(path: string, zxid: bigint): ZNode {
    const node = this.nodes.get(path);
    assert(node !== undefined, `DataTree.delete ${path}: node missing`);
    assert(node.children.size === 0, `DataTree.delete ${path}: node has ${node.children.size} children`);
    const parent = this.nodes.get(parentPathOf(path));
    assert(parent !== undefined, `DataTree.delete ${path}: parent missing`);
    parent.children.delete(childNameOf(path));
    parent.pzxid = zxid;
    this.nodes.delete(path);
    this.unindex(path, node);
    return node;
  }

  setData(path: string, data: Data, version: number, zxid: bigint, timeMs: number): ZNode {
    const node = this.nodes.get(path);
    assert(node !== undefined, `DataTree.setData ${path}: node missing`);
    node.data = data;
    node.version = version;
    node.mzxid = zxid;
    node.mtimeMs = timeMs;
    return node;
  }

  /** setACL changes aversion only: no mzxid, no mtime, no watch (ZooKeeper's setACL). */
  setAcl(path: string, acl: readonly Acl[], aversion: number): ZNode {
    const node = this.nodes.get(path);
    assert(node !== undefined, `DataTree.setAcl ${path}: node missing`);
    node.acl = this.acls.intern(acl);
    node.aversion = aversion;
    return node;
  }

  /** Every node, parents before children and children in creation order, as a snapshot stores them. */
  *walk(): Generator<[string, ZNode]> {
    const stack: string[] = [rootPath];
    while (stack.length > 0) {
      const path = stack.pop() as string;
      const node = this.nodes.get(path);
      if (node === undefined) continue;
      yield [path, node];
      const names = [...node.children];
      for (let i = names.length - 1; i >= 0; i--) stack.push(childPathOf(path, names[i] as string));
    }
  }

  /**
   * Put a node back from a snapshot. Nodes arrive parents first; a built-in
   * node already present is overwritten in place.
   */
  restore(saved: SnapshotNode): void {
    const existing = this.nodes.get(saved.path);
    const node: ZNode = existing ?? blankNode(saved.data, saved.acl);
    node.data = saved.data;
    node.acl = this.acls.intern(saved.acl);
    node.czxid = saved.czxid;
    node.mzxid = saved.mzxid;
    node.pzxid = saved.pzxid;
    node.ctimeMs = saved.ctimeMs;
    node.mtimeMs = saved.mtimeMs;
    node.version = saved.version;
    node.storedCversion = saved.storedCversion;
    node.aversion = saved.aversion;
    node.kind = saved.kind;
    node.ephemeralOwner = saved.ephemeralOwner;
    node.ttlMs = saved.ttlMs;
    if (existing !== undefined) return;
    const parent = this.nodes.get(parentPathOf(saved.path));
    assert(parent !== undefined, `DataTree.restore ${saved.path}: parent missing (snapshot out of order)`);
    ownChildren(parent).add(childNameOf(saved.path));
    this.nodes.set(saved.path, node);
    this.index(saved.path, node);
  }

  /** Number of descendants of `path`, not counting itself (getAllChildrenNumber). */
  descendantCount(path: string): number {
    const node = this.nodes.get(path);
    if (node === undefined) return 0;
    let count = 0;
    const stack: string[] = [path];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      const currentNode = this.nodes.get(current);
      if (currentNode === undefined) continue;
      for (const name of currentNode.children) {
        count++;
        stack.push(childPathOf(current, name));
      }
    }
    return count;
  }

  /** Parent links, child sets, and the ephemeral/container/TTL indexes agree with the nodes. */
  checkInvariants(): void {
    assert(this.nodes.has(rootPath), 'DataTree: root missing');
    let childLinks = 0;
    for (const [path, node] of this.nodes) {
      for (const name of node.children) {
        childLinks++;
        assert(this.nodes.has(childPathOf(path, name)), `DataTree: ${path} lists child ${name} that does not exist`);
      }
      if (path !== rootPath) {
        const parent = this.nodes.get(parentPathOf(path));
        assert(parent !== undefined, `DataTree: ${path} has no parent`);
        assert(parent.children.has(childNameOf(path)), `DataTree: ${path} missing from its parent's children`);
        assert(parent.kind !== NodeKind.ephemeral, `DataTree: ${path} is the child of an ephemeral`);
      }
      assert(node.mzxid >= node.czxid && node.pzxid >= node.czxid, `DataTree: ${path} zxids out of order`);
      if (node.kind === NodeKind.ephemeral) {
        assert(this.ephemeralsBySession.get(node.ephemeralOwner)?.has(path) === true, `DataTree: ephemeral ${path} not indexed under its session`);
        assert(node.children.size === 0, `DataTree: ephemeral ${path} has children`);
      }
      assert((node.kind === NodeKind.container) === this.containerPaths.has(path), `DataTree: container index disagrees at ${path}`);
      assert((node.kind === NodeKind.ttl) === this.ttlPaths.has(path), `DataTree: TTL index disagrees at ${path}`);
    }
    assert(childLinks === this.nodes.size - 1, `DataTree: ${childLinks} child links for ${this.nodes.size} nodes`);
    for (const [sessionId, paths] of this.ephemeralsBySession) {
      assert(paths.size > 0, `DataTree: empty ephemeral set kept for session ${sessionId}`);
      for (const path of paths) {
        const node = this.nodes.get(path);
        assert(node?.kind === NodeKind.ephemeral && node.ephemeralOwner === sessionId, `DataTree: ephemeral index lists ${path} for a session that does not own it`);
      }
    }
    for (const path of this.containerPaths) assert(this.nodes.get(path)?.kind === NodeKind.container, `DataTree: container index lists ${path}`);
    for (const path of this.ttlPaths) assert(this.nodes.get(path)?.kind === NodeKind.ttl, `DataTree: TTL index lists ${path}`);
  }

  private addBuiltIn(path: string, data: Data, acl: readonly Acl[], aversion: number): void {
    const parent = this.nodes.get(parentPathOf(path));
    assert(parent !== undefined, `DataTree: built-in ${path} without parent`);
    ownChildren(parent).add(childNameOf(path));
    const node = blankNode(data, acl);
    node.aversion = aversion;
    this.nodes.set(path, node);
  }

  private index(path: string, node: ZNode): void {
    if (node.kind === NodeKind.ephemeral) {
      let paths = this.ephemeralsBySession.get(node.ephemeralOwner);
      if (paths === undefined) {
        paths = new Set();
        this.ephemeralsBySession.set(node.ephemeralOwner, paths);
      }
      paths.add(path);
    } else if (node.kind === NodeKind.container) {
      this.containerPaths.add(path);
    } else if (node.kind === NodeKind.ttl) {
      this.ttlPaths.add(path);
    }
  }

  private unindex(path: string, node: ZNode): void {
    if (node.kind === NodeKind.ephemeral) {
      const paths = this.ephemeralsBySession.get(node.ephemeralOwner);
      paths?.delete(path);
      if (paths?.size === 0) this.ephemeralsBySession.delete(node.ephemeralOwner);
    } else if (node.kind === NodeKind.container) {
      this.containerPaths.delete(path);
    } else if (node.kind === NodeKind.ttl) {
      this.ttlPaths.delete(path);
    }
  }
}

const emptySet: ReadonlySet<string> = new Set();

/**
 * The child set of every node that never had a child: one shared empty set that refuses
 * additions. A node gets its own Set with its first child (ownChildren), as ZooKeeper's DataNode
 * allocates its children set lazily: an empty Set costs a leaf ~160 bytes of heap, and most
 * znodes are leaves.
 */
class NoChildren extends Set<string> {
  override add(name: string): this {
    throw new InvariantError(`DataTree: ${name} added to the shared empty child set (use ownChildren)`);
  }
}
const noChildren: Set<string> = new NoChildren();

/** The node's own child set, made on its first child. */
function ownChildren(node: ZNode): Set<string> {
  if (node.children === noChildren) node.children = new Set();
  return node.children;
}

function blankNode(data: Data, acl: readonly Acl[]): ZNode {
  return {
    data,
    acl,
    czxid: 0n,
    mzxid: 0n,
    pzxid: 0n,
    ctimeMs: 0,
    mtimeMs: 0,
    version: 0,
    storedCversion: 0,
    aversion: 0,
    kind: NodeKind.persistent,
    ephemeralOwner: 0n,
    ttlMs: 0,
    children: noChildren,
  };
}
