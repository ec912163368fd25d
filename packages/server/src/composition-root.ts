/**
 * The one place the member's object graph is wired (DESIGN rule 7). Each
 * member gets its own child container with symbol tokens and factories; no
 * decorators, nothing registered globally, and the container is disposed
 * when the member closes. Library users never see it: they call createServer
 * or startWireServer.
 */
import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { Engine, ManualClock, SeededRandom, type Clock, type EngineConfig, type Random, type Storage } from '@vivarium/store';
import { driveWithManualClock, driveWithSystemClock, type EngineDriver } from './engine-driver.ts';
import { SystemClock } from './system-clock.ts';

export const Token = {
  clock: Symbol('Clock'),
  manualClock: Symbol('ManualClock | undefined'),
  random: Symbol('Random'),
  engineOptions: Symbol('Partial<EngineConfig>'),
  storage: Symbol('Storage | undefined'),
  engine: Symbol('Engine'),
  driver: Symbol('EngineDriver'),
} as const;

export interface MemberSpec {
  /** 'manual' for a fresh manual clock, 'system' for the wall clock, or a ManualClock to share. */
  clock: 'manual' | 'system' | ManualClock;
  seed: number;
  engineOptions: Partial<EngineConfig>;
  /** Builds the member's durable storage (called once, inside its container). Undefined: no storage, state in memory only. */
  storage?: (() => Storage) | undefined;
}

export interface MemberGraph {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly manualClock: ManualClock | undefined;
  readonly driver: EngineDriver;
  /** Stop the driver, close the engine, dispose the container. */
  dispose(): Promise<void>;
}

export function composeMember(spec: MemberSpec): MemberGraph {
  const scope: DependencyContainer = rootContainer.createChildContainer();
  const manualClock = spec.clock === 'manual' ? new ManualClock() : spec.clock instanceof ManualClock ? spec.clock : undefined;
  // A factory, not useValue: tsyringe treats `useValue: undefined` as no provider at all (system clock case).
  scope.register<ManualClock | undefined>(Token.manualClock, { useFactory: () => manualClock });
  scope.register<Clock>(Token.clock, { useFactory: instanceCachingFactory<Clock>((c) => c.resolve<ManualClock | undefined>(Token.manualClock) ?? new SystemClock()) });
  scope.register<Random>(Token.random, { useFactory: instanceCachingFactory<Random>(() => new SeededRandom(spec.seed)) });
  scope.register<Partial<EngineConfig>>(Token.engineOptions, { useValue: spec.engineOptions });
  let storage: Storage | undefined;
  scope.register<Storage | undefined>(Token.storage, { useFactory: () => (storage ??= spec.storage?.()) });
  scope.register<Engine>(Token.engine, {
    useFactory: instanceCachingFactory<Engine>((c) => new Engine({
      ...c.resolve<Partial<EngineConfig>>(Token.engineOptions),
      clock: c.resolve<Clock>(Token.clock),
      random: c.resolve<Random>(Token.random),
      storage: c.resolve<Storage | undefined>(Token.storage),
    })),
  });
  scope.register<EngineDriver>(Token.driver, {
    useFactory: instanceCachingFactory<EngineDriver>((c) => {
      const engine = c.resolve<Engine>(Token.engine);
      const manual = c.resolve<ManualClock | undefined>(Token.manualClock);
      return manual !== undefined ? driveWithManualClock(engine, manual) : driveWithSystemClock(engine, c.resolve<Clock>(Token.clock));
    }),
  });
  let engine: Engine;
  try {
    // Recovery runs here: a dataDir that cannot be read stops the member with the storage's own error.
    engine = scope.resolve<Engine>(Token.engine);
  } catch (error) {
    (storage as Storage | undefined)?.close();
    void scope.dispose();
    throw error;
  }
  const driver = scope.resolve<EngineDriver>(Token.driver);
  let disposed = false;
  return {
    engine,
    clock: scope.resolve<Clock>(Token.clock),
    manualClock,
    driver,
    async dispose() {
      if (disposed) return;
      disposed = true;
      driver.stop();
      engine.close();
      await scope.dispose();
    },
  };
}
