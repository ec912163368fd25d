/**
 * The container and TTL reaper (ZooKeeper's ContainerManager, reference §2.6), driven by the
 * manual clock: which nodes are candidates, when the check runs, and that reaping is a normal
 * delete (a zxid, watches). Plus deleteContainer (opcode 20) sent by a client (reference §1.4).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, EventType, OpCode, Perm } from '@vivarium/protocol';
import { bytes, rawSession, recorder, settle, startServer, worldAcl } from './helpers.ts';

const interval = 1000;

describe('containers', () => {
  it('a container that had a child and became empty is reaped at the next check, with normal delete watches', async () => {
    const server = startServer({ containerCheckIntervalMs: interval });
    const client = await server.client();
    const watcher = await server.client();
    const start = server.clockNow();
    await client.create('/c', null, { mode: 'container' });
    await client.create('/c/child');
    await client.delete('/c/child');
    const data = recorder();
    const parent = recorder();
    await watcher.exists('/c', data.watcher);
    await watcher.getChildren('/', parent.watcher);
    const zxid = server.engine.lastProcessedZxid;
    server.manualClock!.advanceTo(start + interval - 1);
    expect(await client.exists('/c')).not.toBeNull();
    server.manualClock!.advanceTo(start + interval);
    expect(server.engine.lastProcessedZxid).toBe(zxid + 1n);
    expect(await client.exists('/c')).toBeNull();
    await settle();
    expect(data.events).toEqual([{ type: EventType.nodeDeleted, state: 3, path: '/c' }]);
    expect(parent.events).toEqual([{ type: EventType.nodeChildrenChanged, state: 3, path: '/' }]);
    expect((await client.exists('/'))!.pzxid).toBe(zxid + 1n);
    server.engine.checkInvariants();
  });

  it('a never-used container stays (maxNeverUsedIntervalMs 0, as released ZooKeeper); one with a child stays', async () => {
    const server = startServer({ containerCheckIntervalMs: interval });
    const client = await server.client({ sessionTimeoutMs: 40_000 });
    await client.create('/never', null, { mode: 'container' });
    await client.create('/busy', null, { mode: 'container' });
    await client.create('/busy/child');
    const zxid = server.engine.lastProcessedZxid;
    for (let i = 0; i < 5; i++) {
      server.advance(20 * interval);
      await settle();
    }
    expect(await client.exists('/never')).not.toBeNull();
    expect(await client.exists('/busy')).not.toBeNull();
    expect(server.engine.lastProcessedZxid).toBe(zxid);
    server.engine.checkInvariants();
  });

  it('with containerMaxNeverUsedIntervalMs set, a never-used container goes once it is older than that', async () => {
    const server = startServer({ containerCheckIntervalMs: interval, containerMaxNeverUsedIntervalMs: 2500 });
    const client = await server.client();
    const start = server.clockNow();
    await client.create('/never', null, { mode: 'container' });
    server.manualClock!.advanceTo(start + 2000);
    expect(await client.exists('/never')).not.toBeNull();
    server.manualClock!.advanceTo(start + 3000);
    expect(await client.exists('/never')).toBeNull();
    server.engine.checkInvariants();
  });

  it('nested containers empty from the bottom up, one check at a time', async () => {
    const server = startServer({ containerCheckIntervalMs: interval });
    const client = await server.client();
    const start = server.clockNow();
    await client.create('/outer', null, { mode: 'container' });
    await client.create('/outer/inner', null, { mode: 'container' });
    await client.create('/outer/inner/leaf');
    await client.delete('/outer/inner/leaf');
    server.manualClock!.advanceTo(start + interval);
    expect(await client.exists('/outer/inner')).toBeNull();
    expect(await client.exists('/outer')).not.toBeNull();
    server.manualClock!.advanceTo(start + 2 * interval);
    expect(await client.exists('/outer')).toBeNull();
    server.engine.checkInvariants();
  });

  it('a container whose ephemeral child goes with its session is reaped afterwards', async () => {
    const server = startServer({ containerCheckIntervalMs: interval });
    const client = await server.client();
    const other = await server.client();
    await other.create('/lock', null, { mode: 'container' });
    await client.create('/lock/holder', null, { mode: 'ephemeral' });
    await client.close();
    expect(await other.exists('/lock')).not.toBeNull();
    server.advance(interval);
    expect(await other.exists('/lock')).toBeNull();
    server.engine.checkInvariants();
  });
});

describe('TTL nodes', () => {
  it('are reaped at the first check after ttl has passed since mtime', async () => {
    const server = startServer({ containerCheckIntervalMs: interval, extendedTypesEnabled: true });
    const client = await server.client();
    const start = server.clockNow();
    await client.create('/t', null, { mode: 'persistentWithTtl', ttlMs: 1500 });
    await client.create('/ts-', null, { mode: 'persistentSequentialWithTtl', ttlMs: 1500 });
    const w = recorder();
    await client.exists('/t', w.watcher);
    server.manualClock!.advanceTo(start + 2 * interval - 1);
    expect(await client.exists('/t')).not.toBeNull(); // the check at +1000 saw 1000 <= 1500
    server.manualClock!.advanceTo(start + 2 * interval);
    expect(await client.exists('/t')).toBeNull();
    expect(await client.exists('/ts-0000000001')).toBeNull();
    expect(w.events).toEqual([{ type: EventType.nodeDeleted, state: 3, path: '/t' }]);
    server.engine.checkInvariants();
  });

  it('setData resets the TTL (it counts from mtime); setACL does not', async () => {
    const server = startServer({ containerCheckIntervalMs: interval, extendedTypesEnabled: true });
    const client = await server.client();
    const start = server.clockNow();
    await client.create('/data', null, { mode: 'persistentWithTtl', ttlMs: 2500 });
    await client.create('/acl', null, { mode: 'persistentWithTtl', ttlMs: 2500 });
    server.manualClock!.advanceTo(start + 2000);
    await client.setData('/data', bytes('still here'));
    await client.setAcl('/acl', worldAcl(Perm.all));
    server.manualClock!.advanceTo(start + 3000);
    expect(await client.exists('/acl')).toBeNull();
    expect(await client.exists('/data')).not.toBeNull();
    server.manualClock!.advanceTo(start + 4000);
    expect(await client.exists('/data')).not.toBeNull(); // 2000 since mtime, not > 2500
    server.manualClock!.advanceTo(start + 5000);
    expect(await client.exists('/data')).toBeNull();
    server.engine.checkInvariants();
  });

  it('a TTL node with children stays until it is empty', async () => {
    const server = startServer({ containerCheckIntervalMs: interval, extendedTypesEnabled: true });
    const client = await server.client();
    await client.create('/t', null, { mode: 'persistentWithTtl', ttlMs: 100 });
    await client.create('/t/child');
    server.advance(5 * interval);
    expect(await client.exists('/t')).not.toBeNull();
    await client.delete('/t/child');
    server.advance(interval);
    expect(await client.exists('/t')).toBeNull();
    server.engine.checkInvariants();
  });
});

describe('deleteContainer sent by a client (opcode 20)', () => {
  // Reference §1.4 / ZooKeeper 3.9's PrepRequestProcessor (DeleteContainerRequest record). The real 3.8.0
  // answered BADARGUMENTS (and used a zxid) to every deleteContainer we sent it, jute-encoded or as bare
  // path bytes, on ephemeral, persistent, non-empty and missing nodes alike; the engine follows 3.9.
  it('has no ACL check, deletes any empty node that is not a session ephemeral; ephemeral -> BADVERSION', () => {
    const server = startServer();
    const raw = rawSession(server);
    const open = worldAcl(Perm.all);
    raw.call({ type: OpCode.create, path: '/p', data: null, acl: open, flags: 0 });
    raw.call({ type: OpCode.create, path: '/p/plain', data: null, acl: open, flags: 0 });
    raw.call({ type: OpCode.create, path: '/p/full', data: null, acl: open, flags: 0 });
    raw.call({ type: OpCode.create, path: '/p/full/x', data: null, acl: open, flags: 0 });
    raw.call({ type: OpCode.create, path: '/p/eph', data: null, acl: open, flags: 1 });
    raw.call({ type: OpCode.setAcl, path: '/p', acl: worldAcl(Perm.read), version: -1 });
    expect(raw.call({ type: OpCode.delete, path: '/p/plain', version: -1 }).header.err).toBe(ErrorCode.noAuth);
    expect(raw.call({ type: OpCode.deleteContainer, path: '/p/plain' }).header.err).toBe(ErrorCode.ok);
    expect(raw.call({ type: OpCode.deleteContainer, path: '/p/full' }).header.err).toBe(ErrorCode.notEmpty);
    expect(raw.call({ type: OpCode.deleteContainer, path: '/p/eph' }).header.err).toBe(ErrorCode.badVersion);
    expect(raw.call({ type: OpCode.deleteContainer, path: '/p/missing' }).header.err).toBe(ErrorCode.noNode);
    expect(raw.call({ type: OpCode.deleteContainer, path: '/zookeeper' }).header.err).toBe(ErrorCode.badArguments);
    expect(server.engine.database.tree.has('/p/plain')).toBe(false);
    server.engine.checkInvariants();
  });
});
