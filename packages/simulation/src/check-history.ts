import type { History } from './history.ts';

/**
 * The history checks run on every simulation: each returns readable
 * violations. Per-session order is checked here; linearizability and the
 * watch and ZAB-log checks come from @vivarium/checker.
 */
export function checkHistory(history: History): string[] {
  const violations: string[] = [];
  // Per-session FIFO: a session's operations complete in the order they were called.
  const lastReturnBySession = new Map<string, { id: number; returnMs: number; callMs: number }>();
  for (const op of [...history.operations].sort((a, b) => a.callMs - b.callMs || a.id - b.id)) {
    if (op.outcome.kind !== 'ok') continue;
    const previous = lastReturnBySession.get(op.session);
    if (previous !== undefined && op.returnMs < previous.returnMs) {
      violations.push(`session ${op.session}: op ${op.id} returned at ${op.returnMs} before earlier op ${previous.id} (${previous.returnMs})`);
    }
    lastReturnBySession.set(op.session, { id: op.id, returnMs: op.returnMs, callMs: op.callMs });
  }
  // No going back in time: the zxids a session sees never decrease.
  const lastZxidBySession = new Map<string, { id: number; zxid: bigint }>();
  for (const op of [...history.operations].sort((a, b) => a.returnMs - b.returnMs || a.id - b.id)) {
    if (op.outcome.kind !== 'ok' || op.zxid === undefined) continue;
    const previous = lastZxidBySession.get(op.session);
    if (previous !== undefined && op.zxid < previous.zxid) {
      violations.push(`session ${op.session}: op ${op.id} saw zxid 0x${op.zxid.toString(16)} after op ${previous.id} saw 0x${previous.zxid.toString(16)}`);
    }
    lastZxidBySession.set(op.session, { id: op.id, zxid: op.zxid });
  }
  return violations;
}
