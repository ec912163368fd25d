import { connect as netConnect, type Socket } from 'node:net';
import type { ConnectRequest, Request } from '@vivarium/protocol';
import {
  decodeConnectResponse,
  decodeReply,
  encodeConnectRequest,
  encodeRequest,
  ErrorCode,
  FrameReader,
  juteMaxBufferDefault,
  Xid,
} from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';
import type { ChannelFactory, ChannelHandler, ServerChannel } from './channel.ts';
import { formatHostAndPort, type HostAndPort } from './connect-string.ts';
import { systemScheduler, type Scheduler } from './scheduler.ts';

export interface TcpChannelOptions {
  /** The servers; attempt n goes to `hosts[n % hosts.length]`, so a reconnect moves to the next one. */
  hosts: readonly HostAndPort[];
  /**
   * Bound on one attempt, from opening the socket until the ConnectResponse arrives.
   * Default: the requested session timeout divided by the number of hosts (the Java client's connectTimeout).
   */
  connectTimeoutMs?: number;
  /** Largest frame accepted from the server (jute.maxbuffer); a bigger one drops the connection. Default 0xfffff. */
  frameBytesMax?: number;
  /** Send readOnly=true in the ConnectRequest, so a read-only server may accept the session. Default false. */
  canBeReadOnly?: boolean;
  /** Opens the socket to one host (e.g. with `tls.connect`). Default: `net.connect`. */
  openSocket?: (address: HostAndPort) => Socket;
  /** Timers for the connect and read timeouts. Default: real timers. */
  scheduler?: Scheduler;
}

/**
 * The client's ServerChannel over TCP, speaking ZooKeeper's jute protocol to any server
 * (Vivarium's wire server or Apache ZooKeeper). Each attempt connects to the next host.
 *
 * It encodes requests and decodes frames into the same EngineOutput shapes the in-process
 * channel delivers, remembering the request type of every outstanding xid because a reply
 * does not say what it answers. The connection is reported lost (and never reused) when the
 * socket closes or fails, a frame is over frameBytesMax or does not decode, no ConnectResponse
 * arrives within connectTimeoutMs, or nothing at all arrives for 2/3 of the negotiated session
 * timeout (Java's readTimeout: the client core pings every third of it, so a live server answers).
 */
export function tcpChannelFactory(options: TcpChannelOptions): ChannelFactory {
  const hosts = [...options.hosts];
  if (hosts.length === 0) throw new TypeError('tcpChannelFactory: hosts must name at least one server');
  const frameBytesMax = options.frameBytesMax ?? juteMaxBufferDefault;
  if (!Number.isInteger(frameBytesMax) || frameBytesMax < 16 || frameBytesMax > 0x7fffffff) {
    throw new TypeError(`tcpChannelFactory: frameBytesMax must be an integer in 16..2^31-1, got ${frameBytesMax}`);
  }
  const connectTimeoutMs = options.connectTimeoutMs;
  if (connectTimeoutMs !== undefined && !(Number.isFinite(connectTimeoutMs) && connectTimeoutMs > 0)) {
    throw new TypeError(`tcpChannelFactory: connectTimeoutMs must be a positive number, got ${connectTimeoutMs}`);
  }
  const scheduler = options.scheduler ?? systemScheduler();
  const openSocket = options.openSocket ?? ((address: HostAndPort) => netConnect({ host: address.host, port: address.port }));
  return (handler, attempt) => {
    const address = hosts[attempt % hosts.length] as HostAndPort;
    return new TcpChannel({
      handler,
      address,
      socket: openSocket(address),
      frameBytesMax,
      connectTimeoutMs,
      hostCount: hosts.length,
      canBeReadOnly: options.canBeReadOnly ?? false,
      scheduler,
    });
  };
}

interface TcpChannelInit {
  handler: ChannelHandler;
  address: HostAndPort;
  socket: Socket;
  frameBytesMax: number;
  connectTimeoutMs: number | undefined;
  hostCount: number;
  canBeReadOnly: boolean;
  scheduler: Scheduler;
}

class TcpChannel implements ServerChannel {
  private readonly handler: ChannelHandler;
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly scheduler: Scheduler;
  private readonly init: TcpChannelInit;
  private readonly where: string;
  /** Request type of every request sent and not yet answered, by xid (pings and auth are known by their xid). */
  private readonly outstanding = new Map<number, number>();
  private closed = false;
  private handshakeDone = false;
  private readTimeoutMs = 0;
  private lastReceivedMs = 0;
  private cancelTimer: (() => void) | undefined;
  private socketError: Error | undefined;

