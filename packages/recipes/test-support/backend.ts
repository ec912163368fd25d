/**
 * One shape for both servers, so a recipe's functional tests are written once
 * and run against the in-process Vivarium ensemble (manual clock) and against
 * the real ZooKeeper 3.8 (TCP, wall clock).
 */
import { connectZooKeeper, systemScheduler, type Scheduler, type ZooKeeperClient } from '@vivarium/client';
import { startRealZooKeeper, isRealZooKeeperAvailable, type RealZooKeeperServer } from '../../../test/support/real-zookeeper.ts';
import { VivariumBackend, type VivariumBackendOptions } from './vivarium-backend.ts';

export interface Backend {
  readonly name: string;
  readonly scheduler: Scheduler;
  nowMs(): number;
  /** A new connected client (its own session). */
  client(): Promise<ZooKeeperClient>;
  /** Wait for `promise`, letting time pass; fails after `maxMs` (simulated time for Vivarium, wall time for ZooKeeper). */
  drive<T>(promise: Promise<T>, maxMs?: number): Promise<T>;
  /** Let time pass until `condition()` holds; bounded like drive. */
  until(condition: () => boolean, maxMs?: number, what?: string): Promise<void>;
  /** Let `ms` pass (simulated, or a bounded real wait). */
  run(ms: number): Promise<void>;
  /** Evaluate `read()` again, letting a little time pass in between, until `accept` holds; resolves with the accepted value. Bounded like drive. */
  eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, maxMs?: number): Promise<T>;
  /** End a client's session from the server side (another connection takes it over and closes it). */
  expireSession(client: ZooKeeperClient): Promise<void>;
  close(): Promise<void>;
}

export async function vivariumBackend(options: VivariumBackendOptions = {}): Promise<VivariumBackend> {
  return VivariumBackend.start(options);
}

/** False when RECIPES_REAL_ZOOKEEPER=0, or when Java or the ZooKeeper jars are missing. */
export const realZooKeeperAvailable = process.env.RECIPES_REAL_ZOOKEEPER !== '0' && isRealZooKeeperAvailable();

const realBoundMs = 10_000;

/** Clients on a shared real ZooKeeper server; close() closes them, not the server. */
export class RealBackend implements Backend {
  readonly name = 'zookeeper-3.8';
  readonly scheduler = systemScheduler();
  private readonly connectString: string;
  private readonly clients = new Set<ZooKeeperClient>();

  constructor(connectString: string) {
    this.connectString = connectString;
  }

  nowMs(): number {
    return this.scheduler.nowMs();
  }

  async client(): Promise<ZooKeeperClient> {
    const client = await connectZooKeeper(this.connectString, { sessionTimeoutMs: 4000, reconnectDelayMs: 20, initialConnectTimeoutMs: realBoundMs });
    this.clients.add(client);
    return client;
  }

  async drive<T>(promise: Promise<T>, maxMs = realBoundMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`drive: not settled within ${maxMs} ms against the real ZooKeeper`)), maxMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async until(condition: () => boolean, maxMs = realBoundMs, what = 'condition'): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`until: ${what} not reached within ${maxMs} ms against the real ZooKeeper`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async run(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  async eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, maxMs = realBoundMs): Promise<T> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const value = await this.drive(read(), maxMs);
      if (accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`eventually: last value ${String(value)} not accepted within ${maxMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async expireSession(client: ZooKeeperClient): Promise<void> {
    const killer = await connectZooKeeper(this.connectString, {
      sessionId: client.sessionId,
      sessionPassword: client.sessionPassword,
      sessionTimeoutMs: 4000,
      initialConnectTimeoutMs: realBoundMs,
    });
    await killer.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients].map((client) => client.close().catch(() => undefined)));
    this.clients.clear();
  }
}

/** One real server for a whole test file: start in beforeAll, stop in afterAll. */
export async function startSharedRealZooKeeper(): Promise<RealZooKeeperServer> {
  return startRealZooKeeper({ tickTimeMs: 500, startTimeoutMs: 30_000 });
}
