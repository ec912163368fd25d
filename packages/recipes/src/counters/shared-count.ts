import type { ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, type Data } from '@vivarium/protocol';
import { NodeCache } from '../caches/node-cache.ts';
import type { CacheEvent } from '../caches/cache-event.ts';
import { isFinished } from '../support/connection-state.ts';
import { hasCode, isConnectionLoss, isNodeExists, isSessionGone, RecipeError } from '../support/errors.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath, parentOf } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';

/** A value with the node version it was read at, for a version-checked update. */
export interface VersionedValue {
  value: number;
  version: number;
}

/**
 * The session ended (or retries ran out) after an update was sent and before
 * it was confirmed: it may or may not have been applied.
 */
export class CountUpdateUncertainError extends RecipeError {
  constructor(cause: unknown) {
    super(`counter update not confirmed: ${String(cause)}`);
    this.name = 'CountUpdateUncertainError';
  }
}

/** A 32-bit value: 4 bytes big-endian, as Curator's SharedCount writes it. */
function encode(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value);
  return bytes;
}

function decode(data: Data): number {
  if (data === null || data.length < 4) return 0;
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getInt32(0);
}

function checkInt32(what: string, value: number): number {
  if (!(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff)) throw new TypeError(`${what} must be a 32-bit integer, got ${value}`);
  return value;
}

/**
 * A shared integer (Curator's SharedCount) kept current by a NodeCache, with
 * version-checked updates: trySetCount() succeeds only if nobody changed the
 * value since it was read; add() retries that until it wins. A retried update
 * never applies twice: each version-checked write is a multi that also
 * creates an ephemeral receipt child `_r_<id>`, so after a CONNECTIONLOSS the
 * receipt says whether the write landed (then the receipt is deleted).
 *
 * Connection handling: `count` is the last value seen; while disconnected it
 * may be stale (the cache reports suspended/reconnected and re-reads).
 * Updates wait for the reconnect; when the session ends they fail.
 */
export class SharedCount {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly seed: number;
  private readonly cache: NodeCache;
  private readonly valueListeners: Listeners<number>;

  constructor(client: ZooKeeperClient, path: string, seedValue: number, options: RecipeOptions = {}) {
    this.path = checkRecipePath('SharedCount path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.seed = checkInt32('SharedCount seedValue', seedValue);
    this.valueListeners = new Listeners(this.recipe.onListenerError);
    this.cache = new NodeCache(client, path, options);
    this.cache.onEvent((event) => {
      if (event.type === 'added' || event.type === 'updated') this.valueListeners.emit(decode(event.node.data));
    });
  }

  /** Create the node with the seed value if it does not exist, and start following it. */
  async start(): Promise<void> {
    const parent = parentOf(this.path);
    if (parent !== '/') await ensureContainers(this.client, parent);
    await retrying(async () => {
      try {
        await this.client.create(this.path, encode(this.seed), { mode: 'persistent' });
      } catch (error) {
        if (!isNodeExists(error)) throw error;
      }
    }, this.recipe.retriesMax);
    await this.cache.start();
  }

  /** The value as last seen. */
  get count(): number {
    return decode(this.cache.current?.data ?? null);
  }

  /** The value as last seen, with its version, for trySetCount. */
  get versionedValue(): VersionedValue {
    const current = this.cache.current;
    return { value: decode(current?.data ?? null), version: current?.stat.version ?? -1 };
  }

  /** Called with each new value seen. */
  onChange(listener: (value: number) => void): () => void {
    return this.valueListeners.add(listener);
  }

  /** Connection events of the underlying cache. */
  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.cache.onEvent(listener);
  }

  /** Resolves once the cached value has caught up with every change it was told of. */
  idle(): Promise<void> {
    return this.cache.idle();
  }

  /** Read the current value from the server. */
  async read(): Promise<VersionedValue> {
    const { data, stat } = await retrying(() => this.client.getData(this.path), this.recipe.retriesMax);
    return { value: decode(data), version: stat.version };
  }

  /** Set the value, whatever it is now. */
  async setCount(value: number): Promise<void> {
    checkInt32('setCount value', value);
    await retrying(() => this.client.setData(this.path, encode(value)), this.recipe.retriesMax);
  }

  /** Set `value` if the node is still at `previous.version`: true if it was, false if someone changed it first. */
  async trySetCount(previous: VersionedValue, value: number): Promise<boolean> {
    checkInt32('trySetCount value', value);
    return this.writeIfVersion(previous.version, value);
  }

  /** Add `delta` atomically (read, then a version-checked write, again until it wins); resolves with the new value. */
  async add(delta: number): Promise<number> {
    checkInt32('add delta', delta);
    for (;;) {
      const current = await this.read();
      const next = checkInt32('the counter after add', current.value + delta);
      if (await this.writeIfVersion(current.version, next)) return next;
    }
  }

  close(): void {
    this.cache.close();
  }

  private async writeIfVersion(version: number, value: number): Promise<boolean> {
    const bytes = encode(value);
    const receipt = joinPath(this.path, `_r_${this.recipe.idSource()}`);
    for (let attempt = 0; ; attempt++) {
      const finishedBefore = isFinished(this.client.state);
      try {
        await this.client.transaction().setData(this.path, bytes, version).create(receipt, null, { mode: 'ephemeral' }).commit();
        void this.dropReceipt(receipt);
        return true;
      } catch (error) {
        if (hasCode(error, ErrorCode.badVersion)) return false;
        if (finishedBefore || !(isConnectionLoss(error) || isSessionGone(error))) throw error;
        if (isSessionGone(error) || attempt >= this.recipe.retriesMax) throw new CountUpdateUncertainError(error);
      }
      // The reply was lost. After the reconnect (and a sync) the old request has landed or never will: the receipt tells.
      let landed: boolean;
      try {
        await this.client.sync(this.path);
        landed = (await this.client.exists(receipt)) !== null;
      } catch (error) {
        throw new CountUpdateUncertainError(error);
      }
      if (landed) {
        void this.dropReceipt(receipt);
        return true;
      }
    }
  }

  private async dropReceipt(receipt: string): Promise<void> {
    try {
      await retrying(() => this.client.delete(receipt), this.recipe.retriesMax);
    } catch {
      // Ephemeral: it goes with the session anyway.
    }
  }
}
