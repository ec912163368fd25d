/**
 * Link faults on a real transport: a member's outgoing messages pass through
 * here on their way to its TcpPeerTransport or MessagePortTransport, which may
 * drop, delay, duplicate or reorder them, with the same settings and the same
 * seeded decisions as the in-memory network (link-faults.ts). The faults sit
 * on the sending side, so each member applies those of its own outgoing links.
 *
 * What this layer drops is lost the way a lost packet of a broken connection
 * is: the ZAB links notice the gap in their sequence numbers and start the
 * connection over, exactly as they do on the in-memory network.
 */
import type { Envelope } from '@vivarium/ensemble';
import type { Random } from '@vivarium/store';
import { healthyLinkFaults, isHealthy, planDeliveries, type LinkFaults, type OutgoingLinkFaults, type PlannedDelivery } from './link-faults.ts';
import type { Transport } from './transport.ts';

/** Time as the fault layer needs it: real timers on the real transports; a fake in tests. */
export interface FaultTimers {
  nowMs(): number;
  /** Run `run` after `delayMs`; the returned function cancels it. */
  after(delayMs: number, run: () => void): () => void;
}

export interface FaultInjectingTransportOptions {
  /** The transport that carries what survives the faults. */
  inner: Transport;
  /** Seeds drop, duplicate, delay and reorder decisions. */
  random: Random;
  timers: FaultTimers;
  /** Delayed messages held at once before new ones are dropped (a bounded queue). Default 10 000. */
  delayedMax?: number;
}

export interface FaultInjectingTransportStats {
  sent: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

interface Held {
  deliverAtMs: number;
  sequence: number;
  envelope: Envelope;
}

/** setTimeout-based FaultTimers that never keep the process alive. */
export const realFaultTimers: FaultTimers = {
  nowMs: () => performance.now(),
  after: (delayMs, run) => {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export class FaultInjectingTransport implements Transport {
  readonly stats: FaultInjectingTransportStats = { sent: 0, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 };
  private readonly inner: Transport;
  private readonly random: Random;
  private readonly timers: FaultTimers;
  private readonly delayedMax: number;
  private defaults: LinkFaults = healthyLinkFaults;
  private byPeer = new Map<number, LinkFaults>();
  private held: Held[] = [];
  /** The latest delivery time scheduled per destination: delays keep FIFO order, as TCP does. */
  private readonly lastDeliveryByPeer = new Map<number, number>();
  private sequence = 0;
  private cancelTimer: (() => void) | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(options: FaultInjectingTransportOptions) {
    this.inner = options.inner;
    this.random = options.random;
    this.timers = options.timers;
    this.delayedMax = options.delayedMax ?? 10_000;
  }

  /** The faults of this member's outgoing links (replacing the previous settings). */
  setOutgoingFaults(faults: OutgoingLinkFaults): void {
    this.defaults = faults.defaults;
    this.byPeer = new Map(faults.byPeer.map(([peer, linkFaults]) => [peer, linkFaults]));
  }

  /** Messages held for a delay, not yet handed to the inner transport. */
  get heldCount(): number {
    return this.held.length;
  }

  get onLinkClosed(): ((peer: number) => void) | undefined {
    return this.inner.onLinkClosed;
  }

  set onLinkClosed(listener: ((peer: number) => void) | undefined) {
    this.inner.onLinkClosed = listener;
  }

  attach(memberId: number, deliver: (envelope: Envelope) => void): void {
    this.inner.attach(memberId, deliver);
  }

  detach(memberId: number): void {
    this.inner.detach(memberId);
  }

  send(envelope: Envelope): void {
    if (this.closed) return;
    this.stats.sent++;
    const faults = this.byPeer.get(envelope.to) ?? this.defaults;
    if (isHealthy(faults) && !this.lastDeliveryByPeer.has(envelope.to)) {
      this.inner.send(envelope);
      return;
    }
    const deliveries = planDeliveries(this.random, faults);
    if (deliveries.length === 0) {
      this.stats.dropped++;
      return;
    }
    if (deliveries.length > 1) this.stats.duplicated++;
    for (const delivery of deliveries) this.deliverLater(envelope, delivery);
    this.flushDue();
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.held = [];
    this.lastDeliveryByPeer.clear();
    this.inner.close();
  }

  private deliverLater(envelope: Envelope, delivery: PlannedDelivery): void {
    if (this.held.length >= this.delayedMax) {
      this.stats.dropped++;
      return;
    }
    let deliverAtMs = this.timers.nowMs() + delivery.delayMs;
    if (delivery.keepsOrder) {
      deliverAtMs = Math.max(deliverAtMs, this.lastDeliveryByPeer.get(envelope.to) ?? deliverAtMs);
      this.lastDeliveryByPeer.set(envelope.to, deliverAtMs);
    } else {
      this.stats.reordered++;
    }
    if (delivery.delayMs > 0) this.stats.delayed++;
    this.held.push({ deliverAtMs, sequence: this.sequence++, envelope });
  }

  /** Hand over everything due, earliest first (send order among equals), and arm the timer for the next. */
  private flushDue(): void {
    if (this.closed) return;
    const now = this.timers.nowMs();
    this.held.sort((a, b) => a.deliverAtMs - b.deliverAtMs || a.sequence - b.sequence);
    let due = 0;
    while (due < this.held.length && (this.held[due] as Held).deliverAtMs <= now) due++;
    const ready = this.held.splice(0, due);
    for (const message of ready) this.inner.send(message.envelope);
    // A link with nothing held has no order to keep any more: the fast path may take it again.
    for (const [peer, atMs] of this.lastDeliveryByPeer) if (atMs <= now) this.lastDeliveryByPeer.delete(peer);
    this.armTimer();
  }

  private armTimer(): void {
    const next = this.held[0]?.deliverAtMs ?? Number.POSITIVE_INFINITY;
    if (next === this.timerAtMs) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAtMs = next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.cancelTimer = this.timers.after(Math.max(0, Math.ceil(next - this.timers.nowMs())), () => {
      this.cancelTimer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.flushDue();
    });
  }
}
