import type { ZooKeeperClient } from '@vivarium/client';
import { isNodeExists } from './errors.ts';
import { joinPath } from './paths.ts';
import { retrying } from './retry.ts';

/**
 * Create `path` and any missing ancestors as container nodes (Curator's
 * creatingParentContainersIfNeeded): the server deletes a container once its
 * last child is gone, so recipe parents do not pile up. Existing nodes are left
 * as they are, whatever their type. Idempotent, so CONNECTIONLOSS is retried.
 */
export async function ensureContainers(client: ZooKeeperClient, path: string, mode: 'container' | 'persistent' = 'container'): Promise<void> {
  if (await retrying(() => client.exists(path)) !== null) return;
  const parts = path.split('/').filter((part) => part.length > 0);
  let current = '/';
  for (const part of parts) {
    current = joinPath(current, part);
    const node = current;
    await retrying(async () => {
      try {
        await client.create(node, null, { mode });
      } catch (error) {
        if (!isNodeExists(error)) throw error;
      }
    });
  }
}
