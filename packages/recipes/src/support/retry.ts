import { isConnectionLoss } from './errors.ts';

/** How many times an operation that failed with CONNECTIONLOSS is tried again before the error is passed on. */
export const retriesDefaultMax = 10;

/**
 * Run an idempotent operation, again after each CONNECTIONLOSS (the request was
 * in flight when the connection dropped; it may or may not have been applied).
 * While the client is disconnected a new request waits for the reconnect, so
 * retries are paced by reconnects, not by a busy loop. Operations that are not
 * idempotent (create, delete) resolve the ambiguity themselves: see
 * protectedCreate and the queue's claims.
 */
export async function retrying<T>(operation: () => Promise<T>, retriesMax = retriesDefaultMax): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isConnectionLoss(error) || attempt >= retriesMax) throw error;
    }
  }
}
