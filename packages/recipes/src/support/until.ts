import type { Scheduler } from '@vivarium/client';

/** The outcome of waiting for a promise with a way out. */
export type Until<T> = { done: true; value: T } | { done: false };

/**
 * Wait for `promise`, or stop waiting when `signal` aborts (the promise keeps
 * running; the caller decides what to do with its late result). Rejections of
 * `promise` propagate while waiting.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<Until<T>> {
  if (signal.aborted) return Promise.resolve({ done: false });
  return new Promise<Until<T>>((resolve, reject) => {
    const onAbort = (): void => resolve({ done: false });
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ done: true, value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One AbortSignal for "the caller gave up or the time is up": aborts after
 * `timeoutMs` (at least 1 ms, never within the current step of a manual clock) on the scheduler's clock, or when `outer` aborts. `dispose()`
 * cancels the timer and detaches from `outer`; call it when the wait is over.
 */
export function deadlineSignal(scheduler: Scheduler, timeoutMs: number | undefined, outer?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new TypeError(`timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  }
  const controller = new AbortController();
  let timedOut = false;
  const cancelTimer = timeoutMs === undefined ? undefined : scheduler.setTimer(Math.max(1, timeoutMs), () => {
    timedOut = true;
    controller.abort();
  });
  const onOuterAbort = (): void => controller.abort();
  if (outer?.aborted === true) controller.abort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      cancelTimer?.();
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}
