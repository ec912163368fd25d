import { ErrorCode } from '@vivarium/protocol';
import type { Outcome } from './history.ts';

/**
 * Error codes after which the operation may or may not have taken effect: the checkers treat them as
 * `unknown` outcomes. (SESSIONEXPIRED is among them because a client reports it for requests that were
 * outstanding when the session died, some of which the server may have applied.)
 */
export const maybeAppliedErrorCodes: ReadonlySet<number> = new Set<number>([
  ErrorCode.connectionLoss,
  ErrorCode.operationTimeout,
  ErrorCode.sessionExpired,
  ErrorCode.sessionMoved,
  ErrorCode.requestTimeout,
]);

/** The outcome with maybe-applied error codes turned into `unknown`. */
export function normalizeOutcome(outcome: Outcome<unknown>): Outcome<unknown> {
  if (outcome.kind === 'error' && maybeAppliedErrorCodes.has(outcome.code)) return { kind: 'unknown' };
  return outcome;
}
