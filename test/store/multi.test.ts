/**
 * multi and multiRead: atomicity, per-op results, rollback codes, ops seeing earlier ops, one zxid,
 * and when watches fire. Reference §1.5; docs/zookeeper-3.8-observations.md e.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perm } from '@vivarium/protocol';
import { MultiError, type MultiOutcome } from '@vivarium/client';
import { bytes, expectCode, rawSession, recorder, startServer, text, worldAcl } from './helpers.ts';

async function multiErrorOf(promise: Promise<unknown>): Promise<MultiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MultiError);
  return error as MultiError;
}

describe('multi: success', () => {
  it('applies every op atomically and returns per-op results; all ops share one zxid', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/old', bytes('o'));
    await client.create('/gone');
    const zxid = server.engine.lastProcessedZxid + 1n;
    const results = await client
      .transaction()
      .create('/a', bytes('1'))
      .setData('/old', bytes('n'), 0)
      .delete('/gone', 0)
      .check('/old', 1)
      .commit();
    expect(results).toHaveLength(4);
    // The client sends create2, but ZooKeeper rebuilds a multi's creates from their flags and answers a
    // plain create with CreateResponse, no stat (checked on 3.8.0: test/compat/differential.test.ts).
    expect(results[0]).toEqual({ type: 'create', path: '/a', stat: undefined });
    expect(results[1]).toMatchObject({ type: 'setData', stat: { version: 1, mzxid: zxid } });
    expect(results[2]).toEqual({ type: 'delete' });
    expect(results[3]).toEqual({ type: 'check' });
    expect(server.engine.lastProcessedZxid).toBe(zxid);
    expect(text((await client.getData('/old')).data)).toBe('n');
    expect(await client.exists('/gone')).toBeNull();
    expect((await client.exists('/'))!.pzxid).toBe(zxid);
    server.engine.checkInvariants();
  });

  it('ops see the effects of earlier ops: create /a then /a/b, setData at version 0, delete and re-create', async () => {
    const server = startServer();
    const client = await server.client();
    const results = await client
      .transaction()
      .create('/a')
      .create('/a/b', bytes('b'))
      .setData('/a/b', bytes('c'), 0)
      .check('/a/b', 1)
      .delete('/a/b', 1)
      .create('/a/b', bytes('d'))
      .commit();
    expect(results.map((r) => r.type)).toEqual(['create', 'create', 'setData', 'check', 'delete', 'create']);
    const { data, stat } = await client.getData('/a/b');
    expect(text(data)).toBe('d');
    expect(stat.version).toBe(0);
    // /a had two child creations and one delete: stored cversion 2, visible 2*2 - 1 = 3.
    expect((await client.exists('/a'))!.cversion).toBe(3);
    server.engine.checkInvariants();
  });

  it('sequential numbers count earlier creates in the same multi', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/q');
    const results = await client
      .transaction()
      .create('/q/s-', null, { mode: 'persistentSequential' })
      .create('/q/plain')
      .create('/q/s-', null, { mode: 'ephemeralSequential' })
      .commit();
    expect(results.map((r) => (r.type === 'create' ? r.path : r.type))).toEqual(['/q/s-0000000000', '/q/plain', '/q/s-0000000002']);
    expect(await client.getEphemerals('/q')).toEqual(['/q/s-0000000002']);
    server.engine.checkInvariants();
  });

  it('an empty multi succeeds with no results and uses a zxid', async () => {
    const server = startServer();
    const client = await server.client();
    const before = server.engine.lastProcessedZxid;
    expect(await client.transaction().commit()).toEqual([]);
    expect(server.engine.lastProcessedZxid).toBe(before + 1n);
    server.engine.checkInvariants();
  });

  it('inside multi the flags decide: create and create2 answer CreateResponse (type 1), a container Create2Response (type 15)', () => {
    // ZooKeeper rebuilds each create sub-op with Op.create(path, data, acl, flags): checked on 3.8.0
    // (test/compat/differential.test.ts).
    const server = startServer();
    const raw = rawSession(server);
    const acl = worldAcl(Perm.all);
    const reply = raw.call({
      type: OpCode.multi,
      ops: [
        { type: OpCode.create, path: '/a', data: null, acl, flags: 0 },
        { type: OpCode.create2, path: '/b', data: null, acl, flags: 0 },
        { type: OpCode.createContainer, path: '/c', data: null, acl, flags: 4 },
        { type: OpCode.delete, path: '/a', version: -1 },
        { type: OpCode.check, path: '/b', version: 0 },
        { type: OpCode.setData, path: '/b', data: null, version: 0 },
      ],
    });
    expect(reply.header.err).toBe(0);
    const results = (reply.response as { results: Array<{ type: number }> }).results;
    expect(results.map((r) => r.type)).toEqual([OpCode.create, OpCode.create, OpCode.create2, OpCode.delete, OpCode.check, OpCode.setData]);
    expect(results[0]).toEqual({ type: OpCode.create, path: '/a' });
    server.engine.checkInvariants();
  });
});

describe('multi: failure', () => {
  it('MultiError: ops before the failure get 0, the failing op its code, ops after it -2; nothing changes', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/x', bytes('x'));
    await client.create('/q');
    const before = {
      x: await client.getData('/x'),
      q: await client.exists('/q'),
      root: await client.getChildren('/'),
    };
    const zxid = server.engine.lastProcessedZxid;
    const error = await multiErrorOf(
      client
        .transaction()
        .create('/new', bytes('n'))
        .setData('/x', bytes('y'))
        .create('/q/s-', null, { mode: 'persistentSequential' })
        .create('/nope/child')
        .delete('/x')
        .check('/x', 0)
        .commit(),
    );
    expect(error.code).toBe(ErrorCode.noNode);
    expect(error.failedIndex).toBe(3);
    const expected: MultiOutcome[] = [
      { type: 'error', err: 0 },
      { type: 'error', err: 0 },
      { type: 'error', err: 0 },
      { type: 'error', err: ErrorCode.noNode },
      { type: 'error', err: ErrorCode.runtimeInconsistency },
      { type: 'error', err: ErrorCode.runtimeInconsistency },
    ];
    expect(error.results).toEqual(expected);
    // One zxid for the failed multi; the tree is as before.
    expect(server.engine.lastProcessedZxid).toBe(zxid + 1n);
    expect(await client.getData('/x')).toEqual(before.x);
    expect(await client.exists('/q')).toEqual(before.q);
    expect(await client.getChildren('/')).toEqual(before.root);
    expect(await client.exists('/new')).toBeNull();
    // The rolled-back sequential create did not advance the counter.
    expect(await client.create('/q/s-', null, { mode: 'persistentSequential' })).toBe('/q/s-0000000000');
    server.engine.checkInvariants();
  });

  it('the first op failing gives [code, -2, -2]; observations e: [create /m, create /m] gives [0, NODEEXISTS]', async () => {
    const server = startServer();
    const client = await server.client();
    const first = await multiErrorOf(client.transaction().delete('/nope').create('/a').create('/b').commit());
    expect(first.results).toEqual([
      { type: 'error', err: ErrorCode.noNode },
      { type: 'error', err: ErrorCode.runtimeInconsistency },
      { type: 'error', err: ErrorCode.runtimeInconsistency },
    ]);
    expect(first.failedIndex).toBe(0);
    const twice = await multiErrorOf(client.transaction().create('/m').create('/m').commit());
    expect(twice.results).toEqual([{ type: 'error', err: 0 }, { type: 'error', err: ErrorCode.nodeExists }]);
    expect(await client.exists('/m')).toBeNull();
    expect(await client.exists('/a')).toBeNull();
    server.engine.checkInvariants();
  });

  it('a failed multi fires no watches and leaves ephemerals and sessions as they were', async () => {
    const server = startServer();
    const client = await server.client();
    const watcher = await server.client();
    await client.create('/w', bytes('w'));
    const data = recorder();
    const child = recorder();
    const exist = recorder();
    await watcher.getData('/w', data.watcher);
    await watcher.getChildren('/', child.watcher);
    await watcher.exists('/e', exist.watcher);
    await expectCode(client.transaction().create('/e', null, { mode: 'ephemeral' }).setData('/w', null).delete('/nope').commit(), ErrorCode.noNode);
    expect(await client.getEphemerals()).toEqual([]);
    // Still armed: a successful write afterwards fires them.
    await client.setData('/w', null);
    expect([data.events, child.events, exist.events]).toEqual([[{ type: 3, state: 3, path: '/w' }], [], []]);
    server.engine.checkInvariants();
  });
});

describe('multi: create modes and checks inside a multi', () => {
  it('an ephemeral created earlier in the multi cannot get a child: NOCHILDRENFOREPHEMERALS', async () => {
    const server = startServer();
    const client = await server.client();
    const error = await multiErrorOf(client.transaction().create('/e', null, { mode: 'ephemeral' }).create('/e/c').commit());
    expect(error.results).toEqual([{ type: 'error', err: 0 }, { type: 'error', err: ErrorCode.noChildrenForEphemerals }]);
    expect(await client.getEphemerals()).toEqual([]);
    server.engine.checkInvariants();
  });

  it('TTL creates inside multi follow extendedTypesEnabled like plain creates', async () => {
    const off = startServer();
    const offClient = await off.client();
    const refused = await multiErrorOf(offClient.transaction().create('/t', null, { mode: 'persistentWithTtl', ttlMs: 1000 }).commit());
    expect(refused.results).toEqual([{ type: 'error', err: ErrorCode.unimplemented }]);
    const on = startServer({ extendedTypesEnabled: true });
    const onClient = await on.client();
    const results = await onClient
      .transaction()
      .create('/t', null, { mode: 'persistentWithTtl', ttlMs: 1000 })
      .create('/c', null, { mode: 'container' })
      .commit();
    expect(results).toMatchObject([{ type: 'create', path: '/t', stat: { ephemeralOwner: 0n } }, { type: 'create', path: '/c', stat: { ephemeralOwner: 0n } }]);
    off.engine.checkInvariants();
    on.engine.checkInvariants();
  });

  it('a bare check outside multi is UNIMPLEMENTED and the connection is closed (3.9.3+; 3.8.0 just dropped it)', () => {
    const server = startServer();
    const raw = rawSession(server);
    const reply = raw.call({ type: OpCode.check, path: '/', version: -1 });
    expect(reply.header.err).toBe(ErrorCode.unimplemented);
    expect(raw.closed).toBe(true);
    server.engine.checkInvariants();
  });
});

describe('multi: watches', () => {
  it('watches fire after the whole multi, in op order, once per watch, before the multi reply', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/x', bytes('0'));
    const events: string[] = [];
    await client.exists('/m', (e) => events.push(`exists ${e.type} ${e.path}`));
    await client.getChildren('/', (e) => events.push(`children ${e.type} ${e.path}`));
    await client.getData('/x', (e) => events.push(`data ${e.type} ${e.path}`));
    await client.addWatch('/x', (e) => events.push(`persistent ${e.type} ${e.path}`), 'persistent');
    const results = await client
      .transaction()
      .setData('/x', bytes('1'))
      .create('/m')
      .setData('/x', bytes('2'))
      .setData('/m', bytes('m'))
      .commit();
    expect(results).toHaveLength(4);
    // The one-shot watches fire once each (the first trigger consumes them); the persistent watch fires per trigger.
    expect(events).toEqual([
      'data 3 /x',
      'persistent 3 /x',
      'exists 1 /m',
      'children 4 /',
      'persistent 3 /x',
    ]);
    server.engine.checkInvariants();
  });
});

describe('multi: watch frames on the wire (checked on 3.8.0)', () => {
  it('[setData /x, create /m, setData /x, setData /m] with exists(/m), children(/), data(/x) and persistent(/x) watches: 3 /x, 1 /m, 4 /, 3 /x', () => {
    const server = startServer();
    const raw = rawSession(server);
    const acl = worldAcl(Perm.all);
    raw.call({ type: OpCode.create, path: '/x', data: bytes('0'), acl, flags: 0 });
    raw.call({ type: OpCode.exists, path: '/m', watch: true });
    raw.call({ type: OpCode.getChildren, path: '/', watch: true });
    raw.call({ type: OpCode.getData, path: '/x', watch: true });
    raw.call({ type: OpCode.addWatch, path: '/x', mode: 0 });
    const multi = raw.call({
      type: OpCode.multi,
      ops: [
        { type: OpCode.setData, path: '/x', data: bytes('1'), version: -1 },
        { type: OpCode.create, path: '/m', data: null, acl, flags: 0 },
        { type: OpCode.setData, path: '/x', data: bytes('2'), version: -1 },
        { type: OpCode.setData, path: '/m', data: bytes('m'), version: -1 },
      ],
    });
    expect(multi.outputs.map((o) => o.kind)).toEqual(['event', 'event', 'event', 'event', 'reply']);
    expect(multi.events.map((e) => `${e.type} ${e.path}`)).toEqual(['3 /x', '1 /m', '4 /', '3 /x']);
    // Persistent, data and child watches on /m, then delete /m: one NodeDeleted frame.
    raw.call({ type: OpCode.addWatch, path: '/m', mode: 0 });
    raw.call({ type: OpCode.getData, path: '/m', watch: true });
    raw.call({ type: OpCode.getChildren, path: '/m', watch: true });
    const removed = raw.call({ type: OpCode.delete, path: '/m', version: -1 });
    expect(removed.events.map((e) => `${e.type} ${e.path}`)).toEqual(['2 /m']);
    server.engine.checkInvariants();
  });
});

describe('multiRead', () => {
  it('evaluates each op on its own: errors per op, the others still answer', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('a'));
    await client.create('/a/c1');
    await client.create('/secret', bytes('s'), { acl: worldAcl(Perm.all & ~Perm.read) });
    const before = server.engine.lastProcessedZxid;
    const results = await client.multiRead([
      { type: 'getData', path: '/a' },
      { type: 'getData', path: '/nope' },
      { type: 'getChildren', path: '/a' },
      { type: 'getChildren', path: '/nope' },
      { type: 'getData', path: '/secret' },
      { type: 'getChildren', path: '/secret' },
      { type: 'getData', path: 'bad//path' },
    ]);
    expect(results[0]).toMatchObject({ type: 'getData', data: bytes('a'), stat: { numChildren: 1 } });
    expect(results.slice(1)).toEqual([
      { type: 'error', err: ErrorCode.noNode },
      { type: 'getChildren', children: ['c1'] },
      { type: 'error', err: ErrorCode.noNode },
      { type: 'error', err: ErrorCode.noAuth },
      { type: 'error', err: ErrorCode.noAuth },
      { type: 'error', err: ErrorCode.noNode },
    ]);
    expect(server.engine.lastProcessedZxid).toBe(before);
    expect(await client.multiRead([])).toEqual([]);
    server.engine.checkInvariants();
  });
});
