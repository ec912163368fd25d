import type { WatchedEvent, ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, EventType, WatcherType } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { hasCode, isNoNode, RecipeError, reportBackgroundError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { nodeChanged, type CacheEvent, type CachedNode } from './cache-event.ts';

export interface TreeCacheOptions extends RecipeOptions {
  /** Keep each node's data (default true); false keeps only stats. */
  cacheData?: boolean;
  /** Levels below the root to cache (0: the root only). Default: all. */
  maxDepth?: number;
  /**
   * Watch the subtree with one persistent-recursive watch (addWatch, ZooKeeper
   * 3.6+). Default true; when the server answers UNIMPLEMENTED the cache falls
   * back to a data and a child watch per node (Curator's TreeCache). false
   * forces the per-node watches.
   */
  useRecursiveWatch?: boolean;
}

/**
 * A whole subtree kept current (Curator's TreeCache / CuratorCache): every
 * node under `path` (and `path` itself) with its data. Reports `added`,
 * `updated` and `removed` per node, `initialized` after the first load, and
 * the connection events (see CacheEvent). A persistent-recursive watch
 * delivers no catch-up events after a reconnect, so on `reconnected` the cache
 * reloads the subtree and reports the differences.
 */
export class TreeCache {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly cacheData: boolean;
  private readonly maxDepth: number;
  private recursive: boolean;
  private readonly listeners: Listeners<CacheEvent>;
  private readonly queue: SerialQueue;
  private readonly nodes = new Map<string, CachedNode>();
  private started = false;
  private closed = false;
  private unwatchConnection: (() => void) | undefined;
  private readonly recursiveWatcher = (event: WatchedEvent): void => {
    if (event.type === EventType.none || event.path === undefined || !this.inScope(event.path)) return;
    const path = event.path;
    if (event.type === EventType.nodeDeleted) this.schedule(async () => this.removeSubtree(path));
    else this.schedule(() => this.refreshNode(path, false));
  };
  private readonly nodeWatcher = (event: WatchedEvent): void => {
    if (event.type === EventType.none || event.path === undefined) return;
    const path = event.path;
    if (event.type === EventType.nodeDeleted) this.schedule(async () => this.removeSubtree(path));
    else this.schedule(() => this.refreshNode(path, true));
  };

  constructor(client: ZooKeeperClient, path: string, options: TreeCacheOptions = {}) {
    this.path = checkRecipePath('TreeCache path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.cacheData = options.cacheData ?? true;
    this.maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    if (!(this.maxDepth >= 0)) throw new TypeError(`TreeCache maxDepth must be >= 0, got ${options.maxDepth}`);
    this.recursive = options.useRecursiveWatch ?? true;
    this.listeners = new Listeners(this.recipe.onListenerError);
    this.queue = new SerialQueue((error) => {
      if (!this.closed) reportBackgroundError(error, this.recipe.onListenerError);
    });
  }

  /** Whether the cache runs on one persistent-recursive watch (false: per-node watches). */
  get usesRecursiveWatch(): boolean {
    return this.recursive;
  }

  /** Every cached node by path, in path order. */
  get current(): Map<string, CachedNode> {
    return new Map([...this.nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  get(path: string): CachedNode | undefined {
    return this.nodes.get(path);
  }

  /** The cached children names of a cached node. */
  childrenOf(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return [...this.nodes.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length)).sort();
  }

  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Load the subtree and start watching; resolves after the first load (its `added` events, then `initialized`). */
  async start(): Promise<void> {
    if (this.started) throw new RecipeError('TreeCache.start(): already started');
    this.started = true;
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    if (this.recursive) {
      try {
        await retrying(() => this.client.addWatch(this.path, this.recursiveWatcher, 'persistentRecursive'), this.recipe.retriesMax);
      } catch (error) {
        if (!hasCode(error, ErrorCode.unimplemented)) throw error;
        this.recursive = false;
      }
    }
    await this.queue.add(() => this.resync());
    this.listeners.emit({ type: 'initialized' });
  }

  /** Resolves once every refresh scheduled so far has been applied. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stop watching (the persistent watch is removed when the connection allows). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
    if (this.recursive && this.client.state === 'connected') {
      // WatcherType.any: 3.8 servers know no type 5; the client asks the server only if no other watcher is left on the path.
      await this.client.removeWatches(this.path, WatcherType.any, this.recursiveWatcher).catch(() => undefined);
    }
  }

  private schedule(task: () => Promise<void>): void {
    if (!this.closed) void this.queue.add(task);
  }

  private depthOf(path: string): number {
    if (path === this.path) return 0;
    return path.slice(this.path.length + 1).split('/').length;
  }

  private inScope(path: string): boolean {
    return (path === this.path || path.startsWith(`${this.path}/`)) && this.depthOf(path) <= this.maxDepth;
  }

  /**
   * Read one node (with per-node watches when not recursive) and, for a node
   * new to the cache or on a child event, its children. `withWatches` is the
   * per-node mode.
   */
  private async refreshNode(path: string, withWatches: boolean): Promise<void> {
    if (this.closed || !this.inScope(path)) return;
    const watcher = withWatches ? this.nodeWatcher : undefined;
    let read: CachedNode;
    try {
      const { data, stat } = await retrying(() => this.client.getData(path, watcher), this.recipe.retriesMax);
      read = { path, data: this.cacheData ? data : null, stat };
    } catch (error) {
      if (!isNoNode(error)) throw error;
      this.removeSubtree(path);
      if (withWatches && path === this.path) {
        // The root is gone: wait for it to come back.
        if ((await retrying(() => this.client.exists(path, this.nodeWatcher), this.recipe.retriesMax)) !== null) this.schedule(() => this.refreshNode(path, true));
      }
      return;
    }
    const before = this.nodes.get(path);
    if (before !== undefined && before.stat.czxid !== read.stat.czxid) this.removeSubtree(path);
    const known = this.nodes.get(path);
    const isNew = known === undefined;
    if (nodeChanged(known, read)) {
      this.nodes.set(path, read);
      this.listeners.emit({ type: isNew ? 'added' : 'updated', node: read });
    } else {
      this.nodes.set(path, read);
    }
    if (withWatches && (isNew || read.stat.cversion !== known?.stat.cversion)) await this.refreshChildren(path, true);
  }

  private async refreshChildren(path: string, withWatches: boolean): Promise<void> {
    if (this.closed || this.depthOf(path) >= this.maxDepth) return;
    let names: string[];
    try {
      names = await retrying(() => this.client.getChildren(path, withWatches ? this.nodeWatcher : undefined), this.recipe.retriesMax);
    } catch (error) {
      if (isNoNode(error)) return this.removeSubtree(path);
      throw error;
    }
    const present = new Set(names);
    for (const child of this.childrenOf(path)) if (!present.has(child)) this.removeSubtree(joinPath(path, child));
    for (const name of [...names].sort()) {
      const childPath = joinPath(path, name);
      if (!this.nodes.has(childPath)) await this.refreshNode(childPath, withWatches);
    }
  }

  /** Drop a node and everything under it, deepest first, reporting each. */
  private removeSubtree(path: string): void {
    const prefix = `${path}/`;
    const doomed = [...this.nodes.keys()].filter((p) => p === path || p.startsWith(prefix)).sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
    for (const p of doomed) {
      const node = this.nodes.get(p) as CachedNode;
      this.nodes.delete(p);
      this.listeners.emit({ type: 'removed', node });
    }
  }

  /**
   * Load the whole subtree fresh and report the differences with what the
   * cache holds (the start, and every reconnect).
   */
  private async resync(): Promise<void> {
    if (this.closed) return;
    if (!this.recursive) {
      await this.refreshNode(this.path, true);
      // Per-node mode: re-read every known node too, so data changes missed while disconnected are seen.
      for (const path of [...this.nodes.keys()]) if (this.nodes.has(path)) await this.refreshNode(path, true);
      return;
    }
    const fresh = new Map<string, CachedNode>();
    const pending = [this.path];
    while (pending.length > 0) {
      const path = pending.shift() as string;
      try {
        const { data, stat } = await retrying(() => this.client.getData(path), this.recipe.retriesMax);
        fresh.set(path, { path, data: this.cacheData ? data : null, stat });
        if (this.depthOf(path) < this.maxDepth && stat.numChildren > 0) {
          const names = await retrying(() => this.client.getChildren(path), this.recipe.retriesMax);
          for (const name of names.sort()) pending.push(joinPath(path, name));
        }
      } catch (error) {
        if (!isNoNode(error)) throw error;
      }
    }
    if (this.closed) return;
    for (const path of [...this.nodes.keys()]) if (!fresh.has(path) && this.nodes.has(path)) this.removeSubtree(path);
    for (const [path, node] of fresh) {
      const before = this.nodes.get(path);
      if (before !== undefined && before.stat.czxid !== node.stat.czxid) this.removeSubtree(path);
      const known = this.nodes.get(path);
      if (nodeChanged(known, node)) {
        this.nodes.set(path, node);
        this.listeners.emit({ type: known === undefined ? 'added' : 'updated', node });
      }
    }
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.closed) return;
    if (event === 'suspended') this.listeners.emit({ type: 'suspended' });
    else if (event === 'reconnected') {
      this.listeners.emit({ type: 'reconnected' });
      this.schedule(() => this.resync());
    } else {
      this.closed = true;
      this.unwatchConnection?.();
      this.unwatchConnection = undefined;
      this.listeners.emit({ type: 'lost' });
    }
  }
}
