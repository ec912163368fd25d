// The TCP channel against fake servers built here from node:net and the protocol codec, so each
// test decides exactly which bytes the client sees and when. Real-time, loopback only, every wait bounded.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectRequest, Request, Stat } from '@vivarium/protocol';
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  ErrorCode,
  EventType,
  FrameReader,
  KeeperState,
  OpCode,
  Xid,
  ZooKeeperError,
} from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';
import type { ChannelHandler } from './channel.ts';
import { connectZooKeeper } from './connect.ts';
import { systemScheduler, type Scheduler } from './scheduler.ts';
import { tcpChannelFactory, type TcpChannelOptions } from './tcp-channel.ts';
import { ZooKeeperClient, type SessionState } from './zookeeper-client.ts';
import type { WatchedEvent } from './client-watches.ts';

const boundMs = 5_000;

/** A FIFO whose take() waits for the next item, bounded. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(item: T) => void> = [];
  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(item);
    else this.items.push(item);
  }
  take(what: string, timeoutMs = boundMs): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (value: T): void => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(waiter);
    });
  }
  get size(): number {
    return this.items.length;
  }
}

const stat: Stat = {
  czxid: 3n, mzxid: 4n, ctime: 1000, mtime: 2000, version: 1, cversion: 0, aversion: 0,
  ephemeralOwner: 0n, dataLength: 2, numChildren: 0, pzxid: 3n,
};

interface FakeConnection {
  socket: Socket;
  connectRequest: Promise<{ request: ConnectRequest; bodyBytes: number }>;
  requests: Inbox<{ xid: number; request: Request }>;
  closed: Promise<void>;
  write(bytes: Uint8Array): void;
  reply(xid: number, zxid: bigint, requestType: number, response?: unknown, err?: number): void;
}

interface FakeServerOptions {
  /** What the handshake answers; default: a session of the requested timeout, id 0x42 for a new one. */
  answerConnect?: (request: ConnectRequest) => { timeOutMs: number; sessionId: bigint } | 'silent';
  /** Answer pings (default true). */
  answerPings?: boolean;
}

/** A scripted ZooKeeper server: answers the handshake and pings itself, hands every other request to the test. */
class FakeServer {
  readonly connections = new Inbox<FakeConnection>();
  readonly sockets: Socket[] = [];
  private readonly server: Server;
  port = 0;
  pingsAnswered = 0;

  private constructor(options: FakeServerOptions) {
    this.server = createServer((socket) => this.accept(socket, options));
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const fake = new FakeServer(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as { port: number }).port;
    servers.push(fake);
    return fake;
  }

  get host(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  private accept(socket: Socket, options: FakeServerOptions): void {
    this.sockets.push(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    const requests = new Inbox<{ xid: number; request: Request }>();
    let resolveConnect!: (value: { request: ConnectRequest; bodyBytes: number }) => void;
    const connectRequest = new Promise<{ request: ConnectRequest; bodyBytes: number }>((resolve) => (resolveConnect = resolve));
    let handshaken = false;
    const write = (bytes: Uint8Array): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const connection: FakeConnection = {
      socket,
      connectRequest,
      requests,
      closed: new Promise((resolve) => socket.on('close', () => resolve())),
      write,
      reply: (xid, zxid, requestType, response, err = 0) => write(encodeReply({ xid, zxid, err }, requestType, response as never)),
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      reader.push(chunk);
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        if (!handshaken) {
          handshaken = true;
          const request = decodeConnectRequest(frame);
          resolveConnect({ request, bodyBytes: frame.length });
          const answer = options.answerConnect?.(request) ?? { timeOutMs: request.timeOutMs, sessionId: request.sessionId === 0n ? 0x42n : request.sessionId };
          if (answer === 'silent') continue;
          write(encodeConnectResponse({ protocolVersion: 0, timeOutMs: answer.timeOutMs, sessionId: answer.sessionId, passwd: new Uint8Array(16).fill(7), readOnly: false }));
          continue;
        }
        const { header, request } = decodeRequest(frame);
        if (request === undefined) throw new Error(`fake server: unknown opcode ${header.type}`);
        if (header.xid === Xid.ping && options.answerPings !== false) {
          this.pingsAnswered++;
          write(encodeReply({ xid: Xid.ping, zxid: 0n, err: 0 }, OpCode.ping));
          continue;
        }
        if (header.xid === Xid.ping) continue;
        requests.push({ xid: header.xid, request });
      }
    });
    this.connections.push(connection);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const servers: FakeServer[] = [];
const clients: ZooKeeperClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) if (client.state !== 'closed') await closeQuietly(client);
  for (const server of servers.splice(0)) await server.close();
});

