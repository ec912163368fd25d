import type { ZooKeeperClient } from '@vivarium/client';
import { isConnectionLoss, isNoNode, isNodeExists, RecipeError } from '../support/errors.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { checkRecipePath, joinPath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { deadlineSignal } from '../support/until.ts';
import { WakeUp } from '../support/wake-up.ts';

const readyName = 'ready';

export interface BarrierWaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A double barrier (the ZooKeeper recipe, Curator's DistributedDoubleBarrier):
 * `memberQty` participants enter together (enter() returns once that many
 * have entered) and leave together (leave() returns once all have left).
 * Each participant is an ephemeral child named by its id; the participant
 * that completes the count creates `ready`, which wakes the others. Leaving
 * follows the recipe: the lowest node waits for the highest, every other
 * node deletes itself and waits for the lowest, so each leave wakes few.
 *
 * Connection handling: waits continue across a dropped connection (watches
 * are set again on reconnect). When the session ends our node goes with it:
 * the pending enter()/leave() rejects, and the other participants see one
 * fewer member (enter may then wait until its timeout).
 */
export class DistributedDoubleBarrier {
  readonly path: string;
  readonly memberQty: number;
  readonly id: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly ourPath: string;
  private readonly readyPath: string;
  private entered = false;

  constructor(client: ZooKeeperClient, path: string, memberQty: number, options: RecipeOptions & { id?: string } = {}) {
    this.path = checkRecipePath('DistributedDoubleBarrier path', path);
    if (!(Number.isInteger(memberQty) && memberQty >= 1)) throw new TypeError(`DistributedDoubleBarrier memberQty must be an integer >= 1, got ${memberQty}`);
    this.memberQty = memberQty;
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.id = options.id ?? this.recipe.idSource();
    if (this.id === readyName || this.id.includes('/') || this.id.length === 0) throw new TypeError(`DistributedDoubleBarrier id must be a node name other than '${readyName}', got ${JSON.stringify(this.id)}`);
    this.ourPath = joinPath(path, this.id);
    this.readyPath = joinPath(path, readyName);
  }

  /** Enter and wait for the others: true once `memberQty` have entered; false on timeout/abort (our node is removed). */
  async enter(options: BarrierWaitOptions = {}): Promise<boolean> {
    if (this.entered) throw new RecipeError('DistributedDoubleBarrier.enter(): already entered');
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    try {
      await ensureContainers(this.client, this.path);
      let wake = new WakeUp();
      const readyBefore = (await retrying(() => this.client.exists(this.readyPath, wake.notify), this.recipe.retriesMax)) !== null;
      await this.createOurNode();
      this.entered = true;
      if (readyBefore) return true;
      for (;;) {
        const members = await this.memberNames();
        if (members.length >= this.memberQty) {
          await retrying(async () => {
            try {
              await this.client.create(this.readyPath, null, { mode: 'persistent' });
            } catch (error) {
              if (!isNodeExists(error)) throw error;
            }
          }, this.recipe.retriesMax);
          return true;
        }
        if ((await wake.wait(this.recipe.scheduler, undefined, deadline.signal)) === 'aborted') {
          await this.deleteOurNode();
          this.entered = false;
          return false;
        }
        wake = new WakeUp();
        if ((await retrying(() => this.client.exists(this.readyPath, wake.notify), this.recipe.retriesMax)) !== null) return true;
      }
    } finally {
      deadline.dispose();
    }
  }

  /** Leave and wait for the others to leave: true once all have; false on timeout/abort. */
  async leave(options: BarrierWaitOptions = {}): Promise<boolean> {
    if (!this.entered) throw new RecipeError('DistributedDoubleBarrier.leave(): not entered');
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    let ourNodeShouldExist = true;
    try {
      for (;;) {
        const members = (await this.memberNames()).sort();
        if (members.length === 0) break;
        const ourIndex = members.indexOf(this.id);
        if (ourIndex < 0 && ourNodeShouldExist) throw new RecipeError(`double barrier node ${this.ourPath} disappeared (the session ended?)`);
        if (members.length === 1) {
          if (ourNodeShouldExist && members[0] !== this.id) throw new RecipeError(`double barrier: our node is gone but ${members[0]} is left`);
          if (ourNodeShouldExist) await this.deleteOurNode();
          break;
        }
        const wake = new WakeUp();
        let stat;
        if (ourIndex === 0) {
          stat = await retrying(() => this.client.exists(joinPath(this.path, members[members.length - 1] as string), wake.notify), this.recipe.retriesMax);
        } else {
          stat = await retrying(() => this.client.exists(joinPath(this.path, members[0] as string), wake.notify), this.recipe.retriesMax);
          if (ourNodeShouldExist) {
            await this.deleteOurNode();
            ourNodeShouldExist = false;
          }
        }
        if (stat !== null && (await wake.wait(this.recipe.scheduler, undefined, deadline.signal)) === 'aborted') return false;
      }
      await retrying(async () => {
        try {
          await this.client.delete(this.readyPath);
        } catch (error) {
          if (!isNoNode(error)) throw error;
        }
      }, this.recipe.retriesMax);
      this.entered = false;
      return true;
    } finally {
      deadline.dispose();
    }
  }

  private async memberNames(): Promise<string[]> {
    const children = await retrying(async () => {
      try {
        return await this.client.getChildren(this.path);
      } catch (error) {
        if (isNoNode(error)) return [];
        throw error;
      }
    }, this.recipe.retriesMax);
    return children.filter((child) => child !== readyName);
  }

  /** Our node has a fixed name, so a create retried after CONNECTIONLOSS is told apart by its owner. */
  private async createOurNode(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.create(this.ourPath, null, { mode: 'ephemeral' });
        return;
      } catch (error) {
        if (isNodeExists(error)) {
          const stat = await retrying(() => this.client.exists(this.ourPath), this.recipe.retriesMax);
          if (stat !== null && stat.ephemeralOwner === this.client.sessionId) return;
          if (stat !== null) throw new RecipeError(`double barrier: id ${this.id} is taken by another session`);
          continue;
        }
        if (!isConnectionLoss(error) || attempt >= this.recipe.retriesMax) throw error;
      }
    }
  }

  private async deleteOurNode(): Promise<void> {
    await retrying(async () => {
      try {
        await this.client.delete(this.ourPath);
      } catch (error) {
        if (!isNoNode(error)) throw error;
      }
    }, this.recipe.retriesMax);
  }
}
