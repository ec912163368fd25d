/**
 * Watches: where they register, what fires them, who receives what, de-duplication, ordering
 * against replies, persistent and recursive watches, removal, ACL filtering and re-registration
 * after a reconnect. Reference §1.7, §2.3 (DataTree/WatchManager) and §0.5 (events before replies).
 */
import { describe, expect, it } from 'vitest';
import { AddWatchMode, ErrorCode, EventType, OpCode, Perm, WatcherType } from '@vivarium/protocol';
import { bytes, expectCode, rawSession, recorder, settle, startServer, userPassDigest, worldAcl } from './helpers.ts';

const created = (path: string) => ({ type: EventType.nodeCreated, state: 3, path });
const deleted = (path: string) => ({ type: EventType.nodeDeleted, state: 3, path });
const changed = (path: string) => ({ type: EventType.nodeDataChanged, state: 3, path });
const children = (path: string) => ({ type: EventType.nodeChildrenChanged, state: 3, path });

describe('standard (one-shot) watches', () => {
  it('getData: one NodeDataChanged, then the watch is gone', async () => {
    const server = startServer();
    const client = await server.client();
    const writer = await server.client();
    await client.create('/a', bytes('0'));
    const w = recorder();
    await client.getData('/a', w.watcher);
    await writer.setData('/a', bytes('1'));
    await writer.setData('/a', bytes('2'));
    await settle();
    expect(w.events).toEqual([changed('/a')]);
    await expectCode(client.checkWatches('/a', WatcherType.data), ErrorCode.noWatcher);
    server.engine.checkInvariants();
  });

  it('exists on an existing node: fires on setData or delete', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await client.create('/b');
    const onA = recorder();
    const onB = recorder();
    await client.exists('/a', onA.watcher);
    await client.exists('/b', onB.watcher);
    await client.setData('/a', null);
    await client.delete('/b');
    expect(onA.events).toEqual([changed('/a')]);
    expect(onB.events).toEqual([deleted('/b')]);
    server.engine.checkInvariants();
  });

  it('exists on a missing node registers a watch that fires NodeCreated (pitfall 9)', async () => {
    const server = startServer();
    const client = await server.client();
    const writer = await server.client();
    const w = recorder();
    expect(await client.exists('/later', w.watcher)).toBeNull();
    await client.checkWatches('/later', WatcherType.data);
    await writer.create('/later');
    await writer.setData('/later', null);
    await settle();
    expect(w.events).toEqual([created('/later')]);
    server.engine.checkInvariants();
  });

  it('getData and getChildren on a missing node register nothing', async () => {
    const server = startServer();
    const client = await server.client();
    const w = recorder();
    await expectCode(client.getData('/later', w.watcher), ErrorCode.noNode);
    await expectCode(client.getChildren('/later', w.watcher), ErrorCode.noNode);
    await expectCode(client.checkWatches('/later', WatcherType.any), ErrorCode.noWatcher);
    await client.create('/later');
    await client.create('/later/c');
    await client.delete('/later/c');
    await client.delete('/later');
    expect(w.events).toEqual([]);
    server.engine.checkInvariants();
  });

  it('getChildren: NodeChildrenChanged on a child create or delete, not on data changes', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/p', bytes('p'));
    await client.create('/p/c');
    const w = recorder();
    await client.getChildren('/p', w.watcher);
    await client.setData('/p', null);
    await client.setData('/p/c', null);
    await client.create('/p/c/grandchild');
    expect(w.events).toEqual([]);
    await client.create('/p/d');
    expect(w.events).toEqual([children('/p')]);
    await client.getChildrenWithStat('/p', w.watcher);
    await client.delete('/p/d');
    expect(w.events).toEqual([children('/p'), children('/p')]);
    server.engine.checkInvariants();
  });

  it('delete fires NodeDeleted once to a connection holding both data and child watches, and NodeChildrenChanged on the parent', () => {
    const server = startServer();
    const writer = rawSession(server);
    const watcher = rawSession(server);
    const acl = worldAcl(Perm.all);
    writer.call({ type: OpCode.create, path: '/p', data: null, acl, flags: 0 });
    writer.call({ type: OpCode.create, path: '/p/n', data: null, acl, flags: 0 });
    watcher.call({ type: OpCode.getData, path: '/p/n', watch: true });
    watcher.call({ type: OpCode.exists, path: '/p/n', watch: true });
    watcher.call({ type: OpCode.getChildren, path: '/p/n', watch: true });
    watcher.call({ type: OpCode.getChildren, path: '/p', watch: true });
    const from = watcher.outputs.length;
    writer.call({ type: OpCode.delete, path: '/p/n', version: -1 });
    expect(watcher.eventsSince(from)).toEqual([deleted('/p/n'), children('/p')]);
    expect(server.engine.watches.data.size + server.engine.watches.child.size).toBe(0);
    server.engine.checkInvariants();
  });

  it('the same watcher function registered twice for the same event is called once', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    const w = recorder();
    await client.getData('/a', w.watcher);
    await client.exists('/a', w.watcher);
    const other = recorder();
    await client.getData('/a', other.watcher);
    await client.setData('/a', null);
    expect(w.events).toEqual([changed('/a')]);
    expect(other.events).toEqual([changed('/a')]);
    server.engine.checkInvariants();
  });
});

