import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from '../../../test/support/property-seed.ts';
import { bruteForceLinearizable } from '../test-support/brute-force.ts';
import { referenceExecution, seededRandom, type ReferenceOptions } from '../test-support/reference-execution.ts';
import type { History, Operation } from './history.ts';
import { checkLinearizability, searchPartition } from './linearizability.ts';
import { partitionHistory } from './partition.ts';

const options = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  operations: fc.integer({ min: 5, max: 120 }),
  clients: fc.integer({ min: 1, max: 5 }),
  paths: fc.integer({ min: 1, max: 4 }),
  windowMs: fc.integer({ min: 0, max: 12 }),
  unknownRate: fc.constantFrom(0, 0.05, 0.15),
  sessionEndRate: fc.constantFrom(0, 0.02),
});

function failure(result: ReturnType<typeof checkLinearizability>): string {
  return result.ok === false ? result.violation : result.ok === 'unknown' ? result.reason : '';
}

/** Replace one successful getData's result with a value its path had earlier (a stale read). */
function staleRead(history: History, pathHistory: Map<string, Array<{ at: number; node: { data: string | null; version: number } | null }>>, pointOf: Map<number, number>, seed: number): History | undefined {
  const random = seededRandom(seed);
  const candidates = history.operations.filter((op) => {
    if (op.op.type !== 'getData' || op.outcome.kind !== 'ok') return false;
    const value = op.outcome.value as { data: string | null; version: number };
    const at = pointOf.get(op.id) as number;
    return (pathHistory.get(op.op.path) ?? []).some((h) => h.at < at && h.node !== null && (h.node.version !== value.version || h.node.data !== value.data));
  });
  if (candidates.length === 0) return undefined;
  const target = candidates[random.int(candidates.length)] as Operation;
  const value = (target.outcome as { value: { data: string | null; version: number } }).value;
  const at = pointOf.get(target.id) as number;
  const older = (pathHistory.get((target.op as { path: string }).path) ?? []).filter(
    (h) => h.at < at && h.node !== null && (h.node.version !== value.version || h.node.data !== value.data),
  );
  const pick = older[random.int(older.length)] as { node: { data: string | null; version: number } };
  const operations = history.operations.map((op) => (op === target ? { ...op, outcome: { kind: 'ok' as const, value: { data: pick.node.data, version: pick.node.version } } } : op));
  return { ...history, operations };
}

