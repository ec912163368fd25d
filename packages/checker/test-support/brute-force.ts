import type { ModelOp, Partition } from '../src/partition.ts';
import { stateKey, transitions, type ModelState } from '../src/znode-model.ts';

/**
 * The plain definition, for cross-checking the search's reductions on small partitions: try every order
 * that respects real time (an op can go next unless some unplaced required op returned before its
 * effective call), session order and deadlines; maybe-applied ops may be placed or not. Memoized only on
 * the exact (placed set, state).
 */
export function bruteForceLinearizable(partition: Partition): boolean {
  const ops = partition.ops;
  const placed = new Array<boolean>(ops.length).fill(false);
  const seen = new Set<string>();
  const requiredCount = ops.filter((op) => op.required).length;
  const ready = (op: ModelOp): boolean => {
    if (placed[op.index]) return false;
    if (op.sessionPred >= 0 && !placed[op.sessionPred]) return false;
    if (!op.required && op.deadline >= 0 && placed[op.deadline]) return false;
    return ops.every((other) => other === op || placed[other.index] || !other.required || !(other.returnMs < op.effectiveCallMs));
  };
  const visit = (state: ModelState, done: number): boolean => {
    if (done === requiredCount) return true;
    const key = `${placed.map((p) => (p ? 1 : 0)).join('')}|${stateKey(state)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    for (const op of ops) {
      if (!ready(op)) continue;
      for (const next of transitions(state, op.steps, op.expect)) {
        placed[op.index] = true;
        const found = visit(next, done + (op.required ? 1 : 0));
        placed[op.index] = false;
        if (found) return true;
      }
    }
    return false;
  };
  return visit(partition.initial, 0);
}
