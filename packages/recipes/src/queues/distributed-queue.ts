import type { ZooKeeperClient } from '@vivarium/client';
import { MultiError } from '@vivarium/client';
import { ErrorCode, type Data } from '@vivarium/protocol';
import { hasCode, isConnectionLoss, isNoNode, isNodeExists, isSessionGone, RecipeError } from '../support/errors.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { checkRecipePath, joinPath } from '../support/paths.ts';
import { protectedCreate, ProtectedCreateUncertainError } from '../support/protected-create.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { deadlineSignal } from '../support/until.ts';
import { WakeUp } from '../support/wake-up.ts';

export interface QueueItem {
  /** The item's node name under the queue. */
  name: string;
  data: Data;
  priority: number;
}

export interface TakeOptions {
  /** Give up after this long (undefined from take/consume). Default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The session ended between our delete of an item and its confirmation: the
 * item may have been removed (by us) or may still be in the queue. Carries the
 * item so the caller can decide (process it, or not).
 */
export class QueueItemUncertainError extends RecipeError {
  readonly item: QueueItem;
  constructor(item: QueueItem, cause: unknown) {
    super(`queue item ${item.name}: the session ended before its removal was confirmed (${String(cause)})`);
    this.name = 'QueueItemUncertainError';
    this.item = item;
  }
}

/**
 * A put whose reply was lost with the connection, and whose item is not in the
 * queue now: it was either never added, or added and already taken by a
 * consumer. Putting it again could deliver it twice; not putting it could lose
 * it. The caller decides (the data is in `data`).
 */
export class QueuePutUncertainError extends RecipeError {
  readonly data: Data;
  constructor(data: Data, cause: unknown) {
    super(`queue put: the reply was lost and the item is not in the queue; it may have been added and taken already (${String(cause)})`);
    this.name = 'QueuePutUncertainError';
    this.data = data;
  }
}

/** The claim under an item was lost with the session while the handler ran: the item stays queued and will be delivered again. */
export class QueueClaimLostError extends RecipeError {
  readonly item: QueueItem;
  constructor(item: QueueItem, cause: unknown) {
    super(`queue item ${item.name}: the claim was lost before the item was removed (${String(cause)}); it will be delivered again`);
    this.name = 'QueueClaimLostError';
    this.item = item;
  }
}

const itemPattern = /item-([0-9a-f]{8})-(\d{10})$/;
const claimName = 'claim';
const priorityMin = -0x80000000;
const priorityMax = 0x7fffffff;

/** The part of an item's name that orders it: priority (lowest first), then sequence. */
function orderKey(name: string): string | undefined {
  const match = itemPattern.exec(name);
  return match === null ? undefined : `${match[1]}-${match[2]}`;
}

function encodePriority(priority: number): string {
  if (!(Number.isInteger(priority) && priority >= priorityMin && priority <= priorityMax)) {
    throw new TypeError(`queue priority must be a 32-bit integer, got ${priority}`);
  }
  return (priority - priorityMin).toString(16).padStart(8, '0');
}

/**
 * A distributed queue on persistent-sequential nodes (the ZooKeeper queue
 * recipe, Curator's SimpleDistributedQueue and DistributedQueue): items are
 * children of `path`, named `item-<priority>-<sequence>` behind a protected
 * prefix, taken in (priority, sequence) order. Items are persistent, so they
 * survive producer and consumer crashes.
 *
 * Taking is two-phase, so that no item is ever removed twice and none is
 * removed without its remover knowing: a consumer first claims an item with an
 * ephemeral child `claim` (owned by its session, so a CONNECTIONLOSS is
 * resolved by looking at the claim's owner), then deletes claim and item in
 * one multi. A consumer that dies between the two loses its claim with its
 * session and the item becomes available again.
 * - `take()`: claim, read, remove, return (at most once: if the consumer dies
 *   after take() returns, the item is gone).
 * - `consume(handler)`, the lock-safe mode: claim, read, run the handler while
 *   holding the claim, and remove the item only after the handler succeeded.
 *   Exactly one consumer removes each item; if a consumer dies (or loses its
 *   session) mid-handler the item is delivered again, so handlers must be
 *   idempotent (at-least-once processing).
 */
export class DistributedQueue {
  readonly path: string;
  protected readonly client: ZooKeeperClient;
  protected readonly recipe: ResolvedRecipeOptions;
  private ensured = false;

