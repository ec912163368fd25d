/**
 * Members in worker threads talking over MessagePorts: one port per pair of
 * members, given to both by the thread that started them. Each message is a
 * member-codec envelope record (the same bytes the TCP transport frames),
 * its buffer transferred, never cloned; what one member sends in one turn
 * goes over as one postMessage.
 *
 * Limits: a record over `frameBytesMax` is dropped and counted on both sides,
 * and anything on a port that is not a list of envelope records addressed
 * from that port's peer to this member is dropped, counted and logged. A
 * MessagePort has no backpressure: `sendBatchMessagesMax` bounds what one
 * turn may post to one peer (more is dropped and counted), and ZAB's own
 * flow (a proposal per write, acked) bounds the rest.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Envelope } from '@vivarium/ensemble';
import { createMemberCodec, MemberCodecError, type MemberCodec } from '@vivarium/protocol';
import { peerFrameBytesMaxDefault } from './peer-frames.ts';
import type { Transport } from './transport.ts';

export interface MessagePortTransportOptions {
  myId: number;
  /** Largest envelope record, sent or received. Default 64 MiB. */
  frameBytesMax?: number;
  /** Messages to one peer in one turn before more are dropped. Default 10,000. */
  sendBatchMessagesMax?: number;
  log?: (line: string) => void;
}

export interface MessagePortTransportStats {
  sent: number;
  delivered: number;
  droppedNoPort: number;
  droppedOversize: number;
  droppedBlocked: number;
  droppedBatchFull: number;
  /** Received items that were not envelope records from the port's peer to this member. */
  rejected: number;
}

interface PortLink {
  port: MessagePort;
  batch: ArrayBuffer[];
  flushScheduled: boolean;
}

export class MessagePortTransport implements Transport {
  readonly myId: number;
  readonly stats: MessagePortTransportStats = { sent: 0, delivered: 0, droppedNoPort: 0, droppedOversize: 0, droppedBlocked: 0, droppedBatchFull: 0, rejected: 0 };
  private readonly frameBytesMax: number;
  private readonly sendBatchMessagesMax: number;
  private readonly log: (line: string) => void;
  private readonly links = new Map<number, PortLink>();
  private readonly codec: MemberCodec = createMemberCodec();
  private deliver: ((envelope: Envelope) => void) | undefined;
  private blocked: ReadonlySet<number> = new Set();
  private closed = false;
  onLinkClosed: ((peer: number) => void) | undefined;

  constructor(options: MessagePortTransportOptions) {
    this.myId = options.myId;
    this.frameBytesMax = options.frameBytesMax ?? peerFrameBytesMaxDefault;
    this.sendBatchMessagesMax = options.sendBatchMessagesMax ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  /** The port to `peerId` (a new one after that peer restarted): the previous one is closed. */
  setPort(peerId: number, port: MessagePort): void {
    if (this.closed) {
      port.close();
      return;
    }
    const previous = this.links.get(peerId);
    if (previous !== undefined) previous.port.close();
    const link: PortLink = { port, batch: [], flushScheduled: false };
    this.links.set(peerId, link);
    port.on('message', (data: unknown) => this.onMessage(peerId, link, data));
    port.on('close', () => {
      if (this.links.get(peerId) !== link) return;
      // The peer's thread ended (or it closed its side): as a socket closing under a dead process.
      this.links.delete(peerId);
      if (!this.closed) this.onLinkClosed?.(peerId);
    });
  }

  /** Drop the port to a peer that is gone. */
  removePort(peerId: number): void {
    const link = this.links.get(peerId);
    if (link === undefined) return;
    this.links.delete(peerId);
    link.port.close();
  }

  /** Cut this member off from `peerIds` on this side (both directions); an empty list heals. */
  setBlockedPeers(peerIds: readonly number[]): void {
    this.blocked = new Set(peerIds);
  }

  attach(memberId: number, deliver: (envelope: Envelope) => void): void {
    if (memberId !== this.myId) throw new RangeError(`MessagePortTransport of member ${this.myId} cannot attach member ${memberId}`);
    this.deliver = deliver;
  }

  detach(memberId: number): void {
    if (memberId === this.myId) this.deliver = undefined;
  }

  send(envelope: Envelope): void {
    if (this.closed) return;
    this.stats.sent++;
    if (this.blocked.has(envelope.to)) {
      this.stats.droppedBlocked++;
      return;
    }
    const link = this.links.get(envelope.to);
    if (link === undefined) {
      this.stats.droppedNoPort++;
      return;
    }
    const record = this.codec.encodeEnvelope(envelope);
    if (record.length > this.frameBytesMax) {
      this.stats.droppedOversize++;
      this.log(`dropped a ${envelope.message.type} of ${record.length} bytes to member ${envelope.to}: over frameBytesMax ${this.frameBytesMax}`);
      return;
    }
    if (link.batch.length >= this.sendBatchMessagesMax) {
      this.stats.droppedBatchFull++;
      return;
    }
    // The codec hands back a fresh array that owns its whole buffer: transfer it.
    link.batch.push(record.byteOffset === 0 && record.byteLength === record.buffer.byteLength ? (record.buffer as ArrayBuffer) : record.slice().buffer);
    if (link.flushScheduled) return;
    link.flushScheduled = true;
    queueMicrotask(() => {
      link.flushScheduled = false;
      const batch = link.batch;
      link.batch = [];
      if (batch.length === 0 || this.links.get(envelope.to) !== link) return;
      link.port.postMessage(batch, batch);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deliver = undefined;
    for (const link of this.links.values()) link.port.close();
    this.links.clear();
  }

  private onMessage(peerId: number, link: PortLink, data: unknown): void {
    if (this.links.get(peerId) !== link) return;
    if (!Array.isArray(data)) {
      this.reject(peerId, 'a message that is not a list of records');
      return;
    }
    for (const item of data) {
      if (!(item instanceof ArrayBuffer)) {
        this.reject(peerId, 'an item that is not an ArrayBuffer');
        continue;
      }
      if (item.byteLength > this.frameBytesMax) {
        this.stats.droppedOversize++;
        this.reject(peerId, `a record of ${item.byteLength} bytes, over frameBytesMax ${this.frameBytesMax}`);
        continue;
      }
      let envelope: Envelope;
      try {
        envelope = this.codec.decodeEnvelope(new Uint8Array(item)) as Envelope;
      } catch (error) {
        if (!(error instanceof MemberCodecError)) throw error;
        this.reject(peerId, error.message);
        continue;
      }
      if (envelope.from !== peerId || envelope.to !== this.myId) {
        this.reject(peerId, `a message from ${envelope.from} to ${envelope.to}`);
        continue;
      }
      if (this.blocked.has(peerId)) {
        this.stats.droppedBlocked++;
        continue;
      }
      const deliver = this.deliver;
      if (deliver === undefined) return;
      this.stats.delivered++;
      deliver(envelope);
    }
  }

  private reject(peerId: number, what: string): void {
    this.stats.rejected++;
    if (this.stats.rejected <= 20 || this.stats.rejected % 1000 === 0) this.log(`member ${this.myId}: dropped ${what} on the port from member ${peerId} (${this.stats.rejected} so far)`);
  }
}
