import type { ZooKeeperClient } from '@vivarium/client';
import { EventType } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isNoNode, RecipeError, reportBackgroundError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { nodeChanged, type CacheEvent, type CachedNode } from './cache-event.ts';

/**
 * One node kept current (Curator's NodeCache): its data and stat, or
 * undefined while it does not exist, refreshed on every data/exists watch.
 * Reports `added`, `updated` and `removed` for the node, plus the
 * connection events (see CacheEvent); after a reconnect it reads the node
 * again, so a change missed while disconnected is reported then.
 */
export class NodeCache {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly listeners: Listeners<CacheEvent>;
  private readonly queue: SerialQueue;
  private currentValue: CachedNode | undefined;
  private started = false;
  private closed = false;
  private unwatchConnection: (() => void) | undefined;
  private readonly watcher = (event: { type: number }): void => {
    if (event.type !== EventType.none) this.scheduleRefresh();
  };

  constructor(client: ZooKeeperClient, path: string, options: RecipeOptions = {}) {
    this.path = checkRecipePath('NodeCache path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.listeners = new Listeners(this.recipe.onListenerError);
    this.queue = new SerialQueue((error) => this.onError(error));
  }

  /** The node as last read, or undefined when it does not exist. */
  get current(): CachedNode | undefined {
    return this.currentValue;
  }

  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Read the node and start watching; resolves after the first read (and its event). */
  async start(): Promise<void> {
    if (this.started) throw new RecipeError('NodeCache.start(): already started');
    this.started = true;
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    await this.queue.add(() => this.refresh());
    this.listeners.emit({ type: 'initialized' });
  }

  /** Resolves once every refresh scheduled so far has been applied. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  close(): void {
    this.closed = true;
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
  }

  private scheduleRefresh(): void {
    if (this.closed) return;
    void this.queue.add(() => this.refresh());
  }

  private async refresh(): Promise<void> {
    if (this.closed) return;
    let read: CachedNode | undefined;
    try {
      const { data, stat } = await retrying(() => this.client.getData(this.path, this.watcher), this.recipe.retriesMax);
      read = { path: this.path, data, stat };
    } catch (error) {
      if (!isNoNode(error)) throw error;
      // Gone: watch for its creation. If it was created meanwhile, read again.
      if ((await retrying(() => this.client.exists(this.path, this.watcher), this.recipe.retriesMax)) !== null) {
        this.scheduleRefresh();
        return;
      }
    }
    if (this.closed) return;
    const before = this.currentValue;
    this.currentValue = read;
    if (read === undefined) {
      if (before !== undefined) this.listeners.emit({ type: 'removed', node: before });
    } else if (nodeChanged(before, read)) {
      this.listeners.emit({ type: before === undefined ? 'added' : 'updated', node: read });
    }
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.closed) return;
    if (event === 'suspended') this.listeners.emit({ type: 'suspended' });
    else if (event === 'reconnected') {
      this.listeners.emit({ type: 'reconnected' });
      this.scheduleRefresh();
    } else {
      this.close();
      this.listeners.emit({ type: 'lost' });
    }
  }

  private onError(error: unknown): void {
    if (!this.closed) reportBackgroundError(error, this.recipe.onListenerError);
  }
}
