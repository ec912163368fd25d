/**
 * Runs async tasks one after another, in the order they were added. Caches
 * use it so reads issued for watch events are applied in event order. A task
 * that fails goes to `onError` and the queue carries on.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.onError = onError;
  }

  /** Add a task; resolves when it has run (never rejects). */
  add(task: () => Promise<void>): Promise<void> {
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        await task();
      } catch (error) {
        this.onError(error);
      } finally {
        this.pending--;
      }
    });
    return this.tail;
  }

  /** Resolves once every task added so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  get size(): number {
    return this.pending;
  }
}
