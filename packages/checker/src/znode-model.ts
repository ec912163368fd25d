import { ErrorCode } from '@vivarium/protocol';
import { describeCode, describeValue } from './describe.ts';

/**
 * The sequential model the linearizability search runs: the znodes of one partition (a set of paths,
 * see partition.ts), each absent or present with data, version, ephemeral owner and reaper tag.
 * Only what one path's operations can observe is modelled; conditions on nodes outside the partition
 * (a parent that may be missing or ephemeral, children that may exist) are left open: where ZooKeeper
 * would decide by them, the model allows every answer they could produce. That is a relaxation (the model
 * accepts a superset of ZooKeeper's behaviours), so it can miss a violation that hinges on another path,
 * but never reports one that is not there.
 */
export interface NodeState {
  readonly data: string | null;
  readonly version: number;
  /** Ephemeral owner session (hex), null for other nodes. */
  readonly owner: string | null;
  /** For a container or TTL node, the index of the op that created it (its reaper may delete it); else -1. */
  readonly reapTag: number;
}

/** One entry per path of the partition, in the partition's path order. */
export type ModelState = ReadonlyArray<NodeState | null>;

/** Where a create's parent is: `/` (always there), a path of this partition, or outside the partition (unknown). */
export type ParentRef = { kind: 'root' } | { kind: 'partition'; node: number } | { kind: 'outside' };

export type Step =
  | { kind: 'create'; node: number; path: string; parent: ParentRef; data: string | null; owner: string | null; reapTag: number }
  | { kind: 'delete'; node: number; version: number; children: readonly number[] }
  | { kind: 'setData'; node: number; data: string | null; version: number }
  | { kind: 'check'; node: number; version: number }
  | { kind: 'getData'; node: number }
  | { kind: 'exists'; node: number }
  /** The owner session ended: its ephemeral here (if the node is one of its) is deleted. */
  | { kind: 'sessionEnd'; node: number; session: string }
  /** The container/TTL reaper deletes the node if it is still the incarnation `tag` created. */
  | { kind: 'reap'; node: number; tag: number };

/** What the recorded outcome requires of the model. */
export type Expectation =
  /** Every step succeeds; `values[i]` is the recorded ok value of step i (compared per step kind). */
  | { kind: 'ok'; values: readonly unknown[] }
  /** Some step fails with `code` (at `failedIndex` when known), after the earlier ones succeeded; nothing changes. */
  | { kind: 'error'; code: number; failedIndex?: number }
  /** Outcome unknown: only the outcomes that change the state matter (not applying it is the same as never linearizing it). */
  | { kind: 'maybe' }
  /** A session end or reaper deletion that must have happened (`required`) or may have. */
  | { kind: 'implicit'; required: boolean };

type Branch = { code: number; value: unknown; node: number; next?: NodeState | null };

const MAX_VERSION = 0x7fffffff;

/** ZooKeeper's version increment: wraps to the minimum and skips -1 (ZOOKEEPER-4743). */
export function nextVersion(version: number): number {
  const next = version === MAX_VERSION ? -0x80000000 : version + 1;
  return next === -1 ? 0 : next;
}

function versionMatches(requested: number, node: NodeState): boolean {
  return requested === -1 || requested === node.version;
}

