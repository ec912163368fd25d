import { createServer as createStandaloneServer, type VivariumServer } from '@vivarium/server';
import { resolveEngineConfig, type DataTree, type Engine, type EngineConfig } from '@vivarium/store';
import type { EngineChoice, FixtureClientOptions } from './fixture-clients.ts';
import { checkSeed, randomSeed, rethrowWithSeed } from './fixture-error.ts';
import { FixtureBase, type ClockKind, type FixtureTcpOptions, type ListenerSpec } from './fixture-base.ts';
import { engineStateDigest } from './trace-fold.ts';

export interface ServerFixtureOptions extends Partial<Omit<EngineConfig, 'memberId'>> {
  /** Seeds session ids and passwords. Random when omitted; always in `seed` and in every error. */
  seed?: number;
  /** 'manual' (default): time moves only by `clock.advance`. 'system': the wall clock. */
  clock?: ClockKind;
  /** TCP client port settings (the port opens on the first `connectString()`). */
  tcp?: FixtureTcpOptions;
}

/** A standalone ZooKeeper server in this process (ZooKeeper's standalone mode: no quorum). */
export class ServerFixture extends FixtureBase {
  private readonly server: VivariumServer;
  private running = true;

  constructor(options: ServerFixtureOptions = {}) {
    const { seed: seedOption, clock = 'manual', tcp, ...engineOptions } = options;
    const seed = seedOption === undefined ? randomSeed() : checkSeed(seedOption, 'createServer');
    super({ kind: 'createServer', seed, clock: checkClock(clock, seed), tcp, options });
    try {
      // Checked here so a typo fails with the seed, before anything is started.
      resolveEngineConfig(engineOptions);
      this.server = createStandaloneServer({ ...engineOptions, seed, clock: this.manualClock ?? 'system' });
    } catch (error) {
      rethrowWithSeed(error, seed, 'createServer');
    }
  }

  /** The server's engine: its database, sessions, watches. */
  get engine(): Engine {
    return this.server.engine;
  }

  /** The znode tree, for assertions (`expect(server).toHaveNode('/a')`). */
  get tree(): DataTree {
    return this.server.engine.database.tree;
  }

  get isRunning(): boolean {
    return this.running;
  }

  protected tickTimeMs(): number {
    return this.server.engine.config.tickTimeMs;
  }

  protected pump(): number {
    return 0;
  }

  protected listenerSpecs(): ListenerSpec[] {
    return [{ engine: () => (this.running ? this.server.engine : undefined), mode: () => 'standalone' }];
  }

  protected decidingEngine(): { engine: Engine; where: string } {
    return { engine: this.server.engine, where: 'the server' };
  }

  protected engineFor(): EngineChoice {
    return this.running ? { engine: this.server.engine } : { down: 'the server is closed' };
  }

  protected validateClientOptions(options: FixtureClientOptions): void {
    if (options.member !== undefined && options.member !== 1) throw new Error(`a standalone server is member 1 only, got member ${options.member}`);
  }

  protected async shutdown(): Promise<void> {
    this.running = false;
    await this.server.close();
  }

  protected runningMembers(): number {
    return this.running ? 1 : 0;
  }

  protected messagesInFlight(): number {
    return 0;
  }

  protected stateHashes(): string[] {
    return [engineStateDigest(this.server.engine)];
  }
}

/** A standalone server, ready for clients. Close it with `close()`, which fails if anything was left open. */
export async function createServer(options: ServerFixtureOptions = {}): Promise<ServerFixture> {
  return new ServerFixture(options);
}

export function checkClock(clock: unknown, seed: number): ClockKind {
  if (clock === 'manual' || clock === 'system') return clock;
  return rethrowWithSeed(new Error(`clock must be 'manual' or 'system', got ${JSON.stringify(clock)}`), seed, 'options');
}
