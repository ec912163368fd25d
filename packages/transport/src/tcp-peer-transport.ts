/**
 * Members of a multi-process ensemble talking over TCP: one member per
 * transport (one process, or one member of an in-process test ensemble).
 *
 * Ports. A `server.N=host:quorumPort:electionPort` line gives each member two
 * ports. This member listens on both, and both accept the same framed protocol
 * (peer-frames.ts); it dials each peer's election port. So the election port
 * carries the whole member mesh (votes and ZAB traffic, one connection per
 * pair of members, as ZooKeeper's QuorumCnxManager does for votes), and the
 * quorum port is open for peers that dial it (nothing in Vivarium does today).
 * ZooKeeper runs ZAB on a second connection to the leader's quorum port;
 * Vivarium's peers stamp ZAB messages with their own per-link sequence numbers
 * and learner connection ids, so one ordered connection per pair is enough.
 *
 * One connection per pair: the member with the higher id keeps its outgoing
 * connection (ZooKeeper's rule). A lower id that needs to talk and has no
 * connection dials the higher one, says HELLO and is hung up on; the higher
 * one then dials it back. Lost connections are redialled with a doubling,
 * jittered backoff.
 *
 * Limits. Every frame is length-checked before it is buffered
 * (`frameBytesMax`); a connection's first frame must be a 13-byte HELLO; at
 * most `pendingConnectionsMax` connections may be waiting for their HELLO, for
 * at most `handshakeTimeoutMs`. Garbage (an oversized or malformed frame, a
 * bad HELLO, an envelope that does not decode or claims another sender) closes
 * that connection, counts it and logs one line: never the member. Each peer
 * has a bounded send queue (`sendQueueMessagesMax`, `sendQueueBytesMax`);
 * past it a message is dropped and counted. ZAB copes: a lost vote is resent
 * every tick, and a hole in a ZAB stream is seen by the receiving peer as a
 * broken connection (the sequence numbers), exactly as when a socket dies.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Envelope } from '@vivarium/ensemble';
import { createMemberCodec, FrameReader, FrameTooLargeError, MemberCodecError, type MemberCodec } from '@vivarium/protocol';
import { decodeHello, encodeEnvelopeFrame, encodeHello, envelopeRecordOf, helloFrameBytes, PeerFrameError, peerFrameBytesMaxDefault } from './peer-frames.ts';
import type { Transport } from './transport.ts';

export interface PeerAddress {
  id: number;
  host: string;
  /** The port this member dials to reach that one (its election port). */
  port: number;
}