describe('checkLinearizability on reference executions', () => {
  it('judges every history of a sequential reference execution linearizable', () => {
    const seed = propertySeed(0x11ea, 'linearizable reference executions');
    fc.assert(
      fc.property(options, (o) => {
        const { history } = referenceExecution({ ...o, reads: 'linearizable' });
        for (const reads of ['linearizable', 'sequential'] as const) {
          const result = checkLinearizability(history, { stepBudget: 200_000, reads });
          expect(result.ok, failure(result)).toBe(true);
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('accepts unknown ops that take effect after later ops of their session when told not to assume FIFO', () => {
    const seed = propertySeed(0xf1f0, 'late unknown ops');
    fc.assert(
      fc.property(options, (o) => {
        const { history } = referenceExecution({ ...o, reads: 'linearizable', lateAfterSessionOps: true });
        const result = checkLinearizability(history, { stepBudget: 200_000, reads: 'linearizable', fifoAcrossReconnects: false });
        expect(result.ok, failure(result)).toBe(true);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('accepts lagging (follower) reads under sequential reads', () => {
    const seed = propertySeed(0x1a66, 'lagging reads');
    fc.assert(
      fc.property(options, (o) => {
        const { history } = referenceExecution({ ...o, reads: 'lagging' });
        const result = checkLinearizability(history, { stepBudget: 200_000, reads: 'sequential' });
        expect(result.ok, failure(result)).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('catches a read result swapped for an older value most of the time', () => {
    const seed = propertySeed(0x57a1e, 'stale read mutation');
    let mutated = 0;
    let caught = 0;
    let undecided = 0;
    fc.assert(
      fc.property(options, fc.integer({ min: 0, max: 0x7fffffff }), (o, pick) => {
        const execution = referenceExecution({ ...o, unknownRate: 0, reads: 'linearizable' });
        const history = staleRead(execution.history, execution.pathHistory, execution.pointOf, pick);
        if (history === undefined) return;
        mutated++;
        const result = checkLinearizability(history, { stepBudget: 200_000, reads: 'linearizable' });
        if (result.ok === false) caught++;
        if (result.ok === 'unknown') undecided++;
      }),
      { seed, numRuns: 300 },
    );
    console.log(`[property] stale read mutation: ${caught} of ${mutated} mutated histories caught, ${undecided} undecided`);
    expect(mutated).toBeGreaterThan(100);
    expect(caught / mutated).toBeGreaterThan(0.6);
  });

  it('checks a few thousand ops on 20 paths well within the step budget', () => {
    const o: ReferenceOptions = { seed: 20250101, operations: 3000, clients: 8, paths: 10, windowMs: 6, unknownRate: 0.03, reads: 'linearizable', sessionEndRate: 0.005 };
    const { history } = referenceExecution(o);
    const stepBudget = 500_000;
    const result = checkLinearizability(history, { stepBudget, reads: 'linearizable' });
    console.log(`[perf] ${history.operations.length} ops, ${result.stats.partitions} partitions, ${result.stats.steps} steps (budget ${stepBudget}), largest partition ${result.stats.largestPartition?.operations} ops`);
    expect(result.ok, failure(result)).toBe(true);
    expect(result.stats.steps).toBeLessThan(stepBudget / 2);
    const sequential = checkLinearizability(referenceExecution({ ...o, reads: 'lagging' }).history, { stepBudget, reads: 'sequential' });
    expect(sequential.ok, failure(sequential)).toBe(true);
  });
});

describe('the search against the plain definition', () => {
  it('agrees with a brute-force search on small, randomly corrupted histories', () => {
    const seed = propertySeed(0xb7f0, 'search vs brute force');
    const small = fc.record({
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      operations: fc.integer({ min: 2, max: 9 }),
      clients: fc.integer({ min: 1, max: 3 }),
      paths: fc.integer({ min: 1, max: 2 }),
      windowMs: fc.integer({ min: 0, max: 6 }),
      unknownRate: fc.constantFrom(0, 0.2, 0.4),
      sessionEndRate: fc.constantFrom(0, 0.1),
      reads: fc.constantFrom('linearizable' as const, 'lagging' as const),
      lateAfterSessionOps: fc.boolean(),
    });
    let checked = 0;
    let violations = 0;
    fc.assert(
      fc.property(small, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 2 }), fc.constantFrom('linearizable' as const, 'sequential' as const), fc.boolean(), (o, corruptions, reads, fifo) => {
        const { history } = referenceExecution(o);
        const operations = history.operations.map((op) => ({ ...op }));
        for (const [which, kind, value] of corruptions) {
          const op = operations[which % operations.length] as Operation;
          const codes = [-101, -103, -110, -111, -108];
          op.outcome =
            kind % 4 === 0 ? { kind: 'unknown' }
            : kind % 4 === 1 ? { kind: 'error', code: codes[value % codes.length] as number }
            : op.op.type === 'getData' ? { kind: 'ok', value: { data: `v${value % 3}`, version: value % 3 } }
            : op.op.type === 'setData' ? { kind: 'ok', value: { version: value % 4 } }
            : op.op.type === 'exists' ? { kind: 'ok', value: value % 2 === 0 ? null : { version: value % 3 } }
            : op.outcome;
          if (op.outcome.kind !== 'unknown' && !Number.isFinite(op.returnMs)) op.returnMs = op.callMs + 1;
        }
        const corrupted: History = { ...history, operations };
        for (const partition of partitionHistory(corrupted, { reads, fifoAcrossReconnects: fifo }).partitions) {
          const search = searchPartition(partition, 1_000_000);
          expect(search.kind).not.toBe('budget');
          const expected = bruteForceLinearizable(partition);
          expect(search.kind === 'linearizable', `paths ${partition.paths.join(', ')}: search says ${search.kind}, brute force ${expected}`).toBe(expected);
          checked++;
          if (!expected) violations++;
        }
      }),
      { seed, numRuns: 1500 },
    );
    console.log(`[property] search vs brute force: ${checked} partitions, ${violations} not linearizable`);
    expect(violations).toBeGreaterThan(50);
  });
});
