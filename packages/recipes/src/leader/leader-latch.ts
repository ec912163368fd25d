import type { ZooKeeperClient } from '@vivarium/client';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isConnectionLoss, isNoNode, isSessionGone, RecipeError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath, nameOf } from '../support/paths.ts';
import { protectedCreate } from '../support/protected-create.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { isSequentialNamed, sortBySequence } from '../support/sequence.ts';
import { deadlineSignal } from '../support/until.ts';
import { readParticipants, type Participant } from './participant.ts';
import { deleteOwnNode } from '../support/delete-own-node.ts';

export interface LeaderLatchOptions extends RecipeOptions {
  /** This participant's id, stored in its node (see participants()). Default ''. */
  id?: string;
}

/** `latent` before start(), `started` while taking part, `lost` once the session ended, `closed` after close(). */
export type LeaderLatchState = 'latent' | 'started' | 'lost' | 'closed';

const latchNodeName = 'latch-';

/**
 * Leader election by latch (Curator's LeaderLatch): every participant creates
 * a protected ephemeral-sequential node under `path`; the lowest one leads.
 * Each non-leader watches only the node just before its own.
 *
 * Connection handling: on a dropped connection the latch gives up leadership
 * at once (`hasLeadership` false: the session might expire without it
 * knowing). After the reconnect it checks its node is still there on its
 * session and, if so, takes its place in line again (leading again if still
 * first); if the node is gone it creates a new one at the back. When the
 * session ends the latch is `lost`: a new client and a new latch are needed.
 */
export class LeaderLatch {
  readonly path: string;
  readonly id: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly leadershipListeners: Listeners<boolean>;
  private stateValue: LeaderLatchState = 'latent';
  private leader = false;
  private node: string | undefined;
  private unwatchConnection: (() => void) | undefined;
  /** Bumped whenever what we know is invalidated (a drop, a reset): checks from before it are ignored. */
  private generation = 0;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private failure: unknown;
  /** await() callers, told when the latch is closed or lost. */
  private readonly overWaiters = new Set<() => void>();

  constructor(client: ZooKeeperClient, path: string, options: LeaderLatchOptions = {}) {
    this.path = checkRecipePath('LeaderLatch path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.id = options.id ?? '';
    this.leadershipListeners = new Listeners(this.recipe.onListenerError);
  }

  get state(): LeaderLatchState {
    return this.stateValue;
  }

  /** True while this participant leads and its connection is up. */
  get hasLeadership(): boolean {
    return this.leader;
  }

  /** Our node while started. */
  get nodePath(): string | undefined {
    return this.node;
  }

  /** Called with true when this latch becomes leader, false when it stops being leader. */
  onLeadershipChange(listener: (isLeader: boolean) => void): () => void {
    return this.leadershipListeners.add(listener);
  }

  /** Join the election. Resolves once our node exists (not when we lead: see await()). */
  async start(): Promise<void> {
    if (this.stateValue !== 'latent') throw new RecipeError(`LeaderLatch.start(): already ${this.stateValue}`);
    this.stateValue = 'started';
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    await this.reset();
  }

  /**
   * Wait until this latch leads: true once it does, false when `timeoutMs`
   * passed or `signal` aborted. Rejects when the latch is closed or lost.
   */
  async await(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.leader) return true;
    this.throwIfOver();
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    try {
      return await new Promise<boolean>((resolve, reject) => {
        const unsubscribe = this.leadershipListeners.add((isLeader) => {
          if (isLeader) finish(() => resolve(true));
        });
        const onOver = (): void => finish(() => reject(this.overError()));
        this.overWaiters.add(onOver);
        const onAbort = (): void => finish(() => resolve(false));
        const finish = (settle: () => void): void => {
          unsubscribe();
          this.overWaiters.delete(onOver);
          deadline.signal.removeEventListener('abort', onAbort);
          settle();
        };
        if (deadline.signal.aborted) finish(() => resolve(false));
        else deadline.signal.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      deadline.dispose();
    }
  }

  /** Leave the election: give up leadership and delete our node. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const node = this.node;
    this.stateValue = 'closed';
    this.node = undefined;
    this.generation++;
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
    this.setLeadership(false);
    this.notifyOver();
    if (node !== undefined) await this.deleteNode(node);
  }

  /** Every participant in line, the leader first. */
  participants(): Promise<Participant[]> {
    return readParticipants(this.client, this.path, latchNodeName, this.recipe.retriesMax);
  }

  /** The current leader, or undefined when nobody takes part. */
  async currentLeader(): Promise<Participant | undefined> {
    return (await this.participants())[0];
  }

  private async reset(): Promise<void> {
    const generation = ++this.generation;
    this.setLeadership(false);
    const old = this.node;
    this.node = undefined;
    if (old !== undefined) await this.deleteNode(old);
    const created = await protectedCreate(this.client, {
      parent: this.path,
      name: latchNodeName,
      mode: 'ephemeralSequential',
      data: new TextEncoder().encode(this.id),
      idSource: this.recipe.idSource,
      retriesMax: this.recipe.retriesMax,
    });
    if (generation !== this.generation || this.stateValue !== 'started') {
      await this.deleteNode(created);
      return;
    }
    this.node = created;
    this.requestCheck();
  }

  /** Run checkLeadership, one at a time; a request during a check runs another right after. */
  private requestCheck(): void {
    if (this.checking !== undefined) {
      this.checkAgain = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        try {
          await this.checkLeadership();
        } catch (error) {
          this.onFailure(error);
        }
      } while (this.checkAgain && this.stateValue === 'started');
    })().finally(() => {
      this.checking = undefined;
    });
  }

