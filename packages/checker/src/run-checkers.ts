import type { CheckResult } from './check-result.ts';
import { checkEphemeralCleanup } from './ephemerals.ts';
import type { History } from './history.ts';
import { checkLinearizability, type LinearizabilityOptions, type LinearizabilityStats } from './linearizability.ts';
import { checkSequentialNames } from './sequential-names.ts';
import { checkSessionOrder } from './session-order.ts';
import { checkWatches } from './watches.ts';
import { checkZabInvariants } from './zab-invariants.ts';

export interface CheckerReport {
  /** false if any checker found a violation; 'unknown' if none did but one could not decide; else true. */
  ok: boolean | 'unknown';
  results: {
    linearizability: CheckResult;
    sessionOrder: CheckResult;
    watches: CheckResult;
    zab: CheckResult;
    sequentialNames: CheckResult;
    ephemeralCleanup: CheckResult;
  };
  linearizabilityStats: LinearizabilityStats;
  /** The violations and undecided results, one paragraph each, headed by the checker's name. */
  summary: string[];
}

/** Every history checker on one history (ephemeral cleanup only when `finalEphemerals` was recorded). */
export function runCheckers(history: History, options: LinearizabilityOptions): CheckerReport {
  const { stats, ...linearizability } = checkLinearizability(history, options);
  const results: CheckerReport['results'] = {
    linearizability: linearizability as CheckResult,
    sessionOrder: checkSessionOrder(history),
    watches: checkWatches(history),
    zab: checkZabInvariants(history.members),
    sequentialNames: checkSequentialNames(history),
    ephemeralCleanup: history.finalEphemerals === undefined ? { ok: true } : checkEphemeralCleanup(history),
  };
  const summary: string[] = [];
  let ok: boolean | 'unknown' = true;
  for (const [name, result] of Object.entries(results)) {
    if (result.ok === false) {
      ok = false;
      summary.push(`${name}: ${result.violation}`);
    } else if (result.ok === 'unknown') {
      if (ok === true) ok = 'unknown';
      summary.push(`${name} (undecided): ${result.reason}`);
    }
  }
  return { ok, results, linearizabilityStats: stats, summary };
}