describe('one frame per connection per trigger and path', () => {
  it('data, exist, persistent and an ancestor recursive watch on one connection give one NodeDataChanged frame', () => {
    const server = startServer();
    const writer = rawSession(server);
    const watcher = rawSession(server);
    const acl = worldAcl(Perm.all);
    writer.call({ type: OpCode.create, path: '/a', data: null, acl, flags: 0 });
    writer.call({ type: OpCode.create, path: '/a/b', data: null, acl, flags: 0 });
    watcher.call({ type: OpCode.getData, path: '/a/b', watch: true });
    watcher.call({ type: OpCode.exists, path: '/a/b', watch: true });
    watcher.call({ type: OpCode.addWatch, path: '/a/b', mode: AddWatchMode.persistent });
    watcher.call({ type: OpCode.addWatch, path: '/a', mode: AddWatchMode.persistentRecursive });
    watcher.call({ type: OpCode.addWatch, path: '/', mode: AddWatchMode.persistentRecursive });
    let from = watcher.outputs.length;
    writer.call({ type: OpCode.setData, path: '/a/b', data: null, version: -1 });
    expect(watcher.eventsSince(from)).toEqual([changed('/a/b')]);
    // Delete: the data pass and the child pass together still give one NodeDeleted; the parent's
    // NodeChildrenChanged goes to child watchers of /a only (recursive watches never get it).
    watcher.call({ type: OpCode.getChildren, path: '/a/b', watch: true });
    from = watcher.outputs.length;
    writer.call({ type: OpCode.delete, path: '/a/b', version: -1 });
    expect(watcher.eventsSince(from)).toEqual([deleted('/a/b')]);
    server.engine.checkInvariants();
  });

  it('two connections each get their own frame', () => {
    const server = startServer();
    const writer = rawSession(server);
    const one = rawSession(server);
    const two = rawSession(server);
    writer.call({ type: OpCode.create, path: '/a', data: null, acl: worldAcl(Perm.all), flags: 0 });
    one.call({ type: OpCode.getData, path: '/a', watch: true });
    two.call({ type: OpCode.exists, path: '/a', watch: true });
    const [fromOne, fromTwo] = [one.outputs.length, two.outputs.length];
    writer.call({ type: OpCode.setData, path: '/a', data: null, version: -1 });
    expect(one.eventsSince(fromOne)).toEqual([changed('/a')]);
    expect(two.eventsSince(fromTwo)).toEqual([changed('/a')]);
    server.engine.checkInvariants();
  });
});

