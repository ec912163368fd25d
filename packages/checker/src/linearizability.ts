import { type CheckResult } from './check-result.ts';
import { formatMs } from './describe.ts';
import type { History } from './history.ts';
import { validateHistory } from './history-format.ts';
import { partitionHistory, type ModelOp, type Partition, type ReadConsistency } from './partition.ts';
import { describeState, possibleAnswers, stateKey, transitions, type ModelState } from './znode-model.ts';

export interface LinearizabilityOptions {
  /**
   * Search steps allowed for the whole history (each attempt to linearize an op, and each backtrack, is a
   * step). Running out gives `unknown`, never a pass. Steps, not wall-clock time, so a result replays
   * exactly; memory grows with the steps taken (one memo entry per new configuration).
   */
  stepBudget: number;
  /** How reads are checked; default `sequential` (ZooKeeper's guarantee for reads served by followers). */
  reads?: ReadConsistency;
  /**
   * Default true: an op with an unknown outcome, if it took effect at all, did so before the next op of
   * its session that got an answer (ZooKeeper applies a session's requests in the order sent; after a
   * reconnect, a request still travelling through the old server is refused with SESSIONMOVED). It also
   * keeps the search small: a maybe-applied op stops being a candidate once that op is placed. Set false
   * to let maybe-applied ops take effect at any time after their call.
   */
  fifoAcrossReconnects?: boolean;
}

export interface LinearizabilityStats {
  partitions: number;
  /** Ops checked, counting implicit ones (session ends, reaper) and each candidate of an unnamed sequential create. */
  operations: number;
  steps: number;
  /** The partition with the most ops: its paths and op count. */
  largestPartition: { paths: readonly string[]; operations: number } | undefined;
  /** Operations the per-path model leaves out, by reason. */
  notModelled: Record<string, number>;
}

export type LinearizabilityResult = CheckResult & { stats: LinearizabilityStats };

interface Entry {
  op: number;
  call: boolean;
  time: number;
  prev: Entry | null;
  next: Entry | null;
  /** The call entry's return entry (required ops only). */
  match: Entry | null;
}

interface Frame {
  entry: Entry;
  pass: number;
  prevState: number;
  nexts: readonly number[];
  branch: number;
  /** Taken greedily (a read-only op that fits): when it is undone, the configuration before it has failed too. */
  forced: boolean;
  /** The maybe-applied chain before this op was taken (see `searchPartition`). */
  prevChain: Chain;
  /** The frame below (frames are never changed once pushed, so a pointer to one is a snapshot of the order). */
  below: Frame | null;
  /** The state after this op. */
  state: number;
}

type Best = { required: number; top: Frame | null; state: number };

/** The op order a frame snapshot stands for, oldest first. */
function orderOf(top: Frame | null): number[] {
  const order: number[] = [];
  for (let f = top; f !== null; f = f.below) order.push(f.entry.op);
  return order.reverse();
}

export type SearchResult =
  | { kind: 'linearizable'; steps: number }
  | { kind: 'violation'; steps: number; best: Best; states: readonly ModelState[] }
  | { kind: 'budget'; steps: number; best: Best; states: readonly ModelState[] };

/**
 * The maybe-applied ops taken since the last required op: `last` (or -1) and those no later op of the
 * chain touched yet (`uncared`).
 */
interface Chain {
  last: number;
  uncared: readonly number[];
}

const emptyChain: Chain = { last: -1, uncared: [] };

/**
 * Wing & Gong's search with Lowe's just-in-time list and memoization on (linearized set, model state),
 * as in Porcupine, with reductions that keep some valid order reachable whenever one exists:
 * - Ops are tried in three passes per configuration: read-only ops that fit (taken greedily: linearizing a
 *   ready op that cannot change the state never loses a solution), then other required ops, then
 *   maybe-applied ones.
 * - Maybe-applied ops are only taken where they matter. In any valid order, a maybe-applied op u followed
 *   by a required op x that neither touches u's nodes nor is u's deadline can swap places with it (nothing
 *   waits for a maybe-applied op; ops on disjoint nodes commute), and two adjacent maybe-applied ops on
 *   disjoint nodes can be put in index order. Doing so until neither applies gives an order in which
 *   (a) consecutive maybe-applied ops on disjoint nodes are in index order, and (b) every maybe-applied op
 *   is touched by a later op of its chain or by the required op that ends the chain (or that op is its
 *   deadline). The search only builds such orders; without this, every stuck configuration would try each
 *   pending maybe-applied op (and each possible session end) as a wildcard.
 * - A maybe-applied op is dead once its deadline (its session's next op with a known outcome) is placed.
 */
