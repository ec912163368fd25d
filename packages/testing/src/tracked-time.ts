import { manualScheduler, type Scheduler } from '@vivarium/client';
import { ManualClock, type ManualClockListener } from '@vivarium/store';

/**
 * The fixture's manual clock: a ManualClock that knows who is subscribed, so
 * the fixture can tell whether anything is due now (settle) and whether
 * anything is still waiting on it after close (a leaked "timer").
 */
export class TrackedManualClock extends ManualClock {
  private readonly subscribers = new Set<ManualClockListener>();

  override subscribe(listener: ManualClockListener): () => void {
    this.subscribers.add(listener);
    const unsubscribe = super.subscribe(listener);
    return () => {
      this.subscribers.delete(listener);
      unsubscribe();
    };
  }

  /** Parties still subscribed: members' engines, the network, the ensemble's ticker, clients' timers. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The earliest time a subscriber wants to run, if any. */
  nextWakeMs(): number | undefined {
    let earliest: number | undefined;
    for (const listener of this.subscribers) {
      const wake = listener.nextWakeMs();
      if (wake !== undefined && (earliest === undefined || wake < earliest)) earliest = wake;
    }
    return earliest;
  }

  /** True when some subscriber wants to run at or before now (a timer that is due but has not fired). */
  hasDueWork(): boolean {
    const now = this.nowMs();
    for (const listener of this.subscribers) {
      const wake = listener.nextWakeMs();
      if (wake !== undefined && wake <= now) return true;
    }
    return false;
  }
}

/** A Scheduler whose live timers can be counted: what the fixture's clients keep armed. */
export interface TrackedScheduler extends Scheduler {
  readonly liveTimers: number;
}

/** Client timers on the fixture's manual clock; they fire only when the test advances time. */
export function trackedManualScheduler(clock: TrackedManualClock): TrackedScheduler {
  const inner = manualScheduler(clock);
  let live = 0;
  return {
    nowMs: () => inner.nowMs(),
    setTimer(delayMs, task) {
      let armed = true;
      live++;
      const disarm = (): boolean => {
        if (!armed) return false;
        armed = false;
        live--;
        return true;
      };
      const cancel = inner.setTimer(delayMs, () => {
        if (disarm()) task();
      });
      return () => {
        if (disarm()) cancel();
      };
    },
    get liveTimers() {
      return live;
    },
  };
}

/** Client timers on the wall clock (real setTimeout, unref'd), counted so close() can prove none is left. */
export function trackedSystemScheduler(): TrackedScheduler {
  const handles = new Set<NodeJS.Timeout>();
  return {
    nowMs: () => Date.now(),
    setTimer(delayMs, task) {
      const handle = setTimeout(() => {
        handles.delete(handle);
        task();
      }, Math.max(0, delayMs));
      handle.unref();
      handles.add(handle);
      return () => {
        if (handles.delete(handle)) clearTimeout(handle);
      };
    },
    get liveTimers() {
      return handles.size;
    },
  };
}
