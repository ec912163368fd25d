import type { ZooKeeperClient } from '@vivarium/client';
import { isNoNode, isNodeExists } from '../support/errors.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { checkRecipePath, parentOf } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { deadlineSignal } from '../support/until.ts';
import { WakeUp } from '../support/wake-up.ts';

/**
 * A barrier (Curator's DistributedBarrier): while the node at `path` exists,
 * waiters wait; removing it lets them all through. The node is persistent, so
 * the barrier outlives the session that set it.
 *
 * Connection handling: a waiter keeps waiting across a dropped connection (its
 * watch is set again on reconnect, and a removal it missed fires then); when
 * its session ends, waitOnBarrier() rejects with SESSIONEXPIRED.
 */
export class DistributedBarrier {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;

  constructor(client: ZooKeeperClient, path: string, options: RecipeOptions = {}) {
    this.path = checkRecipePath('DistributedBarrier path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
  }

  /** Raise the barrier (idempotent). */
  async setBarrier(): Promise<void> {
    const parent = parentOf(this.path);
    if (parent !== '/') await ensureContainers(this.client, parent);
    await retrying(async () => {
      try {
        await this.client.create(this.path, null, { mode: 'persistent' });
      } catch (error) {
        if (!isNodeExists(error)) throw error;
      }
    }, this.recipe.retriesMax);
  }

  /** Lower the barrier, releasing every waiter (idempotent). */
  async removeBarrier(): Promise<void> {
    await retrying(async () => {
      try {
        await this.client.delete(this.path);
      } catch (error) {
        if (!isNoNode(error)) throw error;
      }
    }, this.recipe.retriesMax);
  }

  /** Wait until the barrier is down: true then, false when `timeoutMs` passed or `signal` aborted first. */
  async waitOnBarrier(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    try {
      for (;;) {
        const wake = new WakeUp();
        const stat = await retrying(() => this.client.exists(this.path, wake.notify), this.recipe.retriesMax);
        if (stat === null) return true;
        if ((await wake.wait(this.recipe.scheduler, undefined, deadline.signal)) === 'aborted') return false;
      }
    } finally {
      deadline.dispose();
    }
  }
}
