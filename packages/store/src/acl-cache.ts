import type { Acl } from '@vivarium/protocol';

/** How many distinct ACL lists a tree shares; a node whose list is not among them keeps its own copy. */
export const aclListsSharedMax = 1024;

/**
 * One frozen copy per distinct ACL list, shared by every znode that has it: ZooKeeper's
 * ReferenceCountedACLCache, which keeps a long per DataNode instead of a list. Almost every
 * znode of a tree carries one of a few lists (world:anyone most of all), and a private copy of
 * even that one-entry list costs a node about a hundred bytes of heap.
 *
 * Bounded instead of reference-counted: once `sharedMax` lists are shared, further new lists are
 * stored as given (still correct, just not shared), so a workload with ever-new ACLs cannot grow
 * the cache without limit. Shared lists are frozen, so a stray in-place edit throws.
 */
export class AclCache {
  private readonly shared = new Map<string, readonly Acl[]>();
  private lastShared: readonly Acl[] | undefined;
  readonly sharedMax: number;

  /** `presets`: frozen lists to share as they are (the tree's built-in ACLs); they do not count against `sharedMax`. */
  constructor(sharedMax: number = aclListsSharedMax, presets: readonly (readonly Acl[])[] = []) {
    if (!Number.isInteger(sharedMax) || sharedMax < 0) throw new RangeError(`AclCache: sharedMax must be an integer >= 0, got ${sharedMax}`);
    this.sharedMax = sharedMax + presets.length;
    for (const list of presets) {
      if (!Object.isFrozen(list)) throw new TypeError('AclCache: a preset ACL list must be frozen');
      this.shared.set(keyOf(list), list);
    }
  }

  get size(): number {
    return this.shared.size;
  }

  /** The shared frozen list equal to `acl` (same entries, same order), or `acl` itself when the cache is full. */
  intern(acl: readonly Acl[]): readonly Acl[] {
    // Runs of creates mostly carry the same list: compare with the last shared one (frozen, so it
    // cannot have changed since) before building a key.
    if (this.lastShared !== undefined && sameEntries(acl, this.lastShared)) return this.lastShared;
    const key = keyOf(acl);
    let list = this.shared.get(key);
    if (list === undefined) {
      if (this.shared.size >= this.sharedMax) return acl;
      list = Object.freeze(acl.map((entry) => Object.freeze({ perms: entry.perms, id: Object.freeze({ scheme: entry.id.scheme, id: entry.id.id }) })));
      this.shared.set(key, list);
    }
    this.lastShared = list;
    return list;
  }
}

function keyOf(acl: readonly Acl[]): string {
  let key = '';
  for (const entry of acl) key += `${entry.perms}\u0000${entry.id.scheme}\u0000${entry.id.id}\u0001`;
  return key;
}

function sameEntries(a: readonly Acl[], b: readonly Acl[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Acl;
    const y = b[i] as Acl;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}
