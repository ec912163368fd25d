import { ErrorCode } from '@vivarium/protocol';
import type { History, MultiSubOp, Operation, Outcome, SessionRecord, ZnodeOp } from '../src/history.ts';
import { nextVersion } from '../src/znode-model.ts';

/**
 * Histories from a sequential reference execution of ZooKeeper's tree semantics: each operation takes
 * effect at one instant (its linearization point) inside a random call/return window, so the history is
 * linearizable by construction. Reads can instead be served from an older state (`lagging` reads, like a
 * follower), never older than what the session already saw: sequentially consistent, not linearizable.
 */
export interface ReferenceOptions {
  seed: number;
  operations: number;
  clients: number;
  /** Top-level paths; each also gets a child `<path>/c`. */
  paths: number;
  /** Largest call-to-effect and effect-to-return delay, in ms: bigger means more concurrency. */
  windowMs: number;
  /** Probability that an op's outcome is unknown (then it is applied, applied later, or lost). */
  unknownRate: number;
  reads: 'linearizable' | 'lagging';
  /** Probability that a client's session ends between its ops (its ephemerals go; it opens a new one). */
  sessionEndRate?: number;
  /**
   * Let an unknown op that is applied late take effect after later ops of its own session (not what
   * ZooKeeper does; check such histories with `fifoAcrossReconnects: false`). Default: before them.
   */
  lateAfterSessionOps?: boolean;
}

export interface ReferenceExecution {
  history: History;
  /** For mutation tests: every value each path had, by linearization point. */
  pathHistory: Map<string, Array<{ at: number; node: RefNode | null }>>;
  /** Linearization point of each op that took effect (by op id); reads: the state they saw. */
  pointOf: Map<number, number>;
}

export interface RefNode {
  data: string | null;
  version: number;
  owner: string | null;
  /** Children ever created (the sequence counter). */
  created: number;
  children: number;
}

/** mulberry32: small, seeded, deterministic. */
export function seededRandom(seed: number): { next: () => number; int: (n: number) => number; chance: (p: number) => boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), chance: (p) => next() < p };
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};

type Tree = Map<string, RefNode>;

type Result = { code: number; values: unknown[] };

/** Apply ops in order on a copy; commit only if all succeed (a multi), as ZooKeeper does. */
function apply(tree: Tree, ops: readonly MultiSubOp[], session: string): { result: Result; tree: Tree } {
  const work: Tree = new Map(tree);
  const touch = (path: string): RefNode | undefined => {
    const node = work.get(path);
    if (node === undefined) return undefined;
    const copy = { ...node };
    work.set(path, copy);
    return copy;
  };
  const values: unknown[] = [];
  for (const op of ops) {
    const parent = touch(parentOf(op.path));
    const node = touch(op.path);
    switch (op.type) {
      case 'create': {
        if (parent === undefined) return { result: { code: ErrorCode.noNode, values }, tree };
        const path = op.sequential ? `${op.path}${String(parent.created).padStart(10, '0')}` : op.path;
        if (work.has(path)) return { result: { code: ErrorCode.nodeExists, values }, tree };
        if (parent.owner !== null) return { result: { code: ErrorCode.noChildrenForEphemerals, values }, tree };
        parent.created++;
        parent.children++;
        work.set(path, { data: op.data, version: 0, owner: op.ephemeral ? session : null, created: 0, children: 0 });
        values.push(path);
        break;
      }
      case 'delete':
        if (node === undefined) return { result: { code: ErrorCode.noNode, values }, tree };
        if (op.version !== -1 && op.version !== node.version) return { result: { code: ErrorCode.badVersion, values }, tree };
        if (node.children > 0) return { result: { code: ErrorCode.notEmpty, values }, tree };
        work.delete(op.path);
        if (parent !== undefined) parent.children--;
        values.push(null);
        break;
      case 'setData':
        if (node === undefined) return { result: { code: ErrorCode.noNode, values }, tree };
        if (op.version !== -1 && op.version !== node.version) return { result: { code: ErrorCode.badVersion, values }, tree };
        node.data = op.data;
        node.version = nextVersion(node.version);
        values.push({ version: node.version });
        break;
      case 'check':
        if (node === undefined) return { result: { code: ErrorCode.noNode, values }, tree };
        if (op.version !== -1 && op.version !== node.version) return { result: { code: ErrorCode.badVersion, values }, tree };
        values.push(null);
        break;
    }
  }
  return { result: { code: 0, values }, tree: work };
}

