// Vivarium's own TCP client end to end against the REAL Apache ZooKeeper 3.8 (Debian package),
// started by the harness on loopback. Every operation family, every node type, watches of all
// kinds including re-registration after a reconnect and after a server restart, ACLs, chroot and
// session expiry. Real time: every wait is bounded (awaited events or polling with a deadline).
// Skipped when the Debian package is not installed (scripts/install-test-deps.sh installs it).
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectZooKeeper,
  MultiError,
  systemScheduler,
  tcpChannelFactory,
  ZooKeeperClient,
  parseConnectString,
  type ChannelFactory,
  type ConnectZooKeeperOptions,
  type ServerChannel,
  type SessionState,
  type WatchedEvent,
} from '@vivarium/client';
import type { ConnectRequest, Request } from '@vivarium/protocol';
import { ErrorCode, EventType, KeeperState, OpCode, Perm, WatcherType, ZooKeeperError } from '@vivarium/protocol';
import { isRealZooKeeperAvailable, startRealZooKeeper, type RealZooKeeperServer } from '../support/real-zookeeper.ts';

const available = isRealZooKeeperAvailable();
const boundMs = 10_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (data: Uint8Array | null): string | null => (data === null ? null : decoder.decode(data));

let zk: RealZooKeeperServer;
const clients: ZooKeeperClient[] = [];

async function connect(suffix = '', options: ConnectZooKeeperOptions = {}): Promise<ZooKeeperClient> {
  const client = await connectZooKeeper(zk.connectString + suffix, { sessionTimeoutMs: 10_000, reconnectDelayMs: 50, ...options });
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) {
    if (client.state === 'connected') await client.close();
    else if (client.state === 'connecting' || client.state === 'disconnected') {
      const closing = client.close();
      client.disconnect();
      await closing;
    }
  }
});

