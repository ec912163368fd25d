/**
 * How each write moves the Stat fields, which writes use a zxid, and version checks.
 * Expected values: docs/zookeeper-3.8-observations.md b, c, d, e, f; reference §2.1, §2.2.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perm } from '@vivarium/protocol';
import { MultiError } from '@vivarium/client';
import { bytes, expectCode, rawSession, recorder, settle, startServer, worldAcl } from './helpers.ts';

describe('zxids', () => {
  it('each session creation uses a zxid: two sessions then a create gives czxid 3 (observations setup, b)', async () => {
    const server = startServer();
    expect(server.engine.lastProcessedZxid).toBe(0n);
    const first = await server.client();
    await server.client();
    expect(server.engine.lastProcessedZxid).toBe(2n);
    expect((await first.createWithStat('/a', bytes('x'))).stat.czxid).toBe(3n);
    server.engine.checkInvariants();
  });

  it('failed writes still use a zxid: the next create shows the gap (observations d, f)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await client.create('/a/child');
    let previous = (await client.createWithStat('/x')).stat.czxid;
    const failures: Array<[string, () => Promise<unknown>, number]> = [
      ['create NODEEXISTS', () => client.create('/x'), ErrorCode.nodeExists],
      ['create NONODE', () => client.create('/nope/x'), ErrorCode.noNode],
      ['create BADARGUMENTS', () => client.create('/x/.'), ErrorCode.badArguments],
      ['create INVALIDACL', () => client.create('/y', null, { acl: [] }), ErrorCode.invalidAcl],
      ['delete NONODE', () => client.delete('/nope'), ErrorCode.noNode],
      ['delete BADVERSION', () => client.delete('/x', 99), ErrorCode.badVersion],
      ['delete NOTEMPTY', () => client.delete('/a'), ErrorCode.notEmpty],
      ['delete BADARGUMENTS', () => client.delete('/zookeeper'), ErrorCode.badArguments],
      ['setData NONODE', () => client.setData('/nope', null), ErrorCode.noNode],
      ['setData BADVERSION', () => client.setData('/x', null, 99), ErrorCode.badVersion],
      ['setACL BADVERSION', () => client.setAcl('/x', worldAcl(Perm.all), 99), ErrorCode.badVersion],
      ['setACL NOAUTH', () => client.setAcl('/zookeeper/config', worldAcl(Perm.all)), ErrorCode.noAuth],
      ['multi', () => client.transaction().create('/m').create('/m').commit(), ErrorCode.nodeExists],
    ];
    for (const [label, attempt, code] of failures) {
      await expectCode(attempt(), code);
      const { stat } = await client.createWithStat(`/probe-${label.replace(/ /g, '-')}`);
      expect({ label, gap: stat.czxid - previous }).toEqual({ label, gap: 2n });
      previous = stat.czxid;
    }
    server.engine.checkInvariants();
  });

  it('a failed write replies with the zxid it used; a read replies with the last processed zxid (observations f)', async () => {
    const server = startServer();
    const raw = rawSession(server);
    const acl = worldAcl(Perm.all);
    const created = raw.call({ type: OpCode.create2, path: '/x', data: null, acl, flags: 0 });
    expect(created.header).toMatchObject({ err: 0, zxid: 2n });
    const again = raw.call({ type: OpCode.create, path: '/x', data: null, acl, flags: 0 });
    expect(again.header).toMatchObject({ err: ErrorCode.nodeExists, zxid: 3n });
    expect(again.response).toBeUndefined();
    const exists = raw.call({ type: OpCode.exists, path: '/x', watch: false });
    expect(exists.header).toMatchObject({ err: 0, zxid: 3n });
    const missing = raw.call({ type: OpCode.exists, path: '/nope', watch: false });
    expect(missing.header).toMatchObject({ err: ErrorCode.noNode, zxid: 3n });
    expect(missing.response).toBeUndefined();
    // A failed multi: header err 0, zxid its own (observations e).
    const multi = raw.call({
      type: OpCode.multi,
      ops: [
        { type: OpCode.create, path: '/m', data: null, acl, flags: 0 },
        { type: OpCode.create, path: '/m', data: null, acl, flags: 0 },
      ],
    });
    expect(multi.header).toMatchObject({ err: 0, zxid: 4n });
    expect(multi.response).toEqual({ results: [{ type: OpCode.error, err: 0 }, { type: OpCode.error, err: ErrorCode.nodeExists }] });
    server.engine.checkInvariants();
  });

  it('reads never use a zxid', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('x'));
    const before = server.engine.lastProcessedZxid;
    await client.getData('/a');
    await client.exists('/a');
    await client.exists('/nope');
    await client.getChildren('/');
    await client.getChildrenWithStat('/');
    await client.getAcl('/a');
    await client.sync('/a');
    await client.getAllChildrenNumber('/');
    await client.getEphemerals();
    await client.whoAmI();
    await client.multiRead([{ type: 'getData', path: '/a' }]);
    await expectCode(client.getData('/nope'), ErrorCode.noNode);
    expect(server.engine.lastProcessedZxid).toBe(before);
    server.engine.checkInvariants();
  });

  it('a session close uses one zxid', async () => {
    const server = startServer();
    const closing = await server.client();
    const other = await server.client();
    await closing.create('/e1', null, { mode: 'ephemeral' });
    await closing.create('/e2', null, { mode: 'ephemeral' });
    const before = server.engine.lastProcessedZxid;
    await closing.close();
    expect(server.engine.lastProcessedZxid).toBe(before + 1n);
    expect((await other.exists('/'))!.pzxid).toBe(before + 1n);
    server.engine.checkInvariants();
  });
});

describe('stat evolution', () => {
  it('setData: version+1, mzxid and mtime move; czxid, ctime, pzxid, cversion, aversion stay', async () => {
    const server = startServer();
    const client = await server.client();
    const created = (await client.createWithStat('/a', bytes('x'))).stat;
    server.advance(5000);
    const updated = await client.setData('/a', bytes('yz'));
    expect(updated).toEqual({
      ...created,
      version: 1,
      mzxid: created.czxid + 1n,
      mtime: created.ctime + 5000,
      dataLength: 2,
    });
    expect(await client.exists('/a')).toEqual(updated);
    const again = await client.setData('/a', null, 1);
    expect(again).toMatchObject({ version: 2, mzxid: created.czxid + 2n, dataLength: 0 });
    server.engine.checkInvariants();
  });

  it('setACL: aversion+1 only (no mzxid, mtime or version change) and fires no watch', async () => {
    const server = startServer();
    const client = await server.client();
    const watcher = await server.client();
    const created = (await client.createWithStat('/a', bytes('x'))).stat;
    await client.create('/a/c');
    const data = recorder();
    const exist = recorder();
    const child = recorder();
    const persistent = recorder();
    await watcher.getData('/a', data.watcher);
    await watcher.exists('/a', exist.watcher);
    await watcher.getChildren('/a', child.watcher);
    await watcher.addWatch('/a', persistent.watcher, 'persistent');
    const rootRecursive = recorder();
    await watcher.addWatch('/', rootRecursive.watcher, 'persistentRecursive');
    server.advance(1000);
    const before = (await client.exists('/a'))!;
    const stat = await client.setAcl('/a', worldAcl(Perm.all), 0);
    expect(stat).toEqual({ ...before, aversion: 1 });
    expect(stat.mzxid).toBe(created.mzxid);
    expect(stat.mtime).toBe(created.mtime);
    expect(server.engine.lastProcessedZxid).toBe(before.pzxid + 1n);
    await client.setAcl('/a', worldAcl(Perm.all), -1);
    expect((await client.exists('/a'))!.aversion).toBe(2);
    await settle();
    expect([data.events, exist.events, child.events, persistent.events, rootRecursive.events]).toEqual([[], [], [], [], []]);
    // The watches are still armed: the next setData fires them.
    await client.setData('/a', null);
    await settle();
    expect(data.events).toEqual([{ type: 3, state: 3, path: '/a' }]);
    server.engine.checkInvariants();
  });

  it('children: create bumps the parent cversion and pzxid, delete bumps pzxid and the visible cversion; parent mzxid and version stay', async () => {
    const server = startServer();
    const client = await server.client();
    const parent = (await client.createWithStat('/p', bytes('d'))).stat;
    const c1 = (await client.createWithStat('/p/c1')).stat;
    let stat = (await client.exists('/p'))!;
    expect(stat).toEqual({ ...parent, cversion: 1, numChildren: 1, pzxid: c1.czxid });
    const c2 = (await client.createWithStat('/p/c2')).stat;
    stat = (await client.exists('/p'))!;
    expect(stat).toMatchObject({ cversion: 2, numChildren: 2, pzxid: c2.czxid, mzxid: parent.mzxid, version: 0 });
    await client.delete('/p/c1');
    const deleteZxid = server.engine.lastProcessedZxid;
    stat = (await client.exists('/p'))!;
    expect(stat).toMatchObject({ cversion: 3, numChildren: 1, pzxid: deleteZxid, mzxid: parent.mzxid, version: 0, mtime: parent.mtime });
    // setData on a child does not touch the parent.
    await client.setData('/p/c2', bytes('z'));
    expect(await client.exists('/p')).toEqual(stat);
    // getChildren2 returns the same Stat as exists.
    const withStat = await client.getChildrenWithStat('/p');
    expect(withStat).toEqual({ children: ['c2'], stat });
    server.engine.checkInvariants();
  });

  it('ephemeralOwner: the session id for ephemerals, 0 for persistent, container and TTL nodes', async () => {
    const server = startServer({ extendedTypesEnabled: true });
    const client = await server.client();
    expect((await client.createWithStat('/p')).stat.ephemeralOwner).toBe(0n);
    expect((await client.createWithStat('/c', null, { mode: 'container' })).stat.ephemeralOwner).toBe(0n);
    expect((await client.createWithStat('/t', null, { mode: 'persistentWithTtl', ttlMs: 1000 })).stat.ephemeralOwner).toBe(0n);
    expect((await client.createWithStat('/e', null, { mode: 'ephemeral' })).stat.ephemeralOwner).toBe(client.sessionId);
    expect((await client.createWithStat('/es', null, { mode: 'ephemeralSequential' })).stat.ephemeralOwner).toBe(client.sessionId);
    server.engine.checkInvariants();
  });
});

describe('versions', () => {
  it('version -1 matches any; a wrong version is BADVERSION and changes nothing', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('0'));
    await client.setData('/a', bytes('1'), -1);
    await client.setData('/a', bytes('2'), 1);
    await expectCode(client.setData('/a', bytes('x'), 1), ErrorCode.badVersion);
    await expectCode(client.setData('/a', bytes('x'), 3), ErrorCode.badVersion);
    expect((await client.getData('/a')).stat.version).toBe(2);

    await expectCode(client.setAcl('/a', worldAcl(Perm.all), 5), ErrorCode.badVersion);
    await client.setAcl('/a', worldAcl(Perm.all), 0);
    await client.setAcl('/a', worldAcl(Perm.all), -1);
    expect((await client.exists('/a'))!.aversion).toBe(2);

    await expectCode(client.transaction().check('/a', 1).commit(), ErrorCode.badVersion);
    await expect(client.transaction().check('/a', 2).check('/a', -1).commit()).resolves.toEqual([{ type: 'check' }, { type: 'check' }]);

    await expectCode(client.delete('/a', 1), ErrorCode.badVersion);
    expect(await client.exists('/a')).not.toBeNull();
    await client.delete('/a', 2);
    expect(await client.exists('/a')).toBeNull();
    await client.create('/b');
    await client.delete('/b', -1);
    expect(await client.exists('/b')).toBeNull();
    server.engine.checkInvariants();
  });

  it('a failed multi reports MultiError and leaves versions alone', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    const error = await client.transaction().setData('/a', bytes('x'), 0).check('/a', 0).commit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MultiError);
    expect((error as MultiError).code).toBe(ErrorCode.badVersion);
    expect((error as MultiError).failedIndex).toBe(1);
    expect((await client.exists('/a'))!.version).toBe(0);
    server.engine.checkInvariants();
  });
});
