import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { PathChildrenCache } from '../caches/path-children-cache.ts';
import type { CacheEvent } from '../caches/cache-event.ts';
import { checkRecipePath, joinPath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { EphemeralNode, type EphemeralNodeState } from './ephemeral-node.ts';

export interface GroupMemberOptions extends RecipeOptions {
  /** This member's data, visible to the others. */
  payload?: Data;
}

/**
 * Group membership (Curator's GroupMember): each member is an ephemeral node
 * `groupPath/<memberId>` holding its payload; `members` is the group as a
 * PathChildrenCache sees it.
 *
 * Connection handling: while disconnected the member is `suspended` and the
 * view may be stale; after a reconnect its node is checked (and created again
 * if someone deleted it) and the view is reloaded. When the session ends the
 * member has left the group (`lost`): the others see it go once the servers
 * expire the session.
 */
export class GroupMember {
  readonly groupPath: string;
  readonly memberId: string;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly node: EphemeralNode;
  private readonly cache: PathChildrenCache;

  constructor(client: ZooKeeperClient, groupPath: string, memberId: string, options: GroupMemberOptions = {}) {
    this.groupPath = checkRecipePath('GroupMember groupPath', groupPath);
    if (memberId.length === 0 || memberId.includes('/')) throw new TypeError(`GroupMember memberId must be a node name, got ${JSON.stringify(memberId)}`);
    this.memberId = memberId;
    this.recipe = resolveRecipeOptions(options);
    this.node = new EphemeralNode(client, joinPath(groupPath, memberId), options.payload ?? null, this.recipe);
    this.cache = new PathChildrenCache(client, groupPath, options);
  }

  get state(): EphemeralNodeState {
    return this.node.state;
  }

  /** Join: our node exists and the view is loaded when this resolves. */
  async start(): Promise<void> {
    await this.node.start();
    await this.cache.start();
  }

  /** The group as last seen: member id to payload, in id order. */
  get members(): Map<string, Data> {
    return new Map([...this.cache.current].map(([id, node]) => [id, node.data]));
  }

  /** Membership changes (a member added, updated, removed) and connection events. */
  onEvent(listener: (event: CacheEvent) => void): () => void {
    return this.cache.onEvent(listener);
  }

  onStateChange(listener: (state: EphemeralNodeState) => void): () => void {
    return this.node.onStateChange(listener);
  }

  /** Change our payload. */
  setPayload(payload: Data): Promise<void> {
    return this.node.setData(payload);
  }

  /** Resolves once the view has applied every change it was told of so far. */
  idle(): Promise<void> {
    return this.cache.idle();
  }

  /** Leave the group. */
  async close(): Promise<void> {
    this.cache.close();
    await this.node.close();
  }
}
