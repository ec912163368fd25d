/**
 * What every checker returns. `unknown`: the checker could not decide (for example the linearizability
 * search ran out of its step budget); never reported as a pass.
 */
export type CheckResult =
  | { ok: true }
  | { ok: false; violation: string }
  | { ok: 'unknown'; reason: string };

export const pass: CheckResult = { ok: true };

/** One result from several violation messages: the first few, with a count of the rest. */
export function fromViolations(violations: readonly string[], shownMax = 20): CheckResult {
  if (violations.length === 0) return pass;
  const shown = violations.slice(0, shownMax);
  const more = violations.length > shown.length ? `\n(and ${violations.length - shown.length} more)` : '';
  return { ok: false, violation: shown.join('\n') + more };
}
