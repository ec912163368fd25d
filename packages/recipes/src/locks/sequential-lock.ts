import type { ZooKeeperClient } from '@vivarium/client';
import { EventType, type Data } from '@vivarium/protocol';
import { watchConnection, type ConnectionEvent } from '../support/connection-state.ts';
import { isSessionGone, RecipeError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import type { ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { deadlineSignal, untilAborted } from '../support/until.ts';
import { isRevocationRequest } from './revocation.ts';
import { LockInternals, type LockDriver } from './lock-internals.ts';

/**
 * Where a lock object stands.
 * - `idle`: not held (never acquired, or released).
 * - `held`: acquired, connected: the holder may act.
 * - `suspended`: acquired, but the connection dropped. The session (and the lock
 *   node with it) may already be gone on the servers; the holder must stop
 *   acting until `held` again (after a reconnect the lock re-checks that its
 *   node still exists on this session) or `lost`.
 * - `lost`: the session ended or the node vanished; someone else may hold the
 *   lock now. `release()` clears this state (it deletes nothing).
 */
export type LockState = 'idle' | 'held' | 'suspended' | 'lost';

export interface AcquireOptions {
  /** Give up after this long (on the recipe's scheduler). Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Give up when this aborts. */
  signal?: AbortSignal;
}

export interface SequentialLockInit {
  client: ZooKeeperClient;
  path: string;
  nodeName: string;
  participantNames: readonly string[];
  driver: LockDriver;
  recipe: ResolvedRecipeOptions;
  data?: Data;
}

/**
 * A reentrant lock on ephemeral-sequential nodes (the engine behind Mutex and
 * the two halves of ReadWriteLock). Reentrancy is per object: every
 * `acquire()` on an object that holds the lock succeeds at once and needs its
 * own `release()`. Use one object per independent actor.
 */
export class SequentialLock {
  protected readonly client: ZooKeeperClient;
  protected readonly internals: LockInternals;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly stateListeners: Listeners<LockState>;
  private count = 0;
  private node: string | undefined;
  private stateValue: LockState = 'idle';
  private acquiring: Promise<boolean> | undefined;
  private unwatchConnection: (() => void) | undefined;
  private verifyGeneration = 0;
  private revocationListener: (() => void) | undefined;

  constructor(init: SequentialLockInit) {
    this.client = init.client;
    this.recipe = init.recipe;
    this.stateListeners = new Listeners(init.recipe.onListenerError);
    this.internals = new LockInternals({
      client: init.client,
      basePath: init.path,
      nodeName: init.nodeName,
      participantNames: init.participantNames,
      driver: init.driver,
      recipe: init.recipe,
      ...(init.data === undefined ? {} : { data: init.data }),
    });
  }

  get state(): LockState {
    return this.stateValue;
  }

  /**
   * True while this object holds the lock and its connection is up: the
   * Curator definition of a holder. A holder whose connection drops stops
   * being one at once (state `suspended`), because from then on its session
   * may expire without it knowing.
   */
  get isHeld(): boolean {
    return this.stateValue === 'held';
  }

  /** Acquired and not yet released, whatever the connection does (Curator's isAcquiredInThisProcess). */
  get isAcquired(): boolean {
    return this.count > 0 && this.stateValue !== 'lost';
  }

  /** Our lock node while acquired. */
  get nodePath(): string | undefined {
    return this.node;
  }

  /** Listen for state changes (held, suspended, lost, idle); returns the unsubscribe function. */
  onStateChange(listener: (state: LockState) => void): () => void {
    return this.stateListeners.add(listener);
  }

  /**
   * Ask to be told when another party requests this lock be released (see
   * `requestRevocation`). Applies while the lock is held.
   */
  makeRevocable(listener: () => void): void {
    this.revocationListener = listener;
    if (this.node !== undefined && this.count > 0) void this.watchRevocation(this.node);
  }

  /**
   * Acquire the lock: resolves true once held, false when `timeoutMs` passed or
   * `signal` aborted first. Rejects when the session is lost while waiting.
   */
  async acquire(options: AcquireOptions = {}): Promise<boolean> {
    const deadline = deadlineSignal(this.recipe.scheduler, options.timeoutMs, options.signal);
    try {
      // Another acquire on this object is under way: its outcome is ours too (reentrancy).
      while (this.acquiring !== undefined) {
        const outcome = await untilAborted(this.acquiring.catch(() => false), deadline.signal);
        if (!outcome.done) return false;
      }
      if (this.stateValue === 'lost') this.reset('idle');
      if (this.count > 0) {
        this.count++;
        return true;
      }
      const acquiring = this.acquireNode(deadline.signal);
      this.acquiring = acquiring;
      try {
        return await acquiring;
      } finally {
        this.acquiring = undefined;
      }
    } finally {
      deadline.dispose();
    }
  }

  /** Release one hold; the last release deletes the lock node. Releasing a lost lock just clears it. */
  async release(): Promise<void> {
    if (this.count === 0) {
      if (this.stateValue === 'lost') {
        this.reset('idle');
        return;
      }
      throw new RecipeError('release() of a lock this object does not hold');
    }
    this.count--;
    if (this.count > 0) return;
    const node = this.node;
    // The holder stops being one when it asks to release, before the delete reaches the server.
    this.reset('idle');
    if (node !== undefined) await this.internals.deleteNode(node);
  }

  /** Every participant's node path, holder first. */
  async participantNodes(): Promise<string[]> {
    const names = await this.internals.participants();
    return names.map((name) => `${this.internals.options.basePath}/${name}`);
  }

  private async acquireNode(signal: AbortSignal): Promise<boolean> {
    const run = this.internals.attempt(signal);
    const outcome = await untilAborted(run, signal);
    if (!outcome.done) {
      // Gave up while the attempt was still talking to the server: it cleans up after itself,
      // and a node it still obtains late is deleted.
      run.then((late) => (late === undefined ? undefined : this.internals.deleteNode(late)), () => undefined).catch(() => undefined);
      return false;
    }
    if (outcome.value === undefined) return false;
    this.node = outcome.value;
    this.count = 1;
    this.unwatchConnection = watchConnection(this.client, (event) => this.onConnection(event));
    // The reply that decided it came on a live connection; it may have dropped since.
    if (this.client.state === 'connected') this.setState('held');
    else this.setState('suspended');
    if (this.revocationListener !== undefined) void this.watchRevocation(outcome.value);
    return true;
  }

  private onConnection(event: ConnectionEvent): void {
    if (this.node === undefined) return;
    if (event === 'suspended') {
      this.verifyGeneration++;
      if (this.stateValue === 'held') this.setState('suspended');
    } else if (event === 'reconnected') {
      if (this.stateValue === 'suspended') void this.verify(++this.verifyGeneration, this.node);
    } else {
      this.lose();
    }
  }

  /**
   * After a reconnect: trust the lock again only if our node still exists and
   * belongs to our session. The sync first makes this member apply everything
   * the leader committed before it, including a close of our session.
   */
  private async verify(generation: number, node: string): Promise<void> {
    let ours: boolean;
    try {
      await this.client.sync(node);
      const stat = await this.client.exists(node);
      ours = stat !== null && stat.ephemeralOwner === this.client.sessionId;
    } catch (error) {
      if (generation === this.verifyGeneration && isSessionGone(error)) this.lose();
      // A CONNECTIONLOSS brings another suspended/reconnected pair, and another check.
      return;
    }
    if (generation !== this.verifyGeneration || this.node !== node || this.stateValue !== 'suspended') return;
    if (ours) {
      this.setState('held');
      if (this.revocationListener !== undefined) void this.watchRevocation(node);
    } else {
      this.lose();
    }
  }

  private lose(): void {
    if (this.node === undefined) return;
    this.node = undefined;
    this.verifyGeneration++;
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
    this.setState('lost');
  }

  private reset(state: 'idle'): void {
    this.count = 0;
    this.node = undefined;
    this.verifyGeneration++;
    this.unwatchConnection?.();
    this.unwatchConnection = undefined;
    this.setState(state);
  }

  private async watchRevocation(node: string): Promise<void> {
    if (this.node !== node) return;
    try {
      const { data } = await this.client.getData(node, (event) => {
        if (event.type === EventType.nodeDataChanged) void this.watchRevocation(node);
      });
      if (this.node === node && this.count > 0 && isRevocationRequest(data)) this.revocationListener?.();
    } catch {
      // The node went (released or lost) or the connection dropped: a reconnect re-checks.
    }
  }

  private setState(state: LockState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.stateListeners.emit(state);
  }
}