  private async checkLeadership(): Promise<void> {
    const generation = this.generation;
    const node = this.node;
    if (node === undefined || this.stateValue !== 'started') return;
    const children = await retrying(() => this.client.getChildren(this.path), this.recipe.retriesMax);
    if (generation !== this.generation) return;
    const sorted = sortBySequence(children.filter((child) => isSequentialNamed(child, latchNodeName)));
    const index = sorted.indexOf(nameOf(node));
    if (index < 0) {
      // Our node is gone while our session lives (deleted by someone): take a new place in line.
      await this.reset();
      return;
    }
    if (index === 0) {
      this.setLeadership(this.client.state === 'connected');
      return;
    }
    this.setLeadership(false);
    const previous = joinPath(this.path, sorted[index - 1] as string);
    try {
      await retrying(() => this.client.getData(previous, () => {
        if (generation === this.generation) this.requestCheck();
      }), this.recipe.retriesMax);
    } catch (error) {
      if (isNoNode(error)) this.checkAgain = true;
      else throw error;
    }
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.stateValue !== 'started') return;
    if (event === 'suspended') {
      this.generation++;
      this.setLeadership(false);
    } else if (event === 'reconnected') {
      void this.afterReconnect(++this.generation);
    } else {
      this.stateValue = 'lost';
      this.generation++;
      this.node = undefined;
      this.unwatchConnection?.();
      this.unwatchConnection = undefined;
      this.setLeadership(false);
      this.notifyOver();
    }
  }

  /** Keep our place in line if our node survived on our session; otherwise take a new one. */
  private async afterReconnect(generation: number): Promise<void> {
    const node = this.node;
    try {
      let ours = false;
      if (node !== undefined) {
        await this.client.sync(node);
        const stat = await this.client.exists(node);
        ours = stat !== null && stat.ephemeralOwner === this.client.sessionId;
      }
      if (generation !== this.generation || this.stateValue !== 'started') return;
      if (ours) this.requestCheck();
      else await this.reset();
    } catch (error) {
      // A CONNECTIONLOSS brings another suspended/reconnected pair; a lost session its own event.
      if (!isSessionGone(error) && !isConnectionLoss(error)) this.onFailure(error);
    }
  }

  private setLeadership(isLeader: boolean): void {
    if (this.leader === isLeader) return;
    this.leader = isLeader;
    this.leadershipListeners.emit(isLeader);
  }

  private notifyOver(): void {
    for (const waiter of [...this.overWaiters]) waiter();
  }

  private onFailure(error: unknown): void {
    if (isSessionGone(error) || this.stateValue !== 'started') return;
    this.failure = error;
    this.recipe.onListenerError?.(error);
  }

  private throwIfOver(): void {
    if (this.stateValue !== 'started') throw this.overError();
  }

  private overError(): Error {
    if (this.stateValue === 'lost') return new RecipeError('LeaderLatch lost: its session ended');
    if (this.stateValue === 'latent') return new RecipeError('LeaderLatch not started');
    return new RecipeError(`LeaderLatch ${this.stateValue}${this.failure === undefined ? '' : `: ${String(this.failure)}`}`);
  }

  private async deleteNode(path: string): Promise<void> {
    await deleteOwnNode(this.client, path, this.recipe.retriesMax);
  }
}
