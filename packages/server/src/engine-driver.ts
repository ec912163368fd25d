import type { Clock, Engine, ManualClock } from '@vivarium/store';

/** Something that keeps an engine's time moving. */
export interface EngineDriver {
  stop(): void;
}

/** Under a manual clock the engine runs exactly when the test advances time, at each of its deadlines. */
export function driveWithManualClock(engine: Engine, clock: ManualClock): EngineDriver {
  const unsubscribe = clock.subscribe(engine);
  return { stop: unsubscribe };
}

/**
 * Under the system clock a timer wakes the engine at its next deadline, checked
 * at least once a tick so deadlines created between wake-ups are never late by more than that.
 */
export function driveWithSystemClock(engine: Engine, clock: Clock): EngineDriver {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    const now = clock.nowMs();
    const next = engine.nextWakeMs();
    const delay = Math.max(0, Math.min(next === undefined ? Infinity : next - now, engine.config.tickTimeMs));
    timer = setTimeout(() => {
      engine.tick();
      schedule();
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
