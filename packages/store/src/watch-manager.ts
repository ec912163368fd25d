import type { WatcherEvent } from '@vivarium/protocol';
import { AddWatchMode, EventType, KeeperState, WatcherType } from '@vivarium/protocol';
import type { WatchTrigger } from './database.ts';
import { WatchMode, WatchTable, type WatcherId } from './watch-table.ts';

export interface FiredEvent {
  watcher: WatcherId;
  event: WatcherEvent;
  trigger: WatchTrigger;
}

/**
 * The data and child watch tables together, with ZooKeeper's rules for which
 * table each event fires in (DataTree.createNode/deleteNode/setData) and for
 * what each kind of registration puts where.
 */
export class WatchManager {
  readonly data = new WatchTable();
  readonly child = new WatchTable();

  /** getData and exists. */
  addDataWatch(path: string, watcher: WatcherId): void {
    this.data.add(path, watcher, WatchMode.standard);
  }

  /** getChildren. */
  addChildWatch(path: string, watcher: WatcherId): void {
    this.child.add(path, watcher, WatchMode.standard);
  }

  /** addWatch: persistent watches sit in both tables, recursive ones in the data table only. */
  addPersistentWatch(path: string, watcher: WatcherId, mode: number): void {
    if (mode === AddWatchMode.persistentRecursive) {
      this.data.add(path, watcher, WatchMode.persistentRecursive);
    } else {
      this.data.add(path, watcher, WatchMode.persistent);
      this.child.add(path, watcher, WatchMode.persistent);
    }
  }

  /** Which modes of which table a WatcherType names (DataTree.containsWatcher / removeWatch). */
  private selectors(watcherType: number): Array<[WatchTable, number]> {
    const any = WatchMode.standard | WatchMode.persistent | WatchMode.persistentRecursive;
    switch (watcherType) {
      case WatcherType.children: return [[this.child, any]];
      case WatcherType.data: return [[this.data, any]];
      case WatcherType.any: return [[this.child, any], [this.data, any]];
      case WatcherType.persistent: return [[this.child, WatchMode.persistent], [this.data, WatchMode.persistent]];
      case WatcherType.persistentRecursive: return [[this.data, WatchMode.persistentRecursive]];
      default: return [];
    }
  }

  isValidWatcherType(watcherType: number): boolean {
    return this.selectors(watcherType).length > 0;
  }

  contains(path: string, watcher: WatcherId, watcherType: number): boolean {
    return this.selectors(watcherType).some(([table, modes]) => table.contains(path, watcher, modes));
  }

  remove(path: string, watcher: WatcherId, watcherType: number): boolean {
    let removed = false;
    for (const [table, modes] of this.selectors(watcherType)) removed = table.remove(path, watcher, modes) || removed;
    return removed;
  }

  removeWatcher(watcher: WatcherId): void {
    this.data.removeWatcher(watcher);
    this.child.removeWatcher(watcher);
  }

  /**
   * Match the triggers of one txn against the tables, in trigger order. A
   * watcher gets at most one event per trigger; on delete, the child-table pass
   * skips watchers the data-table pass already told.
   */
  fire(triggers: readonly WatchTrigger[]): FiredEvent[] {
    const fired: FiredEvent[] = [];
    for (const trigger of triggers) {
      let watchers: WatcherId[];
      switch (trigger.type) {
        case EventType.nodeCreated:
        case EventType.nodeDataChanged:
          watchers = this.data.trigger(trigger.path);
          break;
        case EventType.nodeDeleted: {
          const fromData = this.data.trigger(trigger.path);
          const fromChild = this.child.trigger(trigger.path);
          if (fromChild.length === 0) watchers = fromData;
          else {
            const told = new Set(fromData);
            watchers = [...fromData, ...fromChild.filter((w) => !told.has(w))];
          }
          break;
        }
        case EventType.nodeChildrenChanged:
          watchers = this.child.trigger(trigger.path);
          break;
      }
      if (watchers.length === 0) continue;
      // One event object per trigger, shared by every watcher it reaches (it is never mutated).
      const event: WatcherEvent = { type: trigger.type, state: KeeperState.syncConnected, path: trigger.path };
      for (const watcher of watchers) fired.push({ watcher, trigger, event });
    }
    return fired;
  }

  checkInvariants(): void {
    this.data.checkInvariants('data');
    this.child.checkInvariants('child');
  }
}
