/** An ensemble whose members cannot start (an invalid engine option) throws and leaves nothing running. */
import { describe, expect, it } from 'vitest';
import { ManualClock, type ManualClockListener } from '@vivarium/store';
import { createEnsemble } from '@vivarium/server';

class CountingClock extends ManualClock {
  subscribers = 0;
  override subscribe(listener: ManualClockListener): () => void {
    this.subscribers++;
    const unsubscribe = super.subscribe(listener);
    let done = false;
    return () => {
      if (!done) this.subscribers--;
      done = true;
      unsubscribe();
    };
  }
}

describe('createEnsemble with an invalid engine option', () => {
  it('throws the config error and unsubscribes everything from the clock it was given', async () => {
    const clock = new CountingClock();
    expect(() => createEnsemble({ clock, seed: 1, tickTimeMs: -5 })).toThrow(/tickTimeMs/);
    await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(clock.subscribers).toBe(0);
  });
});
