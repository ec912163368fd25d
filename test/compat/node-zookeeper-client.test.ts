// Compat: node-zookeeper-client 1.1.3 (pure JavaScript, an old-style client: 44-byte ConnectRequest
// without the readOnly byte) against Vivarium's wire server. Every opcode this client can send is
// exercised: create (modes 0-3; it has no container/TTL modes), delete, exists, getData, setData,
// getACL, setACL, getChildren2, multi (its transaction: create/check/setData/delete), auth, ping,
// SetWatches (after a reconnect) and closeSession. It has no sync, no getChildren (op 8), no
// create2/multiRead/addWatch/getEphemerals/whoAmI: those are covered over raw frames in
// differential.test.ts. Expected values are ZooKeeper 3.8's (docs/zookeeper-3.8-observations.md and
// the differential suite, which runs the real server).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWireServer, type RunningWireServer, type WireServerOptions } from '@vivarium/server';
import { afterEach, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from '../support/four-letter-word.ts';
import {
  acl,
  call,
  Code,
  codeOf,
  CreateMode,
  describeEvent,
  EventQueue,
  nzc,
  once,
  OPEN,
  ownerOf,
  Permission,
  sessionIdOf,
  type NzcAcl,
  type NzcClient,
  type NzcStat,
} from './nzc.ts';
import { TcpProxy } from './tcp-proxy.ts';

const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU='; // password 'test'
const testTimeoutMs = 20_000;
const closeDeadlineMs = 5_000;

const digestOf = (user: string, password: string): string => `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
const buf = (text: string): Buffer => Buffer.from(text);
const hex = (value: bigint): string => `0x${value.toString(16)}`;

let server: RunningWireServer | undefined;
const clients: NzcClient[] = [];
const proxies: TcpProxy[] = [];
const tempDirs: string[] = [];

interface ConnectionManagerView {
  state: number;
  on(event: 'state', listener: (state: number) => void): void;
  off(event: 'state', listener: (state: number) => void): void;
}
/** ConnectionManager.STATES.CLOSED: the client will not reconnect and holds no socket. */
const managerClosed = -2;

/** Closes a client and waits until it holds no socket and will not reconnect. */
async function closeClient(client: NzcClient): Promise<void> {
  const manager = client.connectionManager as unknown as ConnectionManagerView;
  if (manager.state === managerClosed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      manager.off('state', onState);
      client.connectionManager.socket?.destroy();
      resolve();
    }, closeDeadlineMs);
    const onState = (state: number): void => {
      if (state !== managerClosed) return;
      clearTimeout(timer);
      manager.off('state', onState);
      resolve();
    };
    manager.on('state', onState);
    client.close();
  });
}

afterEach(async () => {
  // Clients first (closeSession), then the proxies that may hold their sockets, then the server.
  const closing = clients.splice(0).map(closeClient);
  for (const proxy of proxies.splice(0)) await proxy.close();
  await Promise.all(closing);
  await server?.close();
  server = undefined;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startServer(options: WireServerOptions = {}): Promise<RunningWireServer> {
  server = await startWireServer({ clientPortAddress: '127.0.0.1', superDigest, extendedTypesEnabled: true, maxClientCnxns: 0, ...options });
  return server;
}

async function connectClient(connectString?: string, sessionTimeout = 30_000): Promise<NzcClient> {
  const target = connectString ?? server?.connectString;
  if (target === undefined) throw new Error('no server');
  const client = nzc.createClient(target, { sessionTimeout, spinDelay: 100, retries: 0 });
  clients.push(client);
  const connected = once(client, 'connected');
  client.connect();
  await connected;
  return client;
}

// Promise forms of the callback API.
const create = (c: NzcClient, path: string, data: Buffer | null = null, mode = CreateMode.PERSISTENT, acls: NzcAcl[] = OPEN): Promise<string> =>
  call<string>((cb) => c.create(path, data ?? undefined, acls, mode, cb));
const getData = (c: NzcClient, path: string, watcher?: EventQueue): Promise<{ data: Buffer | undefined; stat: NzcStat }> =>
  new Promise((resolve, reject) => c.getData(path, watcher?.watcher, (error, data, stat) => (error ? reject(error) : resolve({ data, stat }))));
const setData = (c: NzcClient, path: string, data: Buffer | null, version = -1): Promise<NzcStat> => call<NzcStat>((cb) => c.setData(path, data, version, cb));
const remove = (c: NzcClient, path: string, version = -1): Promise<void> => call<void>((cb) => c.remove(path, version, (error) => cb(error, undefined)));
// A missing node is not an error for this client: the callback gets no stat.
const exists = async (c: NzcClient, path: string, watcher?: EventQueue): Promise<NzcStat | undefined> =>
  (await call<NzcStat | undefined>((cb) => c.exists(path, watcher?.watcher, cb))) ?? undefined;
const getChildren = (c: NzcClient, path: string, watcher?: EventQueue): Promise<{ children: string[]; stat: NzcStat }> =>
  new Promise((resolve, reject) => c.getChildren(path, watcher?.watcher, (error, children, stat) => (error ? reject(error) : resolve({ children, stat }))));
const getAcl = (c: NzcClient, path: string): Promise<{ acls: NzcAcl[]; stat: NzcStat }> =>
  new Promise((resolve, reject) => c.getACL(path, (error, acls, stat) => (error ? reject(error) : resolve({ acls, stat }))));
const setAcl = (c: NzcClient, path: string, acls: NzcAcl[], version = -1): Promise<NzcStat> => call<NzcStat>((cb) => c.setACL(path, acls, version, cb));
const aclText = (acls: NzcAcl[]): string[] => acls.map((entry) => `${entry.id.scheme}:${entry.id.id}:${entry.permission}`);

/** Polls `condition` until it holds, or fails after the deadline. */
async function until(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A round trip on `client`. The server sends watch events before the replies to later requests on
 * the same connection, so once this returns, every event already fired for `client` has arrived.
 */
async function fence(client: NzcClient): Promise<void> {
  await exists(client, '/');
}

describe('node-zookeeper-client 1.1.3 against Vivarium', () => {
  it('connects as an old-style client and gets the timeout clamped to [2, 20] ticks', { timeout: testTimeoutMs }, async () => {
    await startServer({ tickTimeMs: 2000 });
    const short = await connectClient(undefined, 1000);
    const long = await connectClient(undefined, 100_000);
    const usual = await connectClient(undefined, 30_000);
    expect(short.getSessionTimeout()).toBe(4000);
    expect(long.getSessionTimeout()).toBe(40_000);
    expect(usual.getSessionTimeout()).toBe(30_000);
    expect(new Set([sessionIdOf(short), sessionIdOf(long), sessionIdOf(usual)]).size).toBe(3);
    expect(server?.connectionCount).toBe(3);
  });

  it('create: every mode the client has, sequential numbering, the ephemeral owner, null and empty data', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const c = await connectClient();
    expect(await create(c, '/p', buf('root'))).toBe('/p');
    expect(await create(c, '/p/e', buf('e'), CreateMode.EPHEMERAL)).toBe('/p/e');
    expect(await create(c, '/p/s-', buf('s'), CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/p/s-0000000001');
    expect(await create(c, '/p/es-', buf('s'), CreateMode.EPHEMERAL_SEQUENTIAL)).toBe('/p/es-0000000002');
    await remove(c, '/p/s-0000000001');
    // The suffix counts child creations; deletes do not move it back.
    expect(await create(c, '/p/s-', null, CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/p/s-0000000003');

    const ephemeral = await exists(c, '/p/e');
    expect(ephemeral && ownerOf(ephemeral)).toBe(sessionIdOf(c));
    expect(ownerOf((await exists(c, '/p/es-0000000002'))!)).toBe(sessionIdOf(c));
    expect(ownerOf((await exists(c, '/p'))!)).toBe(0n);

    // No data is stored as null (length -1), an empty buffer as empty: both report dataLength 0.
    await create(c, '/p/null');
    await create(c, '/p/empty', Buffer.alloc(0));
    const nullRead = await getData(c, '/p/null');
    const emptyRead = await getData(c, '/p/empty');
    expect(nullRead.data ?? null).toBeNull();
    expect(emptyRead.data).toEqual(Buffer.alloc(0));
    expect([nullRead.stat.dataLength, emptyRead.stat.dataLength]).toEqual([0, 0]);

    const { children, stat } = await getChildren(c, '/p');
    expect([...children].sort()).toEqual(['e', 'empty', 'es-0000000002', 'null', 's-0000000003']);
    // 6 creations and 1 delete under /p: stored cversion 6, visible 2*6 - 5 = 7.
    expect(stat.numChildren).toBe(5);
    expect(stat.cversion).toBe(7);

    expect(await codeOf(create(c, '/p'))).toBe(Code['NODE_EXISTS']);
    expect(await codeOf(create(c, '/nope/x'))).toBe(Code['NO_NODE']);
    expect(await codeOf(create(c, '/p/e/x'))).toBe(Code['NO_CHILDREN_FOR_EPHEMERALS']);

    // mkdirp: creates that tolerate NODE_EXISTS along the way.
    await create(c, '/deep');
    expect(await call<string>((cb) => c.mkdirp('/deep/a/b/c', cb))).toBe('/deep/a/b/c');
    expect((await exists(c, '/deep/a/b/c'))?.numChildren).toBe(0);
  });

  it('getData/setData/delete with versions, and the errors ZooKeeper gives', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const c = await connectClient();
    await create(c, '/v', buf('a'));
    const first = await getData(c, '/v');
    expect(first.data?.toString()).toBe('a');
    expect(first.stat.version).toBe(0);
    expect((await setData(c, '/v', buf('b'), 0)).version).toBe(1);
    expect(await codeOf(setData(c, '/v', buf('c'), 0))).toBe(Code['BAD_VERSION']);
    const anyVersion = await setData(c, '/v', buf('d'));
    expect(anyVersion.version).toBe(2);
    expect(anyVersion.dataLength).toBe(1);
    expect((await getData(c, '/v')).data?.toString()).toBe('d');
    expect(await codeOf(remove(c, '/v', 1))).toBe(Code['BAD_VERSION']);
    await remove(c, '/v', 2);
    expect(await codeOf(getData(c, '/v'))).toBe(Code['NO_NODE']);
    expect(await exists(c, '/v')).toBeUndefined();
    expect(await codeOf(setData(c, '/v', buf('x')))).toBe(Code['NO_NODE']);
    expect(await codeOf(remove(c, '/v'))).toBe(Code['NO_NODE']);
    await create(c, '/full');
    await create(c, '/full/child');
    expect(await codeOf(remove(c, '/full'))).toBe(Code['NOT_EMPTY']);
    // Built-in nodes cannot be deleted.
    expect(await codeOf(remove(c, '/zookeeper'))).toBe(Code['BAD_ARGUMENTS']);
    expect((await getData(c, '/zookeeper/config')).data).toEqual(Buffer.alloc(0));
  });

  it('watches: exists on a missing node, getData and getChildren; one-shot; own writes notify too', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const watcher = await connectClient();
    const writer = await connectClient();
    const existsEvents = new EventQueue();
    expect(await exists(watcher, '/w', existsEvents)).toBeUndefined();
    await create(writer, '/w', buf('1'));
    expect(describeEvent(await existsEvents.next())).toBe('NODE_CREATED /w');

    const dataEvents = new EventQueue();
    const childEvents = new EventQueue();
    await getData(watcher, '/w', dataEvents);
    await getChildren(watcher, '/w', childEvents);
    await setData(writer, '/w', buf('2'));
    expect(describeEvent(await dataEvents.next())).toBe('NODE_DATA_CHANGED /w');
    await create(writer, '/w/c');
    expect(describeEvent(await childEvents.next())).toBe('NODE_CHILDREN_CHANGED /w');

    // One-shot: nothing more until re-registered.
    await setData(writer, '/w', buf('3'));
    await create(writer, '/w/d');
    await fence(watcher);
    expect(dataEvents.pending).toEqual([]);
    expect(childEvents.pending).toEqual([]);

    // A getData watch on a missing node registers nothing (exists is the one that does).
    await expect(getData(watcher, '/missing', dataEvents)).rejects.toMatchObject({ code: Code['NO_NODE'] });
    await create(writer, '/missing');
    await fence(watcher);
    expect(dataEvents.pending).toEqual([]);

    // Delete: data and child watches on the node both hear NodeDeleted; the parent's child watch NodeChildrenChanged.
    const deleteEvents = new EventQueue();
    const rootChildren = new EventQueue();
    await getData(watcher, '/w/c', deleteEvents);
    await getChildren(watcher, '/w/c', deleteEvents);
    await getChildren(watcher, '/w', rootChildren);
    await remove(writer, '/w/c');
    expect([describeEvent(await deleteEvents.next()), describeEvent(await deleteEvents.next())]).toEqual(['NODE_DELETED /w/c', 'NODE_DELETED /w/c']);
    expect(describeEvent(await rootChildren.next())).toBe('NODE_CHILDREN_CHANGED /w');

    // The watcher's own write fires its own watch (the event arrives before the reply).
    const own = new EventQueue();
    await getData(watcher, '/w', own);
    await setData(watcher, '/w', buf('mine'));
    expect(own.pending.map(describeEvent)).toEqual(['NODE_DATA_CHANGED /w']);

    // setACL fires nothing.
    const aclEvents = new EventQueue();
    await getData(watcher, '/w/d', aclEvents);
    await setAcl(writer, '/w/d', OPEN);
    await fence(watcher);
    expect(aclEvents.pending).toEqual([]);
  });

  it('getACL/setACL: aversion, the built-in ACLs, and a read-only node', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const c = await connectClient();
    const configAcl = await getAcl(c, '/zookeeper/config');
    expect(aclText(configAcl.acls)).toEqual(['world:anyone:1']);
    expect(configAcl.stat.aversion).toBe(-1);
    await create(c, '/a', buf('x'));
    const before = await getAcl(c, '/a');
    expect(aclText(before.acls)).toEqual(['world:anyone:31']);
    expect(before.stat.aversion).toBe(0);
    expect(await codeOf(setAcl(c, '/a', nzc.ACL.READ_ACL_UNSAFE, 5))).toBe(Code['BAD_VERSION']);
    const after = await setAcl(c, '/a', [acl(Permission.READ | Permission.ADMIN, 'world', 'anyone')], 0);
    expect(after.aversion).toBe(1);
    expect(after.version).toBe(0);
    expect(aclText((await getAcl(c, '/a')).acls)).toEqual(['world:anyone:17']);
    expect(await codeOf(setData(c, '/a', buf('y')))).toBe(Code['NO_AUTH']);
    expect(await codeOf(create(c, '/a/child'))).toBe(Code['NO_AUTH']);
    expect((await getData(c, '/a')).data?.toString()).toBe('x');
    expect(await codeOf(setAcl(c, '/nope', OPEN))).toBe(Code['NO_NODE']);
    expect(await codeOf(create(c, '/bad', null, CreateMode.PERSISTENT, [acl(31, 'world', 'someone')]))).toBe(Code['INVALID_ACL']);
    // With ADMIN the ACL can be opened again.
    await setAcl(c, '/a', OPEN, 1);
    await setData(c, '/a', buf('z'));
  });

  it('transaction (multi): per-op results on success; a failing op rolls everything back', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const c = await connectClient();
    await create(c, '/t', buf('0'));
    await create(c, '/t/gone');
    const results = await call<Array<{ type: number; err?: number; path?: string; stat?: NzcStat }>>((cb) =>
      c
        .transaction()
        .create('/t/new', buf('n'))
        .create('/t/seq-', buf('s'), OPEN, CreateMode.PERSISTENT_SEQUENTIAL)
        .create('/t/eph', null, OPEN, CreateMode.EPHEMERAL)
        .check('/t', 0)
        .setData('/t', buf('1'), 0)
        .remove('/t/gone', 0)
        .commit(cb),
    );
    // create answers CreateResponse (type 1): node-zookeeper-client cannot parse anything else in a multi.
    expect(results).toEqual([
      { type: 1, path: '/t/new' },
      { type: 1, path: '/t/seq-0000000002' },
      { type: 1, path: '/t/eph' },
      { type: 13 },
      { type: 5, stat: expect.objectContaining({ version: 1 }) },
      { type: 2 },
    ]);
    expect(ownerOf((await exists(c, '/t/eph'))!)).toBe(sessionIdOf(c));

    const failure = await new Promise<{ code: number | undefined; results: Array<{ type: number; err?: number }> }>((resolve) =>
      c
        .transaction()
        .create('/t/r1')
        .setData('/t', buf('2'), 99)
        .create('/t/r2')
        .commit((error, outcome) => resolve({ code: error?.code, results: outcome })),
    );
    expect(failure.code).toBe(Code['BAD_VERSION']);
    // Ops before the failure 0, the failing op its code, ops after it RUNTIME_INCONSISTENCY (-2).
    expect(failure.results).toEqual([
      { type: -1, err: 0 },
      { type: -1, err: Code['BAD_VERSION'] },
      { type: -1, err: Code['RUNTIME_INCONSISTENCY'] },
    ]);
    expect(await exists(c, '/t/r1')).toBeUndefined();
    expect((await getData(c, '/t')).data?.toString()).toBe('1');
  });

  it('auth: digest ACL, auth: (CREATOR_ALL_ACL), ip ACL, super digest, masked ACLs; an unknown scheme fails the client', { timeout: testTimeoutMs }, async () => {
    await startServer();
    const owner = await connectClient();
    owner.addAuthInfo('digest', buf('u:p'));
    await create(owner, '/dg', buf('secret'), CreateMode.PERSISTENT, [acl(Permission.ALL, 'digest', digestOf('u', 'p')), acl(Permission.READ, 'world', 'anyone')]);
    await create(owner, '/private', buf('p'), CreateMode.PERSISTENT, [acl(Permission.ALL, 'digest', digestOf('u', 'p'))]);
    await create(owner, '/creator', null, CreateMode.PERSISTENT, nzc.ACL.CREATOR_ALL_ACL);
    expect(aclText((await getAcl(owner, '/creator')).acls)).toEqual([`digest:${digestOf('u', 'p')}:31`]);
    expect(aclText((await getAcl(owner, '/dg')).acls)).toEqual([`digest:${digestOf('u', 'p')}:31`, 'world:anyone:1']);

    const stranger = await connectClient();
    expect(await codeOf(getData(stranger, '/private'))).toBe(Code['NO_AUTH']);
    expect(await codeOf(setData(stranger, '/dg', buf('x')))).toBe(Code['NO_AUTH']);
    expect((await getData(stranger, '/dg')).data?.toString()).toBe('secret');
    // READ without ADMIN: digest ids come back masked.
    expect(aclText((await getAcl(stranger, '/dg')).acls)).toEqual(['digest:u:x:31', 'world:anyone:1']);
    expect(await codeOf(getAcl(stranger, '/private'))).toBe(Code['NO_AUTH']);
    expect(await codeOf(create(stranger, '/mine', null, CreateMode.PERSISTENT, nzc.ACL.CREATOR_ALL_ACL))).toBe(Code['INVALID_ACL']);
    // A wrong password is accepted as another identity, which still may not read.
    stranger.addAuthInfo('digest', buf('u:wrong'));
    expect(await codeOf(getData(stranger, '/private'))).toBe(Code['NO_AUTH']);

    // ip ACLs match the connection's address.
    await create(owner, '/ip', buf('i'), CreateMode.PERSISTENT, [acl(Permission.ALL, 'ip', '127.0.0.1')]);
    await create(owner, '/ip8', buf('i'), CreateMode.PERSISTENT, [acl(Permission.ALL, 'ip', '10.0.0.0/8')]);
    await create(owner, '/ip127', buf('i'), CreateMode.PERSISTENT, [acl(Permission.READ, 'ip', '127.0.0.0/8')]);
    expect((await getData(stranger, '/ip')).data?.toString()).toBe('i');
    expect((await getData(stranger, '/ip127')).data?.toString()).toBe('i');
    expect(await codeOf(getData(stranger, '/ip8'))).toBe(Code['NO_AUTH']);
    expect(await codeOf(create(owner, '/ipbad', null, CreateMode.PERSISTENT, [acl(Permission.ALL, 'ip', '1.2.3.300')]))).toBe(Code['INVALID_ACL']);

    // super (the digest of super:test) bypasses every ACL and sees ACLs unmasked.
    const admin = await connectClient();
    admin.addAuthInfo('digest', buf('super:test'));
    expect((await getData(admin, '/private')).data?.toString()).toBe('p');
    expect((await getData(admin, '/ip8')).data?.toString()).toBe('i');
    await setData(admin, '/private', buf('changed by super'));
    expect(aclText((await getAcl(admin, '/private')).acls)).toEqual([`digest:${digestOf('u', 'p')}:31`]);
    expect((await getData(owner, '/private')).data?.toString()).toBe('changed by super');

    // An unknown scheme: AUTHFAILED, the server closes, the client stays failed.
    const failing = await connectClient();
    const failed = once(failing, 'authenticationFailed');
    failing.addAuthInfo('bogus', buf('x'));
    await failed;
    expect(await codeOf(getData(failing, '/dg'))).toBe(Code['AUTH_FAILED']);
    // The server and the others carry on.
    expect((await getData(stranger, '/dg')).data?.toString()).toBe('secret');
  });

  it('large values: 1,000,000 bytes and the largest frame work; one byte more, or a 2 MB transaction, is CONNECTION_LOSS for that client only', { timeout: 30_000 }, async () => {
    await startServer();
    const c = await connectClient();
    const bystander = await connectClient();
    const million = Buffer.alloc(1_000_000, 0x61);
    await create(c, '/million', million);
    const read = await getData(c, '/million');
    expect(read.stat.dataLength).toBe(1_000_000);
    expect(read.data?.equals(million)).toBe(true);

    // jute.maxbuffer (0xfffff) bounds the whole frame: RequestHeader + path + data + ACL + flags.
    const path = '/max';
    const frameBytes = (dataBytes: number): number => 8 + (4 + path.length) + (4 + dataBytes) + (4 + 4 + (4 + 5) + (4 + 6)) + 4;
    const largest = 0xfffff - frameBytes(0);
    expect(frameBytes(largest)).toBe(0xfffff);
    await create(c, path, Buffer.alloc(largest, 0x62));
    expect((await exists(c, path))?.dataLength).toBe(largest);

    const sessionId = sessionIdOf(c);
    const reconnected = once(c, 'connected');
    const lostOnce = await codeOf(create(c, '/over', Buffer.alloc(largest + 1, 0x63)));
    expect(lostOnce).toBe(Code['CONNECTION_LOSS']);
    await reconnected;
    // The client reconnected to the same session; nothing was created; others never noticed.
    expect(sessionIdOf(c)).toBe(sessionId);
    expect(await exists(c, '/over')).toBeUndefined();
    expect((await exists(bystander, path))?.dataLength).toBe(largest);

    // The client refuses a 2 MB setData/create itself, but not inside a transaction.
    expect(() => c.create('/huge', Buffer.alloc(2 * 1024 * 1024), OPEN, CreateMode.PERSISTENT, () => undefined)).toThrow(/1048576/);
    const reconnectedAgain = once(c, 'connected');
    const lostTwice = await new Promise<number | undefined>((resolve) =>
      c.transaction().create('/huge', Buffer.alloc(2 * 1024 * 1024, 0x64)).commit((error) => resolve(error?.code)),
    );
    expect(lostTwice).toBe(Code['CONNECTION_LOSS']);
    await reconnectedAgain;
    expect(sessionIdOf(c)).toBe(sessionId);
    expect(await exists(c, '/huge')).toBeUndefined();
    expect((await getData(bystander, '/million')).stat.dataLength).toBe(1_000_000);
    const newcomer = await connectClient();
    expect((await exists(newcomer, path))?.dataLength).toBe(largest);
  });

  it('session expiry: the client learns it on reconnect (expired), its ephemerals are gone, watchers hear NodeDeleted', { timeout: testTimeoutMs }, async () => {
    const running = await startServer();
    const doomed = await connectClient();
    const watcher = await connectClient();
    await create(doomed, '/eph', buf('e'), CreateMode.EPHEMERAL);
    await create(doomed, '/persist', buf('p'));
    const events = new EventQueue();
    expect(await exists(watcher, '/eph', events)).toBeDefined();

    const expired = once(doomed, 'expired');
    expect(running.engine.expireSession(sessionIdOf(doomed))).toBe(true);
    // ZooKeeper closes the connection without a word; the client reconnects and gets timeOut 0.
    await expired;
    expect(describeEvent(await events.next())).toBe('NODE_DELETED /eph');
    expect(await exists(watcher, '/eph')).toBeUndefined();
    expect(await exists(watcher, '/persist')).toBeDefined();
    // The client gives up for good: SESSION_EXPIRED, or CONNECTION_LOSS once it has closed its socket.
    expect([Code['SESSION_EXPIRED'], Code['CONNECTION_LOSS']]).toContain(await codeOf(getData(doomed, '/persist')));
    expect(running.engine.expireSession(sessionIdOf(doomed))).toBe(false);
  });

  it('watches survive a dropped connection: SetWatches fires what changed meanwhile and re-arms the rest', { timeout: testTimeoutMs }, async () => {
    const running = await startServer();
    const proxy = await TcpProxy.start({ host: running.host, port: running.port });
    proxies.push(proxy);
    const watcher = await connectClient(proxy.connectString);
    const writer = await connectClient();
    await create(writer, '/rw', buf('a'));
    await create(writer, '/rw-same', buf('a'));
    await create(writer, '/rwc');
    await create(writer, '/rw-gone');
    const changed = new EventQueue();
    const created = new EventQueue();
    const children = new EventQueue();
    const same = new EventQueue();
    const gone = new EventQueue();
    await getData(watcher, '/rw', changed);
    expect(await exists(watcher, '/rw-missing', created)).toBeUndefined();
    await getChildren(watcher, '/rwc', children);
    await getData(watcher, '/rw-same', same);
    await getData(watcher, '/rw-gone', gone);
    const sessionId = sessionIdOf(watcher);

    // Drop the connection and park the client's reconnect while the data changes.
    const disconnected = once(watcher, 'disconnected');
    proxy.cut();
    await disconnected;
    await proxy.waitForAccepted(2);
    await setData(writer, '/rw', buf('b'));
    await create(writer, '/rw-missing');
    await create(writer, '/rwc/x');
    await remove(writer, '/rw-gone');

    const reconnected = once(watcher, 'connected');
    proxy.release();
    await reconnected;
    expect(sessionIdOf(watcher)).toBe(sessionId);
    expect(describeEvent(await changed.next())).toBe('NODE_DATA_CHANGED /rw');
    expect(describeEvent(await created.next())).toBe('NODE_CREATED /rw-missing');
    expect(describeEvent(await children.next())).toBe('NODE_CHILDREN_CHANGED /rwc');
    expect(describeEvent(await gone.next())).toBe('NODE_DELETED /rw-gone');
    await fence(watcher);
    expect(same.pending).toEqual([]);
    // The unchanged watch was registered again, so it still fires.
    await setData(writer, '/rw-same', buf('b'));
    expect(describeEvent(await same.next())).toBe('NODE_DATA_CHANGED /rw-same');
  });

  it('watches and the session survive a server restart (dataDir): SetWatches on the restarted server fires what changed', { timeout: testTimeoutMs }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vivarium-compat-'));
    tempDirs.push(dataDir);
    const first = await startServer({ dataDir });
    const port = first.port;
    const proxy = await TcpProxy.start({ host: first.host, port });
    proxies.push(proxy);
    const watcher = await connectClient(proxy.connectString);
    await create(watcher, '/r', buf('1'));
    await create(watcher, '/r-same', buf('1'));
    await create(watcher, '/r-eph', buf('e'), CreateMode.EPHEMERAL);
    const changed = new EventQueue();
    const created = new EventQueue();
    const same = new EventQueue();
    await getData(watcher, '/r', changed);
    expect(await exists(watcher, '/r-new', created)).toBeUndefined();
    await getData(watcher, '/r-same', same);
    const sessionId = sessionIdOf(watcher);

    // Park the watcher's reconnect, restart the server on the same port and dataDir, change data.
    const disconnected = once(watcher, 'disconnected');
    proxy.cut();
    await disconnected;
    await proxy.waitForAccepted(2);
    await first.close();
    const second = await startServer({ dataDir, clientPort: port });
    const writer = await connectClient(second.connectString);
    // The session and its ephemeral were recovered from dataDir.
    expect((await exists(writer, '/r-eph')) && ownerOf((await exists(writer, '/r-eph'))!)).toBe(sessionId);
    await setData(writer, '/r', buf('2'));
    await create(writer, '/r-new');

    const reconnected = once(watcher, 'connected');
    proxy.release();
    await reconnected;
    expect(sessionIdOf(watcher)).toBe(sessionId);
    expect(describeEvent(await changed.next())).toBe('NODE_DATA_CHANGED /r');
    expect(describeEvent(await created.next())).toBe('NODE_CREATED /r-new');
    await fence(watcher);
    expect(same.pending).toEqual([]);
    await setData(writer, '/r-same', buf('2'));
    expect(describeEvent(await same.next())).toBe('NODE_DATA_CHANGED /r-same');
  });

  it('four-letter words: every word answers in ZooKeeper 3.8 shape, describing the connected client', { timeout: testTimeoutMs }, async () => {
    const running = await startServer({ tickTimeMs: 2000 });
    const c = await connectClient();
    const sid = hex(sessionIdOf(c));
    await create(c, '/f', buf('f'));
    await create(c, '/g');
    await create(c, '/eph', null, CreateMode.EPHEMERAL);
    await getData(c, '/f', new EventQueue());
    await getChildren(c, '/g', new EventQueue());
    // Each word uses a connection of its own, which the server forgets once the socket has closed on
    // both sides: wait for the previous one to go, so the counts below are exact.
    const word = async (w: string): Promise<string> => {
      await until(() => running.connectionCount === 1);
      return sendFourLetterWord(running.host, running.port, w);
    };

    expect(await word('ruok')).toBe('imok');
    expect(await word('isro')).toBe('rw');
    // As in ZooKeeper, the four-letter word's own connection counts (and is listed by stat and cons).
    const srvr = await word('srvr');
    expect(srvr).toMatch(/^Zookeeper version: 3\.8\.\d+[^\n]*, built on [^\n]+\nLatency min\/avg\/max: \d+\/[\d.]+\/\d+\nReceived: \d+\nSent: \d+\nConnections: 2\nOutstanding: 0\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: 8\n$/);
    expect(srvr).toContain(`Zxid: ${hex(running.engine.lastProcessedZxid)}\n`);
    const stat = await word('stat');
    expect(stat).toMatch(/^Zookeeper version: [^\n]+\nClients:\n( \/127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+\)\n){2}\nLatency min\/avg\/max: /);
    expect(stat).toMatch(/\nMode: standalone\nNode count: 8\n$/);
    const cons = await word('cons');
    const consLines = cons.split('\n');
    expect(consLines.slice(-2)).toEqual(['', '']);
    expect(consLines.filter((line) => line !== '')).toHaveLength(2);
    expect(consLines).toContainEqual(expect.stringMatching(new RegExp(`^ /127\\.0\\.0\\.1:\\d+\\[\\d+\\]\\(queued=\\d+,recved=\\d+,sent=\\d+,sid=${sid},.*lzxid=0x[0-9a-f]+,.*\\)$`)));
    expect(await word('wchs')).toBe('1 connections watching 2 paths\nTotal watches:2\n');
    const wchc = await word('wchc');
    expect(wchc.startsWith(`${sid}\n`)).toBe(true);
    expect(wchc).toContain('\t/f\n');
    expect(wchc).toContain('\t/g\n');
    const wchp = await word('wchp');
    expect(wchp).toContain(`/f\n\t${sid}\n`);
    expect(wchp).toContain(`/g\n\t${sid}\n`);
    const dump = await word('dump');
    expect(dump).toMatch(/^SessionTracker dump:\nSession Sets \(\d+\)\/\(1\):\n/);
    expect(dump).toContain(`\t${sid}\n`);
    expect(dump).toContain(`ephemeral nodes dump:\nSessions with Ephemerals (1):\n${sid}:\n\t/eph\n`);
    const envi = await word('envi');
    expect(envi).toMatch(/^Environment:\nzookeeper\.version=3\.8\.\d+/);
    expect(envi.split('\n').filter((line) => line !== '').slice(1).every((line) => /^[\w.]+=/.test(line))).toBe(true);
    const conf = await word('conf');
    for (const line of [`clientPort=${running.port}`, 'secureClientPort=-1', 'tickTime=2000', 'maxClientCnxns=0', 'minSessionTimeout=4000', 'maxSessionTimeout=40000', 'serverId=0']) {
      expect(conf.split('\n')).toContain(line);
    }
    const mntr = new Map((await word('mntr')).split('\n').filter((line) => line !== '').map((line) => line.split('\t') as [string, string]));
    expect([...mntr.keys()].every((key) => key.startsWith('zk_'))).toBe(true);
    expect(mntr.get('zk_version')).toMatch(/^3\.8\./);
    expect(mntr.get('zk_server_state')).toBe('standalone');
    expect(mntr.get('zk_znode_count')).toBe('8');
    expect(mntr.get('zk_ephemerals_count')).toBe('1');
    expect(mntr.get('zk_watch_count')).toBe('2');
    expect(mntr.get('zk_num_alive_connections')).toBe('2');
    // The client's session still works: four-letter words use connections of their own.
    expect((await getData(c, '/f')).data?.toString()).toBe('f');
  });

  it('four-letter words outside the whitelist are refused in ZooKeeper\'s words', { timeout: testTimeoutMs }, async () => {
    const running = await startServer({ fourLetterWordWhitelist: ['srvr'] });
    expect(await sendFourLetterWord(running.host, running.port, 'ruok')).toBe('ruok is not executed because it is not in the whitelist.\n');
    expect(await sendFourLetterWord(running.host, running.port, 'srvr')).toMatch(/^Zookeeper version: /);
    const c = await connectClient();
    expect(await exists(c, '/zookeeper')).toBeDefined();
  });
});