export function referenceExecution(options: ReferenceOptions): ReferenceExecution {
  const random = seededRandom(options.seed);
  const top = Array.from({ length: options.paths }, (_, i) => `/p${i}`);
  const all = [...top, ...top.map((p) => `${p}/c`)];
  let tree: Tree = new Map([
    ['/', { data: '', version: 0, owner: null, created: 0, children: 1 }],
    ['/q', { data: null, version: 0, owner: null, created: 0, children: 0 }],
  ]);
  const pathHistory = new Map<string, Array<{ at: number; node: RefNode | null }>>();
  const record = (at: number): void => {
    for (const path of new Set([...all, ...[...tree.keys()].filter((p) => p.startsWith('/q/'))])) {
      const node = tree.get(path) ?? null;
      const list = pathHistory.get(path) ?? [];
      const last = list[list.length - 1];
      if (last === undefined || last.node !== node) {
        list.push({ at, node: node === null ? null : { ...node } });
        pathHistory.set(path, list);
      }
    }
  };
  /** Trees after each write, for lagging reads: [point, tree, zxid]. */
  const snapshots: Array<{ at: number; tree: Tree; zxid: bigint }> = [{ at: 0, tree, zxid: 0x100000000n }];
  record(0);
  let zxid = 0x100000000n;
  let clock = 0;
  let nextSession = 1;
  const clients = Array.from({ length: options.clients }, (_, i) => ({ id: i, session: (nextSession++).toString(16), freeAt: 0, seen: 0 }));
  const sessions: SessionRecord[] = clients.map((c) => ({ session: c.session, client: c.id }));
  const operations: Operation[] = [];
  const pointOf = new Map<number, number>();
  const deferred: Array<{ due: number; op: Operation; subs: MultiSubOp[] }> = [];
  const seqNames: string[] = [];

  const commitWrite = (op: Operation, subs: MultiSubOp[], at: number): Result => {
    const { result, tree: next } = apply(tree, subs, op.session);
    tree = next;
    zxid++;
    snapshots.push({ at, tree, zxid });
    record(at);
    pointOf.set(op.id, at);
    return result;
  };

  const randomPath = (): string => all[random.int(all.length)] as string;
  const data = (): string => `v${random.int(6)}`;
  const version = (): number => (random.chance(0.5) ? -1 : random.int(3));
  const randomSub = (): MultiSubOp => {
    const path = randomPath();
    switch (random.int(4)) {
      case 0:
        return { type: 'create', path, data: data(), sequential: false, ephemeral: random.chance(0.2) };
      case 1:
        return { type: 'delete', path, version: version() };
      case 2:
        return { type: 'setData', path, data: data(), version: version() };
      default:
        return { type: 'check', path, version: version() };
    }
  };

  for (let i = 0; i < options.operations; i++) {
    // Deferred unknown ops that take effect now.
    for (let d = deferred.length - 1; d >= 0; d--) {
      const item = deferred[d] as (typeof deferred)[number];
      if (item.due > i) continue;
      deferred.splice(d, 1);
      clock += 1;
      commitWrite(item.op, item.subs, clock);
    }
    const client = clients[random.int(clients.length)] as (typeof clients)[number];
    if (options.lateAfterSessionOps !== true) {
      // A late op of this session takes effect before the session's next op.
      for (let d = 0; d < deferred.length; d++) {
        const item = deferred[d] as (typeof deferred)[number];
        if (item.op.session !== client.session) continue;
        deferred.splice(d--, 1);
        clock += 1;
        commitWrite(item.op, item.subs, clock);
      }
    }
    if (options.sessionEndRate !== undefined && random.chance(options.sessionEndRate)) {
      // The session ends (expiry): its ephemerals go in one step; the client learns a little later.
      const at = Math.max(clock, client.freeAt) + 1;
      clock = at;
      const ended = client.session;
      // Its requests still in flight are lost with it.
      for (let d = deferred.length - 1; d >= 0; d--) if ((deferred[d] as (typeof deferred)[number]).op.session === ended) deferred.splice(d, 1);
      const next: Tree = new Map(tree);
      for (const [path, node] of tree) {
        if (node.owner !== ended) continue;
        next.delete(path);
        const parent = next.get(parentOf(path));
        if (parent !== undefined) next.set(parentOf(path), { ...parent, children: parent.children - 1 });
      }
      tree = next;
      zxid++;
      snapshots.push({ at, tree, zxid });
      record(at);
      const learned = at + 1 + random.int(options.windowMs + 1);
      // The client learns after the ephemerals went: as if its close() returned then.
      (sessions.find((s) => s.session === ended) as SessionRecord).closedAtMs = learned;
      client.session = (nextSession++).toString(16);
      sessions.push({ session: client.session, client: client.id });
      client.freeAt = learned;
      client.seen = 0;
    }
    const callMs = Math.max(client.freeAt + 1, clock - random.int(options.windowMs + 1));
    const at = Math.max(clock + 1, callMs);
    clock = at;
    const returnMs = at + random.int(options.windowMs + 1);
    client.freeAt = returnMs;
    const op: Operation = { id: i + 1, client: client.id, session: client.session, op: { type: 'sync', path: '/' }, callMs, returnMs, outcome: { kind: 'unknown' } };
    const kind = random.int(10);
    let body: ZnodeOp | { type: 'multi'; ops: MultiSubOp[] };
    if (kind <= 2) body = random.chance(0.5) ? { type: 'getData', path: randomPath() } : { type: 'exists', path: randomPath() };
    else if (kind === 3) body = { type: 'create', path: randomPath(), data: data(), sequential: false, ephemeral: random.chance(0.3) };
    else if (kind === 4) body = { type: 'delete', path: randomPath(), version: version() };
    else if (kind <= 6) body = { type: 'setData', path: randomPath(), data: data(), version: version() };
    else if (kind === 7) body = { type: 'multi', ops: [randomSub(), randomSub()] };
    else if (kind === 8) body = { type: 'create', path: '/q/s-', data: data(), sequential: true, ephemeral: random.chance(0.3) };
    else body = seqNames.length > 0 && random.chance(0.5) ? { type: 'getData', path: seqNames[random.int(seqNames.length)] as string } : { type: 'getData', path: randomPath() };
    op.op = body;
    operations.push(op);

    if (body.type === 'getData' || body.type === 'exists') {
      // Served at a state no older than what this session saw; `lagging`: possibly older than the call.
      let view = snapshots[snapshots.length - 1] as (typeof snapshots)[number];
      if (options.reads === 'lagging') {
        const eligible = snapshots.filter((s) => s.at >= client.seen && s.at <= at);
        view = eligible[random.int(eligible.length)] ?? view;
      }
      client.seen = Math.max(client.seen, view.at);
      pointOf.set(op.id, view.at);
      const node = view.tree.get(body.path);
      op.zxid = view.zxid;
      if (body.type === 'exists') op.outcome = { kind: 'ok', value: node === undefined ? null : { version: node.version } };
      else op.outcome = node === undefined ? { kind: 'error', code: ErrorCode.noNode } : { kind: 'ok', value: { data: node.data, version: node.version } };
      if (random.chance(options.unknownRate)) {
        op.outcome = { kind: 'unknown' };
        delete op.zxid;
      }
      continue;
    }
    const subs: MultiSubOp[] = body.type === 'multi' ? body.ops : [body as MultiSubOp];
    if (random.chance(options.unknownRate)) {
      op.outcome = { kind: 'unknown' };
      if (random.chance(0.5)) op.returnMs = Infinity;
      const fate = random.int(3);
      if (fate === 0) commitWrite(op, subs, at);
      else if (fate === 1) deferred.push({ due: i + 1 + random.int(8), op, subs });
      // else: lost, never applied
      continue;
    }
    const result = commitWrite(op, subs, at);
    client.seen = at;
    op.zxid = zxid;
    const outcome: Outcome<unknown> =
      result.code === 0 ? { kind: 'ok', value: body.type === 'multi' ? result.values : result.values[0] } : { kind: 'error', code: result.code };
    op.outcome = outcome;
    if (result.code === 0) for (const v of result.values) if (typeof v === 'string' && v.startsWith('/q/')) seqNames.push(v);
  }
  return {
    history: {
      seed: options.seed,
      operations,
      watchEvents: [],
      sessions,
      members: [],
      initialNodes: [{ path: '/q', data: null, version: 0 }],
    },
    pathHistory,
    pointOf,
  };
}
