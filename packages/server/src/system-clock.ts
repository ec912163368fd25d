import type { Clock } from '@vivarium/store';

/** The wall clock, for real use. Lives outside the pure core, which only sees the Clock interface. */
export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
}
