import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { isSessionGone, RecipeError } from '../support/errors.ts';
import { Listeners } from '../support/listeners.ts';
import { checkRecipePath } from '../support/paths.ts';
import { resolveRecipeOptions, type RecipeOptions, type ResolvedRecipeOptions } from '../support/recipe-options.ts';
import { Mutex } from '../locks/mutex.ts';
import { readParticipants, type Participant } from './participant.ts';

/**
 * What a LeaderSelector runs when it wins. Leadership lasts until the returned
 * promise settles; the signal aborts when leadership must end early (the
 * connection dropped, the session ended, interruptLeadership() or close()):
 * stop acting and return promptly.
 */
export type TakeLeadership = (signal: AbortSignal) => Promise<void>;

export interface LeaderSelectorOptions extends RecipeOptions {
  /** This participant's id, stored in its node. Default ''. */
  id?: string;
  /** Queue up again after each term (Curator's autoRequeue). Default true. */
  autoRequeue?: boolean;
}

/** `latent` before start(), `started` while taking part, `lost` once the session ended, `closed` after close(). */
export type LeaderSelectorState = 'latent' | 'started' | 'lost' | 'closed';

/**
 * Leader election that hands leadership over (Curator's LeaderSelector): the
 * participants queue on a mutex at `path`; the holder leads for as long as its
 * `takeLeadership` runs, then releases and, with autoRequeue, queues again at
 * the back, so leadership rotates.
 *
 * Connection handling (Curator's LeaderSelectorListenerAdapter): a dropped
 * connection ends the term at once (the signal aborts, `hasLeadership` turns
 * false), since the session may expire without the leader knowing; the
 * selector then releases and queues again. When the session ends the selector
 * stops (`lost`): a new client and a new selector are needed.
 */
export class LeaderSelector {
  readonly path: string;
  readonly id: string;
  private readonly client: ZooKeeperClient;
  private readonly recipe: ResolvedRecipeOptions;
  private readonly takeLeadership: TakeLeadership;
  private readonly autoRequeue: boolean;
  private readonly leadershipListeners: Listeners<boolean>;
  private readonly mutex: Mutex;
  private readonly closing = new AbortController();
  private stateValue: LeaderSelectorState = 'latent';
  private leader = false;
  private term: AbortController | undefined;
  private queued = false;
  private running: Promise<void> | undefined;
  private wakeLoop: (() => void) | undefined;
  private termsValue = 0;

  constructor(client: ZooKeeperClient, path: string, takeLeadership: TakeLeadership, options: LeaderSelectorOptions = {}) {
    this.path = checkRecipePath('LeaderSelector path', path);
    this.client = client;
    this.recipe = resolveRecipeOptions(options);
    this.takeLeadership = takeLeadership;
    this.autoRequeue = options.autoRequeue ?? true;
    this.id = options.id ?? '';
    this.leadershipListeners = new Listeners(this.recipe.onListenerError);
    const data: Data = new TextEncoder().encode(this.id);
    this.mutex = new Mutex(client, path, { ...options, scheduler: this.recipe.scheduler, idSource: this.recipe.idSource, data });
  }

  get state(): LeaderSelectorState {
    return this.stateValue;
  }

  /** True during a term while the connection is up. */
  get hasLeadership(): boolean {
    return this.leader;
  }

  /** Terms this selector has started. */
  get terms(): number {
    return this.termsValue;
  }

  onLeadershipChange(listener: (isLeader: boolean) => void): () => void {
    return this.leadershipListeners.add(listener);
  }

  /** Start taking part (queues once; again after each term with autoRequeue). */
  start(): void {
    if (this.stateValue !== 'latent') throw new RecipeError(`LeaderSelector.start(): already ${this.stateValue}`);
    this.stateValue = 'started';
    this.queued = true;
    this.running = this.loop();
  }

  /** Queue for another term (without autoRequeue). False if already queued or leading. */
  requeue(): boolean {
    if (this.stateValue !== 'started' || this.queued || this.term !== undefined) return false;
    this.queued = true;
    this.wakeLoop?.();
    return true;
  }

  /** End the current term now (the signal aborts); with autoRequeue the selector queues again. */
  interruptLeadership(): void {
    this.term?.abort();
  }

  /** Every participant in line, the current leader first. */
  participants(): Promise<Participant[]> {
    return readParticipants(this.client, this.path, 'lock-', this.recipe.retriesMax);
  }

  /** Leave: end any term, stop queueing, remove our node. Resolves when the selector has stopped. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    if (this.stateValue !== 'lost') this.stateValue = 'closed';
    this.closing.abort();
    this.term?.abort();
    this.wakeLoop?.();
    await this.running;
    this.stateValue = 'closed';
  }

  private async loop(): Promise<void> {
    while (this.stateValue === 'started') {
      if (!this.queued) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
        });
        this.wakeLoop = undefined;
        continue;
      }
      let acquired: boolean;
      try {
        acquired = await this.mutex.acquire({ signal: this.closing.signal });
      } catch (error) {
        if (isSessionGone(error) || this.client.state === 'expired' || this.client.state === 'closed') {
          this.stateValue = 'lost';
          return;
        }
        this.recipe.onListenerError?.(error);
        continue;
      }
      if (!acquired) continue;
      this.queued = this.autoRequeue;
      await this.runTerm();
    }
  }

  private async runTerm(): Promise<void> {
    const term = new AbortController();
    this.term = term;
    this.termsValue++;
    const unwatch = this.mutex.onStateChange((state) => {
      if (state !== 'held') term.abort();
    });
    if (!this.mutex.isHeld) term.abort();
    this.setLeadership(!term.signal.aborted);
    const onAbort = (): void => this.setLeadership(false);
    term.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.takeLeadership(term.signal);
    } catch (error) {
      if (!term.signal.aborted) this.recipe.onListenerError?.(error);
    } finally {
      term.signal.removeEventListener('abort', onAbort);
      unwatch();
      this.term = undefined;
      this.setLeadership(false);
      const lost = this.mutex.state === 'lost';
      await this.mutex.release().catch(() => undefined);
      if (lost && (this.client.state === 'expired' || this.client.state === 'closed')) this.stateValue = 'lost';
    }
  }

  private setLeadership(isLeader: boolean): void {
    if (this.leader === isLeader) return;
    this.leader = isLeader;
    this.leadershipListeners.emit(isLeader);
  }
}
