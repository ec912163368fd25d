/**
 * A small ordered listener set. A listener that throws does not stop the
 * others: its error goes to `onError` (default: rethrown in a microtask, so it
 * surfaces as an uncaught error instead of being swallowed).
 */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private readonly onError: (error: unknown) => void;

  constructor(onError?: (error: unknown) => void) {
    this.onError = onError ?? ((error) => queueMicrotask(() => { throw error; }));
  }

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }

  get size(): number {
    return this.listeners.size;
  }
}
