import type { CreateMode, ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { isConnectionLoss, isNoNode, RecipeError } from './errors.ts';
import { ensureContainers } from './ensure-path.ts';
import type { IdSource } from './id-source.ts';
import { joinPath } from './paths.ts';
import { retrying, retriesDefaultMax } from './retry.ts';

export const protectedPrefix = '_c_';

export interface ProtectedCreateOptions {
  parent: string;
  /** The node's own name after the protection prefix, e.g. 'lock-' (the server appends the sequence). */
  name: string;
  data?: Data;
  mode: CreateMode;
  idSource: IdSource;
  retriesMax?: number;
  /** Create the parent (and its ancestors) as containers when missing. Default true. */
  createParents?: boolean;
  /**
   * Others may delete the node as soon as it exists (a queue item, taken by a consumer). Then, after a lost
   * reply, not finding the node does not prove it was never created: it may have been created and already
   * deleted. With this set, that case rejects with ProtectedCreateUncertainError instead of creating it again
   * (which could add it twice). Default false: only our own session deletes the node (locks, leases, latches).
   */
  othersMayDelete?: boolean;
}

/** A create whose reply was lost, and whose node is not there now: it may never have been created, or created and already deleted by another party. */
export class ProtectedCreateUncertainError extends RecipeError {
  constructor(path: string, cause: unknown) {
    super(`create of ${path}: the reply was lost and the node is not there; it may have been created and deleted since (${String(cause)})`);
    this.name = 'ProtectedCreateUncertainError';
  }
}

/**
 * Curator's protected mode. A create whose reply is lost with the connection may
 * still have happened, and for a sequential node the name is unknown: retrying
 * blindly would leave an orphan that blocks a lock forever. So the name starts
 * with `_c_<id>-`, an id drawn once per call; after a CONNECTIONLOSS the
 * parent's children are searched for that prefix (after a sync, so the search
 * sees every write the leader committed before it) and a match is ours.
 */
export async function protectedCreate(client: ZooKeeperClient, options: ProtectedCreateOptions): Promise<string> {
  const prefix = `${protectedPrefix}${options.idSource()}-`;
  const path = joinPath(options.parent, `${prefix}${options.name}`);
  const retriesMax = options.retriesMax ?? retriesDefaultMax;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.create(path, options.data ?? null, { mode: options.mode });
    } catch (error) {
      if (attempt >= retriesMax) throw error;
      if (isNoNode(error) && options.createParents !== false) {
        await ensureContainers(client, options.parent);
        continue;
      }
      if (!isConnectionLoss(error)) throw error;
      const found = await findProtected(client, options.parent, prefix, retriesMax);
      if (found !== undefined) return found;
      if (options.othersMayDelete === true) throw new ProtectedCreateUncertainError(path, error);
    }
  }
}

/** The child of `parent` whose name starts with `prefix`, as a full path. */
async function findProtected(client: ZooKeeperClient, parent: string, prefix: string, retriesMax: number): Promise<string | undefined> {
  return retrying(async () => {
    await client.sync(parent);
    let children: string[];
    try {
      children = await client.getChildren(parent);
    } catch (error) {
      if (isNoNode(error)) return undefined;
      throw error;
    }
    const name = children.find((child) => child.startsWith(prefix));
    return name === undefined ? undefined : joinPath(parent, name);
  }, retriesMax);
}
