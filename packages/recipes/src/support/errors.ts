import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';

/** A recipe used the wrong way (release of a lock not held, a closed recipe reused...). */
export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

export function hasCode(error: unknown, code: number): boolean {
  return error instanceof ZooKeeperError && error.code === code;
}

export function isNoNode(error: unknown): boolean {
  return hasCode(error, ErrorCode.noNode);
}

export function isNodeExists(error: unknown): boolean {
  return hasCode(error, ErrorCode.nodeExists);
}

export function isConnectionLoss(error: unknown): boolean {
  return hasCode(error, ErrorCode.connectionLoss);
}

/** The session is over for this client: nothing it owned on the server can be relied on any more. */
export function isSessionGone(error: unknown): boolean {
  return hasCode(error, ErrorCode.sessionExpired) || hasCode(error, ErrorCode.sessionMoved) || hasCode(error, ErrorCode.authFailed);
}

export function sessionExpiredError(detail: string): ZooKeeperError {
  return new ZooKeeperError(ErrorCode.sessionExpired, { detail });
}

/**
 * An error in a recipe's background work (a cache refresh, a leadership
 * check). Transient ones are dropped: CONNECTIONLOSS brings a reconnect and a
 * fresh look, a lost session its own `lost` event. Others go to `onError`, or
 * are rethrown asynchronously so they are not silently swallowed.
 */
export function reportBackgroundError(error: unknown, onError: ((error: unknown) => void) | undefined): void {
  if (isConnectionLoss(error) || isSessionGone(error)) return;
  if (onError !== undefined) onError(error);
  else queueMicrotask(() => { throw error; });
}
