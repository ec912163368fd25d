import { ErrorCode } from '@vivarium/protocol';
import { describeOperation, formatMs } from './describe.ts';
import type { History, MultiSubOp, Operation } from './history.ts';
import { pushTo } from './multimap.ts';
import { normalizeOutcome } from './outcome-codes.ts';
import { compareStrings, parentPath, sequenceNumber } from './paths.ts';
import { isReadOnly, type Expectation, type ModelState, type NodeState, type ParentRef, type Step } from './znode-model.ts';

/**
 * How reads are checked:
 * - `linearizable`: a read takes effect at one instant between its call and its return, like a write.
 * - `sequential`: ZooKeeper's guarantee for reads served by any member. A read may return a state older
 *   than its call (a lagging follower), but never older than what its own session already saw or wrote
 *   on that path (FIFO client order, no going back in time), and never one with a write issued after it
 *   returned.
 */
export type ReadConsistency = 'linearizable' | 'sequential';

export interface PartitionOptions {
  reads: ReadConsistency;
  /** Maybe-applied ops take effect before their session's next answered op, or never. */
  fifoAcrossReconnects: boolean;
}

/** One operation of a partition, compiled for the model. */
export interface ModelOp {
  /** Position in the partition (ops are sorted by effective call time). */
  index: number;
  /** The history operations it stands for (for messages). */
  ids: readonly number[];
  label: string;
  steps: readonly Step[];
  multi: boolean;
  expect: Expectation;
  /** Must be linearized (its outcome is known, or it is an implicit deletion known to have happened). */
  required: boolean;
  /** Can never change the state (reads, failed writes): the search takes it greedily. */
  readOnly: boolean;
  /** The partition nodes its steps read or write (a create reads its parent, a delete its children). */
  nodes: readonly number[];
  callMs: number;
  /** Infinity for ops that need not be linearized. */
  returnMs: number;
  /** The call time the search uses: the real one, or for a `sequential` read that of its session predecessor. */
  effectiveCallMs: number;
  /** The previous required op of the same session in this partition (FIFO client order), or -1. */
  sessionPred: number;
  /**
   * For a maybe-applied op: its session's next op in this partition with a known outcome, or -1. It takes
   * effect before that op or never (FIFO client order; see `LinearizabilityOptions.fifoAcrossReconnects`).
   */
  deadline: number;
  /** The maybe-applied ops whose deadline this op is. */
  deadlineFor: readonly number[];
}

export interface Partition {
  paths: readonly string[];
  ops: readonly ModelOp[];
  initial: ModelState;
}

export interface PartitionPlan {
  partitions: Partition[];
  /** Operations the per-path check does not model, by reason, with counts. */
  notModelled: Map<string, number>;
}

/** An operation (or an implicit event) before it is placed in a partition, its steps still naming paths. */
interface Item {
  ids: number[];
  label: string;
  session: string | null;
  subs: Array<{ path: string; make: (index: (path: string) => number, parent: (path: string) => ParentRef, children: (path: string) => number[]) => Step }>;
  multi: boolean;
  expect: Expectation;
  required: boolean;
  callMs: number;
  returnMs: number;
  /** A real client read (getData/exists), relaxed under `sequential` reads. */
  isRead: boolean;
  /** An op with a known outcome issued by a session: it orders that session's later ops (FIFO). */
  ordersSession: boolean;
  /**
   * The implicit end of `session`: it comes after the session's answered ops (a dead session answers
   * nothing) and, when known to have happened, is the deadline of its maybe-applied ops.
   */
  endsSession?: boolean;
}

const modelledErrors: Record<string, readonly number[]> = {
  create: [ErrorCode.noNode, ErrorCode.nodeExists, ErrorCode.noChildrenForEphemerals],
  delete: [ErrorCode.noNode, ErrorCode.badVersion, ErrorCode.notEmpty],
  setData: [ErrorCode.noNode, ErrorCode.badVersion],
  check: [ErrorCode.noNode, ErrorCode.badVersion],
  getData: [ErrorCode.noNode],
};

