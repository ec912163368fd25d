import type { ConnectRequest } from '@vivarium/protocol';
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  ErrorCode,
  FrameReader,
  FrameTooLargeError,
  JuteDecodeError,
} from '@vivarium/protocol';
import type { ConnectionId, Engine, EngineOutput } from '@vivarium/store';

/** Where a connection's bytes go: the socket, or a test. */
export interface WireConnectionSink {
  write(bytes: Uint8Array): void;
  /** Flush what was written, then close. */
  end(): void;
}

export interface WireConnectionOptions {
  engine: Engine;
  remoteAddress: string;
  frameBytesMax: number;
  outstandingRequestsMax: number;
  /** Answers a four-letter word sent as the first four bytes, or undefined when it is not one. */
  fourLetterWord: (word: string) => string | undefined;
  sink: WireConnectionSink;
  log: (line: string) => void;
}

type Phase = 'fresh' | 'awaitingConnect' | 'connected' | 'closed';

/**
 * One client connection's protocol, apart from the socket: the first four
 * bytes may be a four-letter word; the first frame is a bare ConnectRequest
 * (with or without the readOnly byte, answered in the same style); then
 * request frames, answered strictly in order with the request's xid, events
 * before the reply that fired them. A malformed or oversized frame closes this
 * connection only.
 */
export class WireConnection {
  private readonly options: WireConnectionOptions;
  private readonly engine: Engine;
  private readonly frames: FrameReader;
  private phase: Phase = 'fresh';
  private connectionId: ConnectionId | undefined;
  /** The client sent no readOnly byte: answer without one too (ProtocolManager). */
  private oldStyleClient = false;
  private packetsReceivedCount = 0;
  private packetsSentCount = 0;
  /** Requests decoded and not yet answered: bounded by outstandingRequestsMax. */
  private outstanding = 0;
  readonly remoteAddress: string;
  readonly establishedAtMs: number;

  constructor(options: WireConnectionOptions, establishedAtMs: number) {
    this.options = options;
    this.engine = options.engine;
    this.remoteAddress = options.remoteAddress;
    this.establishedAtMs = establishedAtMs;
    this.frames = new FrameReader({ frameBytesMax: options.frameBytesMax });
  }

  get packetsReceived(): number {
    return this.packetsReceivedCount;
  }

  get packetsSent(): number {
    return this.packetsSentCount;
  }

  get sessionId(): bigint | undefined {
    return this.connectionId === undefined ? undefined : this.engine.sessionOf(this.connectionId);
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Bytes from the socket. */
  receive(chunk: Uint8Array): void {
    if (this.phase === 'closed') return;
    this.frames.push(chunk);
    try {
      if (this.phase === 'fresh') {
        const word = this.frames.peekFirstWord();
        if (word === undefined) return;
        const answer = this.options.fourLetterWord(word);
        if (answer !== undefined) {
          this.options.sink.write(new TextEncoder().encode(answer));
          this.finish();
          return;
        }
        this.phase = 'awaitingConnect';
      }
      // Everything decoded from this read is one batch: pipelined writes share one log flush.
      this.engine.batch(() => {
        for (let body = this.frames.next(); body !== undefined; body = this.isClosed ? undefined : this.frames.next()) {
          this.packetsReceivedCount++;
          if (this.phase === 'awaitingConnect') this.handshake(decodeConnectRequest(body, { bufferBytesMax: this.options.frameBytesMax }));
          else this.request(body);
        }
      });
    } catch (error) {
      if (error instanceof JuteDecodeError || error instanceof FrameTooLargeError) {
        this.options.log(`closing connection from ${this.remoteAddress}: ${error.message}`);
        this.finish();
        return;
      }
      throw error;
    }
  }

  /** The socket closed from the client's side (or broke). */
  transportClosed(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.connectionId !== undefined) this.engine.closeConnection(this.connectionId);
  }

  /** The server closes this connection (shutdown). */
  close(): void {
    this.finish();
  }

  private handshake(request: ConnectRequest): void {
    this.oldStyleClient = request.readOnly === undefined;
    this.connectionId = this.engine.openConnection({ remoteAddress: this.remoteAddress, sink: (outputs) => this.send(outputs) });
    this.phase = 'connected';
    this.engine.connect(this.connectionId, request);
  }

  private request(body: Uint8Array): void {
    const { header, request } = decodeRequest(body, { bufferBytesMax: this.options.frameBytesMax });
    if (request === undefined) {
      // Unknown opcode: UNIMPLEMENTED, then close (UnimplementedRequestProcessor). Its header carries
      // the request's unassigned zxid, -1 (checked on 3.8.0).
      this.options.sink.write(encodeReply({ xid: header.xid, zxid: -1n, err: ErrorCode.unimplemented }, header.type));
      this.packetsSentCount++;
      this.finish();
      return;
    }
    if (this.connectionId === undefined) return;
    if (++this.outstanding > this.options.outstandingRequestsMax) {
      this.options.log(`closing connection from ${this.remoteAddress}: more than outstandingRequestsMax (${this.options.outstandingRequestsMax}) requests unanswered`);
      this.finish();
      return;
    }
    this.engine.submit(this.connectionId, header.xid, request);
  }

  /** Engine output for this connection, encoded and written as one batch. */
  private send(outputs: readonly EngineOutput[]): void {
    if (this.phase === 'closed') return;
    const frames: Uint8Array[] = [];
    let closeAfter = false;
    for (const output of outputs) {
      switch (output.kind) {
        case 'connected':
          frames.push(encodeConnectResponse(this.oldStyleClient ? { ...output.response, readOnly: undefined } : { ...output.response, readOnly: output.response.readOnly ?? false }));
          break;
        case 'reply':
          frames.push(encodeReply(output.header, output.requestType, output.response));
          this.outstanding--;
          break;
        case 'event':
          // Up to 3.8 the notification header carries zxid -1 (3.9 sends the event's zxid; clients ignore it).
          frames.push(encodeNotification(output.event, -1n));
          break;
        case 'close':
          closeAfter = true;
          break;
      }
    }
    this.packetsSentCount += frames.length;
    if (frames.length === 1) this.options.sink.write(frames[0] as Uint8Array);
    else if (frames.length > 1) this.options.sink.write(concat(frames));
    if (closeAfter) {
      // The engine has already forgotten this connection.
      this.connectionId = undefined;
      this.finish();
    }
  }

  private finish(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.connectionId !== undefined) {
      const id = this.connectionId;
      this.connectionId = undefined;
      this.engine.closeConnection(id);
    }
    this.options.sink.end();
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