describe('events come before the reply of the write that fired them (pitfall 5)', () => {
  it('on the writing connection: the frame order is event then reply', () => {
    const server = startServer();
    const raw = rawSession(server);
    raw.call({ type: OpCode.create, path: '/a', data: null, acl: worldAcl(Perm.all), flags: 0 });
    raw.call({ type: OpCode.getData, path: '/a', watch: true });
    const { outputs } = raw.call({ type: OpCode.setData, path: '/a', data: bytes('x'), version: -1 });
    expect(outputs.map((o) => o.kind)).toEqual(['event', 'reply']);
    server.engine.checkInvariants();
  });

  it('the watcher has been called by the time the setData promise resolves, on the same and on another client', async () => {
    const server = startServer();
    const client = await server.client();
    const other = await server.client();
    await client.create('/a');
    const order: string[] = [];
    await client.getData('/a', () => order.push('same-client watcher'));
    await other.getData('/a', () => order.push('other-client watcher'));
    await client.setData('/a', bytes('x')).then(() => order.push('setData resolved'));
    // Between clients there is no order; each watcher runs before the reply is seen.
    expect([...order.slice(0, 2)].sort()).toEqual(['other-client watcher', 'same-client watcher']);
    expect(order[2]).toBe('setData resolved');
    server.engine.checkInvariants();
  });

  it('a create resolves after the NodeCreated and NodeChildrenChanged it fired', async () => {
    const server = startServer();
    const client = await server.client();
    const order: string[] = [];
    await client.exists('/a', (e) => order.push(`event ${e.type}`));
    await client.getChildren('/', (e) => order.push(`event ${e.type}`));
    await client.create('/a').then(() => order.push('created'));
    expect(order).toEqual(['event 1', 'event 4', 'created']);
    server.engine.checkInvariants();
  });
});

describe('persistent and persistent-recursive watches (addWatch)', () => {
  it('persistent: created, changed, deleted and children changed on the path, repeatedly; nothing for grandchildren', async () => {
    const server = startServer();
    const client = await server.client();
    const writer = await server.client();
    const w = recorder();
    await client.addWatch('/p', w.watcher, 'persistent');
    await writer.create('/p');
    await writer.setData('/p', null);
    await writer.setData('/p', null);
    await writer.create('/p/c');
    await writer.create('/p/c/g');
    await writer.setData('/p/c', null);
    await writer.delete('/p/c/g');
    await writer.delete('/p/c');
    await writer.delete('/p');
    await writer.create('/p');
    await settle();
    expect(w.events).toEqual([
      created('/p'), changed('/p'), changed('/p'), children('/p'), children('/p'), deleted('/p'), created('/p'),
    ]);
    await client.checkWatches('/p', WatcherType.data);
    await client.checkWatches('/p', WatcherType.children);
    server.engine.checkInvariants();
  });

  it('persistent-recursive: every create, change and delete at or below the path; never NodeChildrenChanged', async () => {
    const server = startServer();
    const client = await server.client();
    const writer = await server.client();
    const w = recorder();
    await client.addWatch('/r', w.watcher, 'persistentRecursive');
    await writer.create('/r');
    await writer.create('/r/a');
    await writer.create('/r/a/b');
    await writer.setData('/r/a/b', null);
    await writer.create('/rx'); // a sibling with the same prefix is not below /r
    await writer.delete('/r/a/b');
    await writer.setData('/r', null);
    await settle();
    expect(w.events).toEqual([
      created('/r'), created('/r/a'), created('/r/a/b'), changed('/r/a/b'), deleted('/r/a/b'), changed('/r'),
    ]);
    // Recursive watches live only in the data table (3.8.0's laxer checkWatches answers OK here).
    await expectCode(client.checkWatches('/r', WatcherType.children), ErrorCode.noWatcher);
    await client.checkWatches('/r', WatcherType.data);
    server.engine.checkInvariants();
  });

  it('a recursive watch on / sees everything, the built-in nodes included', async () => {
    const server = startServer();
    const client = await server.client();
    const w = recorder();
    await client.addWatch('/', w.watcher, 'persistentRecursive');
    await client.create('/a');
    await client.setData('/zookeeper/quota', null);
    await settle();
    expect(w.events).toEqual([created('/a'), changed('/zookeeper/quota')]);
    server.engine.checkInvariants();
  });

  it('a recursive watcher that also holds a child watch gets NodeChildrenChanged only through the child watch, once', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/r');
    const recursive = recorder();
    const child = recorder();
    await client.addWatch('/r', recursive.watcher, 'persistentRecursive');
    await client.getChildren('/r', child.watcher);
    await client.create('/r/x');
    expect(recursive.events).toEqual([created('/r/x')]);
    expect(child.events).toEqual([children('/r')]);
    server.engine.checkInvariants();
  });
});

