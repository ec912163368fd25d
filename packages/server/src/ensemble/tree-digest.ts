import { createHash } from 'node:crypto';
import type { Database } from '@vivarium/store';

/**
 * A digest of a member's whole tree: every path with its data, ACL, zxids,
 * times, versions and owner, in path order. Two members that applied the same
 * history have the same digest, wherever they run (it crosses worker and
 * process boundaries as a string).
 */
export function treeDigest(database: Database): string {
  const hash = createHash('sha256');
  const entries = [...database.tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [path, node] of entries) {
    hash.update(path);
    hash.update('\0');
    hash.update(node.data === null ? '-' : `${node.data.length}:`);
    if (node.data !== null) hash.update(node.data);
    hash.update(
      `|${JSON.stringify(node.acl)}|${node.czxid}|${node.mzxid}|${node.pzxid}|${node.ctimeMs}|${node.mtimeMs}|${node.version}` +
        `|${node.storedCversion}|${node.aversion}|${node.kind}|${node.ephemeralOwner}|${node.ttlMs}\n`,
    );
  }
  return hash.digest('hex');
}
