import type { Data, Stat } from '@vivarium/protocol';

/** A node as a cache holds it. `data` is null when the cache was told not to keep data (or the node has none). */
export interface CachedNode {
  path: string;
  data: Data;
  stat: Stat;
}

/**
 * What caches report, in order:
 * - `added` / `updated` / `removed`: a node appeared, changed, or went (the
 *   node as it is now; for `removed`, as it was last seen);
 * - `initialized`: the first full load is done (every node present at start
 *   has been reported as `added`);
 * - `suspended`: the connection dropped, so the cache may be stale until
 *   `reconnected`, after which it reloads and reports what changed meanwhile;
 * - `lost`: the session ended; the cache stops (its content is left as last
 *   seen) and needs a new client.
 */
export type CacheEvent =
  | { type: 'added' | 'updated' | 'removed'; node: CachedNode }
  | { type: 'initialized' }
  | { type: 'suspended' | 'reconnected' | 'lost' };

/** Whether two reads of a node differ (a new version of its data, or a different incarnation). */
export function nodeChanged(before: CachedNode | undefined, after: CachedNode): boolean {
  return before === undefined || before.stat.czxid !== after.stat.czxid || before.stat.mzxid !== after.stat.mzxid;
}
