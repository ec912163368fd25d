import type { ManualClock, ManualClockListener } from '@vivarium/store';

/** How the client keeps time for pings and retries: by hand in tests, by real timers otherwise. */
export interface Scheduler {
  nowMs(): number;
  /** Run `task` once after `delayMs`. Returns a cancel function. */
  setTimer(delayMs: number, task: () => void): () => void;
}

/** Timers that fire only when the test advances the manual clock. */
export function manualScheduler(clock: ManualClock): Scheduler {
  return {
    nowMs: () => clock.nowMs(),
    setTimer(delayMs, task) {
      const dueMs = clock.nowMs() + Math.max(0, delayMs);
      let done = false;
      const listener: ManualClockListener = {
        nextWakeMs: () => (done ? undefined : dueMs),
        onTime: (nowMs) => {
          if (done || nowMs < dueMs) return;
          done = true;
          unsubscribe();
          task();
        },
      };
      const unsubscribe = clock.subscribe(listener);
      return () => {
        done = true;
        unsubscribe();
      };
    },
  };
}

/** Real timers on the wall clock; unref'd so a forgotten client never keeps a process alive. */
export function systemScheduler(): Scheduler {
  return {
    nowMs: () => Date.now(),
    setTimer(delayMs, task) {
      const handle = setTimeout(task, Math.max(0, delayMs));
      handle.unref?.();
      return () => clearTimeout(handle);
    },
  };
}
