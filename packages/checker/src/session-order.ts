import { fromViolations, type CheckResult } from './check-result.ts';
import { describeOperation, formatMs, formatZxid } from './describe.ts';
import type { History, Operation } from './history.ts';
import { validateHistory } from './history-format.ts';
import { normalizeOutcome } from './outcome-codes.ts';

function bySession(operations: readonly Operation[]): Map<string, Operation[]> {
  const sessions = new Map<string, Operation[]>();
  for (const op of operations) {
    const list = sessions.get(op.session);
    if (list === undefined) sessions.set(op.session, [op]);
    else list.push(op);
  }
  for (const list of sessions.values()) list.sort((a, b) => a.callMs - b.callMs || a.id - b.id);
  return sessions;
}

/**
 * Per-session order, ZooKeeper's client guarantees:
 * - FIFO: a session's answered operations (ok or error, not unknown) are answered in the order they were
 *   called (replies come back in order on a connection; a new connection starts after the old one's
 *   outstanding requests failed, and those are unknown).
 * - No going back in time: the reply zxids a session sees never decrease from one operation to the next,
 *   across reconnects too (a server with an older state refuses the session).
 * - Reads see a committed prefix: when member logs are recorded, no reply carries a zxid beyond every
 *   member's last committed zxid (a counter-0 zxid, a new epoch's start, is allowed).
 * Ordered by (callMs, id); ops without `zxid` are skipped by the zxid checks.
 */
export function checkSessionOrder(history: History): CheckResult {
  validateHistory(history);
  const violations: string[] = [];
  for (const [session, ops] of bySession(history.operations)) {
    let latestReturn: Operation | undefined;
    let highestZxid: Operation | undefined;
    for (const op of ops) {
      if (normalizeOutcome(op.outcome).kind === 'unknown') continue;
      if (latestReturn !== undefined && op.returnMs < latestReturn.returnMs) {
        violations.push(
          `session ${session}: replies out of order: #${op.id} (called at ${formatMs(op.callMs)} ms) was answered at ${formatMs(op.returnMs)} ms, ` +
            `before #${latestReturn.id} (called earlier, at ${formatMs(latestReturn.callMs)} ms, answered at ${formatMs(latestReturn.returnMs)} ms)\n` +
            `    ${describeOperation(latestReturn)}\n    ${describeOperation(op)}`,
        );
      }
      if (latestReturn === undefined || op.returnMs >= latestReturn.returnMs) latestReturn = op;
      if (op.zxid === undefined) continue;
      if (highestZxid !== undefined && op.zxid < (highestZxid.zxid as bigint)) {
        violations.push(
          `session ${session}: went back in time: #${op.id} saw zxid ${formatZxid(op.zxid)} after #${highestZxid.id} had seen ${formatZxid(highestZxid.zxid as bigint)}\n` +
            `    ${describeOperation(highestZxid)}\n    ${describeOperation(op)}`,
        );
      }
      if (highestZxid === undefined || op.zxid > (highestZxid.zxid as bigint)) highestZxid = op;
    }
  }
  let lastCommitted: bigint | undefined;
  for (const member of history.members) {
    for (const { zxid } of member.committed) if (lastCommitted === undefined || zxid > lastCommitted) lastCommitted = zxid;
  }
  if (lastCommitted !== undefined) {
    for (const op of history.operations) {
      if (op.zxid === undefined || op.zxid <= lastCommitted || (op.zxid & 0xffffffffn) === 0n) continue;
      if (normalizeOutcome(op.outcome).kind === 'unknown') continue;
      violations.push(
        `#${op.id} saw zxid ${formatZxid(op.zxid)}, which no member committed (the highest committed is ${formatZxid(lastCommitted)})\n    ${describeOperation(op)}`,
      );
    }
  }
  return fromViolations(violations);
}
