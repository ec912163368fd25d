import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isNoNode, isSessionGone, RecipeError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath, joinPath, nameOf } from '../support/paths.ts';
import { protectedCreate } from '../support/protected-create.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { retrying } from '../support/retry.ts';
import { isSequentialNamed } from '../support/sequence.ts';
import { deadlineSignal } from '../support/until.ts';
import { WakeUp } from '../support/wake-up.ts';
import { Mutex } from './mutex.ts';
import type { AcquireOptions, LockState } from './sequential-lock.ts';
import { deleteOwnNode } from '../support/delete-own-node.ts';

export interface SemaphoreOptions extends RecipeOptions {
  /** How many leases may be held at once, across all participants. */
  maxLeases: number;
  /** Stored in each lease node. */
  data?: Data;
}

const leaseNodeName = 'lease-';

/**
 * One lease of a Semaphore. States as a lock's: `held` while its connection is
 * up, `suspended` after a drop (the holder must stop using it until `held`
 * again), `lost` once its session ended, `idle` after close().
 */
export class Lease {
  readonly nodePath: string;
  private stateValue: LockState;
  private readonly listeners: Listeners<LockState>;
  private readonly closeLease: (lease: Lease) => Promise<void>;

  constructor(nodePath: string, state: LockState, onListenerError: ((error: unknown) => void) | undefined, close: (lease: Lease) => Promise<void>) {
    this.nodePath = nodePath;
    this.stateValue = state;
    this.listeners = new Listeners(onListenerError);
    this.closeLease = close;
  }

  get state(): LockState {
    return this.stateValue;
  }

  /** Held and connected: the holder may use what the lease guards. */
  get isHeld(): boolean {
    return this.stateValue === 'held';
  }

  onStateChange(listener: (state: LockState) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Give the lease back (deletes its node). Closing a lost lease just marks it closed. */
  close(): Promise<void> {
    return this.closeLease(this);
  }

  /** @internal */
  setState(state: LockState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.listeners.emit(state);
  }
}

/**
 * A distributed counting semaphore (Curator's InterProcessSemaphoreV2): at
 * most `maxLeases` leases are held at any time across all participants.
 * Leases are protected ephemeral-sequential nodes under `path/leases`; a
 * participant takes the mutex at `path/locks` while it adds its lease and
 * waits for the count to fit, so only one participant at a time watches the
 * leases (no herd) and leases are granted in arrival order.
 */
export class Semaphore {
  readonly path: string;
  readonly maxLeases: number;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly mutexOptions: RecipeOptions;
  private readonly locksPath: string;
  private readonly leasesPath: string;
  private readonly data: Data | undefined;
  private readonly live = new Set<Lease>();
  private unwatchConnection: (() => void) | undefined;
  private verifyGeneration = 0;

  constructor(client: ZooKeeperClient, path: string, options: SemaphoreOptions) {
    this.path = checkRecipePath('Semaphore path', path);
    if (!(Number.isInteger(options.maxLeases) && options.maxLeases >= 1)) {
      throw new TypeError(`Semaphore maxLeases must be an integer >= 1, got ${options.maxLeases}`);
    }
    this.maxLeases = options.maxLeases;
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.mutexOptions = { ...options, scheduler: this.recipe.scheduler, idSource: this.recipe.idSource };
    this.locksPath = joinPath(path, 'locks');
    this.leasesPath = joinPath(path, 'leases');
    this.data = options.data;
  }

  /** Leases this object holds and has not closed. */
  get leases(): Lease[] {
    return [...this.live];
  }

  /** One lease, or undefined when `timeoutMs` passed or `signal` aborted first. */
  async acquire(options: AcquireOptions = {}): Promise<Lease | undefined> {
    return (await this.acquireMany(1, options))?.[0];
  }

