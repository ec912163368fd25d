// A minimal raw ZooKeeper wire session for probing a real server with requests that ordinary
// clients refuse to send (invalid paths, TTL creates) and for reading reply-header zxids.
// Sequential use only: one request at a time is enough for probes. Uses only node: modules.
import { connect, type Socket } from 'node:net';

export interface RawReply {
  xid: number;
  zxid: bigint;
  err: number;
  body: Buffer;
}

export interface RawStat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export const OpCode = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  getChildren2: 12,
  multi: 14,
  create2: 15,
  createContainer: 19,
  createTTL: 21,
  closeSession: -11,
} as const;

/** Jute writer: big-endian ints, length-prefixed buffers/strings, null = length -1. */
export class JuteWriter {
  private readonly parts: Buffer[] = [];

  int(value: number): this {
    const part = Buffer.alloc(4);
    part.writeInt32BE(value);
    this.parts.push(part);
    return this;
  }

  long(value: bigint): this {
    const part = Buffer.alloc(8);
    part.writeBigInt64BE(value);
    this.parts.push(part);
    return this;
  }

  bool(value: boolean): this {
    this.parts.push(Buffer.from([value ? 1 : 0]));
    return this;
  }

  buffer(value: Buffer | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.parts.push(value);
    return this;
  }

  ustring(value: string | null): this {
    return this.buffer(value === null ? null : Buffer.from(value, 'utf8'));
  }

  /** vector<ACL> of one world:anyone entry with the given perms (31 = ALL). */
  openAcl(perms = 31): this {
    return this.int(1).int(perms).ustring('world').ustring('anyone');
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Jute reader over one reply body. */
export class JuteReader {
  offset = 0;
  private readonly data: Buffer;

  constructor(data: Buffer) {
    this.data = data;
  }

  int(): number {
    const value = this.data.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  long(): bigint {
    const value = this.data.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** null for length -1 (null), otherwise the bytes (possibly empty). */
  buffer(): Buffer | null {
    const length = this.int();
    if (length < 0) return null;
    const value = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  ustring(): string | null {
    const value = this.buffer();
    return value === null ? null : value.toString('utf8');
  }

  bool(): boolean {
    const value = this.data.readUInt8(this.offset) !== 0;
    this.offset += 1;
    return value;
  }

  /** The unread remainder. */
  rest(): Buffer {
    return this.data.subarray(this.offset);
  }

  stat(): RawStat {
    return {
      czxid: this.long(),
      mzxid: this.long(),
      ctime: this.long(),
      mtime: this.long(),
      version: this.int(),
      cversion: this.int(),
      aversion: this.int(),
      ephemeralOwner: this.long(),
      dataLength: this.int(),
      numChildren: this.int(),
      pzxid: this.long(),
    };
  }
}

export class RawZooKeeperSession {
  private inbound = Buffer.alloc(0);
  private waiting: Array<{ resolve: (frame: Buffer) => void; reject: (error: Error) => void }> = [];
  private closedError: Error | undefined;
  private xid = 0;
  /** Notifications (xid -1) received so far, raw bodies after the reply header. */
  readonly notifications: Buffer[] = [];
  negotiatedTimeoutMs = 0;
  sessionId = 0n;

  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error): void => {
      this.closedError ??= error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedError);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by server')));
  }

  /** Opens a TCP connection and a new session (ConnectRequest with the readOnly byte, 45 bytes). */
  static async open(host: string, port: number, requestedTimeoutMs = 30_000): Promise<RawZooKeeperSession> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new RawZooKeeperSession(socket);
    const connectRequest = new JuteWriter()
      .int(0)
      .long(0n)
      .int(requestedTimeoutMs)
      .long(0n)
      .buffer(Buffer.alloc(16))
      .bool(false)
      .toBuffer();
    session.writeFrame(connectRequest);
    const reader = new JuteReader(await session.nextFrame());
    reader.int(); // protocolVersion
    session.negotiatedTimeoutMs = reader.int();
    session.sessionId = reader.long();
    return session;
  }

  /** Sends one request and waits for its reply (notifications before it are collected). */
  async request(type: number, body: Buffer = Buffer.alloc(0)): Promise<RawReply> {
    const xid = ++this.xid;
    this.writeFrame(Buffer.concat([new JuteWriter().int(xid).int(type).toBuffer(), body]));
    for (;;) {
      const reader = new JuteReader(await this.nextFrame());
      const replyXid = reader.int();
      const zxid = reader.long();
      const err = reader.int();
      const rest = reader.rest();
      if (replyXid === -1) {
        this.notifications.push(rest);
        continue;
      }
      if (replyXid === -2) continue;
      if (replyXid !== xid) throw new Error(`reply xid ${replyXid}, expected ${xid}`);
      return { xid: replyXid, zxid, err, body: rest };
    }
  }

  /** closeSession, then close the socket. */
  async close(): Promise<void> {
    if (this.closedError === undefined) {
      try {
        await this.request(OpCode.closeSession);
      } catch {
        // the server may close first
      }
    }
    this.socket.destroy();
  }

  private writeFrame(payload: Buffer): void {
    const length = Buffer.alloc(4);
    length.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([length, payload]));
  }

  private frames: Buffer[] = [];

  private onData(chunk: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= 4) {
      const length = this.inbound.readInt32BE(0);
      if (this.inbound.length < 4 + length) break;
      const frame = this.inbound.subarray(4, 4 + length);
      this.inbound = this.inbound.subarray(4 + length);
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(frame);
      else this.frames.push(frame);
    }
  }

  private nextFrame(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

/** Body of create/create2/createContainer: path, data, open ACL, flags. */
export function createBody(path: string, data: Buffer | null, flags: number): Buffer {
  return new JuteWriter().ustring(path).buffer(data).openAcl().int(flags).toBuffer();
}

/** Body of createTTL: path, data, open ACL, flags, ttl. */
export function createTtlBody(path: string, data: Buffer | null, flags: number, ttlMs: bigint): Buffer {
  return new JuteWriter().ustring(path).buffer(data).openAcl().int(flags).long(ttlMs).toBuffer();
}

/** Body of exists/getData/getChildren2: path, watch. */
export function pathWatchBody(path: string, watch = false): Buffer {
  return new JuteWriter().ustring(path).bool(watch).toBuffer();
}

/** Body of delete: path, version. */
export function deleteBody(path: string, version = -1): Buffer {
  return new JuteWriter().ustring(path).int(version).toBuffer();
}
