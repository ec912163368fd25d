/**
 * Records when each actor considered itself a holder (of a lock, a lease, a
 * leadership) in simulated time, and checks that no more than `max` of them
 * ever overlapped. An interval is closed when the actor stops acting: on
 * release, and the moment its connection drops (Curator's definition of a
 * holder: after SUSPENDED it can no longer be sure).
 */
export interface Interval {
  who: string;
  startMs: number;
  endMs: number;
}

export class IntervalRecorder {
  readonly intervals: Interval[] = [];
  private readonly open = new Map<string, number>();
  private readonly nowMs: () => number;

  constructor(nowMs: () => number) {
    this.nowMs = nowMs;
  }

  start(who: string): void {
    if (this.open.has(who)) throw new Error(`${who} started holding twice without stopping`);
    this.open.set(who, this.nowMs());
  }

  stop(who: string): void {
    const startMs = this.open.get(who);
    if (startMs === undefined) return;
    this.open.delete(who);
    this.intervals.push({ who, startMs, endMs: this.nowMs() });
  }

  isOpen(who: string): boolean {
    return this.open.has(who);
  }

  /** Close every open interval now (end of the run). */
  closeAll(): void {
    for (const who of [...this.open.keys()]) this.stop(who);
  }

  /**
   * The largest number of actors holding at once. At equal times ends count
   * before starts: a hand-over at one instant of simulated time is causally
   * ordered (the next holder saw the previous one's node go).
   */
  maxConcurrent(): { max: number; at: number; holders: string[] } {
    const points: Array<{ t: number; delta: number; who: string }> = [];
    for (const interval of this.intervals) {
      points.push({ t: interval.startMs, delta: 1, who: interval.who }, { t: interval.endMs, delta: -1, who: interval.who });
    }
    points.sort((a, b) => a.t - b.t || a.delta - b.delta);
    let current = 0;
    let best = { max: 0, at: 0, holders: [] as string[] };
    const holding = new Set<string>();
    for (const point of points) {
      current += point.delta;
      if (point.delta > 0) holding.add(point.who);
      else holding.delete(point.who);
      if (current > best.max) best = { max: current, at: point.t, holders: [...holding] };
    }
    return best;
  }
}

/** A small seeded generator (mulberry32) for fault schedules and think times. */
export class SeededChoices {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
}

/** Pairs of intervals that overlap (strictly: touching ends do not count) where `exclusive` says one of them excludes the other. */
export function exclusiveOverlaps(intervals: readonly Interval[], exclusive: (interval: Interval) => boolean): Array<[Interval, Interval]> {
  const found: Array<[Interval, Interval]> = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i] as Interval;
      const b = intervals[j] as Interval;
      if (a.who === b.who || !(exclusive(a) || exclusive(b))) continue;
      if (a.startMs < b.endMs && b.startMs < a.endMs) found.push([a, b]);
    }
  }
  return found;
}