  /**
   * `count` leases, all or none: undefined when `timeoutMs` passed or `signal`
   * aborted first (leases already obtained are returned). Rejects when the
   * session is lost while waiting.
   */
  async acquireMany(count: number, options: AcquireOptions = {}): Promise<Lease[] | undefined> {
    if (!(Number.isInteger(count) && count >= 1 && count <= this.maxLeases)) {
      throw new TypeError(`acquireMany: count must be an integer in 1..${this.maxLeases}, got ${count}`);
    }
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    const got: Lease[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const lease = await this.acquireOne(deadline.signal);
        if (lease === undefined) {
          for (const taken of got) await taken.close();
          return undefined;
        }
        got.push(lease);
      }
      return got;
    } catch (error) {
      for (const taken of got) await taken.close().catch(() => undefined);
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** Every lease node under the semaphore (held leases, and at most one waiting). */
  async participantNodes(): Promise<string[]> {
    const names = await this.leaseNames();
    return names.map((name) => joinPath(this.leasesPath, name));
  }

  private async acquireOne(signal: AbortSignal): Promise<Lease | undefined> {
    // A fresh mutex object per lease: concurrent acquires on this semaphore queue in ZooKeeper like any other participant.
    const mutex = new Mutex(this.client, this.locksPath, this.mutexOptions);
    if (!(await mutex.acquire({ signal }))) return undefined;
    let nodePath: string | undefined;
    try {
      nodePath = await protectedCreate(this.client, {
        parent: this.leasesPath,
        name: leaseNodeName,
        mode: 'ephemeralSequential',
        idSource: this.recipe.idSource,
        retriesMax: this.recipe.retriesMax,
        ...(this.data === undefined ? {} : { data: this.data }),
      });
      const ours = nameOf(nodePath);
      for (;;) {
        const wake = new WakeUp();
        const names = await this.leaseNames(wake.notify);
        if (!names.includes(ours)) throw new RecipeError(`lease node ${nodePath} disappeared while waiting (deleted by someone else, or the session ended)`);
        if (names.length <= this.maxLeases) break;
        const reason = await wake.wait(this.recipe.scheduler, undefined, signal);
        if (reason === 'aborted') {
          await this.deleteNode(nodePath);
          return undefined;
        }
      }
      const lease = new Lease(nodePath, this.client.state === 'connected' ? 'held' : 'suspended', this.recipe.onListenerError, (l) => this.closeLease(l));
      this.live.add(lease);
      this.unwatchConnection ??= watchConnection(this.client, (event) => this.onConnection(event));
      return lease;
    } catch (error) {
      if (nodePath !== undefined) void this.deleteNode(nodePath).catch(() => undefined);
      throw error;
    } finally {
      if (mutex.isAcquired || mutex.state === 'lost') await mutex.release().catch(() => undefined);
    }
  }

  private async leaseNames(watcher?: () => void): Promise<string[]> {
    const children = await retrying(async () => {
      try {
        return await this.client.getChildren(this.leasesPath, watcher);
      } catch (error) {
        if (isNoNode(error)) return [];
        throw error;
      }
    }, this.recipe.retriesMax);
    return children.filter((child) => isSequentialNamed(child, leaseNodeName));
  }

  private async closeLease(lease: Lease): Promise<void> {
    if (!this.live.delete(lease)) return;
    const wasLost = lease.state === 'lost';
    lease.setState('idle');
    if (this.live.size === 0) {
      this.unwatchConnection?.();
      this.unwatchConnection = undefined;
    }
    if (!wasLost) await this.deleteNode(lease.nodePath);
  }

  private async deleteNode(path: string): Promise<void> {
    await deleteOwnNode(this.client, path, this.recipe.retriesMax);
  }

  private onConnection(event: ConnectionEvent): void {
    const generation = ++this.verifyGeneration;
    for (const lease of this.live) {
      if (lease.state === 'lost') continue;
      if (event === 'suspended') lease.setState('suspended');
      else if (event === 'lost') lease.setState('lost');
      else void this.verify(lease, generation);
    }
  }

  /** After a reconnect, a lease counts again only once its node is confirmed on our session. */
  private async verify(lease: Lease, generation: number): Promise<void> {
    let ours: boolean;
    try {
      await this.client.sync(lease.nodePath);
      const stat = await this.client.exists(lease.nodePath);
      ours = stat !== null && stat.ephemeralOwner === this.client.sessionId;
    } catch (error) {
      if (generation === this.verifyGeneration && isSessionGone(error) && this.live.has(lease)) lease.setState('lost');
      return;
    }
    if (generation !== this.verifyGeneration || !this.live.has(lease) || lease.state !== 'suspended') return;
    lease.setState(ours ? 'held' : 'lost');
  }
}
