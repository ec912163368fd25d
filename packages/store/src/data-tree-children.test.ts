import { describe, expect, it } from 'vitest';
import { DataTree, openAcl } from './data-tree.ts';
import { NodeKind } from './znode.ts';

function create(tree: DataTree, path: string) {
  return tree.create({ path, data: new Uint8Array(0), acl: openAcl, kind: NodeKind.persistent, ephemeralOwner: 0n, ttlMs: 0, zxid: 1n, timeMs: 0 }, 1);
}

describe('DataTree child sets are made on the first child', () => {
  it('leaves share one empty child set; a parent gets its own with its first child', () => {
    const tree = new DataTree();
    const a = create(tree, '/a');
    const b = create(tree, '/b');
    expect(a.children.size).toBe(0);
    expect(a.children).toBe(b.children);
    create(tree, '/a/x');
    expect(a.children).not.toBe(b.children);
    expect([...a.children]).toEqual(['x']);
    expect(b.children.size).toBe(0);
    expect(tree.get('/a/x')?.children).toBe(b.children);
    tree.delete('/a/x', 2n);
    expect(a.children.size).toBe(0);
    create(tree, '/a/y');
    expect([...a.children]).toEqual(['y']);
    tree.checkInvariants();
  });

  it('the shared empty set refuses an addition made around the tree', () => {
    const tree = new DataTree();
    const leaf = create(tree, '/leaf');
    expect(() => leaf.children.add('sneaky')).toThrow(/shared empty child set/);
    expect(create(tree, '/other').children.size).toBe(0);
  });

  it('restore gives a restored parent its own set', () => {
    const tree = new DataTree();
    const base = { data: new Uint8Array(0), acl: [...openAcl], czxid: 1n, mzxid: 1n, pzxid: 1n, ctimeMs: 0, mtimeMs: 0, version: 0, storedCversion: 0, aversion: 0, kind: NodeKind.persistent, ephemeralOwner: 0n, ttlMs: 0 };
    tree.restore({ ...base, path: '/p' });
    tree.restore({ ...base, path: '/q' });
    tree.restore({ ...base, path: '/p/c' });
    expect([...(tree.get('/p')?.children ?? [])]).toEqual(['c']);
    expect(tree.get('/q')?.children.size).toBe(0);
    tree.checkInvariants();
  });
});
