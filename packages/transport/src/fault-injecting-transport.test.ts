/**
 * The fault layer over a real transport, driven by hand: a fake inner
 * transport records what gets through, fake timers move time.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope } from '@vivarium/ensemble';
import { SeededRandom } from '@vivarium/store';
import { FaultInjectingTransport, type FaultTimers } from './fault-injecting-transport.ts';
import { healthyLinkFaults, LinkFaultTable, linkFaultsProblem, planDeliveries, type LinkFaults } from './link-faults.ts';
import { SimNetwork } from './sim-network.ts';
import type { Transport } from './transport.ts';

class RecordingTransport implements Transport {
  readonly sent: Envelope[] = [];
  closed = false;
  attach(): void {}
  detach(): void {}
  send(envelope: Envelope): void {
    this.sent.push(envelope);
  }
  close(): void {
    this.closed = true;
  }
}

class FakeTimers implements FaultTimers {
  private now = 0;
  private timers: Array<{ atMs: number; run: () => void; cancelled: boolean }> = [];
  nowMs(): number {
    return this.now;
  }
  after(delayMs: number, run: () => void): () => void {
    const timer = { atMs: this.now + delayMs, run, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= until).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      this.now = due.atMs;
      due.cancelled = true;
      due.run();
    }
    this.now = until;
  }
}

/** Vote messages numbered by their round, so the order that got through is readable. */
function numbered(n: number, to = 2): Envelope {
  return { from: 1, to, message: { type: 'vote', round: n, vote: { leader: 1, zxid: 0n, peerEpoch: 0 }, state: 'looking' } } as Envelope;
}

function rounds(envelopes: readonly Envelope[]): number[] {
  return envelopes.map((e) => (e.message as { round: number }).round);
}

function setup(faults: Partial<LinkFaults>, seed = 7, delayedMax?: number) {
  const inner = new RecordingTransport();
  const timers = new FakeTimers();
  const transport = new FaultInjectingTransport({ inner, random: new SeededRandom(seed), timers, ...(delayedMax === undefined ? {} : { delayedMax }) });
  const table = new LinkFaultTable();
  table.set(1, 2, faults);
  transport.setOutgoingFaults(table.outgoing(1));
  return { inner, timers, transport };
}