export interface ListenAddress {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface TcpPeerTransportOptions {
  myId: number;
  /** Every other member, with the address to dial it on. */
  peers: readonly PeerAddress[];
  /** Where this member accepts peer connections (its quorum and election ports). At least one. */
  listen: readonly ListenAddress[];
  /** Largest frame, sent or received. Default 64 MiB. */
  frameBytesMax?: number;
  /** Messages queued for one peer before new ones are dropped. Default 10,000. */
  sendQueueMessagesMax?: number;
  /** Bytes queued for one peer before new messages are dropped. Default 64 MiB. */
  sendQueueBytesMax?: number;
  /** Backoff between connection attempts to one peer: from the minimum, doubling to the maximum. Defaults 25 ms and 1000 ms. */
  reconnectDelayMinMs?: number;
  reconnectDelayMaxMs?: number;
  /** Bound on one connection attempt. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** How long an accepted connection may take to say HELLO. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** Accepted connections waiting for their HELLO at once; more are closed at once. Default 32. */
  pendingConnectionsMax?: number;
  /** One line per notable event: a peer connected or lost, a connection refused as garbage, a message dropped. */
  log?: (line: string) => void;
}

/** Counters, for reports, tests and `mntr`-style output. */
export interface TcpPeerTransportStats {
  sent: number;
  /** Socket writes: each carries every frame queued for that peer since the last one. */
  writes: number;
  delivered: number;
  droppedQueueFull: number;
  droppedOversize: number;
  droppedBlocked: number;
  droppedUnknownPeer: number;
  connectionsOpened: number;
  connectionsAccepted: number;
  connectionsLost: number;
  /** Connections closed for garbage: bad HELLO, oversized or malformed frame, wrong sender. */
  connectionsRejected: number;
  handshakeTimeouts: number;
}

interface PeerLink {
  readonly id: number;
  readonly address: PeerAddress;
  /** The one connection messages go over, once established. */
  socket: Socket | undefined;
  reader: FrameReader | undefined;
  queue: Uint8Array[];
  queueHead: number;
  queuedBytes: number;
  /** socket.write said wait for 'drain'. */
  blockedOnDrain: boolean;
  flushScheduled: boolean;
  /** A dial in progress (data connection, or a poke toward a higher id). */
  dialing: Socket | undefined;
  redialTimer: NodeJS.Timeout | undefined;
  delayMs: number;
  lastPokeMs: number;
}

const defaults = {
  frameBytesMax: peerFrameBytesMaxDefault,
  sendQueueMessagesMax: 10_000,
  sendQueueBytesMax: 64 * 1024 * 1024,
  reconnectDelayMinMs: 25,
  reconnectDelayMaxMs: 1000,
  connectTimeoutMs: 5000,
  handshakeTimeoutMs: 5000,
  pendingConnectionsMax: 32,
};

function positiveInteger(key: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`TcpPeerTransport: ${key} must be a positive integer, got ${String(value)}`);
  return value;
}

export class TcpPeerTransport implements Transport {
  readonly myId: number;
  readonly stats: TcpPeerTransportStats = {
    sent: 0, writes: 0, delivered: 0, droppedQueueFull: 0, droppedOversize: 0, droppedBlocked: 0, droppedUnknownPeer: 0,
    connectionsOpened: 0, connectionsAccepted: 0, connectionsLost: 0, connectionsRejected: 0, handshakeTimeouts: 0,
  };
  private readonly options: Required<Omit<TcpPeerTransportOptions, 'log' | 'peers' | 'listen' | 'myId'>>;
  private readonly logLine: (line: string) => void;
  private readonly links = new Map<number, PeerLink>();
  private readonly servers: Server[] = [];
  private readonly pending = new Set<Socket>();
  private readonly codec: MemberCodec = createMemberCodec();
  private deliver: ((envelope: Envelope) => void) | undefined;
  private blocked: ReadonlySet<number> = new Set();
  private closed = false;
  onLinkClosed: ((peer: number) => void) | undefined;
  private boundAddresses: ListenAddress[] = [];
  private readonly logLimiter = { windowStartMs: 0, lines: 0, suppressed: 0 };

