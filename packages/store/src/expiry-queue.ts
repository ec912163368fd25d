import { assert } from './assert.ts';

/**
 * ZooKeeper's ExpiryQueue: deadlines rounded up to the next multiple of the
 * interval, so a whole bucket expires at once. An element touched at `now`
 * with timeout T lands in bucket (floor((now + T) / interval) + 1) * interval,
 * so it expires strictly after now + T and no later than now + T + interval.
 */
export class ExpiryQueue<E> {
  private readonly expiryByElement = new Map<E, number>();
  private readonly elementsByExpiry = new Map<number, Set<E>>();
  private nextExpirationMs: number;
  readonly intervalMs: number;

  constructor(intervalMs: number, nowMs: number) {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`ExpiryQueue: intervalMs must be a positive integer, got ${intervalMs}`);
    this.intervalMs = intervalMs;
    this.nextExpirationMs = this.roundToNextInterval(nowMs);
  }

  roundToNextInterval(timeMs: number): number {
    return (Math.floor(timeMs / this.intervalMs) + 1) * this.intervalMs;
  }

  get size(): number {
    return this.expiryByElement.size;
  }

  expiryOf(element: E): number | undefined {
    return this.expiryByElement.get(element);
  }

  /** Move `element` to the bucket for now + timeout. Returns the new expiry time. */
  update(element: E, nowMs: number, timeoutMs: number): number {
    const previous = this.expiryByElement.get(element);
    const next = this.roundToNextInterval(nowMs + timeoutMs);
    if (previous === next) return next;
    let bucket = this.elementsByExpiry.get(next);
    if (bucket === undefined) {
      bucket = new Set();
      this.elementsByExpiry.set(next, bucket);
    }
    bucket.add(element);
    if (previous !== undefined) this.removeFromBucket(element, previous);
    this.expiryByElement.set(element, next);
    return next;
  }

  remove(element: E): boolean {
    const previous = this.expiryByElement.get(element);
    if (previous === undefined) return false;
    this.removeFromBucket(element, previous);
    this.expiryByElement.delete(element);
    return true;
  }

  /** The next bucket boundary `poll` will look at. */
  nextExpirationTimeMs(): number {
    return this.nextExpirationMs;
  }

  /**
   * Every element whose bucket has come due by `nowMs`, bucket by bucket in
   * time order, removed from the queue. Skips empty intervals in one step, so a
   * clock that jumps a day ahead costs one call, not one per tick.
   */
  poll(nowMs: number): E[] {
    if (nowMs < this.nextExpirationMs) return [];
    const dueTimes = [...this.elementsByExpiry.keys()].filter((time) => time <= nowMs).sort((a, b) => a - b);
    const expired: E[] = [];
    for (const time of dueTimes) {
      const bucket = this.elementsByExpiry.get(time) as Set<E>;
      this.elementsByExpiry.delete(time);
      for (const element of bucket) {
        this.expiryByElement.delete(element);
        expired.push(element);
      }
    }
    this.nextExpirationMs = this.roundToNextInterval(nowMs);
    return expired;
  }

  /** The earliest time any element can expire, for clocks that wake their listeners. */
  earliestDeadlineMs(): number | undefined {
    if (this.expiryByElement.size === 0) return undefined;
    let earliest: number | undefined;
    for (const time of this.elementsByExpiry.keys()) if (earliest === undefined || time < earliest) earliest = time;
    return earliest === undefined ? undefined : Math.max(earliest, this.nextExpirationMs);
  }

  /** Both indexes agree; every bucket is non-empty and on an interval boundary. */
  checkInvariants(): void {
    let counted = 0;
    for (const [time, bucket] of this.elementsByExpiry) {
      assert(bucket.size > 0, `ExpiryQueue: empty bucket at ${time}`);
      assert(time % this.intervalMs === 0, `ExpiryQueue: bucket ${time} not on an interval boundary`);
      for (const element of bucket) {
        assert(this.expiryByElement.get(element) === time, `ExpiryQueue: element in bucket ${time} indexed at ${String(this.expiryByElement.get(element))}`);
        counted++;
      }
    }
    assert(counted === this.expiryByElement.size, `ExpiryQueue: ${counted} elements in buckets, ${this.expiryByElement.size} indexed`);
  }

  private removeFromBucket(element: E, expiryMs: number): void {
    const bucket = this.elementsByExpiry.get(expiryMs);
    if (bucket === undefined) return;
    bucket.delete(element);
    if (bucket.size === 0) this.elementsByExpiry.delete(expiryMs);
  }
}

