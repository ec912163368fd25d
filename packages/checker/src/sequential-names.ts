import { fromViolations, type CheckResult } from './check-result.ts';
import { describeOperation, formatMs } from './describe.ts';
import { validateHistory } from './history-format.ts';
import type { History, MultiSubOp, Operation } from './history.ts';
import { pushTo } from './multimap.ts';
import { normalizeOutcome } from './outcome-codes.ts';
import { parentPath, sequenceNumber } from './paths.ts';

interface Created {
  op: Operation;
  name: string;
  counter: number;
}

/**
 * Sequential names. Each parent counts the children ever created under it (`%010d` of the parent's
 * stored cversion), so for successful sequential creates under one parent:
 * - the name is the requested prefix plus a ten-digit (or `-` and nine-digit) suffix;
 * - no two get the same number;
 * - of two that do not overlap in time, the later one gets the larger number.
 * A parent deleted and created again starts counting afresh, so pairs between which the parent may have
 * been deleted (a delete of it that is not known to have failed, or a container/TTL parent the reaper may
 * take) are not compared.
 */
export function checkSequentialNames(history: History): CheckResult {
  validateHistory(history);
  const violations: string[] = [];
  const byParent = new Map<string, Created[]>();
  /** Intervals in which a path may have been deleted. */
  const deletions = new Map<string, Array<{ fromMs: number; toMs: number }>>();
  const mayDelete = (path: string, fromMs: number, toMs: number): void => {
    pushTo(deletions, path, { fromMs, toMs });
  };
  for (const op of history.operations) {
    const outcome = normalizeOutcome(op.outcome);
    if (outcome.kind === 'error') continue;
    const body = op.op;
    const subs: MultiSubOp[] = body.type === 'multi' ? body.ops : body.type === 'create' || body.type === 'delete' ? [body] : [];
    const values: unknown[] = outcome.kind !== 'ok' ? [] : body.type === 'multi' ? (outcome.value as unknown[]) : [outcome.value];
    subs.forEach((sub, i) => {
      if (sub.type === 'delete') mayDelete(sub.path, op.callMs, outcome.kind === 'unknown' ? Infinity : op.returnMs);
      if (sub.type !== 'create') return;
      if (sub.container === true || sub.ttl === true) mayDelete(sub.path, op.callMs, Infinity);
      if (!sub.sequential || outcome.kind !== 'ok') return;
      const name = values[i];
      if (typeof name !== 'string') return;
      const counter = sequenceNumber(sub.path, name);
      if (counter === undefined) {
        violations.push(`#${op.id} asked for a sequential name after ${JSON.stringify(sub.path)} and got ${JSON.stringify(name)}\n    ${describeOperation(op)}`);
        return;
      }
      const parent = parentPath(sub.path) ?? '/';
      pushTo(byParent, parent, { op, name, counter });
    });
  }
  for (const [parent, list] of byParent) {
    const gaps = deletions.get(parent) ?? [];
    const mayReset = (a: Operation, b: Operation): boolean => {
      const from = Math.min(a.callMs, b.callMs);
      const to = Math.max(a.returnMs, b.returnMs);
      return gaps.some((g) => g.fromMs < to && g.toMs > from);
    };
    list.sort((x, y) => x.op.callMs - y.op.callMs || x.op.id - y.op.id);
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as Created;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j] as Created;
        if (a.op === b.op) continue;
        const ordered = a.op.returnMs < b.op.callMs ? [a, b] : b.op.returnMs < a.op.callMs ? [b, a] : undefined;
        const clash = a.counter === b.counter;
        const backwards = ordered !== undefined && (ordered[0] as Created).counter >= (ordered[1] as Created).counter;
        if (!clash && !backwards) continue;
        if (mayReset(a.op, b.op)) continue;
        if (clash) {
          violations.push(`under ${parent}, #${a.op.id} and #${b.op.id} both got sequence number ${a.counter} (${a.name}, ${b.name})`);
        } else {
          const [first, second] = ordered as [Created, Created];
          violations.push(
            `under ${parent}, #${second.op.id} (called at ${formatMs(second.op.callMs)} ms, after #${first.op.id} returned at ${formatMs(first.op.returnMs)} ms) ` +
              `got ${second.name}, not above ${first.name}`,
          );
        }
      }
    }
  }
  return fromViolations(violations);
}
