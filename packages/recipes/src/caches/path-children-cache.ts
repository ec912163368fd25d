import type { WatchedEvent, ZooKeeperClient } from '@vivarium/client';
import { EventType } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isNoNode, RecipeError, reportBackgroundError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath, nameOf } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { nodeChanged, type CacheEvent, type CachedNode } from './cache-event.ts';

export interface PathChildrenCacheOptions extends RecipeOptions {
  /** Keep each child's data (default true); false keeps only stats. */
  cacheData?: boolean;
}

/**
 * The children of one node kept current, with their data (Curator's
 * PathChildrenCache): a child watch on the parent, a data watch on each child.
 * Reports `added` / `updated` / `removed` per child and the connection events
 * (see CacheEvent); after a reconnect it re-lists and re-reads, reporting what
 * changed while it was disconnected. The parent need not exist yet.
 */
export class PathChildrenCache {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly cacheData: boolean;
  private readonly listeners: Listeners<CacheEvent>;
  private readonly queue: SerialQueue;
  private readonly children = new Map<string, CachedNode>();
  private started = false;
  private closed = false;
  private unwatchConnection: (() => void) | undefined;
  private readonly parentWatcher = (event: WatchedEvent): void => {
    if (event.type !== EventType.none) this.schedule(() => this.refreshChildren());
  };
  private readonly childWatcher = (event: WatchedEvent): void => {
    if (event.type === EventType.none || event.path === undefined) return;
    const name = nameOf(event.path);
    if (event.type === EventType.nodeDeleted) this.schedule(() => this.refreshChildren());
    else this.schedule(() => this.refreshChild(name));
  };

  constructor(client: ZooKeeperClient, path: string, options: PathChildrenCacheOptions = {}) {
    this.path = checkRecipePath('PathChildrenCache path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.cacheData = options.cacheData ?? true;
    this.listeners = new Listeners(this.recipe.onListenerError);
    this.queue = new SerialQueue((error) => {
      if (!this.closed) reportBackgroundError(error, this.recipe.onListenerError);
    });
  }

  /** The children as last read, by name, in name order. */
  get current(): Map<string, CachedNode> {
    return new Map([...this.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  get(name: string): CachedNode | undefined {
    return this.children.get(name);
  }

  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Load the children and start watching; resolves after the first load (its `added` events, then `initialized`). */
  async start(): Promise<void> {
    if (this.started) throw new RecipeError('PathChildrenCache.start(): already started');
    this.started = true;
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    await this.queue.add(() => this.refreshChildren());
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

  private schedule(task: () => Promise<void>): void {
    if (!this.closed) void this.queue.add(task);
  }

  private async refreshChildren(): Promise<void> {
    if (this.closed) return;
    let names: string[];
    try {
      names = await retrying(() => this.client.getChildren(this.path, this.parentWatcher), this.recipe.retriesMax);
    } catch (error) {
      if (!isNoNode(error)) throw error;
      if ((await retrying(() => this.client.exists(this.path, this.parentWatcher), this.recipe.retriesMax)) !== null) {
        this.schedule(() => this.refreshChildren());
        return;
      }
      names = [];
    }
    const present = new Set(names);
    for (const [name, node] of [...this.children]) {
      if (!present.has(name)) {
        this.children.delete(name);
        this.listeners.emit({ type: 'removed', node });
      }
    }
    for (const name of [...names].sort()) {
      if (!this.children.has(name)) await this.refreshChild(name);
    }
  }

  private async refreshChild(name: string): Promise<void> {
    if (this.closed) return;
    const childPath = joinPath(this.path, name);
    let read: CachedNode;
    try {
      const { data, stat } = await retrying(() => this.client.getData(childPath, this.childWatcher), this.recipe.retriesMax);
      read = { path: childPath, data: this.cacheData ? data : null, stat };
    } catch (error) {
      if (!isNoNode(error)) throw error;
      const before = this.children.get(name);
      if (before !== undefined) {
        this.children.delete(name);
        this.listeners.emit({ type: 'removed', node: before });
      }
      return;
    }
    const before = this.children.get(name);
    if (!nodeChanged(before, read)) return;
    if (before !== undefined && before.stat.czxid !== read.stat.czxid) {
      // Deleted and created again between two looks: report both.
      this.listeners.emit({ type: 'removed', node: before });
      this.children.delete(name);
    }
    this.children.set(name, read);
    this.listeners.emit({ type: this.children.has(name) && before !== undefined && before.stat.czxid === read.stat.czxid ? 'updated' : 'added', node: read });
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.closed) return;
    if (event === 'suspended') this.listeners.emit({ type: 'suspended' });
    else if (event === 'reconnected') {
      this.listeners.emit({ type: 'reconnected' });
      this.schedule(() => this.refreshChildren());
      for (const name of [...this.children.keys()]) this.schedule(() => this.refreshChild(name));
    } else {
      this.close();
      this.listeners.emit({ type: 'lost' });
    }
  }
}