/** Watch events as a queue: take() waits for the next one, bounded. */
class Events {
  readonly seen: WatchedEvent[] = [];
  private taken = 0;
  private wake: (() => void) | undefined;
  readonly watcher = (event: WatchedEvent): void => {
    this.seen.push(event);
    this.wake?.();
  };
  async take(timeoutMs = boundMs): Promise<WatchedEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.seen.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no watch event within ${timeoutMs} ms (seen ${JSON.stringify(this.seen)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.seen[this.taken++] as WatchedEvent;
  }
  /** Events not yet taken. */
  get pending(): WatchedEvent[] {
    return this.seen.slice(this.taken);
  }
}

function event(type: number, path: string | undefined, state: number = KeeperState.syncConnected): WatchedEvent {
  return { type, state, path };
}

async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs = boundMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stateReached(client: ZooKeeperClient, state: SessionState, timeoutMs = boundMs): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`client did not reach ${state} within ${timeoutMs} ms (now ${client.state})`));
    }, timeoutMs);
    const off = client.onStateChange((now) => {
      if (now !== state) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

async function expectCode(promise: Promise<unknown>, code: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected error code ${code}`).toBeInstanceOf(ZooKeeperError);
  expect((error as ZooKeeperError).code).toBe(code);
}

/**
 * Wraps a channel factory so reconnects wait while the gate is held: the test can change the
 * tree while a client is disconnected, then let it reconnect.
 */
function gatedFactory(inner: ChannelFactory): { factory: ChannelFactory; hold(): void; release(): void } {
  let gate: Promise<void> = Promise.resolve();
  let open: (() => void) | undefined;
  const factory: ChannelFactory = (handler, attempt) => {
    const ready = gate;
    let real: ServerChannel | undefined;
    let closed = false;
    const queued: Array<(channel: ServerChannel) => void> = [];
    void ready.then(() => {
      if (closed) return;
      real = inner(handler, attempt);
      for (const action of queued.splice(0)) action(real);
    });
    return {
      connect: (request: ConnectRequest) => (real === undefined ? queued.push((c) => c.connect(request)) : real.connect(request)),
      send: (xid: number, request: Request) => (real === undefined ? queued.push((c) => c.send(xid, request)) : real.send(xid, request)),
      close: () => {
        closed = true;
        real?.close();
      },
    };
  };
  return {
    factory,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open?.(),
  };
}

function gatedClient(options: { sessionTimeoutMs?: number; chroot?: string } = {}): { client: ZooKeeperClient; hold(): void; release(): void } {
  const gated = gatedFactory(tcpChannelFactory({ hosts: parseConnectString(zk.connectString).hosts }));
  const client = new ZooKeeperClient({
    channelFactory: gated.factory,
    scheduler: systemScheduler(),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    reconnectDelayMs: 50,
    ...(options.chroot === undefined ? {} : { chroot: options.chroot }),
  });
  clients.push(client);
  return { client, hold: gated.hold, release: gated.release };
}

function digestOf(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

describe.skipIf(!available)('Vivarium TCP client against the real ZooKeeper 3.8', () => {
  beforeAll(async () => {
    // tickTime 1000: sessions negotiate 2000..20000 ms. A fast container/TTL reaper so those nodes go within the test.
    zk = await startRealZooKeeper({ extendedTypesEnabled: true, tickTimeMs: 1000, jvmArgs: ['-Dznode.container.checkIntervalMs=100'] });
  }, 90_000);

  afterAll(async () => {
    await zk?.stop();
  }, 30_000);

  it('connects, negotiates the timeout and reports the session', { timeout: 30_000 }, async () => {
    const client = await connect('', { sessionTimeoutMs: 60_000 });
    expect(client.state).toBe('connected');
    expect(client.negotiatedTimeoutMs).toBe(20_000); // clamped to 20 * tickTime
    expect(client.sessionId).not.toBe(0n);
    expect(client.sessionPassword).toHaveLength(16);
    expect(await client.getChildren('/')).toContain('zookeeper');
  });

  it('create in every mode, with stats as ZooKeeper reports them', { timeout: 30_000 }, async () => {
    const client = await connect();
    await client.create('/modes', bytes('root'));
    const persistent = await client.createWithStat('/modes/p', bytes('p'));
    expect(persistent.path).toBe('/modes/p');
    expect(persistent.stat).toMatchObject({ version: 0, dataLength: 1, ephemeralOwner: 0n, numChildren: 0 });

    const ephemeral = await client.createWithStat('/modes/e', null, { mode: 'ephemeral' });
    expect(ephemeral.stat.ephemeralOwner).toBe(client.sessionId);
    await expectCode(client.create('/modes/e/child'), ErrorCode.noChildrenForEphemerals);

    const seq1 = await client.create('/modes/s-', null, { mode: 'persistentSequential' });
    const seq2 = await client.create('/modes/s-', null, { mode: 'ephemeralSequential' });
    expect(seq1).toMatch(/^\/modes\/s-\d{10}$/);
    expect(seq2).toMatch(/^\/modes\/s-\d{10}$/);
    expect(Number(seq2.slice(-10))).toBeGreaterThan(Number(seq1.slice(-10)));

    const container = await client.createWithStat('/modes/c', null, { mode: 'container' });
    expect(container.stat.ephemeralOwner).toBe(0n); // copyStat hides the container marker
    const ttl = await client.createWithStat('/modes/ttl', bytes('t'), { mode: 'persistentWithTtl', ttlMs: 60_000 });
    expect(ttl.stat.ephemeralOwner).toBe(0n);
    const ttlSeq = await client.create('/modes/ttls-', null, { mode: 'persistentSequentialWithTtl', ttlMs: 60_000 });
    expect(ttlSeq).toMatch(/^\/modes\/ttls-\d{10}$/);

    await expectCode(client.create('/modes/p'), ErrorCode.nodeExists);
    await expectCode(client.create('/modes/missing/x'), ErrorCode.noNode);
    await expectCode(client.create('/modes/bad-ttl', null, { mode: 'persistentWithTtl', ttlMs: 0 }), ErrorCode.badArguments);

    const children = await client.getChildrenWithStat('/modes');
    expect(children.children.sort()).toEqual(['c', 'e', 'p', seq1.slice(7), seq2.slice(7), 'ttl', ttlSeq.slice(7)].sort());
    expect(children.stat.numChildren).toBe(7);

    // The session's ephemerals go with it.
    await client.close();
    const other = await connect();
    expect(await other.exists('/modes/e')).toBeNull();
    expect(await other.exists(seq2)).toBeNull();
    expect(await other.exists('/modes/p')).not.toBeNull();
  });

  it('containers and TTL nodes are reaped by the server', { timeout: 30_000 }, async () => {
    const client = await connect();
    await client.create('/reap');
    await client.create('/reap/box', null, { mode: 'container' });
    await client.create('/reap/box/item');
    await client.delete('/reap/box/item');
    await pollUntil('the empty container is deleted', async () => (await client.exists('/reap/box')) === null);
    await client.create('/reap/ttl', null, { mode: 'persistentWithTtl', ttlMs: 300 });
    await pollUntil('the TTL node is deleted', async () => (await client.exists('/reap/ttl')) === null);
  });

  it('getData / setData / delete with versions, exists, getChildren2, large values', { timeout: 30_000 }, async () => {
    const client = await connect();
    const created = await client.createWithStat('/rw', bytes('v0'));
    const read = await client.getData('/rw');
    expect(text(read.data)).toBe('v0');
    expect(read.stat).toEqual(created.stat);

    const set1 = await client.setData('/rw', bytes('v1'), 0);
    expect(set1.version).toBe(1);
    expect(set1.mzxid).toBeGreaterThan(created.stat.mzxid);
    await expectCode(client.setData('/rw', bytes('v2'), 0), ErrorCode.badVersion);
    expect((await client.setData('/rw', null)).version).toBe(2);
    expect((await client.getData('/rw')).data).toBeNull();
    expect((await client.setData('/rw', new Uint8Array(0))).dataLength).toBe(0);
    expect((await client.getData('/rw')).data).toEqual(new Uint8Array(0));

    expect(await client.exists('/rw')).toMatchObject({ version: 3 });
    expect(await client.exists('/rw/none')).toBeNull();
    await expectCode(client.getData('/rw/none'), ErrorCode.noNode);

    await client.create('/rw/a');
    await client.create('/rw/b');
    const kids = await client.getChildrenWithStat('/rw');
    expect(kids.children.sort()).toEqual(['a', 'b']);
    expect(kids.stat).toMatchObject({ numChildren: 2, cversion: 2 });

    await expectCode(client.delete('/rw'), ErrorCode.notEmpty);
    await expectCode(client.delete('/rw/a', 5), ErrorCode.badVersion);
    await client.delete('/rw/a', 0);
    await client.delete('/rw/b');
    await client.delete('/rw', 3);
    expect(await client.exists('/rw')).toBeNull();

    // A value near jute.maxbuffer arrives in many TCP chunks and is reassembled.
    const big = new Uint8Array(1_000_000).map((_, i) => i % 251);
    await client.create('/big', big);
    const back = await client.getData('/big');
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.data)).toBe(false); // a copy, not a view of a socket Buffer
    expect(Buffer.compare(back.data!, big)).toBe(0); // (toEqual on a megabyte takes seconds)
    expect(back.stat.dataLength).toBe(1_000_000);
  });

  it('multi: success applies every op; failure rolls back and reports each op', { timeout: 30_000 }, async () => {
    const client = await connect();
    await client.create('/multi', bytes('m'));
    const results = await client.transaction()
      .create('/multi/a', bytes('a'))
      .create('/multi/s-', null, { mode: 'persistentSequential' })
      .setData('/multi', bytes('m2'), 0)
      .check('/multi', 1)
      .create('/multi/c', null, { mode: 'container' })
      .create('/multi/t', null, { mode: 'persistentWithTtl', ttlMs: 60_000 })
      .delete('/multi/a')
      .commit();
    expect(results.map((r) => r.type)).toEqual(['create', 'create', 'setData', 'check', 'create', 'create', 'delete']);
    expect(results[1]).toMatchObject({ type: 'create', path: '/multi/s-0000000001' });
    expect(results[2]).toMatchObject({ type: 'setData', stat: { version: 1 } });

    const failure = await client.transaction()
      .create('/multi/x')
      .create('/multi/c') // exists
      .setData('/multi', bytes('never'))
      .commit()
      .then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(MultiError);
    const multiError = failure as MultiError;
    expect(multiError.code).toBe(ErrorCode.nodeExists);
    expect(multiError.failedIndex).toBe(1);
    expect(multiError.results).toEqual([
      { type: 'error', err: 0 },
      { type: 'error', err: ErrorCode.nodeExists },
      { type: 'error', err: ErrorCode.runtimeInconsistency },
    ]);
    expect(await client.exists('/multi/x')).toBeNull();
    expect(text((await client.getData('/multi')).data)).toBe('m2');
  });

  it('multiRead, getEphemerals, getAllChildrenNumber, whoAmI, sync', { timeout: 30_000 }, async () => {
    const client = await connect();
    await client.create('/reads', bytes('r'));
    await client.create('/reads/a', bytes('a'));
    await client.create('/reads/a/deep');
    await client.create('/reads/e1', null, { mode: 'ephemeral' });
    await client.create('/reads/e2', null, { mode: 'ephemeral' });

    const outcomes = await client.multiRead([
      { type: 'getData', path: '/reads/a' },
      { type: 'getChildren', path: '/reads' },
      { type: 'getData', path: '/reads/none' },
    ]);
    expect(outcomes[0]).toMatchObject({ type: 'getData', data: bytes('a') });
    expect(outcomes[1]?.type).toBe('getChildren');
    expect((outcomes[1] as { children: string[] }).children.sort()).toEqual(['a', 'e1', 'e2']);
    expect(outcomes[2]).toEqual({ type: 'error', err: ErrorCode.noNode });

    expect((await client.getEphemerals('/reads')).sort()).toEqual(['/reads/e1', '/reads/e2']);
    expect(await client.getEphemerals('/nothing-here')).toEqual([]);
    const other = await connect();
    expect(await other.getEphemerals('/reads')).toEqual([]);

    expect(await client.getAllChildrenNumber('/reads')).toBe(4);
    expect(await client.getAllChildrenNumber('/reads/a/deep')).toBe(0);

    expect(await client.whoAmI()).toEqual([{ scheme: 'ip', id: '127.0.0.1' }]);
    expect(await client.sync('/reads')).toBe('/reads');
  });

  it('one-shot watches: data, exist and child, each fired once', { timeout: 30_000 }, async () => {
    const client = await connect();
    const writer = await connect();
    await client.create('/once', bytes('x'));
    const data = new Events();
    const exist = new Events();
    const child = new Events();
    await client.getData('/once', data.watcher);
    expect(await client.exists('/once/new', exist.watcher)).toBeNull();
    await client.getChildren('/once', child.watcher);

    await writer.setData('/once', bytes('y'));
    expect(await data.take()).toEqual(event(EventType.nodeDataChanged, '/once'));
    await writer.create('/once/new');
    expect(await exist.take()).toEqual(event(EventType.nodeCreated, '/once/new'));
    expect(await child.take()).toEqual(event(EventType.nodeChildrenChanged, '/once'));

    // Fired once: further changes are silent. A write's reply comes after the events it fires,
    // so once the writer's last reply and this client's sync are back, nothing more is coming.
    await writer.setData('/once', bytes('z'));
    await writer.create('/once/newer');
    await client.sync('/once');
    expect(data.pending).toEqual([]);
    expect(child.pending).toEqual([]);

    // exists on an existing node sets a data watch: delete fires NodeDeleted.
    const deleted = new Events();
    await client.exists('/once/new', deleted.watcher);
    await writer.delete('/once/new');
    expect(await deleted.take()).toEqual(event(EventType.nodeDeleted, '/once/new'));
  });

  it('persistent and persistent-recursive watches (addWatch) keep firing', { timeout: 30_000 }, async () => {
    const client = await connect();
    const other = await connect();
    const writer = await connect();
    await client.create('/pw');
    const persistent = new Events();
    const recursive = new Events();
    await client.addWatch('/pw', persistent.watcher, 'persistent');
    await other.addWatch('/pw', recursive.watcher, 'persistentRecursive');

    await writer.setData('/pw', bytes('1'));
    expect(await persistent.take()).toEqual(event(EventType.nodeDataChanged, '/pw'));
    expect(await recursive.take()).toEqual(event(EventType.nodeDataChanged, '/pw'));
    await writer.create('/pw/a');
    expect(await persistent.take()).toEqual(event(EventType.nodeChildrenChanged, '/pw'));
    expect(await recursive.take()).toEqual(event(EventType.nodeCreated, '/pw/a'));
    await writer.create('/pw/a/b');
    expect(await recursive.take()).toEqual(event(EventType.nodeCreated, '/pw/a/b'));
    await writer.setData('/pw/a/b', bytes('2'));
    expect(await recursive.take()).toEqual(event(EventType.nodeDataChanged, '/pw/a/b'));
    await writer.delete('/pw/a/b');
    expect(await recursive.take()).toEqual(event(EventType.nodeDeleted, '/pw/a/b'));
    await writer.setData('/pw', bytes('again'));
    expect(await persistent.take()).toEqual(event(EventType.nodeDataChanged, '/pw'));
    expect(await recursive.take()).toEqual(event(EventType.nodeDataChanged, '/pw'));
    // Nothing else: children of children do not concern a plain persistent watch.
    await client.sync('/');
    await other.sync('/');
    expect(persistent.pending).toEqual([]);
    expect(recursive.pending).toEqual([]);
  });

  it('one session, a persistent and a recursive watch on the same path: the server keeps the recursive mode only', { timeout: 30_000 }, async () => {
    // ZooKeeper 3.8 keeps one WatcherMode per connection and path (WatcherModeManager), and addWatch
    // registers on the child table too, so the later recursive watch replaces the persistent one there:
    // NodeChildrenChanged for the path is no longer sent. Both local watchers still see what arrives.
    const client = await connect();
    const writer = await connect();
    await client.create('/pw2');
    const persistent = new Events();
    const recursive = new Events();
    await client.addWatch('/pw2', persistent.watcher, 'persistent');
    await client.addWatch('/pw2', recursive.watcher, 'persistentRecursive');
    await writer.create('/pw2/a');
    expect(await recursive.take()).toEqual(event(EventType.nodeCreated, '/pw2/a'));
    await writer.setData('/pw2', bytes('1'));
    expect(await recursive.take()).toEqual(event(EventType.nodeDataChanged, '/pw2'));
    expect(await persistent.take()).toEqual(event(EventType.nodeDataChanged, '/pw2'));
    await client.sync('/');
    expect(persistent.pending).toEqual([]);
    expect(recursive.pending).toEqual([]);
  });

  it('removeWatches removes client and server watches; checkWatches asks the server', { timeout: 30_000 }, async () => {
    const client = await connect();
    const writer = await connect();
    await client.create('/rm');
    const data = new Events();
    const child = new Events();
    const persistent = new Events();
    await client.getData('/rm', data.watcher);
    await client.getChildren('/rm', child.watcher);
    await client.addWatch('/rm', persistent.watcher, 'persistent');

    await client.checkWatches('/rm', WatcherType.data);
    await client.removeWatches('/rm', WatcherType.data, data.watcher);
    expect(await data.take()).toEqual(event(EventType.dataWatchRemoved, '/rm'));
    await client.removeWatches('/rm', WatcherType.any);
    expect(await child.take()).toEqual(event(EventType.childWatchRemoved, '/rm'));
    expect(await persistent.take()).toEqual(event(EventType.persistentWatchRemoved, '/rm'));
    await expectCode(client.removeWatches('/rm', WatcherType.data), ErrorCode.noWatcher);
    await expectCode(client.checkWatches('/rm', WatcherType.any), ErrorCode.noWatcher);

    await writer.setData('/rm', bytes('x'));
    await writer.create('/rm/c');
    await client.sync('/rm');
    expect(data.pending).toEqual([]);
    expect(child.pending).toEqual([]);
    expect(persistent.pending).toEqual([]);
  });

  it('addAuthInfo digest and ACLs: the owner reads, others get NOAUTH; whoAmI shows the identity', { timeout: 30_000 }, async () => {
    const owner = await connect();
    await owner.addAuthInfo('digest', 'alice:secret');
    // The connection's identities: its ip, and the digest user (the name only). ZooKeeper keeps them in
    // a set, so their order is the set's (3.8.0 listed the digest first here), not the order added.
    const identities = await owner.whoAmI();
    expect(identities).toHaveLength(2);
    expect(identities).toEqual(expect.arrayContaining([{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'digest', id: 'alice' }]));
    await owner.create('/acl', bytes('private'), { acl: [{ perms: Perm.all, id: { scheme: 'auth', id: '' } }] });
    const acl = await owner.getAcl('/acl');
    expect(acl.acl).toEqual([{ perms: Perm.all, id: { scheme: 'digest', id: digestOf('alice', 'secret') } }]);
    expect(text((await owner.getData('/acl')).data)).toBe('private');

    const stranger = await connect();
    await expectCode(stranger.getData('/acl'), ErrorCode.noAuth);
    await expectCode(stranger.setData('/acl', bytes('x')), ErrorCode.noAuth);
    await stranger.addAuthInfo('digest', 'alice:wrong');
    await expectCode(stranger.getData('/acl'), ErrorCode.noAuth);

    // Credentials are sent again on every new connection of the session.
    const friend = await connect();
    await friend.addAuthInfo('digest', 'alice:secret');
    expect(text((await friend.getData('/acl')).data)).toBe('private');
    friend.disconnect();
    await stateReached(friend, 'connected');
    expect(text((await friend.getData('/acl')).data)).toBe('private');

    // Read-only for anyone, full rights for alice.
    await owner.setAcl('/acl', [
      { perms: Perm.read, id: { scheme: 'world', id: 'anyone' } },
      { perms: Perm.all, id: { scheme: 'digest', id: digestOf('alice', 'secret') } },
    ], 0);
    expect(text((await stranger.getData('/acl')).data)).toBe('private');
    await expectCode(stranger.setData('/acl', bytes('x')), ErrorCode.noAuth);
    // The ACL is checked before the version: an empty list is INVALIDACL whatever the version.
    await expectCode(owner.setAcl('/acl', [], 0), ErrorCode.invalidAcl);
    await expectCode(owner.setAcl('/acl', [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }], 0), ErrorCode.badVersion);
  });

  it('an unknown auth scheme ends the client as authFailed', { timeout: 30_000 }, async () => {
    const client = await connect();
    const events = new Events();
    await client.exists('/af', events.watcher);
    await expectCode(client.addAuthInfo('nosuchscheme', 'x'), ErrorCode.authFailed);
    await stateReached(client, 'authFailed');
    expect(await events.take()).toEqual(event(EventType.none, undefined, KeeperState.authFailed));
    await expectCode(client.exists('/'), ErrorCode.authFailed);
  });

  it('chroot from the connect string: paths, results and events are relative to it', { timeout: 30_000 }, async () => {
    const root = await connect();
    await root.create('/jail');
    const jailed = await connect('/jail');
    expect(await jailed.create('/x', bytes('in'))).toBe('/x');
    expect(await jailed.create('/s-', null, { mode: 'persistentSequential' })).toBe('/s-0000000001');
    expect(text((await root.getData('/jail/x')).data)).toBe('in');
    expect((await jailed.getChildren('/')).sort()).toEqual(['s-0000000001', 'x']);
    expect(await jailed.sync('/x')).toBe('/x');
    const results = await jailed.transaction().create('/y').setData('/x', bytes('2')).commit();
    expect(results[0]).toMatchObject({ type: 'create', path: '/y' });

    const events = new Events();
    await jailed.getData('/x', events.watcher);
    await jailed.addWatch('/', events.watcher, 'persistentRecursive');
    await root.setData('/jail/x', bytes('out'));
    expect(await events.take()).toEqual(event(EventType.nodeDataChanged, '/x'));
    await root.create('/jail/z');
    expect(await events.take()).toEqual(event(EventType.nodeCreated, '/z'));
    await root.create('/outside');
    await root.sync('/');
    await jailed.sync('/');
    expect(events.pending).toEqual([]);
  });

  it('session expiry: reattaching to a closed session, or with a wrong password, gets expired', { timeout: 30_000 }, async () => {
    const first = await connect();
    const sessionId = first.sessionId;
    const sessionPassword = first.sessionPassword.slice();

    const states: SessionState[] = [];
    first.onStateChange((state) => states.push(state));
    const wrong = sessionPassword.slice();
    wrong[0] = (wrong[0]! + 1) & 0xff;
    await expectCode(connect('', { sessionId, sessionPassword: wrong }), ErrorCode.sessionExpired);
    // ZooKeeper 3.8 closes the session's current connection before it checks the password, so even a
    // refused reattach bounces the owner, which reconnects to its still-valid session.
    await pollUntil('the owner is bounced and reconnects', async () => states.includes('disconnected') && first.state === 'connected');
    expect(first.sessionId).toBe(sessionId);

    await first.close();
    const second = new ZooKeeperClient({
      channelFactory: tcpChannelFactory({ hosts: parseConnectString(zk.connectString).hosts }),
      scheduler: systemScheduler(),
      sessionId,
      sessionPassword,
    });
    clients.push(second);
    await expectCode(second.waitForConnected(), ErrorCode.sessionExpired);
    expect(second.state).toBe('expired');
  });

  it('reattaching with the id and password of a live session takes it over', { timeout: 30_000 }, async () => {
    const { client: first, hold, release } = gatedClient();
    await first.waitForConnected();
    await first.create('/takeover', null, { mode: 'ephemeral' });
    hold(); // once the server drops the first client's connection, keep it from taking the session back
    const second = await connect('', { sessionId: first.sessionId, sessionPassword: first.sessionPassword });
    expect(second.sessionId).toBe(first.sessionId);
    expect((await second.exists('/takeover'))?.ephemeralOwner).toBe(first.sessionId);
    await stateReached(first, 'disconnected'); // ZooKeeper closed the other connection holding the session
    await second.close(); // ends the shared session
    release();
    await stateReached(first, 'expired');
    expect(await second.exists('/takeover').catch((e: unknown) => e)).toBeInstanceOf(ZooKeeperError);
    const observer = await connect();
    expect(await observer.exists('/takeover')).toBeNull();
  });

  it('a session that times out while disconnected is reported expired on reconnect', { timeout: 30_000 }, async () => {
    const { client, hold, release } = gatedClient({ sessionTimeoutMs: 2_000 });
    await client.waitForConnected();
    expect(client.negotiatedTimeoutMs).toBe(2_000);
    await client.create('/short-lived', null, { mode: 'ephemeral' });
    const events = new Events();
    await client.exists('/short-lived', events.watcher);
    const states: SessionState[] = [];
    client.onStateChange((state) => states.push(state));

    hold();
    client.disconnect();
    const observer = await connect();
    await pollUntil('the server expires the session', async () => (await observer.exists('/short-lived')) === null);
    release();
    await stateReached(client, 'expired');
    expect(states).toEqual(['disconnected', 'expired']);
    expect(await events.take()).toEqual(event(EventType.none, undefined, KeeperState.expired));
    await expectCode(client.getData('/'), ErrorCode.sessionExpired);
  });

  it('watches are re-registered after a reconnect (SetWatches): changes made while away fire at once', { timeout: 30_000 }, async () => {
    const writer = await connect();
    await writer.create('/away', bytes('0'));
    await writer.create('/away/gone');
    const { client, hold, release } = gatedClient();
    await client.waitForConnected();
    const data = new Events();
    const exist = new Events();
    const child = new Events();
    const deleted = new Events();
    await client.getData('/away', data.watcher);
    expect(await client.exists('/away/new', exist.watcher)).toBeNull();
    await client.getChildren('/away', child.watcher);
    await client.getData('/away/gone', deleted.watcher);
    const states: SessionState[] = [];
    client.onStateChange((state) => states.push(state));

    hold();
    client.disconnect();
    await writer.setData('/away', bytes('1'));
    await writer.create('/away/new');
    await writer.delete('/away/gone');
    release();
    await stateReached(client, 'connected');
    expect(states).toEqual(['disconnected', 'connected']);
    expect(await data.take()).toEqual(event(EventType.nodeDataChanged, '/away'));
    expect(await exist.take()).toEqual(event(EventType.nodeCreated, '/away/new'));
    expect(await child.take()).toEqual(event(EventType.nodeChildrenChanged, '/away'));
    expect(await deleted.take()).toEqual(event(EventType.nodeDeleted, '/away/gone'));

    // Unchanged watches are re-registered, not fired: set one, bounce, then change.
    const later = new Events();
    await client.getData('/away', later.watcher);
    hold();
    client.disconnect();
    release();
    await stateReached(client, 'connected');
    await client.sync('/');
    expect(later.pending).toEqual([]);
    await writer.setData('/away', bytes('2'));
    expect(await later.take()).toEqual(event(EventType.nodeDataChanged, '/away'));
  });

  // Last: it restarts the shared server.
  it('survives a server crash and restart: the session and every kind of watch come back (SetWatches2)', { timeout: 90_000 }, async () => {
    const setup = await connect();
    await setup.create('/crash', bytes('0'));
    await setup.create('/crash/sub');
    await setup.close();

    // While the JVM starts, it can accept a connection and never answer the handshake; the per-attempt
    // connect timeout (by default the Java client's session timeout / number of hosts) bounds that.
    const client = await connect('', { sessionTimeoutMs: 20_000, connectTimeoutMs: 2_000 });
    const sessionId = client.sessionId;
    await client.create('/crash/mine', null, { mode: 'ephemeral' });
    const data = new Events();
    const exist = new Events();
    const child = new Events();
    const persistent = new Events();
    const recursive = new Events();
    await client.getData('/crash', data.watcher);
    await client.exists('/crash/new', exist.watcher);
    await client.getChildren('/crash', child.watcher);
    await client.addWatch('/crash', persistent.watcher, 'persistent');
    await client.addWatch('/crash/sub', recursive.watcher, 'persistentRecursive');
    const states: SessionState[] = [];
    client.onStateChange((state) => states.push(state));

    await zk.kill();
    await stateReached(client, 'disconnected');
    // Asked while disconnected: queued, and sent once the session is back.
    const queuedRead = client.getData('/crash');
    await zk.restart();
    await stateReached(client, 'connected', 30_000);
    expect(text((await queuedRead).data)).toBe('0');
    expect(client.sessionId).toBe(sessionId);
    expect(states[0]).toBe('disconnected');
    expect(states.at(-1)).toBe('connected');
    expect((await client.exists('/crash/mine'))?.ephemeralOwner).toBe(sessionId);

    // The restarted server knew no watches: every event below comes from the re-registration.
    const writer = await connect();
    await writer.setData('/crash', bytes('1'));
    expect(await data.take()).toEqual(event(EventType.nodeDataChanged, '/crash'));
    expect(await persistent.take()).toEqual(event(EventType.nodeDataChanged, '/crash'));
    await writer.create('/crash/new');
    expect(await exist.take()).toEqual(event(EventType.nodeCreated, '/crash/new'));
    expect(await child.take()).toEqual(event(EventType.nodeChildrenChanged, '/crash'));
    expect(await persistent.take()).toEqual(event(EventType.nodeChildrenChanged, '/crash'));
    await writer.create('/crash/sub/leaf');
    expect(await recursive.take()).toEqual(event(EventType.nodeCreated, '/crash/sub/leaf'));
  });
});
