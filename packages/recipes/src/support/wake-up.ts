import type { Scheduler } from '@vivarium/client';

export type WakeReason = 'notified' | 'timeout' | 'aborted';

/**
 * One wait of a recipe loop: something to be woken by (a watch firing, a
 * connection event), bounded by a deadline on the recipe's scheduler and by an
 * optional AbortSignal. Each loop iteration uses a fresh one, so a watch that
 * fires late wakes nobody.
 */
export class WakeUp {
  private resolveWait: ((reason: WakeReason) => void) | undefined;
  private woken: WakeReason | undefined;

  readonly notify = (): void => {
    this.finish('notified');
  };

  /** Wait until notified, until `deadlineMs` on the scheduler's clock, or until `signal` aborts. */
  wait(scheduler: Scheduler, deadlineMs: number | undefined, signal?: AbortSignal): Promise<WakeReason> {
    if (this.woken !== undefined) return Promise.resolve(this.woken);
    if (signal?.aborted === true) return Promise.resolve('aborted');
    if (deadlineMs !== undefined && scheduler.nowMs() >= deadlineMs) return Promise.resolve('timeout');
    return new Promise<WakeReason>((resolve) => {
      let cancelTimer: (() => void) | undefined;
      const onAbort = (): void => this.finish('aborted');
      this.resolveWait = (reason) => {
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      if (deadlineMs !== undefined) cancelTimer = scheduler.setTimer(deadlineMs - scheduler.nowMs(), () => this.finish('timeout'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private finish(reason: WakeReason): void {
    if (this.woken !== undefined) return;
    this.woken = reason;
    const resolve = this.resolveWait;
    this.resolveWait = undefined;
    resolve?.(reason);
  }
}

/** The absolute deadline for a wait of `timeoutMs` from now (undefined: wait forever). */
export function deadlineOf(scheduler: Scheduler, timeoutMs: number | undefined): number | undefined {
  if (timeoutMs === undefined) return undefined;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new TypeError(`timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  return scheduler.nowMs() + timeoutMs;
}
