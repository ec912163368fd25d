import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { checkRecipePath, nameOf } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions } from '../support/recipe-options.ts';
import { isSequentialNamed } from '../support/sequence.ts';
import { exclusiveDriver, type LockDriver } from './lock-internals.ts';
import { SequentialLock } from './sequential-lock.ts';

export interface ReadWriteLockOptions extends RecipeOptions {
  /** Stored in this participant's lock nodes. */
  data?: Data;
}

/** Node names of the two halves (Curator's, so a mixed fleet shares one lock). */
export const readNodeName = '__READ__';
export const writeNodeName = '__WRITE__';

/**
 * A distributed read-write lock (Curator's InterProcessReadWriteLock): any
 * number of readers, or one writer. Both halves are reentrant locks on
 * ephemeral-sequential nodes under one path, in one order:
 * - the write lock is held by the first node of all; a waiting writer watches
 *   the node just before its own;
 * - a read lock is held when no write node comes before it (except this
 *   object's own write lock: a writer may also take the read lock, and then
 *   release the write lock to downgrade); a waiting reader watches the last
 *   write node before its own.
 * Upgrading (taking the write lock while holding only the read lock) waits
 * forever, as in Curator: release the read lock first.
 */
export class ReadWriteLock {
  readonly path: string;
  readonly readLock: SequentialLock;
  readonly writeLock: SequentialLock;

  constructor(client: ZooKeeperClient, path: string, options: ReadWriteLockOptions = {}) {
    this.path = checkRecipePath('ReadWriteLock path', path);
    const recipe = resolveRecipeOptions(options);
    const participantNames = [readNodeName, writeNodeName];
    const data = options.data === undefined ? {} : { data: options.data };
    this.writeLock = new SequentialLock({ client, path, nodeName: writeNodeName, participantNames, driver: exclusiveDriver, recipe, ...data });
    const writeLock = this.writeLock;
    const readDriver: LockDriver = (sorted, ourName) => {
      const ownWrite = writeLock.isAcquired && writeLock.nodePath !== undefined ? nameOf(writeLock.nodePath) : undefined;
      let blocking: string | undefined;
      for (const name of sorted) {
        if (name === ourName) break;
        if (isSequentialNamed(name, writeNodeName) && name !== ownWrite) blocking = name;
      }
      return blocking === undefined ? { acquired: true } : { acquired: false, watch: blocking };
    };
    this.readLock = new SequentialLock({ client, path, nodeName: readNodeName, participantNames, driver: readDriver, recipe, ...data });
  }
}
