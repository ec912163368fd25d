// A raw ZooKeeper client connection for the differential suite: speaks the wire protocol with
// @vivarium/protocol's codec, sends exactly the frames it is told (xids included), and keeps
// every frame the server sends, in order, until the test reads it. No pings of its own, no
// reconnects, no validation: what goes out and what comes back is the whole point.
import { connect, type Socket } from 'node:net';
import {
  FrameReader,
  decodeConnectResponse,
  decodeReply,
  encodeConnectRequest,
  encodeRequest,
  OpCode,
  Xid,
  type ConnectResponse,
  type DecodedServerMessage,
  type Request,
} from '@vivarium/protocol';

export type WireEvent =
  | { kind: 'message'; message: DecodedServerMessage }
  | { kind: 'undecodable'; error: string }
  | { kind: 'closed' };

export interface WireConnectOptions {
  host: string;
  port: number;
  timeOutMs: number;
  sessionId?: bigint;
  passwd?: Uint8Array;
  lastZxidSeen?: bigint;
  /** undefined: an old-style ConnectRequest without the readOnly byte (44 bytes). */
  readOnly?: boolean | undefined;
  /**
   * Requests written in the same TCP write as the ConnectRequest, before any answer (as the Java
   * client's Netty transport does). Their replies are queued like any other.
   */
  early?: Array<{ xid: number; request: Request }>;
}

export interface WireHandshake {
  /** undefined when the server closed the connection without answering. */
  response: ConnectResponse | undefined;
  /** Body length of the ConnectResponse frame (36 without readOnly, 37 with it). */
  responseBytes: number | undefined;
}

/** Frames we accept from a server: larger than jute.maxbuffer, so a 1 MB getData reply fits. */
const inboundFrameBytesMax = 16 * 1024 * 1024;

export class WireSession {
  private readonly socket: Socket;
  private readonly reader = new FrameReader({ frameBytesMax: inboundFrameBytesMax });
  private readonly typeByXid = new Map<number, number>();
  private readonly events: WireEvent[] = [];
  private waiter: (() => void) | undefined;
  private handshakeDone = false;
  private handshakeResolve: ((handshake: WireHandshake) => void) | undefined;
  private isClosed = false;
  handshake: WireHandshake = { response: undefined, responseBytes: undefined };

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  /** Opens a TCP connection and sends a ConnectRequest; resolves with the server's answer (or its silence). */
  static async open(options: WireConnectOptions): Promise<WireSession> {
    const socket = connect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new WireSession(socket);
    const answered = new Promise<WireHandshake>((resolve) => {
      session.handshakeResolve = resolve;
    });
    const connectFrame = encodeConnectRequest({
      protocolVersion: 0,
      lastZxidSeen: options.lastZxidSeen ?? 0n,
      timeOutMs: options.timeOutMs,
      sessionId: options.sessionId ?? 0n,
      passwd: options.passwd ?? new Uint8Array(16),
      readOnly: 'readOnly' in options ? options.readOnly : false,
    });
    const early = (options.early ?? []).map(({ xid, request }) => {
      session.typeByXid.set(xid, request.type);
      return encodeRequest(xid, request).slice();
    });
    socket.write(Buffer.concat([connectFrame.slice(), ...early]));
    session.handshake = await answered;
    return session;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get sessionId(): bigint {
    return this.handshake.response?.sessionId ?? 0n;
  }

  get passwd(): Uint8Array {
    return this.handshake.response?.passwd ?? new Uint8Array(16);
  }

  /** Writes one request frame with this xid (the reply is decoded by the request's type). */
  send(xid: number, request: Request): void {
    if (xid !== Xid.ping && xid !== Xid.auth) this.typeByXid.set(xid, request.type);
    this.write(encodeRequest(xid, request));
  }

  /** Writes bytes as they are (unknown opcodes, oversized frames). `xid`/`type` say how to decode a reply. */
  sendRaw(bytes: Uint8Array, reply?: { xid: number; type: number }): void {
    if (reply !== undefined) this.typeByXid.set(reply.xid, reply.type);
    this.write(bytes);
  }

  /** Sends a ping (xid -2): its reply comes after everything the server queued before it. */
  ping(): void {
    this.send(Xid.ping, { type: OpCode.ping });
  }

  /** The next event, or undefined when none arrives before the deadline (epoch ms). */
  async next(deadlineMs: number): Promise<WireEvent | undefined> {
    for (;;) {
      const event = this.events.shift();
      if (event !== undefined) return event;
      if (this.isClosed) return { kind: 'closed' };
      const remaining = deadlineMs - Date.now();
      if (remaining <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** Client-side close of the TCP connection (no closeSession). */
  destroy(): void {
    this.socket.destroy();
  }

  private write(bytes: Uint8Array): void {
    if (this.isClosed || this.socket.destroyed) return;
    this.socket.write(bytes);
  }

  private push(event: WireEvent): void {
    this.events.push(event);
    this.waiter?.();
  }

  private onData(chunk: Buffer): void {
    this.reader.push(new Uint8Array(chunk));
    for (let body = this.reader.next(); body !== undefined; body = this.reader.next()) {
      // Copy: frames may alias socket chunks, and decoded byte arrays outlive this call.
      const frame = body.slice();
      if (!this.handshakeDone) {
        this.handshakeDone = true;
        this.handshakeResolve?.({ response: decodeConnectResponse(frame), responseBytes: frame.length });
        continue;
      }
      try {
        const message = decodeReply(frame, (xid) => this.typeByXid.get(xid));
        if (message.kind === 'reply') this.typeByXid.delete(message.header.xid);
        this.push({ kind: 'message', message });
      } catch (error) {
        this.push({ kind: 'undecodable', error: String(error) });
      }
    }
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (!this.handshakeDone) {
      this.handshakeDone = true;
      this.handshakeResolve?.({ response: undefined, responseBytes: undefined });
    }
    this.waiter?.();
  }
}
