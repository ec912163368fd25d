import { ErrorCode } from '@vivarium/protocol';
import { fromViolations, type CheckResult } from './check-result.ts';
import type { History } from './history.ts';

/**
 * Ephemeral cleanup: no ephemeral in the final tree belongs to a session known to have ended
 * (`SessionRecord.closedAtMs` or `expiredAtMs`, or an operation that failed with SESSIONEXPIRED). Needs
 * `history.finalEphemerals`; without it the answer is unknown.
 */
export function checkEphemeralCleanup(history: History): CheckResult {
  if (history.finalEphemerals === undefined) return { ok: 'unknown', reason: 'the history has no finalEphemerals' };
  const ended = new Map<string, string>();
  for (const record of history.sessions) {
    if (record.closedAtMs !== undefined) ended.set(record.session, `closed at ${record.closedAtMs} ms`);
    else if (record.expiredAtMs !== undefined) ended.set(record.session, `expired, known at ${record.expiredAtMs} ms`);
  }
  for (const op of history.operations) {
    if (op.outcome.kind === 'error' && op.outcome.code === ErrorCode.sessionExpired && !ended.has(op.session)) {
      ended.set(op.session, `#${op.id} was told it expired at ${op.returnMs} ms`);
    }
  }
  const violations = history.finalEphemerals
    .filter((node) => ended.has(node.owner))
    .map((node) => `ephemeral ${node.path} outlived its session ${node.owner} (${ended.get(node.owner)})`);
  return fromViolations(violations);
}
