import type { Envelope } from '@vivarium/ensemble';
import type { ManualClockListener, Random } from '@vivarium/store';
import { LinkFaultTable, planDeliveries, type LinkFaults, type PlannedDelivery } from './link-faults.ts';
import type { Transport } from './transport.ts';

export type { LinkFaults } from './link-faults.ts';

interface InFlight {
  deliverAtMs: number;
  sequence: number;
  envelope: Envelope;
}

export interface SimNetworkOptions {
  random: Random;
  nowMs: () => number;
  /** Messages a member may have in flight before the network drops new ones (a bounded queue). */
  inFlightMax?: number;
}

/**
 * The in-memory transport: seeded and deterministic. Per-link delay, drop,
 * duplication and reordering (random delays reorder), partitions. Messages
 * with no delay are delivered by `pump()` in send order; delayed ones when
 * the manual clock reaches their time. Same seed, same steps: same delivery.
 */
export class SimNetwork implements Transport, ManualClockListener {
  private readonly random: Random;
  private readonly nowMs: () => number;
  private readonly inFlightMax: number;
  private readonly members = new Map<number, (envelope: Envelope) => void>();
  private readonly faults = new LinkFaultTable();
  /** member -> partition group; members in different groups cannot talk. */
  private groupOf = new Map<number, number>();
  private queue: InFlight[] = [];
  /** The latest delivery time scheduled per link: delays keep FIFO order, as TCP does. */
  private readonly lastDeliveryByLink = new Map<string, number>();
  private sequence = 0;
  private pumping = false;
  /** Counters, for reports and assertions. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0 };
  /** Every delivery, folded into a hash: equal seeds and steps give equal hashes. */
  private traceHashValue = 0x811c9dc5;
  onActivity: (() => void) | undefined;

  constructor(options: SimNetworkOptions) {
    this.random = options.random;
    this.nowMs = options.nowMs;
    this.inFlightMax = options.inFlightMax ?? 1_000_000;
  }

  attach(memberId: number, deliver: (envelope: Envelope) => void): void {
    this.members.set(memberId, deliver);
  }

  detach(memberId: number): void {
    this.members.delete(memberId);
    this.queue = this.queue.filter((m) => m.envelope.to !== memberId && m.envelope.from !== memberId);
  }

  close(): void {
    this.members.clear();
    this.queue = [];
  }

  get inFlight(): number {
    return this.queue.length;
  }

  get traceHash(): string {
    return (this.traceHashValue >>> 0).toString(16).padStart(8, '0');
  }

  // ------------------------------------------------------------------ faults

  /** Split the members into groups that cannot reach each other. Members not named form their own group. */
  partition(...groups: number[][]): void {
    this.groupOf = new Map();
    groups.forEach((group, index) => {
      for (const id of group) this.groupOf.set(id, index);
    });
  }

  isolate(memberId: number): void {
    const others = [...this.members.keys()].filter((id) => id !== memberId);
    this.partition([memberId], others);
  }

  heal(): void {
    this.groupOf = new Map();
  }

  /** Delays are in ms of the manual clock. Throws a RangeError naming an invalid field. */
  setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
    this.faults.set(from, to, faults);
  }

  setDefaultFaults(faults: Partial<LinkFaults>): void {
    this.faults.setDefaults(faults);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  canReach(from: number, to: number): boolean {
    if (this.groupOf.size === 0) return true;
    const a = this.groupOf.get(from) ?? -1 - from;
    const b = this.groupOf.get(to) ?? -1 - to;
    return a === b;
  }

  // ------------------------------------------------------------------ delivery

  send(envelope: Envelope): void {
    this.stats.sent++;
    const deliveries = this.canReach(envelope.from, envelope.to) ? planDeliveries(this.random, this.faults.of(envelope.from, envelope.to)) : [];
    if (deliveries.length === 0 || this.queue.length >= this.inFlightMax) {
      this.stats.dropped++;
      return;
    }
    if (deliveries.length > 1) this.stats.duplicated++;
    for (const delivery of deliveries) this.enqueue(envelope, delivery);
    this.onActivity?.();
  }

  private enqueue(envelope: Envelope, delivery: PlannedDelivery): void {
    const link = `${envelope.from}->${envelope.to}`;
    let deliverAtMs = this.nowMs() + delivery.delayMs;
    if (delivery.keepsOrder) {
      deliverAtMs = Math.max(deliverAtMs, this.lastDeliveryByLink.get(link) ?? deliverAtMs);
      this.lastDeliveryByLink.set(link, deliverAtMs);
    } else {
      this.stats.reordered++;
    }
    this.queue.push({ deliverAtMs, sequence: this.sequence++, envelope });
  }

  /** Deliver everything due by now, including what those deliveries send, until nothing is due. */
  pump(): number {
    if (this.pumping) return 0;
    this.pumping = true;
    let delivered = 0;
    try {
      for (;;) {
        const now = this.nowMs();
        let next = -1;
        for (let i = 0; i < this.queue.length; i++) {
          const m = this.queue[i] as InFlight;
          if (m.deliverAtMs > now) continue;
          const best = next < 0 ? undefined : (this.queue[next] as InFlight);
          if (best === undefined || m.deliverAtMs < best.deliverAtMs || (m.deliverAtMs === best.deliverAtMs && m.sequence < best.sequence)) next = i;
        }
        if (next < 0) break;
        const [message] = this.queue.splice(next, 1) as [InFlight];
        const deliver = this.members.get(message.envelope.to);
        // A partition that began after sending still cuts the message off.
        if (deliver === undefined || !this.canReach(message.envelope.from, message.envelope.to)) {
          this.stats.dropped++;
          continue;
        }
        this.stats.delivered++;
        delivered++;
        this.fold(message.envelope);
        deliver(message.envelope);
      }
    } finally {
      this.pumping = false;
    }
    return delivered;
  }

  nextWakeMs(): number | undefined {
    let earliest: number | undefined;
    const now = this.nowMs();
    for (const m of this.queue) {
      if (m.deliverAtMs <= now) continue;
      if (earliest === undefined || m.deliverAtMs < earliest) earliest = m.deliverAtMs;
    }
    return earliest;
  }

  onTime(): void {
    this.pump();
  }

  private fold(envelope: Envelope): void {
    const text = `${envelope.from}>${envelope.to}:${envelope.message.type}@${this.nowMs()}`;
    let hash = this.traceHashValue;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    this.traceHashValue = hash >>> 0;
  }
}
