import { runCheckers, type History } from '@vivarium/checker';

/** Search steps for the linearizability check of one history: about one per op when it is correct. */
export const linearizabilityStepBudget = 1_000_000;

/**
 * Every history checker on one simulation's history: linearizability per
 * znode (multis atomic, unknown outcomes maybe applied), per-session order
 * and no going back in time, watches, ZAB logs, sequential names, ephemeral
 * cleanup. Returns readable violations; an undecided check is reported too,
 * never counted as a pass.
 */
export function checkHistory(history: History): string[] {
  const report = runCheckers(history, { stepBudget: linearizabilityStepBudget });
  return report.summary;
}