async function closeQuietly(client: ZooKeeperClient): Promise<void> {
  // A fake server may not answer closeSession; dropping the transport makes close() finish.
  const closing = client.close();
  client.disconnect();
  await closing;
}

function newClient(options: TcpChannelOptions, extra: { reconnectDelayMs?: number; sessionTimeoutMs?: number } = {}): ZooKeeperClient {
  const client = new ZooKeeperClient({
    channelFactory: tcpChannelFactory(options),
    scheduler: systemScheduler(),
    sessionTimeoutMs: extra.sessionTimeoutMs ?? 30_000,
    reconnectDelayMs: extra.reconnectDelayMs ?? 10,
  });
  clients.push(client);
  return client;
}

/** Resolves when the client reaches `state`, bounded. */
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

/** Writes `bytes` one byte per macrotask turn, so the client's reads see them split at every boundary. */
async function writeByteByByte(connection: FakeConnection, bytes: Uint8Array): Promise<void> {
  for (const byte of bytes) {
    connection.write(Uint8Array.of(byte));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const encoder = new TextEncoder();

describe('tcpChannelFactory against a fake server', () => {
  it('sends a 45-byte ConnectRequest (with the readOnly byte) and delivers the session', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const { request, bodyBytes } = await connection.connectRequest;
    expect(bodyBytes).toBe(45);
    expect(request).toMatchObject({ protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, readOnly: false });
    expect(client.sessionId).toBe(0x42n);
    expect(client.negotiatedTimeoutMs).toBe(30_000);
    expect([...client.sessionPassword]).toEqual(new Array(16).fill(7));
  });

  it('canBeReadOnly sets the readOnly byte', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host], canBeReadOnly: true });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    expect((await connection.connectRequest).request.readOnly).toBe(true);
  });

  it('decodes a reply and a notification split byte by byte, the event before the reply', async () => {
    const server = await FakeServer.start();
    const chunkSizes: number[] = [];
    const client = newClient({
      hosts: [server.host],
      openSocket: (address) => {
        const socket = netConnect(address);
        socket.on('data', (chunk) => chunkSizes.push(chunk.length));
        return socket;
      },
    });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');

    const order: string[] = [];
    const reading = client.getData('/a', (event) => order.push(`event ${event.type} ${event.path}`)).then((result) => {
      order.push('getData');
      return result;
    });
    const first = await connection.requests.take('getData');
    expect(first.request).toEqual({ type: OpCode.getData, path: '/a', watch: true });
    await writeByteByByte(connection, encodeReply({ xid: first.xid, zxid: 9n, err: 0 }, OpCode.getData, { data: encoder.encode('hi'), stat }));
    const result = await reading;
    expect(new TextDecoder().decode(result.data!)).toBe('hi');
    expect(result.stat).toEqual(stat);
    expect(client.lastZxidSeen).toBe(9n);

    // Now the watch is set: a setData whose reply follows the notification that it fired.
    const writing = client.setData('/a', encoder.encode('yo')).then(() => order.push('setData'));
    const second = await connection.requests.take('setData');
    const notification = encodeNotification({ type: EventType.nodeDataChanged, state: KeeperState.syncConnected, path: '/a' }, -1n);
    const reply = encodeReply({ xid: second.xid, zxid: 10n, err: 0 }, OpCode.setData, { stat });
    const both = new Uint8Array(notification.length + reply.length);
    both.set(notification);
    both.set(reply, notification.length);
    await writeByteByByte(connection, both);
    await writing;
    expect(order).toEqual(['getData', `event ${EventType.nodeDataChanged} /a`, 'setData']);
    // The reads really were split: far more chunks than frames, most of them single bytes.
    expect(chunkSizes.length).toBeGreaterThan(50);
    expect(chunkSizes.filter((n) => n === 1).length).toBeGreaterThan(chunkSizes.length / 2);
  });

  it('an error reply is the bare header; several frames in one chunk are all delivered', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const a = client.exists('/missing');
    const b = client.delete('/x', 3);
    const c = client.getChildren('/');
    const requests = [await connection.requests.take('exists'), await connection.requests.take('delete'), await connection.requests.take('getChildren')];
    const frames = [
      encodeReply({ xid: requests[0]!.xid, zxid: 1n, err: ErrorCode.noNode }, OpCode.exists),
      encodeReply({ xid: requests[1]!.xid, zxid: 2n, err: ErrorCode.badVersion }, OpCode.delete),
      encodeReply({ xid: requests[2]!.xid, zxid: 3n, err: 0 }, OpCode.getChildren, { children: ['zookeeper', 'x'] }),
    ];
    connection.write(Buffer.concat(frames));
    expect(await a).toBeNull();
    await expect(b).rejects.toMatchObject({ code: ErrorCode.badVersion, path: '/x' });
    expect(await c).toEqual(['zookeeper', 'x']);
  });

  it('a frame over frameBytesMax drops the connection; the client reconnects keeping its session', async () => {
    const server = await FakeServer.start();
    const lost: string[] = [];
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const first = await server.connections.take('the first connection');
    const pending = client.getData('/big');
    const request = await first.requests.take('getData');
    expect(request.request.type).toBe(OpCode.getData);
    client.onStateChange((state) => lost.push(state));
    // 0x100000 > 0xfffff: only the length prefix is needed to refuse it.
    first.write(Uint8Array.of(0x00, 0x10, 0x00, 0x00));
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.connectionLoss });
    await expect(pending).rejects.toThrow(/bad frame.*length 1048576 is outside 0\.\.1048575/);
    await first.closed;
    const second = await server.connections.take('a reconnect');
    const reattach = (await second.connectRequest).request;
    expect(reattach.sessionId).toBe(0x42n);
    expect([...reattach.passwd]).toEqual(new Array(16).fill(7));
    await stateReached(client, 'connected');
    expect(lost).toEqual(['disconnected', 'connected']);
  });

  it('frameBytesMax is configurable: a reply body one byte over it is refused', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host], frameBytesMax: 100 });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const reading = client.getData('/a');
    const { xid } = await connection.requests.take('getData');
    // header 16 + data length 4 + stat 68 = 88 fixed bytes: 13 bytes of data make 101.
    connection.write(encodeReply({ xid, zxid: 1n, err: 0 }, OpCode.getData, { data: new Uint8Array(13), stat }));
    await expect(reading).rejects.toThrow(/length 101 is outside 0\.\.100/);
    // Exactly at the limit is fine.
    await stateReached(client, 'connected');
    const again = await server.connections.take('a reconnect');
    const reading2 = client.getData('/a');
    const second = await again.requests.take('getData');
    again.write(encodeReply({ xid: second.xid, zxid: 1n, err: 0 }, OpCode.getData, { data: new Uint8Array(12), stat }));
    expect((await reading2).data).toHaveLength(12);
  });

  it('an undecodable frame (a reply to no outstanding xid) drops the connection', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const reading = client.getData('/a');
    await connection.requests.take('getData');
    connection.write(encodeReply({ xid: 12345, zxid: 1n, err: 0 }, OpCode.getData, { data: null, stat }));
    await expect(reading).rejects.toThrow(/bad frame.*no outstanding request has xid 12345/);
    await connection.closed;
  });

  it('server close: reconnects to the next host of the list, keeping the session', async () => {
    const a = await FakeServer.start();
    const b = await FakeServer.start();
    const client = newClient({ hosts: [a.host, b.host] });
    await client.waitForConnected();
    const onA = await a.connections.take('a connection to A');
    const pending = client.sync('/');
    await onA.requests.take('sync');
    onA.socket.destroy();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.connectionLoss });
    const onB = await b.connections.take('a connection to B');
    const reattach = (await onB.connectRequest).request;
    expect(reattach.sessionId).toBe(0x42n);
    await stateReached(client, 'connected');
    expect(client.sessionId).toBe(0x42n);
    const syncing = client.sync('/x');
    const { xid, request } = await onB.requests.take('sync on B');
    expect(request).toEqual({ type: OpCode.sync, path: '/x' });
    onB.reply(xid, 20n, OpCode.sync, { path: '/x' });
    expect(await syncing).toBe('/x');
    expect(a.connections.size).toBe(0);
  });

  it('watches are re-registered with SetWatches on the new connection, from lastZxidSeen', async () => {
    const a = await FakeServer.start();
    const b = await FakeServer.start();
    const client = newClient({ hosts: [a.host, b.host] });
    await client.waitForConnected();
    const onA = await a.connections.take('a connection to A');
    const events: WatchedEvent[] = [];
    const reading = client.getData('/w', (event) => events.push(event));
    const get = await onA.requests.take('getData');
    onA.reply(get.xid, 77n, OpCode.getData, { data: null, stat });
    await reading;
    const persistent = client.addWatch('/p', (event) => events.push(event), 'persistentRecursive');
    const add = await onA.requests.take('addWatch');
    onA.reply(add.xid, 78n, OpCode.addWatch, { err: 0 });
    await persistent;
    onA.socket.destroy();
    const onB = await b.connections.take('a connection to B');
    expect((await onB.connectRequest).request.lastZxidSeen).toBe(78n);
    const setWatches = await onB.requests.take('setWatches2');
    expect(setWatches.request).toEqual({
      type: OpCode.setWatches2, relativeZxid: 78n, dataWatches: ['/w'], existWatches: [], childWatches: [],
      persistentWatches: [], persistentRecursiveWatches: ['/p'],
    });
    // The server fires what changed meanwhile before answering, as ZooKeeper does.
    onB.write(encodeNotification({ type: EventType.nodeDataChanged, state: KeeperState.syncConnected, path: '/w' }, -1n));
    onB.reply(setWatches.xid, 80n, OpCode.setWatches2);
    await stateReached(client, 'connected');
    const deadline = Date.now() + boundMs;
    while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual([{ type: EventType.nodeDataChanged, state: KeeperState.syncConnected, path: '/w' }]);
  });

  it('a zero ConnectResponse (unknown or expired session) makes the client expired, even when the server closes at once', async () => {
    const server = await FakeServer.start({ answerConnect: () => ({ timeOutMs: 0, sessionId: 0n }) });
    const client = new ZooKeeperClient({
      channelFactory: tcpChannelFactory({ hosts: [server.host] }),
      scheduler: systemScheduler(),
      sessionId: 0x1234n,
      sessionPassword: new Uint8Array(16),
    });
    clients.push(client);
    const connection = await server.connections.take('a connection');
    await connection.connectRequest;
    connection.socket.end();
    await expect(client.waitForConnected()).rejects.toMatchObject({ code: ErrorCode.sessionExpired });
    expect(client.state).toBe('expired');
    await connection.closed;
  });

  it('AUTHFAILED on the auth xid ends the client as authFailed', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const events: WatchedEvent[] = [];
    const watching = client.exists('/e', (event) => events.push(event));
    const exists = await connection.requests.take('exists');
    connection.reply(exists.xid, 1n, OpCode.exists, undefined, ErrorCode.noNode);
    expect(await watching).toBeNull();
    const auth = client.addAuthInfo('nosuchscheme', 'x');
    const request = await connection.requests.take('auth');
    expect(request.xid).toBe(Xid.auth);
    expect(request.request).toMatchObject({ type: OpCode.auth, scheme: 'nosuchscheme' });
    connection.reply(Xid.auth, 0n, OpCode.auth, undefined, ErrorCode.authFailed);
    await expect(auth).rejects.toMatchObject({ code: ErrorCode.authFailed });
    await stateReached(client, 'authFailed');
    expect(events).toEqual([{ type: EventType.none, state: KeeperState.authFailed, path: undefined }]);
    await connection.closed;
  });

  it('read timeout: nothing received for 2/3 of the negotiated timeout drops the connection', async () => {
    const server = await FakeServer.start({ answerPings: false, answerConnect: (request) => ({ timeOutMs: 300, sessionId: request.sessionId === 0n ? 5n : request.sessionId }) });
    const client = newClient({ hosts: [server.host] }, { reconnectDelayMs: 60_000 });
    const started = Date.now();
    await client.waitForConnected();
    expect(client.negotiatedTimeoutMs).toBe(300);
    const connection = await server.connections.take('a connection');
    // The client pings at T/3 = 100 ms; the fake never answers, so at 2T/3 = 200 ms it gives up.
    const ping = new Promise<void>((resolve) => connection.socket.once('data', () => resolve()));
    await ping;
    await stateReached(client, 'disconnected');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3_000);
    await connection.closed;
  });

  it('a live server answering pings keeps the connection past the read timeout', async () => {
    const server = await FakeServer.start({ answerConnect: () => ({ timeOutMs: 150, sessionId: 6n }) });
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const states: SessionState[] = [];
    client.onStateChange((state) => states.push(state));
    // Pings every T/3 = 50 ms, read timeout 2T/3 = 100 ms: eight answered pings span several read timeouts.
    const deadline = Date.now() + boundMs;
    while (server.pingsAnswered < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.pingsAnswered).toBeGreaterThanOrEqual(8);
    expect(states).toEqual([]);
    expect(server.connections.size).toBe(0);
    expect(connection.socket.destroyed).toBe(false);
  });

  it('connect timeout: a server that never answers the handshake is dropped and the next attempt made', async () => {
    let attempts = 0;
    const server = await FakeServer.start({ answerConnect: (request) => (++attempts === 1 ? 'silent' : { timeOutMs: request.timeOutMs, sessionId: 9n }) });
    const client = newClient({ hosts: [server.host], connectTimeoutMs: 150 });
    const first = await server.connections.take('the first attempt');
    await first.closed;
    await client.waitForConnected();
    expect(client.sessionId).toBe(9n);
    expect(attempts).toBe(2);
  });

  it('connection refused is a lost transport; the client keeps trying the hosts in turn', async () => {
    const good = await FakeServer.start();
    const dead = await FakeServer.start();
    const deadHost = dead.host;
    await dead.close();
    servers.splice(servers.indexOf(dead), 1);
    const lost: string[] = [];
    const factory = tcpChannelFactory({ hosts: [deadHost, good.host] });
    const client = new ZooKeeperClient({
      channelFactory: (handler, attempt) => factory({ onOutputs: (o) => handler.onOutputs(o), onTransportLost: (reason) => { lost.push(reason); handler.onTransportLost(reason); } }, attempt),
      scheduler: systemScheduler(),
      reconnectDelayMs: 10,
    });
    clients.push(client);
    await client.waitForConnected();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(new RegExp(`ECONNREFUSED.*127\\.0\\.0\\.1:${deadHost.port}`));
  });

  it('close() sends closeSession, and the socket is gone afterwards', async () => {
    const server = await FakeServer.start();
    const client = newClient({ hosts: [server.host] });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    const closing = client.close();
    const { xid, request } = await connection.requests.take('closeSession');
    expect(request.type).toBe(OpCode.closeSession);
    connection.reply(xid, 3n, OpCode.closeSession);
    await closing;
    expect(client.state).toBe('closed');
    await connection.closed;
  });

  it('a channel closed by the client reports nothing more', async () => {
    const server = await FakeServer.start();
    const outputs: EngineOutput[] = [];
    const lost: string[] = [];
    const handler: ChannelHandler = { onOutputs: (o) => outputs.push(...o), onTransportLost: (reason) => lost.push(reason) };
    const channel = tcpChannelFactory({ hosts: [server.host] })(handler, 0);
    channel.connect({ protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    const connection = await server.connections.take('a connection');
    await connection.connectRequest;
    channel.close();
    channel.send(1, { type: OpCode.sync, path: '/' });
    await connection.closed;
    expect(lost).toEqual([]);
  });
});

