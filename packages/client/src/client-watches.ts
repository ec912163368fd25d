import { EventType, WatcherType } from '@vivarium/protocol';

export interface WatchedEvent {
  type: number;
  /** KeeperState: 3 (SyncConnected) for node events; the session state for type -1 (None). */
  state: number;
  /** The node's path as this client sees it (chroot stripped); undefined for session events. */
  path: string | undefined;
}

export type Watcher = (event: WatchedEvent) => void;

export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

/**
 * The client's own watch table (Java's ZKWatchManager), keyed by server path.
 * One server event can wake several watchers; standard ones are removed as
 * they fire, persistent ones stay.
 */
export class ClientWatches {
  private readonly tables: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, serverPath: string, watcher: Watcher): void {
    const table = this.tables[kind];
    let watchers = table.get(serverPath);
    if (watchers === undefined) {
      watchers = new Set();
      table.set(serverPath, watchers);
    }
    watchers.add(watcher);
  }

  paths(kind: WatchKind): string[] {
    return [...this.tables[kind].keys()];
  }

  get isEmpty(): boolean {
    return Object.values(this.tables).every((table) => table.size === 0);
  }

  hasPersistent(): boolean {
    return this.tables.persistent.size > 0 || this.tables.persistentRecursive.size > 0;
  }

  /** The watchers a server event wakes, removing the one-shot ones (ZKWatchManager.materialize). */
  materialize(type: number, serverPath: string): Watcher[] {
    const woken = new Set<Watcher>();
    const take = (kind: WatchKind): void => {
      const watchers = this.tables[kind].get(serverPath);
      if (watchers === undefined) return;
      this.tables[kind].delete(serverPath);
      for (const watcher of watchers) woken.add(watcher);
    };
    const keep = (kind: WatchKind, path: string): void => {
      for (const watcher of this.tables[kind].get(path) ?? []) woken.add(watcher);
    };
    switch (type) {
      case EventType.nodeCreated:
      case EventType.nodeDataChanged:
        take('data');
        take('exist');
        this.addPersistentAndRecursive(serverPath, keep);
        break;
      case EventType.nodeChildrenChanged:
        take('child');
        keep('persistent', serverPath);
        break;
      case EventType.nodeDeleted:
        take('data');
        take('exist');
        take('child');
        this.addPersistentAndRecursive(serverPath, keep);
        break;
      default:
        break;
    }
    return [...woken];
  }

  /** Every watcher, for session events (type None). */
  all(): Watcher[] {
    const everyone = new Set<Watcher>();
    for (const table of Object.values(this.tables)) for (const watchers of table.values()) for (const w of watchers) everyone.add(w);
    return [...everyone];
  }

  /**
   * Remove watchers locally (removeWatches): a given watcher, or all on the path,
   * of the tables a WatcherType names. Returns what was removed, by kind.
   */
  remove(serverPath: string, watcherType: number, watcher: Watcher | undefined): Map<WatchKind, Watcher[]> {
    const removed = new Map<WatchKind, Watcher[]>();
    for (const kind of kindsOf(watcherType)) {
      const watchers = this.tables[kind].get(serverPath);
      if (watchers === undefined) continue;
      const taken = watcher === undefined ? [...watchers] : watchers.has(watcher) ? [watcher] : [];
      for (const w of taken) watchers.delete(w);
      if (watchers.size === 0) this.tables[kind].delete(serverPath);
      if (taken.length > 0) removed.set(kind, taken);
    }
    return removed;
  }

  contains(serverPath: string, watcherType: number, watcher: Watcher | undefined): boolean {
    return kindsOf(watcherType).some((kind) => {
      const watchers = this.tables[kind].get(serverPath);
      return watchers !== undefined && (watcher === undefined || watchers.has(watcher));
    });
  }

  clear(): void {
    for (const table of Object.values(this.tables)) table.clear();
  }

  private addPersistentAndRecursive(serverPath: string, keep: (kind: WatchKind, path: string) => void): void {
    keep('persistent', serverPath);
    if (this.tables.persistentRecursive.size === 0) return;
    let path = serverPath;
    for (;;) {
      keep('persistentRecursive', path);
      if (path === '/') break;
      const slash = path.lastIndexOf('/');
      path = slash <= 0 ? '/' : path.slice(0, slash);
    }
  }
}

function kindsOf(watcherType: number): WatchKind[] {
  switch (watcherType) {
    case WatcherType.children: return ['child', 'persistent'];
    case WatcherType.data: return ['data', 'exist', 'persistent', 'persistentRecursive'];
    case WatcherType.any: return ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];
    case WatcherType.persistent: return ['persistent'];
    case WatcherType.persistentRecursive: return ['persistentRecursive'];
    default: return [];
  }
}