  private constructor(options: TcpPeerTransportOptions) {
    this.myId = positiveInteger('myId', options.myId);
    this.options = {
      frameBytesMax: positiveInteger('frameBytesMax', options.frameBytesMax ?? defaults.frameBytesMax),
      sendQueueMessagesMax: positiveInteger('sendQueueMessagesMax', options.sendQueueMessagesMax ?? defaults.sendQueueMessagesMax),
      sendQueueBytesMax: positiveInteger('sendQueueBytesMax', options.sendQueueBytesMax ?? defaults.sendQueueBytesMax),
      reconnectDelayMinMs: positiveInteger('reconnectDelayMinMs', options.reconnectDelayMinMs ?? defaults.reconnectDelayMinMs),
      reconnectDelayMaxMs: positiveInteger('reconnectDelayMaxMs', options.reconnectDelayMaxMs ?? defaults.reconnectDelayMaxMs),
      connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? defaults.connectTimeoutMs),
      handshakeTimeoutMs: positiveInteger('handshakeTimeoutMs', options.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs),
      pendingConnectionsMax: positiveInteger('pendingConnectionsMax', options.pendingConnectionsMax ?? defaults.pendingConnectionsMax),
    };
    if (this.options.frameBytesMax < helloFrameBytes) throw new RangeError(`TcpPeerTransport: frameBytesMax must be at least ${helloFrameBytes}`);
    this.logLine = options.log ?? (() => undefined);
    for (const peer of options.peers) {
      positiveInteger('peers[].id', peer.id);
      if (peer.id === this.myId) continue;
      if (this.links.has(peer.id)) throw new RangeError(`TcpPeerTransport: peer ${peer.id} listed twice`);
      this.links.set(peer.id, {
        id: peer.id, address: peer, socket: undefined, reader: undefined, queue: [], queueHead: 0, queuedBytes: 0, blockedOnDrain: false,
        flushScheduled: false, dialing: undefined, redialTimer: undefined, delayMs: this.options.reconnectDelayMinMs, lastPokeMs: -Infinity,
      });
    }
  }

  /** Listen on every address in `options.listen`, then return the transport (attach it to start talking). */
  static async open(options: TcpPeerTransportOptions): Promise<TcpPeerTransport> {
    if (options.listen.length === 0) throw new RangeError('TcpPeerTransport: listen must name at least one address');
    const transport = new TcpPeerTransport(options);
    try {
      for (const address of options.listen) {
        const server = createServer({ noDelay: true }, (socket) => transport.onAccepted(socket));
        const port = await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
            server.off('error', reject);
            resolve((server.address() as AddressInfo).port);
          });
        });
        server.on('error', (error) => transport.log(`peer listener ${address.host}:${port}: ${error.message}`));
        transport.servers.push(server);
        transport.boundAddresses.push({ host: address.host, port });
      }
    } catch (error) {
      transport.close();
      throw error;
    }
    return transport;
  }

  /** The addresses listened on, with the ports chosen for port 0. */
  get addresses(): readonly ListenAddress[] {
    return this.boundAddresses;
  }

  /** Peers with an established connection now. */
  get connectedPeers(): number[] {
    return [...this.links.values()].filter((link) => link.socket !== undefined).map((link) => link.id);
  }

  // ------------------------------------------------------------------ Transport

  attach(memberId: number, deliver: (envelope: Envelope) => void): void {
    if (memberId !== this.myId) throw new RangeError(`TcpPeerTransport of member ${this.myId} cannot attach member ${memberId}`);
    if (this.closed) throw new Error(`TcpPeerTransport of member ${this.myId} is closed`);
    this.deliver = deliver;
    // The higher id of each pair dials; a lower id pokes when it has something to say.
    for (const link of this.links.values()) if (this.myId > link.id) this.dial(link);
  }

  detach(memberId: number): void {
    if (memberId !== this.myId) return;
    this.deliver = undefined;
    for (const link of this.links.values()) this.dropQueue(link);
  }

  send(envelope: Envelope): void {
    if (this.closed) return;
    this.stats.sent++;
    const link = this.links.get(envelope.to);
    if (link === undefined) {
      this.stats.droppedUnknownPeer++;
      return;
    }
    if (this.blocked.has(envelope.to)) {
      this.stats.droppedBlocked++;
      return;
    }
    const frame = encodeEnvelopeFrame(this.codec.encodeEnvelope(envelope));
    if (frame.length - 4 > this.options.frameBytesMax) {
      this.stats.droppedOversize++;
      this.log(`dropped a ${envelope.message.type} of ${frame.length - 4} bytes to member ${link.id}: over frameBytesMax ${this.options.frameBytesMax}`);
      return;
    }
    const queued = link.queue.length - link.queueHead;
    if (queued >= this.options.sendQueueMessagesMax || link.queuedBytes + frame.length > this.options.sendQueueBytesMax) {
      this.stats.droppedQueueFull++;
      if (this.stats.droppedQueueFull === 1 || this.stats.droppedQueueFull % 1000 === 0) {
        this.log(`send queue to member ${link.id} full (${queued} messages, ${link.queuedBytes} bytes): dropped ${this.stats.droppedQueueFull} so far`);
      }
      return;
    }
    link.queue.push(frame);
    link.queuedBytes += frame.length;
    if (link.socket !== undefined) this.scheduleFlush(link);
    else if (this.myId < link.id) this.poke(link);
    else if (link.dialing === undefined && link.redialTimer === undefined) this.dial(link);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deliver = undefined;
    for (const server of this.servers) server.close();
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
    for (const link of this.links.values()) {
      if (link.redialTimer !== undefined) clearTimeout(link.redialTimer);
      link.redialTimer = undefined;
      link.dialing?.destroy();
      link.dialing = undefined;
      link.socket?.destroy();
      link.socket = undefined;
      this.dropQueue(link);
    }
  }

  // ------------------------------------------------------------------ faults (tests)

  /**
   * Cut this member off from `peerIds` (both directions, on this side): what it
   * sends them and what arrives from them is dropped and counted, while the
   * connections stay up. An empty list heals.
   */
  setBlockedPeers(peerIds: readonly number[]): void {
    this.blocked = new Set(peerIds);
  }

  // ------------------------------------------------------------------ connections

  private onAccepted(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.pending.size >= this.options.pendingConnectionsMax) {
      this.stats.connectionsRejected++;
      this.log(`refused a peer connection from ${describe(socket)}: ${this.pending.size} connections already waiting for their HELLO`);
      socket.destroy();
      return;
    }
    this.pending.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader({ frameBytesMax: this.options.frameBytesMax });
    const timer = setTimeout(() => {
      this.stats.handshakeTimeouts++;
      this.reject(socket, `no HELLO within ${this.options.handshakeTimeoutMs} ms`);
    }, this.options.handshakeTimeoutMs);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      reader.push(chunk);
      let hello;
      try {
        // The first frame must be a HELLO: refuse any other length before buffering it.
        const prefix = reader.peek(4);
        if (prefix === undefined) return;
        const length = new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0);
        if (length !== helloFrameBytes) throw new PeerFrameError(`first frame of ${length} bytes is not a HELLO (${helloFrameBytes} bytes)`);
        const body = reader.next();
        if (body === undefined) return;
        hello = decodeHello(body);
      } catch (error) {
        clearTimeout(timer);
        this.reject(socket, (error as Error).message);
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      this.pending.delete(socket);
      this.onHello(socket, reader, hello.senderId, hello.receiverId);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      this.pending.delete(socket);
    });
  }

  private onHello(socket: Socket, reader: FrameReader, senderId: number, receiverId: number): void {
    if (receiverId !== this.myId) {
      this.reject(socket, `HELLO from member ${senderId} meant for member ${receiverId}, this is member ${this.myId}`);
      return;
    }
    const link = this.links.get(senderId);
    if (link === undefined) {
      this.reject(socket, `HELLO from member ${senderId}, which is not in this ensemble`);
      return;
    }
    if (senderId < this.myId) {
      // A lower id asks to talk: the higher id keeps its own outgoing connection, so hang up and dial it.
      socket.destroy();
      if (link.socket === undefined && link.dialing === undefined) {
        if (link.redialTimer !== undefined) clearTimeout(link.redialTimer);
        link.redialTimer = undefined;
        link.delayMs = this.options.reconnectDelayMinMs;
        this.dial(link);
      }
      return;
    }
    this.stats.connectionsAccepted++;
    this.establish(link, socket, reader);
  }

  /** Dial a lower-id peer for the data connection (this member keeps it). */
  private dial(link: PeerLink): void {
    if (this.closed || this.deliver === undefined || link.socket !== undefined || link.dialing !== undefined) return;
    if (link.redialTimer !== undefined) {
      clearTimeout(link.redialTimer);
      link.redialTimer = undefined;
    }
    const socket = connect({ host: link.address.host, port: link.address.port, noDelay: true, timeout: this.options.connectTimeoutMs });
    link.dialing = socket;
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${this.options.connectTimeoutMs} ms`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      link.dialing = undefined;
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.stats.connectionsOpened++;
      socket.write(encodeHello(this.myId, link.id));
      this.establish(link, socket, new FrameReader({ frameBytesMax: this.options.frameBytesMax }));
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (link.dialing === socket) {
        link.dialing = undefined;
        this.scheduleRedial(link);
      }
    });
  }

  /** A lower id with something to say and no connection: dial the higher id, say HELLO, and let it call back. */
  private poke(link: PeerLink): void {
    if (this.closed || this.deliver === undefined || link.dialing !== undefined) return;
    const now = Date.now();
    if (now - link.lastPokeMs < link.delayMs) return;
    link.lastPokeMs = now;
    link.delayMs = Math.min(link.delayMs * 2, this.options.reconnectDelayMaxMs);
    const socket = connect({ host: link.address.host, port: link.address.port, noDelay: true, timeout: this.options.connectTimeoutMs });
    link.dialing = socket;
    socket.once('timeout', () => socket.destroy());
    socket.once('connect', () => {
      socket.setTimeout(this.options.handshakeTimeoutMs);
      socket.write(encodeHello(this.myId, link.id));
    });
    socket.on('data', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (link.dialing === socket) link.dialing = undefined;
      // Still nothing: try again after the backoff, while there is something to send.
      if (link.socket === undefined && link.queue.length > link.queueHead && !this.closed) {
        if (link.redialTimer === undefined) {
          link.redialTimer = setTimeout(() => {
            link.redialTimer = undefined;
            if (link.socket === undefined && link.queue.length > link.queueHead) this.poke(link);
          }, link.delayMs);
          link.redialTimer.unref();
        }
      }
    });
  }

  private scheduleRedial(link: PeerLink): void {
    if (this.closed || this.deliver === undefined || link.redialTimer !== undefined || this.myId < link.id) return;
    const delay = link.delayMs / 2 + (Math.random() * link.delayMs) / 2;
    link.delayMs = Math.min(link.delayMs * 2, this.options.reconnectDelayMaxMs);
    link.redialTimer = setTimeout(() => {
      link.redialTimer = undefined;
      this.dial(link);
    }, delay);
    link.redialTimer.unref();
  }

  /** `socket` is now the connection to `link.id`: replace any older one and start reading and writing. */
  private establish(link: PeerLink, socket: Socket, reader: FrameReader): void {
    const previous = link.socket;
    // Keep-alive probes find a peer whose host vanished without closing the connection (ZooKeeper's tcpKeepAlive).
    socket.setKeepAlive(true, 5000);
    link.socket = socket;
    link.reader = reader;
    link.blockedOnDrain = false;
    if (previous !== undefined) {
      // The peer dialled again: its previous connection is dead, whatever this side believed.
      previous.destroy();
    }
    this.log(`connected to member ${link.id} (${describe(socket)})`);
    const establishedAt = Date.now();
    let heard = false;
    const drain = (): void => {
      for (;;) {
        if (link.socket !== socket) return;
        let envelope: Envelope;
        try {
          const body = reader.next();
          if (body === undefined) break;
          envelope = this.codec.decodeEnvelope(envelopeRecordOf(body)) as Envelope;
        } catch (error) {
          if (error instanceof MemberCodecError || error instanceof PeerFrameError || error instanceof FrameTooLargeError) {
            this.reject(socket, `from member ${link.id}: ${(error as Error).message}`);
            return;
          }
          throw error;
        }
        if (envelope.from !== link.id || envelope.to !== this.myId) {
          this.reject(socket, `member ${link.id} sent a message from ${envelope.from} to ${envelope.to}`);
          return;
        }
        if (!heard) {
          heard = true;
          link.delayMs = this.options.reconnectDelayMinMs;
        }
        if (this.blocked.has(link.id)) {
          this.stats.droppedBlocked++;
          continue;
        }
        const deliver = this.deliver;
        if (deliver === undefined) return;
        this.stats.delivered++;
        deliver(envelope);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (link.socket !== socket) return;
      reader.push(chunk);
      drain();
    });
    socket.on('drain', () => {
      if (link.socket !== socket) return;
      link.blockedOnDrain = false;
      this.flush(link);
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (link.socket !== socket) return;
      link.socket = undefined;
      link.reader = undefined;
      link.blockedOnDrain = false;
      this.stats.connectionsLost++;
      if (!this.closed) {
        this.log(`lost the connection to member ${link.id}`);
        this.onLinkClosed?.(link.id);
      }
      // A connection that lived a while was a good one: start the next attempt quickly.
      if (Date.now() - establishedAt > this.options.reconnectDelayMaxMs) link.delayMs = this.options.reconnectDelayMinMs;
      this.scheduleRedial(link);
      if (this.myId < link.id && link.queue.length > link.queueHead) this.poke(link);
    });
    this.scheduleFlush(link);
    // Frames that came with the HELLO are already buffered.
    drain();
  }

  private reject(socket: Socket, reason: string): void {
    this.stats.connectionsRejected++;
    this.log(`closed a peer connection (${describe(socket)}): ${reason}`);
    this.pending.delete(socket);
    socket.destroy();
  }

  // ------------------------------------------------------------------ sending

  private scheduleFlush(link: PeerLink): void {
    if (link.flushScheduled) return;
    link.flushScheduled = true;
    // Everything sent in this turn goes out in one write (a microtask, not setImmediate: waiting for the
    // check phase adds latency to every hop of a commit and, in a measured run, batched nothing more).
    queueMicrotask(() => {
      link.flushScheduled = false;
      this.flush(link);
    });
  }

  private flush(link: PeerLink): void {
    const socket = link.socket;
    if (socket === undefined || link.blockedOnDrain || socket.destroyed) return;
    while (link.queueHead < link.queue.length) {
      const batch: Uint8Array[] = [];
      let bytes = 0;
      while (link.queueHead < link.queue.length && bytes < 256 * 1024) {
        const frame = link.queue[link.queueHead] as Uint8Array;
        link.queue[link.queueHead] = undefined as unknown as Uint8Array;
        link.queueHead++;
        batch.push(frame);
        bytes += frame.length;
      }
      link.queuedBytes -= bytes;
      this.stats.writes++;
      const ok = socket.write(batch.length === 1 ? (batch[0] as Uint8Array) : Buffer.concat(batch, bytes));
      if (!ok) {
        link.blockedOnDrain = true;
        break;
      }
    }
    if (link.queueHead === link.queue.length) {
      link.queue = [];
      link.queueHead = 0;
    } else if (link.queueHead > 1024 && link.queueHead * 2 > link.queue.length) {
      link.queue = link.queue.slice(link.queueHead);
      link.queueHead = 0;
    }
  }

  private dropQueue(link: PeerLink): void {
    link.queue = [];
    link.queueHead = 0;
    link.queuedBytes = 0;
  }

  private log(line: string): void {
    // Garbage from outside must not flood the log: at most 20 lines per 10 s, then a count.
    const now = Date.now();
    const limiter = this.logLimiter;
    if (now - limiter.windowStartMs > 10_000) {
      if (limiter.suppressed > 0) this.logLine(`member ${this.myId} peer transport: ${limiter.suppressed} more lines suppressed`);
      limiter.windowStartMs = now;
      limiter.lines = 0;
      limiter.suppressed = 0;
    }
    if (limiter.lines >= 20) {
      limiter.suppressed++;
      return;
    }
    limiter.lines++;
    this.logLine(`member ${this.myId} peer transport: ${line}`);
  }
}

function describe(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} -> ${socket.localPort ?? '?'}`;
}
