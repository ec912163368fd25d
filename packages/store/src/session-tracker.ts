import { assert } from './assert.ts';
import { ExpiryQueue } from './expiry-queue.ts';

export interface LiveSession {
  sessionId: bigint;
  /** The timeout in force: negotiated at creation, renegotiated by each reattach. */
  timeoutMs: number;
  /** Set once expiry or close has begun: further requests get SESSIONEXPIRED. */
  closing: boolean;
}

/**
 * The member-local view of sessions (ZooKeeper's SessionTrackerImpl): which are
 * alive, which are closing, and when each expires, bucketed by tick.
 */
export class SessionTracker {
  private readonly live = new Map<bigint, LiveSession>();
  private readonly expiry: ExpiryQueue<bigint>;

  constructor(tickTimeMs: number, nowMs: number) {
    this.expiry = new ExpiryQueue(tickTimeMs, nowMs);
  }

  get size(): number {
    return this.live.size;
  }

  get(sessionId: bigint): LiveSession | undefined {
    return this.live.get(sessionId);
  }

  sessions(): IterableIterator<LiveSession> {
    return this.live.values();
  }

  track(sessionId: bigint, timeoutMs: number, nowMs: number): LiveSession {
    if (this.live.has(sessionId)) assert(false, `SessionTracker: session 0x${sessionId.toString(16)} tracked twice`);
    const session: LiveSession = { sessionId, timeoutMs, closing: false };
    this.live.set(sessionId, session);
    this.expiry.update(sessionId, nowMs, timeoutMs);
    return session;
  }

  /** Push the session's deadline out by its timeout from now. False when it is gone or closing. */
  touch(sessionId: bigint, nowMs: number): boolean {
    const session = this.live.get(sessionId);
    if (session === undefined || session.closing) return false;
    this.expiry.update(sessionId, nowMs, session.timeoutMs);
    return true;
  }

  setSessionTimeout(sessionId: bigint, timeoutMs: number): void {
    const session = this.live.get(sessionId);
    if (session !== undefined) session.timeoutMs = timeoutMs;
  }

  /**
   * Track a session afresh: live, not closing, a full timeout from now. A new leader does this for every
   * session in its database (ZooKeeper builds a new tracker), undoing a close its previous term never committed.
   */
  reset(sessionId: bigint, timeoutMs: number, nowMs: number): void {
    const session = this.live.get(sessionId);
    if (session === undefined) {
      this.track(sessionId, timeoutMs, nowMs);
      return;
    }
    session.closing = false;
    this.expiry.update(sessionId, nowMs, session.timeoutMs);
  }

  setClosing(sessionId: bigint): void {
    const session = this.live.get(sessionId);
    if (session === undefined) return;
    session.closing = true;
    this.expiry.remove(sessionId);
  }

  remove(sessionId: bigint): void {
    this.live.delete(sessionId);
    this.expiry.remove(sessionId);
  }

  expiryOf(sessionId: bigint): number | undefined {
    return this.expiry.expiryOf(sessionId);
  }

  /** Sessions whose bucket has come due by `nowMs`, bucket by bucket. */
  pollExpired(nowMs: number): bigint[] {
    return this.expiry.poll(nowMs);
  }

  nextDeadlineMs(): number | undefined {
    return this.expiry.earliestDeadlineMs();
  }

  /** Bucket boundaries in expiry order, for the `dump` four-letter word. */
  expiryBuckets(): Map<number, bigint[]> {
    const buckets = new Map<number, bigint[]>();
    for (const session of this.live.values()) {
      const at = this.expiry.expiryOf(session.sessionId);
      if (at === undefined) continue;
      const list = buckets.get(at) ?? [];
      list.push(session.sessionId);
      buckets.set(at, list);
    }
    return new Map([...buckets].sort((a, b) => a[0] - b[0]));
  }

  checkInvariants(): void {
    this.expiry.checkInvariants();
    for (const session of this.live.values()) {
      const queued = this.expiry.expiryOf(session.sessionId) !== undefined;
      assert(queued === !session.closing, `SessionTracker: session 0x${session.sessionId.toString(16)} closing=${session.closing} but queued=${queued}`);
    }
    assert(this.expiry.size <= this.live.size, 'SessionTracker: expiry queue holds sessions that are not live');
  }
}
