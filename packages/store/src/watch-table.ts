import { assert } from './assert.ts';
import { parentPathOf } from './data-tree.ts';

/** How a connection watches a path; bits, because one connection can hold several at once. */
export const WatchMode = {
  standard: 1,
  persistent: 2,
  persistentRecursive: 4,
} as const;
export type WatchModeBit = (typeof WatchMode)[keyof typeof WatchMode];

export type WatcherId = number;

/**
 * One of ZooKeeper's two watch tables (data or child): path -> watcher -> mode
 * bits, and the reverse index watcher -> paths. Standard watches are one-shot;
 * persistent and recursive ones stay until removed or the connection closes.
 */
export class WatchTable {
  private readonly modesByPath = new Map<string, Map<WatcherId, number>>();
  private readonly pathsByWatcher = new Map<WatcherId, Set<string>>();
  /** How many (path, watcher) pairs carry the recursive bit; at 0 a trigger never walks ancestors. */
  private recursiveCount = 0;

  get pathCount(): number {
    return this.modesByPath.size;
  }

  get watcherCount(): number {
    return this.pathsByWatcher.size;
  }

  /** Total (path, watcher) pairs. */
  get size(): number {
    let total = 0;
    for (const watchers of this.modesByPath.values()) total += watchers.size;
    return total;
  }

  add(path: string, watcher: WatcherId, mode: WatchModeBit): void {
    let watchers = this.modesByPath.get(path);
    if (watchers === undefined) {
      watchers = new Map();
      this.modesByPath.set(path, watchers);
    }
    const previous = watchers.get(watcher) ?? 0;
    if ((previous & mode) !== 0) return;
    watchers.set(watcher, previous | mode);
    if (mode === WatchMode.persistentRecursive) this.recursiveCount++;
    let paths = this.pathsByWatcher.get(watcher);
    if (paths === undefined) {
      paths = new Set();
      this.pathsByWatcher.set(watcher, paths);
    }
    paths.add(path);
  }

  /** True when `watcher` watches `path` in any of `modeMask`'s modes. */
  contains(path: string, watcher: WatcherId, modeMask: number = allModes): boolean {
    return ((this.modesByPath.get(path)?.get(watcher) ?? 0) & modeMask) !== 0;
  }

  /** Remove the given modes of `watcher` on `path`. Returns true when something was removed. */
  remove(path: string, watcher: WatcherId, modeMask: number = allModes): boolean {
    const watchers = this.modesByPath.get(path);
    const previous = watchers?.get(watcher);
    if (watchers === undefined || previous === undefined || (previous & modeMask) === 0) return false;
    this.setModes(path, watchers, watcher, previous & ~modeMask, previous);
    return true;
  }

  /** Drop every watch of a closed connection. */
  removeWatcher(watcher: WatcherId): void {
    const paths = this.pathsByWatcher.get(watcher);
    if (paths === undefined) return;
    for (const path of [...paths]) this.remove(path, watcher);
  }

  pathsOf(watcher: WatcherId): ReadonlySet<string> {
    return this.pathsByWatcher.get(watcher) ?? emptyPaths;
  }

  watchersOf(path: string): ReadonlyMap<WatcherId, number> {
    return this.modesByPath.get(path) ?? emptyWatchers;
  }

  paths(): IterableIterator<string> {
    return this.modesByPath.keys();
  }

  /**
   * Fire `path` (WatchManager.triggerWatch): every watcher on the path itself,
   * then recursive watchers on its ancestors. Standard watches are consumed,
   * even for watchers that will be suppressed. Returns watchers in registration order.
   */
  trigger(path: string): WatcherId[] {
    const watchers = this.modesByPath.get(path);
    if (watchers === undefined && this.recursiveCount === 0) return noWatchers;
    const fired: WatcherId[] = [];
    if (watchers !== undefined) {
      let allStandardOnly = true;
      for (const [watcher, modes] of watchers) {
        fired.push(watcher);
        if (modes !== WatchMode.standard) allStandardOnly = false;
      }
      if (allStandardOnly) {
        // The common case (one-shot watches only): drop the whole entry at once.
        this.modesByPath.delete(path);
        for (const watcher of fired) {
          const paths = this.pathsByWatcher.get(watcher);
          paths?.delete(path);
          if (paths?.size === 0) this.pathsByWatcher.delete(watcher);
        }
      } else {
        for (const [watcher, modes] of [...watchers]) {
          if ((modes & WatchMode.standard) !== 0) this.setModes(path, watchers, watcher, modes & ~WatchMode.standard, modes);
        }
      }
    }
    if (this.recursiveCount > 0 && path !== '/') {
      const seen = new Set(fired);
      let ancestor = path;
      do {
        ancestor = parentPathOf(ancestor);
        const ancestorWatchers = this.modesByPath.get(ancestor);
        if (ancestorWatchers === undefined) continue;
        for (const [watcher, modes] of ancestorWatchers) {
          if ((modes & WatchMode.persistentRecursive) !== 0 && !seen.has(watcher)) {
            seen.add(watcher);
            fired.push(watcher);
          }
        }
      } while (ancestor !== '/');
    }
    return fired;
  }

  checkInvariants(label: string): void {
    let pairs = 0;
    let recursive = 0;
    for (const [path, watchers] of this.modesByPath) {
      assert(watchers.size > 0, `${label} watch table: empty entry kept for ${path}`);
      for (const [watcher, modes] of watchers) {
        assert(modes !== 0 && (modes & ~allModes) === 0, `${label} watch table: bad modes ${modes} at ${path}`);
        assert(this.pathsByWatcher.get(watcher)?.has(path) === true, `${label} watch table: ${path} -> ${watcher} missing from the reverse index`);
        if ((modes & WatchMode.persistentRecursive) !== 0) recursive++;
        pairs++;
      }
    }
    let reversePairs = 0;
    for (const [watcher, paths] of this.pathsByWatcher) {
      assert(paths.size > 0, `${label} watch table: empty path set kept for watcher ${watcher}`);
      for (const path of paths) {
        assert(this.modesByPath.get(path)?.has(watcher) === true, `${label} watch table: reverse index ${watcher} -> ${path} has no forward entry`);
        reversePairs++;
      }
    }
    assert(pairs === reversePairs, `${label} watch table: ${pairs} forward pairs, ${reversePairs} reverse`);
    assert(recursive === this.recursiveCount, `${label} watch table: recursive count ${this.recursiveCount}, actual ${recursive}`);
  }

  private setModes(path: string, watchers: Map<WatcherId, number>, watcher: WatcherId, modes: number, previous: number): void {
    if ((previous & WatchMode.persistentRecursive) !== 0 && (modes & WatchMode.persistentRecursive) === 0) this.recursiveCount--;
    if (modes !== 0) {
      watchers.set(watcher, modes);
      return;
    }
    watchers.delete(watcher);
    if (watchers.size === 0) this.modesByPath.delete(path);
    const paths = this.pathsByWatcher.get(watcher);
    paths?.delete(path);
    if (paths?.size === 0) this.pathsByWatcher.delete(watcher);
  }
}

const noWatchers: WatcherId[] = [];
const allModes = WatchMode.standard | WatchMode.persistent | WatchMode.persistentRecursive;
const emptyPaths: ReadonlySet<string> = new Set();
const emptyWatchers: ReadonlyMap<WatcherId, number> = new Map();