  constructor(client: ZooKeeperClient, path: string, options: RecipeOptions = {}) {
    this.path = checkRecipePath('queue path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
  }

  /**
   * Add an item at the back; resolves with its node path. A put retried after CONNECTIONLOSS is never added
   * twice: the item is found again by its protected name, and when it is not there (it may have been added and
   * taken already) the put rejects with QueuePutUncertainError instead of adding it again.
   */
  put(data: Data): Promise<string> {
    return this.putWithPriority(data, 0);
  }

  /** Remove and return the first unclaimed item, waiting for one; undefined when `timeoutMs` passed or `signal` aborted. */
  async take(options: TakeOptions = {}): Promise<QueueItem | undefined> {
    return this.takeWith(options, async (item) => item);
  }

  /** Remove and return the first unclaimed item if there is one, without waiting. */
  async poll(): Promise<QueueItem | undefined> {
    return this.takeOnce(async (item) => item, undefined);
  }

  /**
   * The lock-safe mode: claim the first unclaimed item, run `handler` on it
   * while holding the claim, then remove it. Resolves true once an item was
   * processed and removed, false when `timeoutMs` passed or `signal` aborted
   * with no item. If the handler throws, the claim is dropped (the item stays
   * for another try) and the error is rethrown. Rejects with
   * QueueClaimLostError when the session ended mid-handler (the item will be
   * delivered again).
   */
  async consume(handler: (item: QueueItem) => Promise<void>, options: TakeOptions = {}): Promise<boolean> {
    return (await this.takeWith(options, async (item) => {
      await handler(item);
      return item;
    })) !== undefined;
  }

  /** The first item, without removing or claiming it. */
  async peek(): Promise<QueueItem | undefined> {
    for (const name of await this.itemNames()) {
      try {
        const { data } = await retrying(() => this.client.getData(joinPath(this.path, name)), this.recipe.retriesMax);
        return { name, data, priority: priorityOf(name) };
      } catch (error) {
        if (!isNoNode(error)) throw error;
      }
    }
    return undefined;
  }

  /** Items in the queue, claimed ones included. */
  async size(): Promise<number> {
    return (await this.itemNames()).length;
  }

  protected async putWithPriority(data: Data, priority: number): Promise<string> {
    const name = `item-${encodePriority(priority)}-`;
    await this.ensureQueue();
    try {
      return await protectedCreate(this.client, {
        parent: this.path,
        name,
        data,
        mode: 'persistentSequential',
        idSource: this.recipe.idSource,
        retriesMax: this.recipe.retriesMax,
        // A consumer may take the item the moment it exists: not finding it after a lost reply proves nothing.
        othersMayDelete: true,
      });
    } catch (error) {
      if (error instanceof ProtectedCreateUncertainError) throw new QueuePutUncertainError(data, error);
      throw error;
    }
  }

  private async takeWith(options: TakeOptions, process: (item: QueueItem) => Promise<QueueItem>): Promise<QueueItem | undefined> {
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    try {
      for (;;) {
        const wake = new WakeUp();
        const item = await this.takeOnce(process, wake.notify);
        if (item !== undefined) return item;
        const reason = await wake.wait(this.recipe.scheduler, undefined, deadline.signal);
        if (reason === 'aborted') return undefined;
      }
    } finally {
      deadline.dispose();
    }
  }

  /** One pass over the items: the first we manage to claim is processed and removed. `watcher` wakes a waiting taker on change. */
  private async takeOnce(process: (item: QueueItem) => Promise<QueueItem>, watcher: (() => void) | undefined): Promise<QueueItem | undefined> {
    for (const name of await this.itemNames(watcher)) {
      const claimed = await this.claim(name, watcher);
      if (!claimed) continue;
      const itemPath = joinPath(this.path, name);
      let data: Data;
      try {
        data = (await retrying(() => this.client.getData(itemPath), this.recipe.retriesMax)).data;
      } catch (error) {
        if (isNoNode(error)) continue;
        throw error;
      }
      const item: QueueItem = { name, data, priority: priorityOf(name) };
      let processed: QueueItem;
      try {
        processed = await process(item);
      } catch (error) {
        await this.unclaim(name).catch(() => undefined);
        throw error;
      }
      await this.remove(item);
      return processed;
    }
    return undefined;
  }

  /** Claim an item: true when the claim is ours. A claim held by another session is watched, so a waiter retries when it goes. */
  private async claim(name: string, watcher: (() => void) | undefined): Promise<boolean> {
    const claimPath = joinPath(joinPath(this.path, name), claimName);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.create(claimPath, null, { mode: 'ephemeral' });
        return true;
      } catch (error) {
        if (isNoNode(error)) return false;
        if (!isNodeExists(error) && !(isConnectionLoss(error) && attempt < this.recipe.retriesMax)) throw error;
      }
      // NODEEXISTS, or a CONNECTIONLOSS that may have created it: the owner says whose it is.
      let stat;
      try {
        stat = await retrying(() => this.client.exists(claimPath, watcher), this.recipe.retriesMax);
      } catch (error) {
        if (isNoNode(error)) return false;
        throw error;
      }
      if (stat === null) continue;
      return stat.ephemeralOwner === this.client.sessionId;
    }
  }