  constructor(init: TcpChannelInit) {
    this.init = init;
    this.handler = init.handler;
    this.socket = init.socket;
    this.scheduler = init.scheduler;
    this.where = formatHostAndPort(init.address);
    this.reader = new FrameReader({ frameBytesMax: init.frameBytesMax });
    // As the Java client does: requests are small and latency matters more than packet count.
    this.socket.setNoDelay(true);
    // A plain Uint8Array view, not the Buffer: Buffer#slice does not copy, so values decoded from
    // a Buffer would alias the socket's chunk (and be Buffers), where a Uint8Array's slice copies.
    this.socket.on('data', (chunk: Uint8Array) => this.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    this.socket.on('error', (error: Error) => {
      this.socketError ??= error;
    });
    this.socket.on('close', () => {
      const cause = this.socketError === undefined ? 'the server closed the connection' : this.socketError.message;
      this.fail(`${cause} (${this.where})`);
    });
  }

  connect(request: ConnectRequest): void {
    if (this.closed) return;
    const connectTimeoutMs = this.init.connectTimeoutMs ?? Math.max(1, Math.floor(request.timeOutMs / this.init.hostCount));
    this.armTimer(connectTimeoutMs, () => this.fail(`no ConnectResponse from ${this.where} within ${connectTimeoutMs} ms`));
    // A write before the TCP connect completes is buffered by the socket.
    this.socket.write(encodeConnectRequest({ ...request, readOnly: request.readOnly === true || this.init.canBeReadOnly }));
  }

  send(xid: number, request: Request): void {
    if (this.closed) return;
    let frame: Uint8Array;
    try {
      frame = encodeRequest(xid, request);
    } catch (error) {
      // Nothing was written, but the core already counts the request as sent: drop the connection
      // so every outstanding request is answered (with connection loss) and the order stays intact.
      const reason = `cannot encode request type ${request.type}: ${error instanceof Error ? error.message : String(error)}`;
      queueMicrotask(() => this.fail(reason));
      return;
    }
    if (xid !== Xid.ping && xid !== Xid.auth) this.outstanding.set(xid, request.type);
    this.socket.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.socket.destroy();
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.lastReceivedMs = this.scheduler.nowMs();
    this.reader.push(chunk);
    const outputs: EngineOutput[] = [];
    let failure: string | undefined;
    let authFailed = false;
    try {
      for (let frame = this.reader.next(); frame !== undefined; frame = this.reader.next()) {
        if (!this.handshakeDone) {
          const response = decodeConnectResponse(frame);
          this.handshakeDone = true;
          if (response.timeOutMs > 0) {
            this.readTimeoutMs = Math.max(1, Math.floor((response.timeOutMs * 2) / 3));
            this.armReadTimer(this.readTimeoutMs);
          } else {
            // A refused session: the server closes next; the core reads timeOut 0 as expired.
            this.stopTimer();
          }
          outputs.push({ kind: 'connected', response });
          continue;
        }
        const message = decodeReply(frame, (xid) => this.outstanding.get(xid));
        if (message.kind === 'notification') {
          outputs.push({ kind: 'event', event: message.event, zxid: message.header.zxid });
          continue;
        }
        this.outstanding.delete(message.header.xid);
        outputs.push({ kind: 'reply', header: message.header, requestType: message.requestType, response: message.response });
        if (message.header.xid === Xid.auth && message.header.err === ErrorCode.authFailed) {
          // ZooKeeper closes the connection after AUTHFAILED; every client treats it as final.
          outputs.push({ kind: 'close', reason: 'authFailed' });
          authFailed = true;
          break;
        }
      }
    } catch (error) {
      failure = `bad frame from ${this.where}: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (authFailed) this.close();
    // Deliver what decoded before any failure, in order, then report the loss.
    if (outputs.length > 0) this.handler.onOutputs(outputs);
    if (failure !== undefined) this.fail(failure);
  }

  /** Drop the connection and tell the client once. */
  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.socket.destroy();
    this.handler.onTransportLost(reason);
  }

  private armReadTimer(delayMs: number): void {
    this.armTimer(delayMs, () => {
      const idleMs = this.scheduler.nowMs() - this.lastReceivedMs;
      if (idleMs >= this.readTimeoutMs) {
        this.fail(`nothing received from ${this.where} for ${idleMs} ms (read timeout ${this.readTimeoutMs} ms, 2/3 of the session timeout)`);
      } else {
        this.armReadTimer(this.readTimeoutMs - idleMs);
      }
    });
  }

  private armTimer(delayMs: number, task: () => void): void {
    this.stopTimer();
    this.cancelTimer = this.scheduler.setTimer(delayMs, () => {
      this.cancelTimer = undefined;
      if (!this.closed) task();
    });
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