/** Every answer ZooKeeper could give to one step in `state`, with the node it changes. */
function branches(state: ModelState, step: Step): Branch[] {
  const node = state[step.node] ?? null;
  switch (step.kind) {
    case 'create': {
      // ZooKeeper's order: parent exists (NONODE), node exists (NODEEXISTS), parent ephemeral (NOCHILDRENFOREPHEMERALS).
      const parent = step.parent.kind === 'partition' ? (state[step.parent.node] ?? null) : undefined;
      if (step.parent.kind === 'partition' && parent === null) return [{ code: ErrorCode.noNode, value: null, node: step.node }];
      if (node !== null) return [{ code: ErrorCode.nodeExists, value: null, node: step.node }];
      if (parent !== undefined && parent !== null && parent.owner !== null) {
        return [{ code: ErrorCode.noChildrenForEphemerals, value: null, node: step.node }];
      }
      const created: NodeState = { data: step.data, version: 0, owner: step.owner, reapTag: step.reapTag };
      const out: Branch[] = [{ code: 0, value: step.path, node: step.node, next: created }];
      if (step.parent.kind === 'outside') {
        out.push({ code: ErrorCode.noNode, value: null, node: step.node });
        out.push({ code: ErrorCode.noChildrenForEphemerals, value: null, node: step.node });
      }
      return out;
    }
    case 'delete': {
      if (node === null) return [{ code: ErrorCode.noNode, value: null, node: step.node }];
      if (!versionMatches(step.version, node)) return [{ code: ErrorCode.badVersion, value: null, node: step.node }];
      const notEmpty: Branch = { code: ErrorCode.notEmpty, value: null, node: step.node };
      if (step.children.some((child) => state[child] !== null)) return [notEmpty];
      const deleted: Branch = { code: 0, value: null, node: step.node, next: null };
      // An ephemeral node has no children; other nodes may have children outside the partition.
      return node.owner !== null ? [deleted] : [deleted, notEmpty];
    }
    case 'setData':
      if (node === null) return [{ code: ErrorCode.noNode, value: null, node: step.node }];
      if (!versionMatches(step.version, node)) return [{ code: ErrorCode.badVersion, value: null, node: step.node }];
      {
        const version = nextVersion(node.version);
        return [{ code: 0, value: { version }, node: step.node, next: { ...node, data: step.data, version } }];
      }
    case 'check':
      if (node === null) return [{ code: ErrorCode.noNode, value: null, node: step.node }];
      if (!versionMatches(step.version, node)) return [{ code: ErrorCode.badVersion, value: null, node: step.node }];
      return [{ code: 0, value: null, node: step.node }];
    case 'getData':
      if (node === null) return [{ code: ErrorCode.noNode, value: null, node: step.node }];
      return [{ code: 0, value: { data: node.data, version: node.version }, node: step.node }];
    case 'exists':
      return [{ code: 0, value: node === null ? null : { version: node.version }, node: step.node }];
    case 'sessionEnd':
      if (node !== null && node.owner === step.session) return [{ code: 0, value: null, node: step.node, next: null }];
      return [{ code: 0, value: null, node: step.node }];
    case 'reap':
      if (node !== null && node.reapTag === step.tag) return [{ code: 0, value: null, node: step.node, next: null }];
      return [{ code: 0, value: null, node: step.node }];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Does the recorded ok value of a step agree with the model's? */
function valueMatches(step: Step, recorded: unknown, model: unknown): boolean {
  switch (step.kind) {
    case 'create':
      return recorded === null || recorded === undefined || recorded === model;
    case 'setData':
      return isRecord(recorded) && isRecord(model) && recorded.version === model.version;
    case 'getData':
      return isRecord(recorded) && isRecord(model) && recorded.version === model.version && recorded.data === model.data;
    case 'exists':
      if (model === null || recorded === null) return model === recorded;
      return isRecord(recorded) && isRecord(model) && recorded.version === model.version;
    default:
      return true;
  }
}

/** A state with one node changed (copy on write). */
function withNode(state: ModelState, node: number, next: NodeState | null): ModelState {
  const copy = state.slice();
  copy[node] = next;
  return copy;
}

/**
 * The states `steps` can lead to from `state` given what the op's outcome requires (empty: the outcome
 * is impossible here). Steps run in order on one working state, as a multi's ops see the earlier ones.
 */
export function transitions(state: ModelState, steps: readonly Step[], expect: Expectation): ModelState[] {
  const out: ModelState[] = [];
  const visit = (index: number, current: ModelState): void => {
    if (index === steps.length) {
      if (expect.kind === 'error') return; // every step succeeded: not the recorded failure
      if ((expect.kind === 'maybe' || (expect.kind === 'implicit' && !expect.required)) && current === state) return;
      out.push(current);
      return;
    }
    const step = steps[index] as Step;
    for (const branch of branches(current, step)) {
      if (branch.code !== 0) {
        if (expect.kind === 'error' && branch.code === expect.code && (expect.failedIndex === undefined || expect.failedIndex === index)) {
          if (!out.includes(state)) out.push(state);
        }
        continue;
      }
      if (expect.kind === 'ok' && !valueMatches(step, expect.values[index], branch.value)) continue;
      if (expect.kind === 'error' && expect.failedIndex !== undefined && index >= expect.failedIndex) continue;
      visit(index + 1, branch.next === undefined ? current : withNode(current, branch.node, branch.next));
    }
  };
  visit(0, state);
  return out;
}

/** What the model would answer to `steps` in `state`, for violation messages ("the model allows ..."). */
export function possibleAnswers(state: ModelState, steps: readonly Step[], multi: boolean): string[] {
  const answers: string[] = [];
  const visit = (index: number, current: ModelState, values: unknown[]): void => {
    if (answers.length >= 8) return;
    if (index === steps.length) {
      answers.push(`ok ${describeValue(multi ? values : values[0])}`);
      return;
    }
    const step = steps[index] as Step;
    for (const branch of branches(current, step)) {
      if (branch.code !== 0) {
        const text = `error ${describeCode(branch.code)}${multi ? ` at sub-op ${index}` : ''}`;
        if (!answers.includes(text)) answers.push(text);
        continue;
      }
      visit(index + 1, branch.next === undefined ? current : withNode(current, branch.node, branch.next), [...values, branch.value]);
    }
  };
  visit(0, state, []);
  return answers;
}

/** True when the op, with this outcome, can never change the state (reads, failed writes). */
export function isReadOnly(steps: readonly Step[], expect: Expectation): boolean {
  if (expect.kind === 'error') return true;
  if (expect.kind !== 'ok') return false;
  return steps.every((step) => step.kind === 'getData' || step.kind === 'exists' || step.kind === 'check');
}

/** A canonical string for a model state (used to intern states). */
export function stateKey(state: ModelState): string {
  let key = '';
  for (const node of state) {
    if (node === null) key += '_\u0001';
    else key += `${node.version}|${node.owner ?? ''}|${node.reapTag}|${JSON.stringify(node.data)}\u0001`; // JSON escapes \u0001
  }
  return key;
}

export function describeState(paths: readonly string[], state: ModelState): string {
  return paths
    .map((path, i) => {
      const node = state[i] ?? null;
      if (node === null) return `${path} absent`;
      const extras = [node.owner === null ? '' : `ephemeral of ${node.owner}`, node.reapTag === -1 ? '' : 'reapable'].filter((x) => x !== '');
      return `${path} = {data ${node.data === null ? 'null' : JSON.stringify(node.data)}, version ${node.version}${extras.length === 0 ? '' : `, ${extras.join(', ')}`}}`;
    })
    .join('; ');
}
