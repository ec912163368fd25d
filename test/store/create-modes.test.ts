/**
 * The seven create modes, sequential naming, data (null vs empty, size), and the built-in nodes.
 * Expected values: docs/zookeeper-3.8-observations.md sections a, c, h; reference §1.8, §2.1, §2.6.
 */
import { describe, expect, it } from 'vitest';
import { CreateFlag, ErrorCode, OpCode, Perm, ttlMaxMs } from '@vivarium/protocol';
import { sequenceSuffix } from '@vivarium/store';
import { bytes, expectCode, rawSession, startServer, text } from './helpers.ts';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];

describe('built-in nodes on a fresh server (observations a)', () => {
  it('/, /zookeeper, /zookeeper/quota and /zookeeper/config have ZooKeeper 3.8 stats, data and ACLs', async () => {
    const server = startServer();
    const client = await server.client();

    const root = await client.getData('/');
    expect(root.data).toEqual(new Uint8Array(0));
    expect(root.stat).toMatchObject({ czxid: 0n, mzxid: 0n, pzxid: 0n, ctime: 0, mtime: 0, version: 0, cversion: -1, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 1 });

    const zk = await client.getData('/zookeeper');
    expect(zk.data).toEqual(new Uint8Array(0));
    expect(zk.stat).toMatchObject({ czxid: 0n, version: 0, cversion: -2, aversion: 0, dataLength: 0, numChildren: 2 });

    const quota = await client.getData('/zookeeper/quota');
    expect(quota.data).toEqual(new Uint8Array(0));
    expect(quota.stat).toMatchObject({ czxid: 0n, version: 0, cversion: 0, aversion: 0, numChildren: 0 });

    const config = await client.getData('/zookeeper/config');
    expect(config.data).toEqual(new Uint8Array(0));
    expect(config.data).not.toBeNull();
    expect(config.stat).toMatchObject({ czxid: 0n, version: 0, cversion: 0, aversion: -1, numChildren: 0 });

    expect((await client.getAcl('/')).acl).toEqual(openAcl);
    expect((await client.getAcl('/zookeeper')).acl).toEqual(openAcl);
    expect((await client.getAcl('/zookeeper/quota')).acl).toEqual(openAcl);
    expect((await client.getAcl('/zookeeper/config')).acl).toEqual([{ perms: Perm.read, id: { scheme: 'world', id: 'anyone' } }]);

    expect(await client.getChildren('/')).toEqual(['zookeeper']);
    expect([...(await client.getChildren('/zookeeper'))].sort()).toEqual(['config', 'quota']);
    server.engine.checkInvariants();
  });

  it('the root stat after the first create: cversion -1 -> 0, pzxid moves, ctime/mtime stay 0 (observations b)', async () => {
    const server = startServer();
    const client = await server.client();
    const { stat } = await client.createWithStat('/a', bytes('x'));
    const root = await client.exists('/');
    expect(root).toMatchObject({ czxid: 0n, mzxid: 0n, pzxid: stat.czxid, ctime: 0, mtime: 0, cversion: 0, numChildren: 2 });
    server.engine.checkInvariants();
  });
});