describe('FaultInjectingTransport', () => {
  it('passes messages on healthy links straight through, in order, without a timer', () => {
    const { inner, timers, transport } = setup({});
    for (let i = 1; i <= 5; i++) transport.send(numbered(i));
    expect(rounds(inner.sent)).toEqual([1, 2, 3, 4, 5]);
    expect(timers.pending).toBe(0);
    expect(transport.stats).toEqual({ sent: 5, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 });
  });

  it('drops everything at dropProbability 1 and duplicates everything at duplicateProbability 1', () => {
    const dropping = setup({ dropProbability: 1 });
    for (let i = 1; i <= 4; i++) dropping.transport.send(numbered(i));
    expect(dropping.inner.sent).toEqual([]);
    expect(dropping.transport.stats.dropped).toBe(4);

    const doubling = setup({ duplicateProbability: 1 });
    for (let i = 1; i <= 3; i++) doubling.transport.send(numbered(i));
    expect(rounds(doubling.inner.sent)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(doubling.transport.stats.duplicated).toBe(3);
  });

  it('holds delayed messages until their time and keeps the link FIFO across random delays', () => {
    const { inner, timers, transport } = setup({ delayMinMs: 0, delayMaxMs: 100 });
    for (let i = 1; i <= 20; i++) transport.send(numbered(i));
    expect(transport.heldCount).toBeGreaterThan(0);
    timers.advance(100);
    expect(rounds(inner.sent)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(transport.heldCount).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('delays by exactly delayMinMs when min = max, and nothing arrives early', () => {
    const { inner, timers, transport } = setup({ delayMinMs: 50, delayMaxMs: 50 });
    transport.send(numbered(1));
    timers.advance(49);
    expect(inner.sent).toEqual([]);
    timers.advance(1);
    expect(rounds(inner.sent)).toEqual([1]);
    expect(transport.stats.delayed).toBe(1);
  });

  it('lets reordered messages overtake (seeded: the same seed gives the same order)', () => {
    const order = (seed: number): number[] => {
      const { inner, timers, transport } = setup({ delayMinMs: 0, delayMaxMs: 100, reorderProbability: 1 }, seed);
      for (let i = 1; i <= 20; i++) transport.send(numbered(i));
      timers.advance(100);
      return rounds(inner.sent);
    };
    const first = order(3);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(first).not.toEqual([...first].sort((a, b) => a - b));
    expect(order(3)).toEqual(first);
  });

  it('applies faults per destination: other links stay healthy', () => {
    const { inner, transport } = setup({ dropProbability: 1 });
    transport.send(numbered(1, 2));
    transport.send(numbered(2, 3));
    expect(inner.sent.map((e) => e.to)).toEqual([3]);
  });

  it('bounds what it holds and drops beyond it; close() cancels the timer and closes the inner transport', () => {
    const { inner, timers, transport } = setup({ delayMinMs: 10, delayMaxMs: 10 }, 7, 3);
    for (let i = 1; i <= 5; i++) transport.send(numbered(i));
    expect(transport.heldCount).toBe(3);
    expect(transport.stats.dropped).toBe(2);
    transport.close();
    expect(timers.pending).toBe(0);
    expect(inner.closed).toBe(true);
    timers.advance(100);
    transport.send(numbered(9));
    expect(inner.sent).toEqual([]);
  });
});

describe('link faults shared by SimNetwork and the fault layer', () => {
  it('name the invalid field', () => {
    expect(linkFaultsProblem({ dropProbability: 2 })).toBe('dropProbability must be in [0, 1], got 2');
    expect(linkFaultsProblem({ delayMinMs: 1.5 })).toBe('delayMinMs must be an integer >= 0, got 1.5');
    expect(linkFaultsProblem({ delayMinMs: 10, delayMaxMs: 5 })).toBe('delayMinMs (10) must not exceed delayMaxMs (5)');
    expect(linkFaultsProblem({ dropRate: 1 } as Partial<LinkFaults>)).toMatch(/^unknown link fault 'dropRate'/);
    expect(linkFaultsProblem({ dropProbability: 0.5, delayMaxMs: 3 })).toBeUndefined();
    const table = new LinkFaultTable();
    table.set(1, 2, { delayMaxMs: 5 });
    expect(() => table.set(1, 2, { delayMinMs: 6 })).toThrow('delayMinMs (6) must not exceed delayMaxMs (5)');
  });

  it('a healthy link draws no randomness', () => {
    const random = new SeededRandom(1);
    const before = random.nextFloat();
    const again = new SeededRandom(1);
    expect(planDeliveries(again, healthyLinkFaults)).toEqual([{ delayMs: 0, keepsOrder: true }]);
    expect(again.nextFloat()).toBe(before);
  });

  it('the same seed and faults give the same drops and duplicates on SimNetwork and on the fault layer', () => {
    const faults = { dropProbability: 0.3, duplicateProbability: 0.3 };
    const viaLayer = setup(faults, 42);
    let now = 0;
    const network = new SimNetwork({ random: new SeededRandom(42), nowMs: () => now });
    const arrived: number[] = [];
    network.attach(2, (envelope) => arrived.push((envelope.message as { round: number }).round));
    network.setLinkFaults(1, 2, faults);
    for (let i = 1; i <= 50; i++) {
      viaLayer.transport.send(numbered(i));
      network.send(numbered(i));
    }
    now = 1;
    network.pump();
    expect(arrived).toEqual(rounds(viaLayer.inner.sent));
    expect(network.stats.dropped).toBe(viaLayer.transport.stats.dropped);
    expect(network.stats.duplicated).toBe(viaLayer.transport.stats.duplicated);
    expect(viaLayer.transport.stats.dropped).toBeGreaterThan(0);
    expect(viaLayer.transport.stats.duplicated).toBeGreaterThan(0);
  });
});