const rootPath = '/';

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (;;) {
      const p = this.parent.get(root);
      if (p === undefined || p === root) break;
      root = p;
    }
    if (!this.parent.has(x)) this.parent.set(x, x);
    // Path compression.
    let walk = x;
    while (walk !== root) {
      const next = this.parent.get(walk) as string;
      this.parent.set(walk, root);
      walk = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // Deterministic: the smaller string becomes the root.
    if (compareStrings(ra, rb) < 0) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

function createStep(sub: Extract<MultiSubOp, { type: 'create' }>, path: string, session: string, reapTag: number) {
  return (index: (p: string) => number, parent: (p: string) => ParentRef): Step => ({
    kind: 'create',
    node: index(path),
    path,
    parent: parent(path),
    data: sub.data,
    owner: sub.ephemeral ? session : null,
    reapTag: sub.container === true || sub.ttl === true ? reapTag : -1,
  });
}

function subStep(sub: MultiSubOp | { type: 'getData' | 'exists'; path: string }, path: string, session: string, reapTag: number): Item['subs'][number] {
  switch (sub.type) {
    case 'create':
      return { path, make: createStep(sub, path, session, reapTag) };
    case 'delete':
      return { path, make: (index, _parent, children) => ({ kind: 'delete', node: index(path), version: sub.version, children: children(path) }) };
    case 'setData':
      return { path, make: (index) => ({ kind: 'setData', node: index(path), data: sub.data, version: sub.version }) };
    case 'check':
      return { path, make: (index) => ({ kind: 'check', node: index(path), version: sub.version }) };
    case 'getData':
      return { path, make: (index) => ({ kind: 'getData', node: index(path) }) };
    case 'exists':
      return { path, make: (index) => ({ kind: 'exists', node: index(path) }) };
  }
}

/**
 * Splits a history into independent partitions for the per-path linearizability check.
 *
 * - Each path is its own partition, except that the paths one multi touches are joined (a multi is one
 *   atomic step of the joined model), transitively.
 * - A sequential create is an op on the path it returned. One whose name is unknown (unknown outcome)
 *   becomes a maybe-applied create in every partition of a path it could have created (same prefix plus
 *   a sequence suffix); each such copy is independent, a relaxation.
 * - An ephemeral's owner may end (close, expiry) and delete it: an implicit deletion per (session, path),
 *   required by the time the client's close() returned (`SessionRecord.closedAtMs`). A container or TTL node may be reaped at any time.
 * - getChildren, sync and errors the model does not cover (NOAUTH, BADARGUMENTS, ...) are left out
 *   (`notModelled`); so are reads with unknown outcomes (they change nothing), and failed sequential creates.
 */
export function partitionHistory(history: History, options: PartitionOptions): PartitionPlan {
  const notModelled = new Map<string, number>();
  const skip = (reason: string): void => {
    notModelled.set(reason, (notModelled.get(reason) ?? 0) + 1);
  };
  const items: Item[] = [];
  /** Sequential creates whose name is not known: candidates for every path they could have made. */
  const unnamed: Array<{ source: Operation; sub: Extract<MultiSubOp, { type: 'create' }>; subIndex: number | undefined }> = [];
  let nextReapTag = 0;

  // Sessions: when each was closed (its ephemerals gone by then), and the last call it made that the
  // server answered. An expiry the client was told about gives no such bound (see SessionRecord).
  const endedBy = new Map<string, number>();
  for (const record of history.sessions) {
    if (record.closedAtMs !== undefined) endedBy.set(record.session, Math.min(endedBy.get(record.session) ?? Infinity, record.closedAtMs));
  }
  const lastAnsweredCall = new Map<string, number>();
  for (const op of history.operations) {
    if (op.outcome.kind === 'ok') lastAnsweredCall.set(op.session, Math.max(lastAnsweredCall.get(op.session) ?? -Infinity, op.callMs));
  }
  /** (session, path) -> earliest call of an ephemeral create there. */
  const ephemeralCreates = new Map<string, { session: string; path: string; callMs: number; ids: number[] }>();
  const noteEphemeral = (session: string, path: string, callMs: number, id: number): void => {
    const key = `${session}\u0000${path}`;
    const seen = ephemeralCreates.get(key);
    if (seen === undefined) ephemeralCreates.set(key, { session, path, callMs, ids: [id] });
    else {
      seen.callMs = Math.min(seen.callMs, callMs);
      if (!seen.ids.includes(id)) seen.ids.push(id);
    }
  };
  const noteReap = (source: Operation, sub: Extract<MultiSubOp, { type: 'create' }>, path: string, tag: number): void => {
    if (sub.container !== true && sub.ttl !== true) return;
    items.push({
      ids: [source.id],
      label: `the reaper deletes ${path} (created by #${source.id} as a ${sub.container === true ? 'container' : 'TTL node'}) [after ${formatMs(source.callMs)} ms, maybe never]`,
      session: null,
      subs: [{ path, make: (index) => ({ kind: 'reap', node: index(path), tag }) }],
      multi: false,
      expect: { kind: 'implicit', required: false },
      required: false,
      callMs: source.callMs,
      returnMs: Infinity,
      isRead: false,
      ordersSession: false,
    });
  };

  for (const op of history.operations) {
    const outcome = normalizeOutcome(op.outcome);
    const body = op.op;
    const base = { ids: [op.id], label: describeOperation(op), session: op.session, callMs: op.callMs, isRead: false };
    const known = outcome.kind !== 'unknown';
    const required = { required: known, returnMs: known ? op.returnMs : Infinity, ordersSession: known };
    switch (body.type) {
      case 'sync':
        skip('sync');
        continue;
      case 'getChildren':
        skip('getChildren (children span paths)');
        continue;
      case 'check':
        skip('check outside a multi');
        continue;
      case 'getData':
      case 'exists': {
        if (outcome.kind === 'unknown') {
          skip('reads with unknown outcome');
          continue;
        }
        let expect: Expectation;
        if (outcome.kind === 'ok') expect = { kind: 'ok', values: [outcome.value] };
        else if (outcome.code === ErrorCode.noNode) expect = body.type === 'exists' ? { kind: 'ok', values: [null] } : { kind: 'error', code: outcome.code };
        else {
          skip(`${body.type} error ${outcome.code}`);
          continue;
        }
        items.push({ ...base, ...required, isRead: true, subs: [subStep(body, body.path, op.session, -1)], multi: false, expect });
        continue;
      }
      case 'create':
      case 'delete':
      case 'setData': {
        if (outcome.kind === 'error' && !(modelledErrors[body.type] ?? []).includes(outcome.code)) {
          skip(`${body.type} error ${outcome.code}`);
          continue;
        }
        let path = body.path;
        if (body.type === 'create' && body.sequential) {
          if (outcome.kind === 'error') {
            skip('failed sequential creates');
            continue;
          }
          if (outcome.kind === 'unknown' || typeof outcome.value !== 'string') {
            unnamed.push({ source: op, sub: body, subIndex: undefined });
            continue;
          }
          path = outcome.value;
        }
        const tag = nextReapTag++;
        if (body.type === 'create' && outcome.kind !== 'error') {
          if (body.ephemeral) noteEphemeral(op.session, path, op.callMs, op.id);
          noteReap(op, body, path, tag);
        }
        const expect: Expectation =
          outcome.kind === 'ok' ? { kind: 'ok', values: [outcome.value] } : outcome.kind === 'error' ? { kind: 'error', code: outcome.code } : { kind: 'maybe' };
        items.push({ ...base, ...required, subs: [subStep(body, path, op.session, tag)], multi: false, expect });
        continue;
      }
      case 'multi': {
        if (outcome.kind === 'error') {
          const codes = new Set(body.ops.flatMap((sub) => modelledErrors[sub.type] ?? []));
          if (!codes.has(outcome.code)) {
            skip(`multi error ${outcome.code}`);
            continue;
          }
          if (body.ops.some((sub) => sub.type === 'create' && sub.sequential)) {
            skip('failed multis with a sequential create');
            continue;
          }
        }
        const values = outcome.kind === 'ok' ? (outcome.value as unknown[]) : [];
        const subs: Item['subs'] = [];
        const subValues: unknown[] = [];
        let failedIndex = outcome.kind === 'error' ? outcome.failedIndex : undefined;
        body.ops.forEach((sub, i) => {
          let path = sub.path;
          if (sub.type === 'create' && sub.sequential) {
            const value = values[i];
            if (outcome.kind !== 'ok' || typeof value !== 'string') {
              // Name unknown: a separate maybe-applied create (a relaxation of the multi's atomicity for this sub-op).
              unnamed.push({ source: op, sub, subIndex: i });
              return;
            }
            path = value;
          }
          const tag = nextReapTag++;
          if (sub.type === 'create' && outcome.kind !== 'error') {
            if (sub.ephemeral) noteEphemeral(op.session, path, op.callMs, op.id);
            noteReap(op, sub, path, tag);
          }
          if (failedIndex !== undefined && i === failedIndex) failedIndex = subs.length;
          subs.push(subStep(sub, path, op.session, tag));
          subValues.push(values[i]);
        });
        if (subs.length === 0) continue;
        const expect: Expectation =
          outcome.kind === 'ok'
            ? { kind: 'ok', values: subValues }
            : outcome.kind === 'error'
              ? failedIndex === undefined ? { kind: 'error', code: outcome.code } : { kind: 'error', code: outcome.code, failedIndex }
              : { kind: 'maybe' };
        items.push({ ...base, ...required, subs, multi: true, expect });
        continue;
      }
    }
  }

  // Every path an op names; unnamed sequential creates become candidates for the ones they could have made.
  const knownPaths = new Set<string>();
  for (const item of items) for (const sub of item.subs) knownPaths.add(sub.path);
  const sortedPaths = [...knownPaths].sort(compareStrings);
  for (const { source, sub, subIndex } of unnamed) {
    const where = subIndex === undefined ? '' : ` (sub-op ${subIndex})`;
    for (const path of sortedPaths) {
      if (sequenceNumber(sub.path, path) === undefined) continue;
      const tag = nextReapTag++;
      if (sub.ephemeral) noteEphemeral(source.session, path, source.callMs, source.id);
      noteReap(source, sub, path, tag);
      items.push({
        ids: [source.id],
        label: `${describeOperation(source)}${where}, maybe as ${path}`,
        session: source.session,
        subs: [{ path, make: createStep(sub, path, source.session, tag) }],
        multi: false,
        expect: { kind: 'maybe' },
        required: false,
        callMs: source.callMs,
        returnMs: Infinity,
        isRead: false,
        ordersSession: false,
      });
    }
  }

  for (const { session, path, callMs, ids } of ephemeralCreates.values()) {
    const from = Math.max(callMs, lastAnsweredCall.get(session) ?? -Infinity);
    const ended = endedBy.get(session);
    const required = ended !== undefined;
    const by = required ? Math.max(ended, from) : Infinity;
    items.push({
      ids,
      label: `session ${session} ends and its ephemeral ${path} goes [${formatMs(from)}–${formatMs(by)} ms${required ? '' : ', maybe never'}]`,
      session,
      endsSession: true,
      subs: [{ path, make: (index) => ({ kind: 'sessionEnd', node: index(path), session }) }],
      multi: false,
      expect: { kind: 'implicit', required },
      required,
      callMs: from,
      returnMs: by,
      isRead: false,
      ordersSession: false,
    });
  }

  // Join the paths of each multi.
  const groups = new UnionFind();
  for (const item of items) {
    const first = item.subs[0];
    if (first === undefined) continue;
    for (const sub of item.subs) groups.union(first.path, sub.path);
  }
  const byRoot = new Map<string, Item[]>();
  for (const item of items) {
    const root = groups.find((item.subs[0] as Item['subs'][number]).path);
    const list = byRoot.get(root);
    if (list === undefined) byRoot.set(root, [item]);
    else list.push(item);
  }
  const pathsByRoot = new Map<string, string[]>();
  for (const path of knownPaths) {
    const root = groups.find(path);
    const list = pathsByRoot.get(root);
    if (list === undefined) pathsByRoot.set(root, [path]);
    else list.push(path);
  }

  const initialNodes = new Map<string, NodeState>();
  initialNodes.set(rootPath, { data: '', version: 0, owner: null, reapTag: -1 });
  for (const node of history.initialNodes ?? []) initialNodes.set(node.path, { data: node.data, version: node.version, owner: null, reapTag: -1 });

  const partitions: Partition[] = [];
  for (const root of [...byRoot.keys()].sort(compareStrings)) {
    const paths = (pathsByRoot.get(root) ?? []).sort(compareStrings);
    const indexOf = new Map(paths.map((p, i) => [p, i]));
    const index = (p: string): number => indexOf.get(p) as number;
    const parent = (p: string): ParentRef => {
      const parentOf = parentPath(p);
      if (parentOf === rootPath) return { kind: 'root' };
      const at = parentOf === undefined ? undefined : indexOf.get(parentOf);
      return at === undefined ? { kind: 'outside' } : { kind: 'partition', node: at };
    };
    const children = (p: string): number[] => paths.flatMap((c, i) => (parentPath(c) === p ? [i] : []));
    partitions.push(compilePartition(paths, byRoot.get(root) as Item[], { index, parent, children }, initialNodes, options));
  }
  return { partitions, notModelled };
}

/** Order within a session at equal call times: by op id; a session's end after all its ops. */
function sortId(item: Item): number {
  return item.endsSession === true ? Infinity : (item.ids[0] ?? 0);
}

function touchedNodes(steps: readonly Step[]): number[] {
  const nodes = new Set<number>();
  for (const step of steps) {
    nodes.add(step.node);
    if (step.kind === 'create' && step.parent.kind === 'partition') nodes.add(step.parent.node);
    if (step.kind === 'delete') for (const child of step.children) nodes.add(child);
  }
  return [...nodes];
}

function compilePartition(
  paths: string[],
  items: Item[],
  resolve: { index: (p: string) => number; parent: (p: string) => ParentRef; children: (p: string) => number[] },
  initialNodes: ReadonlyMap<string, NodeState>,
  { reads, fifoAcrossReconnects }: PartitionOptions,
): Partition {
  // Session order: by call time, then by id (a session's ids increase in call order).
  const byCall = items
    .map((item, order) => ({ item, order }))
    .sort((a, b) => a.item.callMs - b.item.callMs || sortId(a.item) - sortId(b.item) || a.order - b.order);
  const lastOfSession = new Map<string, number>();
  const pred: number[] = [];
  const effective: number[] = [];
  const deadline: number[] = byCall.map(() => -1);
  const waiting = new Map<string, number[]>();
  byCall.forEach(({ item }, i) => {
    const relaxed = reads === 'sequential' && item.isRead;
    if (item.session !== null && fifoAcrossReconnects) {
      if (!item.required && item.endsSession !== true) pushTo(waiting, item.session, i);
      // A `sequential` read may be served by a member that has not applied the earlier op yet.
      else if ((item.ordersSession && !relaxed) || (item.required && item.endsSession === true)) {
        for (const u of waiting.get(item.session) ?? []) deadline[u] = i;
        waiting.delete(item.session);
      }
    }
    const before = item.session === null ? undefined : lastOfSession.get(item.session);
    pred.push(before ?? -1);
    // A `sequential` read may take effect as early as its session predecessor (or the start).
    effective.push(relaxed ? (before === undefined ? -Infinity : (effective[before] as number)) : item.callMs);
    if (item.session !== null && item.ordersSession) lastOfSession.set(item.session, i);
  });
  const order = byCall.map((_, i) => i).sort((a, b) => (effective[a] as number) - (effective[b] as number) || a - b);
  const position = new Array<number>(order.length);
  order.forEach((i, at) => {
    position[i] = at;
  });
  const ops: ModelOp[] = order.map((i, at) => {
    const { item } = byCall[i] as { item: Item };
    const steps = item.subs.map((sub) => sub.make(resolve.index, resolve.parent, resolve.children));
    const before = pred[i] as number;
    return {
      index: at,
      ids: item.ids,
      label: item.label,
      steps,
      multi: item.multi,
      expect: item.expect,
      required: item.required,
      readOnly: isReadOnly(steps, item.expect),
      nodes: touchedNodes(steps),
      callMs: item.callMs,
      returnMs: item.returnMs,
      effectiveCallMs: effective[i] as number,
      sessionPred: before === -1 ? -1 : (position[before] as number),
      deadline: deadline[i] === -1 ? -1 : (position[deadline[i] as number] as number),
      deadlineFor: [],
    };
  });
  for (const op of ops) if (op.deadline >= 0) ((ops[op.deadline] as ModelOp).deadlineFor as number[]).push(op.index);
  const initial = paths.map((p) => initialNodes.get(p) ?? null);
  return { paths, ops, initial };
}

