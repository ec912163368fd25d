import { createHash } from 'node:crypto';
import { configPath, type Database } from '@vivarium/store';

/**
 * A digest of a member's whole tree: every path with its data, ACL, zxids,
 * times, versions and owner, in path order. Two members that applied the same
 * history have the same digest, wherever they run (it crosses worker and
 * process boundaries as a string). /zookeeper/config counts by its data only:
 * each member writes it from its own configuration, at its own time.
 */
export function treeDigest(database: Database): string {
  const hash = createHash('sha256');
  const entries = [...database.tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [path, node] of entries) {
    hash.update(path);
    if (path === configPath) {
      // Written by each member from its own configuration, outside the replicated history: its times are local.
      hash.update(`\0${node.data === null ? '-' : new TextDecoder().decode(node.data)}\n`);
      continue;
    }
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