describe('connectZooKeeper over TCP', () => {
  it('resolves connected, with the chroot of the connect string applied to requests', async () => {
    const server = await FakeServer.start();
    const client = await connectZooKeeper(`127.0.0.1:${server.port}/app`, { sessionTimeoutMs: 10_000 });
    clients.push(client);
    expect(client.state).toBe('connected');
    const connection = await server.connections.take('a connection');
    const creating = client.create('/n', encoder.encode('v'));
    const { xid, request } = await connection.requests.take('create');
    expect(request).toMatchObject({ type: OpCode.create2, path: '/app/n' });
    connection.reply(xid, 5n, OpCode.create2, { path: '/app/n', stat });
    expect(await creating).toBe('/n');
  });

  it('close() leaves no socket or timer behind', async () => {
    const server = await FakeServer.start({ answerConnect: () => ({ timeOutMs: 3_000, sessionId: 8n }) });
    const sockets: Socket[] = [];
    const real = systemScheduler();
    let liveTimers = 0;
    const scheduler: Scheduler = {
      nowMs: () => real.nowMs(),
      setTimer(delayMs, task) {
        liveTimers++;
        let live = true;
        const cancel = real.setTimer(delayMs, () => {
          live = false;
          liveTimers--;
          task();
        });
        return () => {
          if (live) liveTimers--;
          live = false;
          cancel();
        };
      },
    };
    const client = new ZooKeeperClient({
      channelFactory: tcpChannelFactory({ hosts: [server.host], scheduler, openSocket: (address) => {
        const socket = netConnect(address);
        sockets.push(socket);
        return socket;
      } }),
      scheduler,
    });
    await client.waitForConnected();
    const connection = await server.connections.take('a connection');
    expect(liveTimers).toBe(2); // the client's ping timer and the channel's read timeout
    const closing = client.close();
    const { xid } = await connection.requests.take('closeSession');
    connection.reply(xid, 1n, OpCode.closeSession);
    await closing;
    await connection.closed;
    expect(liveTimers).toBe(0);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.destroyed).toBe(true);
  });

  it('rejects with CONNECTIONLOSS when no server answers within initialConnectTimeoutMs', async () => {
    const dead = await FakeServer.start();
    const port = dead.port;
    await dead.close();
    servers.splice(servers.indexOf(dead), 1);
    const started = Date.now();
    const error = await connectZooKeeper(`127.0.0.1:${port}`, { initialConnectTimeoutMs: 300, reconnectDelayMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZooKeeperError);
    expect((error as ZooKeeperError).code).toBe(ErrorCode.connectionLoss);
    expect(String(error)).toMatch(/no session with 127\.0\.0\.1:\d+ within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects with SESSIONEXPIRED when reattaching to a session the server does not know', async () => {
    const server = await FakeServer.start({ answerConnect: () => ({ timeOutMs: 0, sessionId: 0n }) });
    await expect(connectZooKeeper(`127.0.0.1:${server.port}`, { sessionId: 99n, sessionPassword: new Uint8Array(16) })).rejects.toMatchObject({ code: ErrorCode.sessionExpired });
  });
});