describe('the seven create modes', () => {
  it('persistent: czxid = mzxid = pzxid = the create zxid, versions 0, ctime = mtime = now, owner 0', async () => {
    const server = startServer();
    const client = await server.client();
    server.advance(1234);
    const expectedZxid = server.engine.lastProcessedZxid + 1n;
    const { path, stat } = await client.createWithStat('/a', bytes('x'));
    expect(path).toBe('/a');
    expect(stat).toEqual({
      czxid: expectedZxid, mzxid: expectedZxid, pzxid: expectedZxid,
      ctime: server.clockNow(), mtime: server.clockNow(),
      version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0,
    });
    expect(await client.exists('/a')).toEqual(stat);
    await client.close();
    expect(await (await server.client()).exists('/a')).not.toBeNull();
    server.engine.checkInvariants();
  });

  it('ephemeral: ephemeralOwner is the session id; the node goes when the session closes', async () => {
    const server = startServer();
    const owner = await server.client();
    const other = await server.client();
    const { stat } = await owner.createWithStat('/e', null, { mode: 'ephemeral' });
    expect(stat.ephemeralOwner).toBe(owner.sessionId);
    expect(stat.ephemeralOwner).not.toBe(0n);
    expect((await other.exists('/e'))?.ephemeralOwner).toBe(owner.sessionId);
    await owner.close();
    expect(await other.exists('/e')).toBeNull();
    server.engine.checkInvariants();
  });

  it('persistentSequential: suffix is %010d of the parent stored cversion; deletes do not advance it, plain creates do (observations c)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('x'));
    const steps: Array<{ result: string; cversion: number; numChildren: number; pzxid: bigint }> = [];
    const record = async (result: string): Promise<void> => {
      const stat = await client.exists('/a');
      steps.push({ result, cversion: stat!.cversion, numChildren: stat!.numChildren, pzxid: stat!.pzxid });
    };
    const base = server.engine.lastProcessedZxid;
    await record(await client.create('/a/s-', null, { mode: 'persistentSequential' }));
    await record(await client.create('/a/s-', null, { mode: 'persistentSequential' }));
    await client.delete('/a/s-0000000000');
    await record('deleted');
    await record(await client.create('/a/s-', null, { mode: 'persistentSequential' }));
    await record(await client.create('/a/plain', null));
    await record(await client.create('/a/s-', null, { mode: 'persistentSequential' }));
    expect(steps).toEqual([
      { result: '/a/s-0000000000', cversion: 1, numChildren: 1, pzxid: base + 1n },
      { result: '/a/s-0000000001', cversion: 2, numChildren: 2, pzxid: base + 2n },
      { result: 'deleted', cversion: 3, numChildren: 1, pzxid: base + 3n },
      { result: '/a/s-0000000002', cversion: 4, numChildren: 2, pzxid: base + 4n },
      { result: '/a/plain', cversion: 5, numChildren: 3, pzxid: base + 5n },
      { result: '/a/s-0000000004', cversion: 6, numChildren: 4, pzxid: base + 6n },
    ]);
    server.engine.checkInvariants();
  });

  it('failed creates do not advance the sequence counter', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await client.create('/a/x');
    await expectCode(client.create('/a/x'), ErrorCode.nodeExists);
    await expectCode(client.create('/a/y', null, { acl: [] }), ErrorCode.invalidAcl);
    expect(await client.create('/a/s-', null, { mode: 'persistentSequential' })).toBe('/a/s-0000000001');
    server.engine.checkInvariants();
  });

  it('ephemeralSequential: numbered from the same counter, owned by the session', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/q');
    await client.create('/q/first');
    const { path, stat } = await client.createWithStat('/q/lock-', bytes('me'), { mode: 'ephemeralSequential' });
    expect(path).toBe('/q/lock-0000000001');
    expect(stat.ephemeralOwner).toBe(client.sessionId);
    expect(await client.create('/q/lock-', null, { mode: 'ephemeralSequential' })).toBe('/q/lock-0000000002');
    expect([...(await client.getEphemerals('/q'))].sort()).toEqual(['/q/lock-0000000001', '/q/lock-0000000002']);
    server.engine.checkInvariants();
  });

  it('a sequential create under the root starts at 0000000000 (root stored cversion 0, shown as -1)', async () => {
    const server = startServer();
    const client = await server.client();
    expect(await client.create('/s-', null, { mode: 'persistentSequential' })).toBe('/s-0000000000');
    expect(await client.create('/s-', null, { mode: 'persistentSequential' })).toBe('/s-0000000001');
    expect((await client.exists('/'))!.cversion).toBe(1); // 2*2 - 3 children
    server.engine.checkInvariants();
  });

  it('a sequential path ending in / names the child by its number alone', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    expect(await client.create('/a/', null, { mode: 'persistentSequential' })).toBe('/a/0000000000');
    await expectCode(client.create('/a/', null), ErrorCode.badArguments);
    server.engine.checkInvariants();
  });

  it('container: created by createContainer, reports ephemeralOwner 0, may have children', async () => {
    const server = startServer();
    const client = await server.client();
    const { path, stat } = await client.createWithStat('/c', null, { mode: 'container' });
    expect(path).toBe('/c');
    expect(stat.ephemeralOwner).toBe(0n);
    expect(await client.create('/c/child', null, { mode: 'ephemeral' })).toBe('/c/child');
    expect((await client.exists('/c'))!.numChildren).toBe(1);
    server.engine.checkInvariants();
  });

  it('persistentWithTtl and persistentSequentialWithTtl with extendedTypesEnabled: ephemeralOwner 0, may have children', async () => {
    const server = startServer({ extendedTypesEnabled: true });
    const client = await server.client();
    const ttl = await client.createWithStat('/ttl', null, { mode: 'persistentWithTtl', ttlMs: 10_000 });
    expect(ttl.path).toBe('/ttl');
    expect(ttl.stat.ephemeralOwner).toBe(0n);
    // Observations h: after /ttl, the root's stored cversion is 1, so the sequential TTL node is /ttls-0000000001.
    const seq = await client.createWithStat('/ttls-', null, { mode: 'persistentSequentialWithTtl', ttlMs: 10_000 });
    expect(seq.path).toBe('/ttls-0000000001');
    expect(seq.stat.ephemeralOwner).toBe(0n);
    await client.create('/ttl/child');
    expect((await client.exists('/ttl'))!.numChildren).toBe(1);
    server.engine.checkInvariants();
  });

  it('TTL modes without extendedTypesEnabled: UNIMPLEMENTED, even with a bad ttl (observations h)', async () => {
    const server = startServer();
    const client = await server.client();
    await expectCode(client.create('/t', null, { mode: 'persistentWithTtl', ttlMs: 10_000 }), ErrorCode.unimplemented);
    await expectCode(client.create('/t', null, { mode: 'persistentSequentialWithTtl', ttlMs: 10_000 }), ErrorCode.unimplemented);
    await expectCode(client.create('/t', null, { mode: 'persistentWithTtl', ttlMs: 0 }), ErrorCode.unimplemented);
    // TTL support is checked before the parent exists.
    await expectCode(client.create('/missing/t', null, { mode: 'persistentWithTtl', ttlMs: 10_000 }), ErrorCode.unimplemented);
    expect(await client.exists('/t')).toBeNull();
    server.engine.checkInvariants();
  });

  it('bad TTL values with extendedTypesEnabled: BADARGUMENTS (valid TTLs are 1..2^40-1)', async () => {
    const server = startServer({ extendedTypesEnabled: true });
    const client = await server.client();
    for (const ttlMs of [0, -1, -5, ttlMaxMs + 1]) {
      await expectCode(client.create('/t', null, { mode: 'persistentWithTtl', ttlMs }), ErrorCode.badArguments);
    }
    // A bad TTL wins over an invalid ACL and a missing parent (check 1 of create).
    await expectCode(client.create('/missing/t', null, { mode: 'persistentWithTtl', ttlMs: 0, acl: [] }), ErrorCode.badArguments);
    expect(await client.create('/t', null, { mode: 'persistentWithTtl', ttlMs: ttlMaxMs })).toBe('/t');
    expect(await client.create('/t1', null, { mode: 'persistentWithTtl', ttlMs: 1 })).toBe('/t1');
    server.engine.checkInvariants();
  });

  it('raw frames: flags outside 0..6, TTL flags on create/create2, ttl on a non-TTL createTTL (observations d, h)', () => {
    for (const extendedTypesEnabled of [false, true]) {
      const server = startServer({ extendedTypesEnabled });
      const raw = rawSession(server);
      const create = (type: typeof OpCode.create | typeof OpCode.create2, flags: number) =>
        raw.call({ type, path: '/x', data: null, acl: openAcl, flags }).header.err;
      expect(create(OpCode.create, 7)).toBe(ErrorCode.badArguments);
      expect(create(OpCode.create, -1)).toBe(ErrorCode.badArguments);
      const ttlFlagsOnPlainCreate = extendedTypesEnabled ? ErrorCode.badArguments : ErrorCode.unimplemented;
      expect(create(OpCode.create, CreateFlag.persistentWithTtl)).toBe(ttlFlagsOnPlainCreate);
      expect(create(OpCode.create2, CreateFlag.persistentWithTtl)).toBe(ttlFlagsOnPlainCreate);
      const ttlCreate = (flags: number, ttl: number) => raw.call({ type: OpCode.createTtl, path: '/x', data: null, acl: openAcl, flags, ttl }).header.err;
      expect(ttlCreate(CreateFlag.persistent, 10_000)).toBe(ErrorCode.badArguments);
      expect(ttlCreate(CreateFlag.persistentWithTtl, 0)).toBe(extendedTypesEnabled ? ErrorCode.badArguments : ErrorCode.unimplemented);
      // createContainer answers as create2 (with a Stat); plain create (1) answers with the path only.
      const container = raw.call({ type: OpCode.createContainer, path: '/cont', data: null, acl: openAcl, flags: CreateFlag.container });
      expect(container.header.err).toBe(ErrorCode.ok);
      expect(container.response).toMatchObject({ path: '/cont', stat: { ephemeralOwner: 0n } });
      const plain = raw.call({ type: OpCode.create, path: '/plain', data: null, acl: openAcl, flags: 0 });
      expect(plain.response).toEqual({ path: '/plain' });
      expect(server.engine.database.tree.get('/x')).toBeUndefined();
      server.engine.checkInvariants();
    }
  });
});

