import { Perm } from '@vivarium/protocol';
import type { Acl } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import { AclCache } from './acl-cache.ts';
import { DataTree, openAcl } from './data-tree.ts';
import { NodeKind } from './znode.ts';

const world = (perms: number): Acl[] => [{ perms, id: { scheme: 'world', id: 'anyone' } }];
const digest = (user: string): Acl[] => [{ perms: Perm.all, id: { scheme: 'digest', id: `${user}:hash` } }];

function create(tree: DataTree, path: string, acl: readonly Acl[]) {
  return tree.create({ path, data: new Uint8Array(0), acl, kind: NodeKind.persistent, ephemeralOwner: 0n, ttlMs: 0, zxid: 1n, timeMs: 0 }, 1);
}

describe('AclCache', () => {
  it('equal lists (fresh arrays each time) come back as one frozen list with the same entries', () => {
    const cache = new AclCache();
    const a = cache.intern(digest('alice'));
    const b = cache.intern(digest('alice'));
    expect(b).toBe(a);
    expect(a).toEqual(digest('alice'));
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(Object.isFrozen(a[0]?.id)).toBe(true);
    expect(() => (a as Acl[]).push(world(Perm.read)[0] as Acl)).toThrow(TypeError);
  });

  it('lists that differ in perms, scheme, id, order or length stay distinct', () => {
    const cache = new AclCache();
    const lists: Acl[][] = [
      world(Perm.all),
      world(Perm.read),
      digest('alice'),
      digest('bob'),
      [...world(Perm.read), ...digest('alice')],
      [...digest('alice'), ...world(Perm.read)],
      [],
    ];
    const interned = lists.map((list) => cache.intern(list));
    expect(new Set(interned).size).toBe(lists.length);
    interned.forEach((list, i) => expect(list).toEqual(lists[i]));
    // The fast path (same as the last list) must not answer for a different list.
    expect(cache.intern(digest('bob'))).toEqual(digest('bob'));
    expect(cache.intern(digest('alice'))).toEqual(digest('alice'));
  });

  it('a caller editing its array afterwards changes nothing that was interned', () => {
    const cache = new AclCache();
    const mine = digest('alice');
    const shared = cache.intern(mine);
    (mine[0] as Acl).id.id = 'mallory:hash';
    expect(shared).toEqual(digest('alice'));
    expect(cache.intern(mine)).toEqual([{ perms: Perm.all, id: { scheme: 'digest', id: 'mallory:hash' } }]);
  });

  it('past sharedMax new lists are returned as given, and the cache stops growing', () => {
    const presets = [openAcl];
    const cache = new AclCache(2, presets);
    expect(cache.intern(world(Perm.all))).toBe(openAcl);
    const a = cache.intern(digest('a'));
    const b = cache.intern(digest('b'));
    const cInput = digest('c');
    expect(cache.intern(cInput)).toBe(cInput);
    expect(cache.size).toBe(3);
    expect(cache.intern(digest('a'))).toBe(a);
    expect(cache.intern(digest('b'))).toBe(b);
  });

  it('refuses a bad bound and an unfrozen preset', () => {
    expect(() => new AclCache(-1)).toThrow(/sharedMax/);
    expect(() => new AclCache(4, [world(Perm.all)])).toThrow(/frozen/);
  });
});

describe('DataTree shares ACL lists between znodes', () => {
  it('create, setAcl and restore all store the shared list', () => {
    const tree = new DataTree();
    const a = create(tree, '/a', world(Perm.all));
    const b = create(tree, '/b', world(Perm.all));
    expect(a.acl).toBe(openAcl);
    expect(b.acl).toBe(openAcl);
    const c = create(tree, '/c', digest('alice'));
    const d = create(tree, '/d', digest('alice'));
    expect(d.acl).toBe(c.acl);
    tree.setAcl('/a', digest('alice'), 1);
    expect(tree.get('/a')?.acl).toBe(c.acl);
    expect(tree.get('/b')?.acl).toBe(openAcl);
    tree.restore({ path: '/e', data: new Uint8Array(0), acl: digest('alice'), czxid: 2n, mzxid: 2n, pzxid: 2n, ctimeMs: 0, mtimeMs: 0, version: 0, storedCversion: 0, aversion: 0, kind: NodeKind.persistent, ephemeralOwner: 0n, ttlMs: 0 });
    expect(tree.get('/e')?.acl).toBe(c.acl);
    tree.checkInvariants();
  });
});