describe('removeWatches and checkWatches', () => {
  // Per-connection answers, as ZooKeeper 3.9's WatchManager (WatchStats) gives them. The real 3.8.0 is
  // laxer here (checked): its containsWatcher answers OK for a path any connection watches, and for the
  // children type on a persistent-recursive path; removeWatches is per connection in both.
  it('checkWatches: OK when this connection holds a watch of the type, NOWATCHER otherwise', async () => {
    const server = startServer();
    const client = await server.client();
    const other = await server.client();
    await client.create('/a');
    await client.getData('/a', () => undefined);
    await client.checkWatches('/a', WatcherType.data);
    await client.checkWatches('/a', WatcherType.any);
    await expectCode(client.checkWatches('/a', WatcherType.children), ErrorCode.noWatcher);
    await expectCode(other.checkWatches('/a', WatcherType.data), ErrorCode.noWatcher);
    await expectCode(client.checkWatches('/missing', WatcherType.any), ErrorCode.noWatcher);
    server.engine.checkInvariants();
  });

  it('removeWatches: the server stops firing, the watcher hears DataWatchRemoved / ChildWatchRemoved', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    const data = recorder();
    const child = recorder();
    await client.getData('/a', data.watcher);
    await client.getChildren('/a', child.watcher);
    await client.removeWatches('/a', WatcherType.data);
    await expectCode(client.checkWatches('/a', WatcherType.data), ErrorCode.noWatcher);
    await client.checkWatches('/a', WatcherType.children);
    await client.removeWatches('/a', WatcherType.children);
    await expectCode(client.checkWatches('/a', WatcherType.any), ErrorCode.noWatcher);
    await client.setData('/a', null);
    await client.create('/a/c');
    expect(data.events).toEqual([{ type: EventType.dataWatchRemoved, state: 3, path: '/a' }]);
    expect(child.events).toEqual([{ type: EventType.childWatchRemoved, state: 3, path: '/a' }]);
    server.engine.checkInvariants();
  });

  it('removeWatches with nothing to remove: NOWATCHER', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await expectCode(client.removeWatches('/a', WatcherType.data), ErrorCode.noWatcher);
    await client.getData('/a', () => undefined);
    await expectCode(client.removeWatches('/a', WatcherType.children), ErrorCode.noWatcher);
    // The server answers NOWATCHER too when asked directly.
    const raw = rawSession(server);
    expect(raw.call({ type: OpCode.removeWatches, path: '/a', watcherType: WatcherType.any }).header.err).toBe(ErrorCode.noWatcher);
    expect(raw.call({ type: OpCode.checkWatches, path: '/a', watcherType: WatcherType.data }).header.err).toBe(ErrorCode.noWatcher);
    server.engine.checkInvariants();
  });

  it('removeWatches Any removes a persistent watch', async () => {
    const server = startServer();
    const client = await server.client();
    const w = recorder();
    await client.addWatch('/p', w.watcher, 'persistent');
    await client.removeWatches('/p', WatcherType.any);
    await expectCode(client.checkWatches('/p', WatcherType.any), ErrorCode.noWatcher);
    await client.create('/p');
    expect(w.events).toEqual([{ type: EventType.persistentWatchRemoved, state: 3, path: '/p' }]);
    server.engine.checkInvariants();
  });
});

