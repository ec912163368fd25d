import { WatcherType, type Data } from '@vivarium/protocol';
import type { ZooKeeperClient } from '@vivarium/client';
import { isNoNode, RecipeError } from '../support/errors.ts';
import { joinPath, nameOf } from '../support/paths.ts';
import { protectedCreate } from '../support/protected-create.ts';
import type { ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { isSequentialNamed, sortBySequence } from '../support/sequence.ts';
import { WakeUp } from '../support/wake-up.ts';
import { deleteOwnNode } from '../support/delete-own-node.ts';

/** What a lock decides from the participants in sequence order: ours wins, or we wait on one node. */
export type LockDecision = { acquired: true } | { acquired: false; watch: string };

/** Decides whether `ourName` holds the lock among `sorted` (every participant, in sequence order). */
export type LockDriver = (sorted: readonly string[], ourName: string) => LockDecision;

/** The exclusive lock: the first node holds it; every other node waits on the one just before it (no herd). */
export const exclusiveDriver: LockDriver = (sorted, ourName) => {
  const index = sorted.indexOf(ourName);
  if (index === 0) return { acquired: true };
  return { acquired: false, watch: sorted[index - 1] as string };
};

export interface LockInternalsOptions {
  client: ZooKeeperClient;
  /** The lock's node; participants are its children. */
  basePath: string;
  /** This lock's node name, e.g. 'lock-' ('read-' / 'write-' for the two halves of a read-write lock). */
  nodeName: string;
  /** Every node name that takes part in the order (the read-write lock's two halves share one order). */
  participantNames: readonly string[];
  driver: LockDriver;
  recipe: ResolvedRecipeOptions;
  /** Data stored in our lock node (who holds it, for operators). */
  data?: Data;
}

/**
 * The shared algorithm of Curator's LockInternals. A participant creates a
 * protected ephemeral-sequential child, lists the children, and either holds
 * the lock or watches exactly one other node (the driver says which) and
 * looks again when that node changes or goes.
 */
export class LockInternals {
  readonly options: LockInternalsOptions;

  constructor(options: LockInternalsOptions) {
    this.options = options;
  }

  /**
   * Take part until the driver says we hold the lock (resolves with our node's
   * path) or until `signal` aborts (resolves undefined, our node deleted).
   * Rejects when the session is lost or our node disappears under us.
   */
  async attempt(signal: AbortSignal): Promise<string | undefined> {
    const { client, basePath, nodeName, recipe } = this.options;
    if (signal.aborted) return undefined;
    const ourPath = await protectedCreate(client, {
      parent: basePath,
      name: nodeName,
      mode: 'ephemeralSequential',
      idSource: recipe.idSource,
      retriesMax: recipe.retriesMax,
      ...(this.options.data === undefined ? {} : { data: this.options.data }),
    });
    try {
      const ourName = nameOf(ourPath);
      for (;;) {
        if (signal.aborted) {
          await this.deleteNode(ourPath);
          return undefined;
        }
        const sorted = await this.participants();
        if (!sorted.includes(ourName)) {
          throw new RecipeError(`lock node ${ourPath} disappeared while waiting (deleted by someone else, or the session ended)`);
        }
        const decision = this.options.driver(sorted, ourName);
        if (decision.acquired) return ourPath;
        const wake = new WakeUp();
        const watched = joinPath(basePath, decision.watch);
        try {
          await retrying(() => client.getData(watched, wake.notify), recipe.retriesMax);
        } catch (error) {
          if (isNoNode(error)) continue;
          throw error;
        }
        const reason = await wake.wait(recipe.scheduler, undefined, signal);
        if (reason === 'aborted') void this.forgetWatch(watched, wake.notify);
      }
    } catch (error) {
      void this.deleteNode(ourPath).catch(() => undefined);
      throw error;
    }
  }

  /** Participant node names in lock order. */
  async participants(): Promise<string[]> {
    const { client, basePath, participantNames, recipe } = this.options;
    const children = await retrying(async () => {
      try {
        return await client.getChildren(basePath);
      } catch (error) {
        if (isNoNode(error)) return [];
        throw error;
      }
    }, recipe.retriesMax);
    return sortBySequence(children.filter((child) => participantNames.some((name) => isSequentialNamed(child, name))));
  }

  /** Delete one of our lock nodes; already gone (or gone with the session, for certain) is fine. */
  async deleteNode(path: string): Promise<void> {
    await deleteOwnNode(this.options.client, path, this.options.recipe.retriesMax);
  }

  /** Drop a watch we no longer need, so waits that gave up do not leave watchers behind. */
  private async forgetWatch(path: string, watcher: () => void): Promise<void> {
    try {
      await this.options.client.removeWatches(path, WatcherType.data, watcher);
    } catch {
      // Already fired, or the client is gone: nothing is left to remove.
    }
  }
}
