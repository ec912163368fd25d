import type { WatchedEvent, ZooKeeperClient } from '@vivarium/client';
import { EventType, type Data } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isConnectionLoss, isNoNode, isNodeExists, RecipeError, reportBackgroundError } from '../support/errors.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, parentOf } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { deleteOwnNode } from '../support/delete-own-node.ts';

/** `latent` before start(), `registered` while the node is ours, `suspended` while disconnected, `lost` once the session ended, `closed`. */
export type EphemeralNodeState = 'latent' | 'registered' | 'suspended' | 'lost' | 'closed';

/**
 * An ephemeral node that stays there for as long as its session lives
 * (Curator's PersistentNode in EPHEMERAL mode): created with its parents
 * (containers), created again if someone deletes it, checked after every
 * reconnect. A node of the same name owned by another session is an error
 * (two members claiming one id). It goes with its session: `lost`.
 */
export class EphemeralNode {
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly listeners: Listeners<EphemeralNodeState>;
  private readonly queue: SerialQueue;
  private data: Data;
  private stateValue: EphemeralNodeState = 'latent';
  private unwatchConnection: (() => void) | undefined;
  private readonly watcher = (event: WatchedEvent): void => {
    if (event.type === EventType.nodeDeleted && (this.stateValue === 'registered' || this.stateValue === 'suspended')) this.schedule();
  };

  constructor(client: ZooKeeperClient, path: string, data: Data, options: RecipeOptions = {}) {
    this.path = checkRecipePath('EphemeralNode path', path);
    this.client = client;
    this.data = data;
    const recipe = resolveRecipeOptions(options);
    this.recipe = recipe;
    this.listeners = new Listeners(recipe.onListenerError);
    this.queue = new SerialQueue((error) => reportBackgroundError(error, recipe.onListenerError));
  }

  get state(): EphemeralNodeState {
    return this.stateValue;
  }

  onStateChange(listener: (state: EphemeralNodeState) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Create the node; resolves once it is there. */
  async start(): Promise<void> {
    if (this.stateValue !== 'latent') throw new RecipeError(`EphemeralNode.start(): already ${this.stateValue}`);
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    let failure: unknown;
    await this.queue.add(async () => {
      try {
        await this.ensure();
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== undefined) {
      this.unwatchConnection?.();
      throw failure;
    }
  }

  /** Replace the node's data (kept for re-creations too). */
  async setData(data: Data): Promise<void> {
    this.data = data;
    if (this.stateValue === 'registered' || this.stateValue === 'suspended') await retrying(() => this.client.setData(this.path, data), this.recipe.retriesMax);
  }

  /** Delete the node and stop keeping it. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const had = this.stateValue === 'registered' || this.stateValue === 'suspended';
    this.setState('closed');
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
    await this.queue.idle();
    if (!had) return;
    await deleteOwnNode(this.client, this.path, this.recipe.retriesMax);
  }

  private schedule(): void {
    void this.queue.add(() => this.ensure());
  }

  /** Make sure the node exists on our session, creating it (and its parents) when missing. */
  private async ensure(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.isOver()) return;
      try {
        await this.client.create(this.path, this.data, { mode: 'ephemeral' });
      } catch (error) {
        if (isNoNode(error)) {
          await ensureContainers(this.client, parentOf(this.path));
          continue;
        }
        if (!isNodeExists(error) && !(isConnectionLoss(error) && attempt < this.recipe.retriesMax)) throw error;
      }
      const stat = await retrying(() => this.client.exists(this.path, this.watcher), this.recipe.retriesMax);
      if (stat === null) continue;
      if (stat.ephemeralOwner !== this.client.sessionId) throw new RecipeError(`${this.path} exists and belongs to another session (is the id taken?)`);
      if (!this.isOver()) this.setState(this.client.state === 'connected' ? 'registered' : 'suspended');
      return;
    }
  }

  private isOver(): boolean {
    return this.stateValue === 'closed' || this.stateValue === 'lost';
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.stateValue === 'closed' || this.stateValue === 'lost' || this.stateValue === 'latent') return;
    if (event === 'suspended') this.setState('suspended');
    else if (event === 'reconnected') this.schedule();
    else {
      this.setState('lost');
      this.unwatchConnection?.();
      this.unwatchConnection = undefined;
    }
  }

  private setState(state: EphemeralNodeState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.listeners.emit(state);
  }
}