describe('ACL filtering of events (3.8.4+, ZOOKEEPER-4799)', () => {
  it('a connection without READ on the node does not hear NodeCreated, NodeDataChanged or NodeDeleted', async () => {
    const server = startServer();
    const owner = await server.client();
    await owner.addAuthInfo('digest', 'user:pass');
    const outsider = await server.client();
    const w = recorder();
    await outsider.exists('/secret', w.watcher);
    await outsider.addWatch('/secret', w.watcher, 'persistent');
    const readable = recorder();
    await outsider.exists('/open', readable.watcher);
    await owner.create('/secret', bytes('s'), { acl: [{ perms: Perm.all, id: { scheme: 'digest', id: userPassDigest } }] });
    await owner.create('/open', bytes('o'));
    await owner.setData('/secret', null);
    await owner.delete('/secret');
    await settle();
    expect(w.events).toEqual([]);
    expect(readable.events).toEqual([created('/open')]);
    server.engine.checkInvariants();
  });

  it('NodeChildrenChanged is filtered by the parent ACL', async () => {
    const server = startServer();
    const client = await server.client();
    const outsider = await server.client();
    await client.create('/p');
    const w = recorder();
    await outsider.getChildren('/p', w.watcher);
    await client.setAcl('/p', worldAcl(Perm.all & ~Perm.read));
    await client.create('/p/c');
    await settle();
    expect(w.events).toEqual([]);
    // As in ZooKeeper's WatchManager.triggerWatch, the one-shot watch was used up before the
    // delivery-time ACL check dropped the event.
    await expectCode(outsider.checkWatches('/p', WatcherType.children), ErrorCode.noWatcher);
    await client.setAcl('/p', worldAcl(Perm.all));
    await outsider.getChildren('/p', w.watcher);
    await client.create('/p/d');
    await settle();
    expect(w.events).toEqual([children('/p')]);
    server.engine.checkInvariants();
  });

  it('a connection that authenticated later receives the events', async () => {
    const server = startServer();
    const owner = await server.client();
    await owner.addAuthInfo('digest', 'user:pass');
    const later = await server.client();
    const w = recorder();
    await later.addWatch('/secret', w.watcher, 'persistent');
    await owner.create('/secret', null, { acl: [{ perms: Perm.read, id: { scheme: 'digest', id: userPassDigest } }, { perms: Perm.all, id: { scheme: 'auth', id: '' } }] });
    await settle();
    expect(w.events).toEqual([]);
    await later.addAuthInfo('digest', 'user:pass');
    await owner.setData('/secret', null);
    await settle();
    expect(w.events).toEqual([changed('/secret')]);
    server.engine.checkInvariants();
  });
});

describe('watches after a reconnect (SetWatches, reference §1.7)', () => {
  it('watches survive a dropped connection; what changed meanwhile fires on reconnect', async () => {
    const server = startServer();
    const client = await server.client();
    const writer = await server.client();
    await writer.create('/changed', bytes('0'));
    await writer.create('/same', bytes('0'));
    await writer.create('/gone');
    await writer.create('/kids');
    const events: string[] = [];
    const note = (e: { type: number; path: string | undefined }) => events.push(`${e.type} ${e.path}`);
    await client.getData('/changed', note);
    await client.getData('/same', note);
    await client.getData('/gone', note);
    await client.exists('/born', note);
    await client.getChildren('/kids', note);
    await client.addWatch('/persistent', note, 'persistent');

    client.disconnect();
    await settle();
    expect(client.state).toBe('disconnected');
    // While it is away: its connection's watches are gone on the server, so nothing reaches it.
    await writer.setData('/changed', bytes('1'));
    await writer.delete('/gone');
    await writer.create('/born');
    await writer.create('/kids/k');
    await settle();
    expect(events).toEqual([]);

    server.advance(0); // the reconnect timer
    await settle();
    expect(client.state).toBe('connected');
    expect([...events].sort()).toEqual(['1 /born', '2 /gone', '3 /changed', '4 /kids']);
    // /same was re-registered and the persistent watch too.
    await writer.setData('/same', bytes('1'));
    await writer.create('/persistent');
    await settle();
    expect(events.slice(4)).toEqual(['3 /same', '1 /persistent']);
    server.engine.checkInvariants();
  });
});