describe('data', () => {
  it('null data and empty data are different; dataLength is 0 for both and counts bytes otherwise', async () => {
    const server = startServer();
    const client = await server.client();
    const nullStat = (await client.createWithStat('/null', null)).stat;
    const emptyStat = (await client.createWithStat('/empty', new Uint8Array(0))).stat;
    const fullStat = (await client.createWithStat('/full', bytes('héllo'))).stat;
    expect(nullStat.dataLength).toBe(0);
    expect(emptyStat.dataLength).toBe(0);
    expect(fullStat.dataLength).toBe(6);
    expect((await client.getData('/null')).data).toBeNull();
    expect((await client.getData('/empty')).data).toEqual(new Uint8Array(0));
    expect(text((await client.getData('/full')).data)).toBe('héllo');
    // setData can turn either into the other.
    await client.setData('/empty', null);
    await client.setData('/null', new Uint8Array(0));
    expect((await client.getData('/empty')).data).toBeNull();
    expect((await client.getData('/null')).data).toEqual(new Uint8Array(0));
    server.engine.checkInvariants();
  });

  it('the stored value is what was sent: later changes to the caller buffers do not reach the node', async () => {
    // Over the wire ZooKeeper stores a copy; an in-process server must not alias the caller's bytes.
    const server = startServer();
    const client = await server.client();
    const sent = bytes('abc');
    await client.create('/a', sent);
    sent[0] = 0x7a;
    expect(text((await client.getData('/a')).data)).toBe('abc');
    const update = bytes('def');
    await client.setData('/a', update);
    update[0] = 0x7a;
    const read = (await client.getData('/a')).data!;
    expect(text(read)).toBe('def');
    read[0] = 0x7a;
    expect(text((await client.getData('/a')).data)).toBe('def');
    server.engine.checkInvariants();
  });

  it('512 KB is accepted; more than jute.maxbuffer (0xfffff) is refused and nothing is written', async () => {
    const server = startServer();
    const client = await server.client();
    const half = new Uint8Array(512 * 1024).fill(7);
    expect((await client.createWithStat('/big', half)).stat.dataLength).toBe(512 * 1024);
    const tooBig = new Uint8Array(0xfffff + 1);
    // ZooKeeper closes the connection for a frame over jute.maxbuffer (the client sees CONNECTIONLOSS);
    // Vivarium refuses the request with BADARGUMENTS instead (DESIGN rule 4: a clear error).
    await expectCode(client.create('/huge', tooBig), ErrorCode.badArguments);
    await expectCode(client.setData('/big', tooBig), ErrorCode.badArguments);
    expect(await client.exists('/huge')).toBeNull();
    expect((await client.exists('/big'))!.version).toBe(0);
    server.engine.checkInvariants();
  });
});

describe('sequenceSuffix (String.format("%010d", int))', () => {
  it('pads to ten digits, keeps the sign on negatives as Java does', () => {
    expect(sequenceSuffix(0)).toBe('0000000000');
    expect(sequenceSuffix(42)).toBe('0000000042');
    expect(sequenceSuffix(2147483647)).toBe('2147483647');
    expect(sequenceSuffix(-5)).toBe('-000000005');
    expect(sequenceSuffix(-2147483648)).toBe('-2147483648');
  });
});
