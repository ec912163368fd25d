import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { checkRecipePath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions } from '../support/recipe-options.ts';
import { exclusiveDriver } from './lock-internals.ts';
import { SequentialLock } from './sequential-lock.ts';

export interface MutexOptions extends RecipeOptions {
  /** The lock nodes' name before the sequence number. Default 'lock-'. */
  nodeName?: string;
  /** Stored in this participant's lock node (who holds it, for operators). */
  data?: Data;
}

/**
 * A distributed reentrant mutex (Curator's InterProcessMutex). Each
 * participant creates a protected ephemeral-sequential node under `path`; the
 * lowest sequence holds the lock and every other participant watches only the
 * node just before its own, so a release wakes exactly one waiter. Missing
 * parents are created as containers.
 */
export class Mutex extends SequentialLock {
  readonly path: string;

  constructor(client: ZooKeeperClient, path: string, options: MutexOptions = {}) {
    const nodeName = options.nodeName ?? 'lock-';
    super({
      client,
      path: checkRecipePath('Mutex path', path),
      nodeName,
      participantNames: [nodeName],
      driver: exclusiveDriver,
      recipe: resolveRecipeOptions(options),
      ...(options.data === undefined ? {} : { data: options.data }),
    });
    this.path = path;
  }
}