  private async unclaim(name: string): Promise<void> {
    try {
      await retrying(() => this.client.delete(joinPath(joinPath(this.path, name), claimName)), this.recipe.retriesMax);
    } catch (error) {
      if (!isNoNode(error)) throw error;
    }
  }

  /**
   * Delete claim and item together. Only the claim's owner removes an item, so
   * after a CONNECTIONLOSS the item's absence means our multi went through.
   */
  private async remove(item: QueueItem): Promise<void> {
    const itemPath = joinPath(this.path, item.name);
    const claimPath = joinPath(itemPath, claimName);
    for (let attempt = 0; ; attempt++) {
      // Already finished before we send: our multi never reaches a server, the claim went with the session.
      const finishedBefore = this.client.state === 'expired' || this.client.state === 'closed' || this.client.state === 'authFailed';
      try {
        await this.client.transaction().delete(claimPath).delete(itemPath).commit();
        return;
      } catch (error) {
        if (isSessionGone(error) || finishedBefore) {
          throw finishedBefore ? new QueueClaimLostError(item, error) : new QueueItemUncertainError(item, error);
        }
        if (error instanceof MultiError && hasCode(error, ErrorCode.noNode)) {
          // A retry after CONNECTIONLOSS: our first multi may have committed (claim and item gone together, as it
          // is atomic), while the check below lost its connection too. Our live session's claim can go no other way.
          if (attempt > 0 && (await this.itemGone(itemPath))) return;
          // Our claim is gone: it went with a session that ended (and a new one cannot own it).
          throw new QueueClaimLostError(item, error);
        }
        if (!isConnectionLoss(error) || attempt >= this.recipe.retriesMax) throw error;
      }
      try {
        await this.client.sync(itemPath);
        if ((await this.client.exists(itemPath)) === null) return;
      } catch (error) {
        if (isSessionGone(error)) throw new QueueItemUncertainError(item, error);
        if (!isConnectionLoss(error)) throw error;
      }
    }
  }

  /** Whether the item is gone, as the leader has it (sync first); rethrows what is not a connection loss. */
  private async itemGone(itemPath: string): Promise<boolean> {
    await retrying(() => this.client.sync(itemPath), this.recipe.retriesMax);
    return (await retrying(() => this.client.exists(itemPath), this.recipe.retriesMax)) === null;
  }

  private async itemNames(watcher?: () => void): Promise<string[]> {
    let children: string[];
    try {
      children = await retrying(() => this.client.getChildren(this.path, watcher), this.recipe.retriesMax);
    } catch (error) {
      if (!isNoNode(error)) throw error;
      await this.ensureQueue(true);
      children = await retrying(() => this.client.getChildren(this.path, watcher), this.recipe.retriesMax);
    }
    const keyed: Array<[string, string]> = [];
    for (const child of children) {
      const key = orderKey(child);
      if (key !== undefined) keyed.push([key, child]);
    }
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return keyed.map(([, child]) => child);
  }

  /** The queue node is persistent (its parents containers), so a watched empty queue does not vanish. */
  private async ensureQueue(force = false): Promise<void> {
    if (this.ensured && !force) return;
    const parent = this.path.slice(0, this.path.lastIndexOf('/')) || '/';
    if (parent !== '/') await ensureContainers(this.client, parent);
    await ensureContainers(this.client, this.path, 'persistent');
    this.ensured = true;
  }
}

export function priorityOf(name: string): number {
  const match = itemPattern.exec(name);
  return match === null ? 0 : Number.parseInt(match[1] as string, 16) + priorityMin;
}

/**
 * A priority queue (Curator's DistributedPriorityQueue): items with a lower
 * priority number are taken first; equal priorities in arrival order. Same
 * taking modes and guarantees as DistributedQueue.
 */
export class DistributedPriorityQueue extends DistributedQueue {
  /** Add an item with a priority (a 32-bit integer; lower is taken first). */
  putPriority(data: Data, priority: number): Promise<string> {
    return this.putWithPriority(data, priority);
  }
}
