/**
 * Reads: getData, exists, getChildren(2), getEphemerals, getAllChildrenNumber, whoAmI, multiRead
 * and sync. Reference §1.4, §2.1 (getAllChildrenNumber, getEphemerals, whoAmI).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, Perm } from '@vivarium/protocol';
import { bytes, expectCode, startServer, worldAcl } from './helpers.ts';

describe('getData, exists, getChildren', () => {
  it('return data and Stat; a missing node is NONODE (exists: null); children of a leaf are []', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('v'));
    await client.create('/a/x');
    await client.create('/a/y');
    const { data, stat } = await client.getData('/a');
    expect(data).toEqual(bytes('v'));
    expect(stat).toEqual(await client.exists('/a'));
    expect(await client.exists('/nope')).toBeNull();
    await expectCode(client.getData('/nope'), ErrorCode.noNode);
    await expectCode(client.getChildren('/nope'), ErrorCode.noNode);
    await expectCode(client.getChildrenWithStat('/nope'), ErrorCode.noNode);
    expect([...(await client.getChildren('/a'))].sort()).toEqual(['x', 'y']);
    expect(await client.getChildren('/a/x')).toEqual([]);
    const two = await client.getChildrenWithStat('/a');
    expect([...two.children].sort()).toEqual(['x', 'y']);
    expect(two.stat).toMatchObject({ numChildren: 2, cversion: 2 });
    server.engine.checkInvariants();
  });
});

describe('getEphemerals', () => {
  it("returns only the calling session's ephemerals whose path starts with the prefix; '' and '/' mean all", async () => {
    const server = startServer();
    const client = await server.client();
    const other = await server.client();
    await client.create('/a');
    await client.create('/a/e1', null, { mode: 'ephemeral' });
    await client.create('/a/s-', null, { mode: 'ephemeralSequential' });
    await client.create('/ab', null, { mode: 'ephemeral' });
    await client.create('/b', null, { mode: 'ephemeral' });
    await client.create('/persistent');
    await other.create('/a/theirs', null, { mode: 'ephemeral' });
    const all = ['/a/e1', '/a/s-0000000001', '/ab', '/b'];
    expect([...(await client.getEphemerals())].sort()).toEqual(all);
    expect([...(await client.getEphemerals('/'))].sort()).toEqual(all);
    expect([...(await client.getEphemerals(''))].sort()).toEqual(all);
    // A string prefix, not a path prefix: /a also matches /ab.
    expect([...(await client.getEphemerals('/a'))].sort()).toEqual(['/a/e1', '/a/s-0000000001', '/ab']);
    expect([...(await client.getEphemerals('/a/'))].sort()).toEqual(['/a/e1', '/a/s-0000000001']);
    expect(await client.getEphemerals('/a/s')).toEqual(['/a/s-0000000001']);
    expect(await client.getEphemerals('/zzz')).toEqual([]);
    expect(await other.getEphemerals()).toEqual(['/a/theirs']);
    await client.delete('/b');
    expect(await client.getEphemerals('/b')).toEqual([]);
    server.engine.checkInvariants();
  });
});

describe('getAllChildrenNumber', () => {
  it('counts all descendants, not the node; the root counts the /zookeeper subtree', async () => {
    const server = startServer();
    const client = await server.client();
    expect(await client.getAllChildrenNumber('/')).toBe(3); // zookeeper, quota, config
    expect(await client.getAllChildrenNumber('/zookeeper')).toBe(2);
    await client.create('/a');
    await client.create('/a/b');
    await client.create('/a/b/c');
    expect(await client.getAllChildrenNumber('/')).toBe(6); // 3 built-in + 3 created
    expect(await client.getAllChildrenNumber('/a')).toBe(2);
    expect(await client.getAllChildrenNumber('/a/b/c')).toBe(0);
    await client.create('/ab'); // a sibling with the same prefix is not a descendant of /a
    expect(await client.getAllChildrenNumber('/a')).toBe(2);
    await expectCode(client.getAllChildrenNumber('/nope'), ErrorCode.noNode);
    await client.create('/hidden', null, { acl: worldAcl(Perm.all & ~Perm.read) });
    await expectCode(client.getAllChildrenNumber('/hidden'), ErrorCode.noAuth);
    server.engine.checkInvariants();
  });
});

describe('whoAmI', () => {
  it('reports the connection ip id, then digest users', async () => {
    const server = startServer();
    const client = await server.client({ remoteAddress: '192.0.2.10' });
    expect(await client.whoAmI()).toEqual([{ scheme: 'ip', id: '192.0.2.10' }]);
    await client.addAuthInfo('digest', 'alice:secret');
    expect(await client.whoAmI()).toEqual(expect.arrayContaining([{ scheme: 'ip', id: '192.0.2.10' }, { scheme: 'digest', id: 'alice' }]));
    server.engine.checkInvariants();
  });
});

describe('multiRead', () => {
  it('returns data and children per op, in op order', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('1'));
    await client.create('/b', null);
    await client.create('/b/k');
    const results = await client.multiRead([
      { type: 'getChildren', path: '/b' },
      { type: 'getData', path: '/b' },
      { type: 'getData', path: '/a' },
    ]);
    expect(results[0]).toEqual({ type: 'getChildren', children: ['k'] });
    expect(results[1]).toMatchObject({ type: 'getData', data: null, stat: { numChildren: 1 } });
    expect(results[2]).toMatchObject({ type: 'getData', data: bytes('1') });
    server.engine.checkInvariants();
  });
});

describe('sync', () => {
  it('echoes the path, whether or not the node exists, and uses no zxid', async () => {
    const server = startServer();
    const client = await server.client();
    const zxid = server.engine.lastProcessedZxid;
    expect(await client.sync('/')).toBe('/');
    expect(await client.sync('/not/there')).toBe('/not/there');
    expect(server.engine.lastProcessedZxid).toBe(zxid);
    server.engine.checkInvariants();
  });
});