export function searchPartition(partition: Partition, stepBudget: number): SearchResult {
  const ops = partition.ops;
  const n = ops.length;
  const head: Entry = { op: -1, call: false, time: -Infinity, prev: null, next: null, match: null };
  {
    const events: Entry[] = [];
    for (const op of ops) {
      const call: Entry = { op: op.index, call: true, time: op.effectiveCallMs, prev: null, next: null, match: null };
      events.push(call);
      if (op.required) {
        const ret: Entry = { op: op.index, call: false, time: op.returnMs, prev: null, next: null, match: null };
        call.match = ret;
        events.push(ret);
      }
    }
    // By time; at equal times calls first (touching intervals count as concurrent), then by op.
    events.sort((a, b) => (a.time === b.time ? 0 : a.time < b.time ? -1 : 1) || (a.call === b.call ? 0 : a.call ? -1 : 1) || a.op - b.op);
    let last = head;
    for (const e of events) {
      e.prev = last;
      last.next = e;
      last = e;
    }
  }
  const lift = (e: Entry): void => {
    (e.prev as Entry).next = e.next;
    if (e.next !== null) e.next.prev = e.prev;
    const m = e.match;
    if (m !== null) {
      (m.prev as Entry).next = m.next;
      if (m.next !== null) m.next.prev = m.prev;
    }
  };
  const unlift = (e: Entry): void => {
    const m = e.match;
    if (m !== null) {
      (m.prev as Entry).next = m;
      if (m.next !== null) m.next.prev = m;
    }
    (e.prev as Entry).next = e;
    if (e.next !== null) e.next.prev = e;
  };

  const states: ModelState[] = [];
  const stateIds = new Map<string, number>();
  const intern = (state: ModelState): number => {
    const key = stateKey(state);
    let id = stateIds.get(key);
    if (id === undefined) {
      id = states.length;
      states.push(state);
      stateIds.set(key, id);
    }
    return id;
  };
  const transitionCache = new Map<number, readonly number[]>();
  const nextStates = (op: ModelOp, state: number): readonly number[] => {
    const key = state * n + op.index;
    let found = transitionCache.get(key);
    if (found === undefined) {
      const ids: number[] = [];
      for (const next of transitions(states[state] as ModelState, op.steps, op.expect)) {
        const id = intern(next);
        if (!ids.includes(id)) ids.push(id);
      }
      found = ids;
      transitionCache.set(key, found);
    }
    return found;
  };

  const bits = new Uint32Array(Math.ceil(n / 32) + 1);
  const isSet = (i: number): boolean => ((bits[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  const flip = (i: number): void => {
    bits[i >>> 5] = (bits[i >>> 5] as number) ^ (1 << (i & 31));
  };
  const memo = new Set<string>();
  const isDead = (op: ModelOp): boolean => !op.required && op.deadline >= 0 && isSet(op.deadline);
  /**
   * The key starts at the first op still to place: every op below it is linearized, or is a maybe-applied
   * op whose deadline is placed (it can never be placed, so either way the future is the same; the
   * deadline has a higher index, so the key's bits decide which ops are dead).
   */
  const configKey = (state: number): string => {
    let first = head.next;
    while (first !== null && isDead(ops[first.op] as ModelOp)) first = first.next;
    const low = first === null ? n : first.op;
    let end = bits.length;
    while (end > 0 && bits[end - 1] === 0) end--;
    let key = `${state}:${low}:`;
    for (let w = low >>> 5; w < end; w++) {
      const word = bits[w] as number;
      key += String.fromCharCode(word & 0xffff, word >>> 16);
    }
    return key;
  };

  let state = intern(partition.initial);
  let requiredLeft = ops.filter((op) => op.required).length;
  const requiredTotal = requiredLeft;
  const stack: Frame[] = [];
  let best: Best = { required: 0, top: null, state };
  let steps = 0;

  let chain: Chain = emptyChain;
  const touches = (a: ModelOp, b: ModelOp): boolean => a.nodes.some((node) => b.nodes.includes(node));
  const fitsChain = (op: ModelOp): boolean => {
    if (chain.last < 0) return true;
    if (!op.required) {
      const last = ops[chain.last] as ModelOp;
      return op.index > last.index || touches(last, op);
    }
    return chain.uncared.every((u) => (ops[u] as ModelOp).deadline === op.index || touches(ops[u] as ModelOp, op));
  };
  const chainAfter = (op: ModelOp): Chain => {
    if (op.required) return emptyChain;
    return { last: op.index, uncared: [...chain.uncared.filter((u) => !touches(ops[u] as ModelOp, op)), op.index] };
  };
  /** Taken greedily: read-only, and no pending maybe-applied op has it as its deadline (placing it would rule that op out). */
  const forcible = (op: ModelOp): boolean => op.readOnly && op.deadlineFor.every(isSet);
  const eligible = (op: ModelOp, pass: number): boolean =>
    (pass === 0 ? forcible(op) : pass === 1 ? op.required && !forcible(op) : !op.required) &&
    (op.sessionPred < 0 || isSet(op.sessionPred)) &&
    !isDead(op) &&
    fitsChain(op);

  /** Linearize `entry`'s op into branch `branch` of `nexts` if that configuration is new. */
  const tryPush = (entry: Entry, pass: number, nexts: readonly number[], from: number): boolean => {
    const op = ops[entry.op] as ModelOp;
    for (let b = from; b < nexts.length; b++) {
      const next = nexts[b] as number;
      flip(op.index);
      lift(entry);
      const nextChain = chainAfter(op);
      // Inside a chain the search explores less, so such a configuration is remembered apart.
      const key = nextChain.last < 0 ? configKey(next) : `${configKey(next)}|${nextChain.last}/${nextChain.uncared.join(',')}`;
      if (!memo.has(key)) {
        memo.add(key);
        const frame: Frame = { entry, pass, prevState: state, nexts, branch: b, forced: pass === 0, prevChain: chain, below: stack[stack.length - 1] ?? null, state: next };
        stack.push(frame);
        state = next;
        chain = nextChain;
        if (op.required) requiredLeft--;
        const done = requiredTotal - requiredLeft;
        if (done > best.required) best = { required: done, top: frame, state };
        return true;
      }
      unlift(entry);
      flip(op.index);
    }
    return false;
  };

  let cursor: Entry | null = head.next;
  let pass = 0;
  for (;;) {
    if (requiredLeft === 0) return { kind: 'linearizable', steps };
    let advanced = false;
    scan: while (pass <= 2) {
      for (let e = cursor; e !== null && e.call; e = e.next) {
        const op = ops[e.op] as ModelOp;
        if (!eligible(op, pass)) continue;
        if (++steps > stepBudget) return { kind: 'budget', steps, best, states };
        const nexts = nextStates(op, state);
        if (tryPush(e, pass, nexts, 0)) {
          advanced = true;
          break scan;
        }
        // A read-only op fits but its configuration was explored already: this one fails as well.
        if (pass === 0 && nexts.length > 0) break scan;
      }
      pass++;
      cursor = head.next;
    }
    if (advanced) {
      cursor = head.next;
      pass = 0;
      continue;
    }
    // Backtrack: undo the last choice and try what comes after it.
    for (;;) {
      const frame = stack.pop();
      if (frame === undefined) return { kind: 'violation', steps, best, states };
      if (++steps > stepBudget) return { kind: 'budget', steps, best, states };
      const op = ops[frame.entry.op] as ModelOp;
      unlift(frame.entry);
      flip(op.index);
      state = frame.prevState;
      chain = frame.prevChain;
      if (op.required) requiredLeft++;
      if (frame.forced) continue;
      if (tryPush(frame.entry, frame.pass, frame.nexts, frame.branch + 1)) {
        cursor = head.next;
        pass = 0;
        break;
      }
      cursor = frame.entry.next;
      pass = frame.pass;
      break;
    }
  }
}

/** Why no order works: the longest order found, the state after it, and what each candidate next op needed. */
function explain(partition: Partition, best: Best, states: readonly ModelState[]): string {
  const ops = partition.ops;
  const order = orderOf(best.top);
  const done = new Set(order);
  const state = states[best.state] as ModelState;
  const requiredCount = ops.filter((op) => op.required).length;
  const lines: string[] = [];
  lines.push(`the longest order found takes ${best.required} of the ${requiredCount} ops with known outcomes${order.length === 0 ? '' : '; it ends with:'}`);
  for (const i of order.slice(-8)) lines.push(`    ${(ops[i] as ModelOp).label}`);
  lines.push(`  state after it: ${describeState(partition.paths, state)}`);
  const pending = ops.filter((op) => !done.has(op.index));
  let blocker: ModelOp | undefined;
  for (const op of pending) if (op.required && (blocker === undefined || op.returnMs < blocker.returnMs)) blocker = op;
  const limit = blocker === undefined ? Infinity : blocker.returnMs;
  const ready = pending.filter((op) => op.effectiveCallMs <= limit && (op.sessionPred < 0 || done.has(op.sessionPred)));
  lines.push('  and no operation can come next:');
  let shown = 0;
  for (const op of ready) {
    if (!op.required) continue;
    if (shown++ >= 6) break;
    if (transitions(state, op.steps, op.expect).length === 0) {
      lines.push(`    ${op.label}: here the model allows ${possibleAnswers(state, op.steps, op.multi).join(' or ')}`);
    } else {
      lines.push(`    ${op.label}: fits here, but no order of the remaining ops works after it`);
    }
  }
  const maybe = ready.filter((op) => !op.required).length;
  if (maybe > 0) lines.push(`    (and ${maybe} maybe-applied op(s), which do not help either)`);
  const waiting = pending.filter((op) => op.required && op.sessionPred >= 0 && !done.has(op.sessionPred) && op.effectiveCallMs <= limit).length;
  if (waiting > 0) lines.push(`    (${waiting} op(s) wait for an earlier op of their own session)`);
  const later = pending.filter((op) => op.required && op.effectiveCallMs > limit).length;
  if (blocker !== undefined && later > 0) {
    lines.push(`  (${later} later op(s) were called after ${blocker.label.split(' ')[0]} returned at ${formatMs(blocker.returnMs)} ms, so they must follow it)`);
  }
  return lines.join('\n');
}

/**
 * Linearizability per znode path (see partition.ts for how the history is split and what is modelled),
 * with unknown outcomes treated as possibly applied at any time after their call, or never.
 * A violation in any partition is reported even if another ran out of budget; partitions are searched
 * smallest first so one hard partition cannot starve the others of budget.
 */
export function checkLinearizability(history: History, options: LinearizabilityOptions): LinearizabilityResult {
  if (!(options.stepBudget > 0)) throw new RangeError(`stepBudget must be positive, got ${options.stepBudget}`);
  validateHistory(history);
  const reads = options.reads ?? 'sequential';
  const plan = partitionHistory(history, { reads, fifoAcrossReconnects: options.fifoAcrossReconnects ?? true });
  const partitions = [...plan.partitions].sort((a, b) => a.ops.length - b.ops.length);
  let largest: Partition | undefined;
  for (const p of plan.partitions) if (largest === undefined || p.ops.length > largest.ops.length) largest = p;
  const stats: LinearizabilityStats = {
    partitions: partitions.length,
    operations: partitions.reduce((sum, p) => sum + p.ops.length, 0),
    steps: 0,
    largestPartition: largest === undefined ? undefined : { paths: largest.paths, operations: largest.ops.length },
    notModelled: Object.fromEntries(plan.notModelled),
  };
  const undecided: string[] = [];
  for (const partition of partitions) {
    const remaining = options.stepBudget - stats.steps;
    const where = `${partition.paths.join(', ')} (${partition.ops.length} ops; reads ${reads})`;
    if (remaining <= 0) {
      undecided.push(`${where}: not searched, the step budget was spent`);
      continue;
    }
    const result = searchPartition(partition, remaining);
    stats.steps += Math.min(result.steps, remaining);
    if (result.kind === 'violation') {
      return { ok: false, violation: `not linearizable: ${where}\n  ${explain(partition, result.best, result.states)}`, stats };
    }
    if (result.kind === 'budget') {
      undecided.push(`${where}: the step budget ran out after ${result.steps} steps, with ${result.best.required} ops placed at best`);
    }
  }
  if (undecided.length > 0) {
    return { ok: 'unknown', reason: `step budget ${options.stepBudget} exhausted; undecided partitions:\n  ${undecided.join('\n  ')}`, stats };
  }
  return { ok: true, stats };
}
