import { systemScheduler, type Scheduler } from '@vivarium/client';
import { randomIdSource, type IdSource } from './id-source.ts';
import { retriesDefaultMax } from './retry.ts';

/** What every recipe accepts besides its client and path. */
export interface RecipeOptions {
  /**
   * Timers for timeouts, on the same clock as the client: `manualScheduler(clock)`
   * in a manual-clock test, real timers by default.
   */
  scheduler?: Scheduler;
  /** Ids for protected node names and member ids. Default: random UUIDs. */
  idSource?: IdSource;
  /** Tries after a CONNECTIONLOSS before an operation gives up. Default 10. */
  retriesMax?: number;
  /** Called when one of the recipe's listeners throws. Default: rethrown asynchronously. */
  onListenerError?: (error: unknown) => void;
}

export interface ResolvedRecipeOptions {
  scheduler: Scheduler;
  idSource: IdSource;
  retriesMax: number;
  onListenerError: ((error: unknown) => void) | undefined;
}

export function resolveRecipeOptions(options: RecipeOptions = {}): ResolvedRecipeOptions {
  const retriesMax = options.retriesMax ?? retriesDefaultMax;
  if (!(Number.isInteger(retriesMax) && retriesMax >= 0)) throw new TypeError(`retriesMax must be an integer >= 0, got ${retriesMax}`);
  return {
    scheduler: options.scheduler ?? systemScheduler(),
    idSource: options.idSource ?? randomIdSource,
    retriesMax,
    onListenerError: options.onListenerError,
  };
}
