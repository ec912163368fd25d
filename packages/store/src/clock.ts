/**
 * Time as an input (DESIGN rule 2). The core reads time only through a Clock;
 * tests drive a ManualClock by hand, real servers use a system clock that lives
 * outside the pure core.
 */
export interface Clock {
  nowMs(): number;
}

/** 2024-01-01T00:00:00Z: a realistic default start so ctime/mtime read as dates. */
export const manualClockStartMsDefault = 1_704_067_200_000;

export type ClockListener = (nowMs: number) => void;

/**
 * A clock that moves only when told to. `advance` walks through every wake-up
 * time that a listener asked for on the way, in time order, so an engine ticked
 * by this clock sees each deadline at its exact time however a test splits its
 * advances. Listeners run only at their wake-up times.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private readonly listeners = new Set<ManualClockListener>();

  constructor(startMs: number = manualClockStartMsDefault) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  /** Register a party that wants to run at its wake-up times. Returns an unsubscribe function. */
  subscribe(listener: ManualClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Move time forward by `ms`, stopping at each listener's wake-up time on the way. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.advanceTo(this.currentMs + ms);
  }

  advanceTo(targetMs: number): void {
    if (targetMs < this.currentMs) throw new RangeError(`ManualClock.advanceTo: ${targetMs} is before now (${this.currentMs}); time never goes back`);
    // Bounded: each iteration either reaches the target or moves time strictly forward.
    for (;;) {
      const nextWakeMs = this.earliestWakeMs();
      if (nextWakeMs === undefined || nextWakeMs > targetMs) break;
      if (nextWakeMs > this.currentMs) this.currentMs = nextWakeMs;
      const before = this.currentMs;
      for (const listener of [...this.listeners]) {
        const wake = listener.nextWakeMs();
        if (wake !== undefined && wake <= this.currentMs) listener.onTime(this.currentMs);
      }
      // A listener that asks to wake at or before now again after running would spin forever.
      const again = this.earliestWakeMs();
      if (again !== undefined && again <= before) {
        throw new Error(`ManualClock: a listener keeps asking to wake at ${again} <= now ${before}; its wake-up time must move forward`);
      }
    }
    this.currentMs = targetMs;
  }

  private earliestWakeMs(): number | undefined {
    let earliest: number | undefined;
    for (const listener of this.listeners) {
      const wake = listener.nextWakeMs();
      if (wake !== undefined && (earliest === undefined || wake < earliest)) earliest = wake;
    }
    return earliest;
  }
}

/** Something that runs at times it chooses: the engine's session expiry and reaper. */
export interface ManualClockListener {
  /** The next time this listener must run, or undefined when it has nothing pending. */
  nextWakeMs(): number | undefined;
  onTime(nowMs: number): void;
}
