/**
 * The recipes' Vivarium backend is the public ensemble fixture
 * (@vivarium/testing's createEnsemble), as a user would write it: three
 * members on the seeded in-memory network and the manual clock. Time moves
 * only when a test drives it: `drive(promise)` runs the ensemble until the
 * promise settles (bounded in simulated time), `run(ms)` lets simulated time
 * pass. Faults go through the fixture (`backend.fixture`): partitions, member
 * crashes, `cutClient` for a client whose network to every member goes away,
 * and the simulator's seeded fault schedule (runFaultSchedule) on top of them.
 */
import type { ZooKeeperClient } from '@vivarium/client';
import { createEnsemble, type EnsembleFixture, type EnsembleFixtureOptions } from '@vivarium/testing';
import type { Backend } from './backend.ts';

export interface VivariumBackendOptions extends EnsembleFixtureOptions {
  /** Session timeout the clients request. Default 6000 ms. */
  sessionTimeoutMs?: number;
}

export class VivariumBackend implements Backend {
  readonly name = 'vivarium';
  readonly fixture: EnsembleFixture;
  readonly sessionTimeoutMs: number;

  private constructor(fixture: EnsembleFixture, sessionTimeoutMs: number) {
    this.fixture = fixture;
    this.sessionTimeoutMs = sessionTimeoutMs;
  }

  /** A started ensemble (leader elected, every member serving). Short ticks so elections and expiry take seconds, not minutes. */
  static async start(options: VivariumBackendOptions = {}): Promise<VivariumBackend> {
    const { sessionTimeoutMs = 6000, ...fixtureOptions } = options;
    const fixture = await createEnsemble({ members: 3, seed: 1, tickTimeMs: 1000, syncLimitTicks: 2, initLimitTicks: 5, ...fixtureOptions });
    return new VivariumBackend(fixture, sessionTimeoutMs);
  }

  get scheduler(): EnsembleFixture['scheduler'] {
    return this.fixture.scheduler;
  }

  get seed(): number {
    return this.fixture.seed;
  }

  nowMs(): number {
    return this.fixture.clock.nowMs();
  }

  /** A client of the ensemble (rotating over members on reconnect), connected. */
  async client(options: { member?: number; sessionTimeoutMs?: number } = {}): Promise<ZooKeeperClient> {
    return this.fixture.client({ sessionTimeoutMs: this.sessionTimeoutMs, ...options });
  }

  /**
   * Like client(), without driving the clock: for code that runs while the
   * test drives time itself (a workload's actors). Await `client.waitForConnected()`.
   */
  openClient(options: { member?: number; sessionTimeoutMs?: number } = {}): ZooKeeperClient {
    return this.fixture.openClient({ sessionTimeoutMs: this.sessionTimeoutMs, ...options });
  }

  /** Run simulated time until `promise` settles; fails (with the seed) after `maxMs` of simulated time. */
  async drive<T>(promise: Promise<T>, maxMs = 60_000): Promise<T> {
    return this.fixture.drive(promise, { maxMs });
  }

  /** Let `ms` of simulated time pass, clients running in between. */
  async run(ms: number): Promise<void> {
    await this.fixture.clock.advance(ms);
  }

  /** Evaluate `read()` again, letting simulated time pass in between, until `accept` holds. */
  async eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, maxMs = 60_000): Promise<T> {
    const start = this.nowMs();
    for (;;) {
      const value = await this.drive(read(), maxMs);
      if (accept(value)) return value;
      if (this.nowMs() - start > maxMs) throw new Error(`eventually: last value ${String(value)} not accepted within ${maxMs} ms of simulated time (seed ${this.seed})`);
      await this.fixture.clock.advance(10);
    }
  }

  /** Run simulated time until `condition()` holds; fails after `maxMs`. */
  async until(condition: () => boolean, maxMs = 60_000, what = 'condition'): Promise<void> {
    await this.fixture.settle();
    const start = this.nowMs();
    while (!condition()) {
      if (this.nowMs() - start > maxMs) throw new Error(`until: ${what} not reached within ${maxMs} ms of simulated time (seed ${this.seed})`);
      await this.fixture.clock.advance(10);
    }
  }

  /** End a client's session from the servers' side: the leader expires it; the client learns it on reconnect. */
  async expireSession(client: ZooKeeperClient): Promise<void> {
    await this.fixture.expireSession(client);
  }

  /** ZAB safety of the whole run, then close: every client, every member; fails on anything left open. */
  async close(): Promise<void> {
    try {
      this.fixture.checkSafety();
    } finally {
      await this.fixture.close();
    }
  }
}
