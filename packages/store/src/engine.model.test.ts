/**
 * Model-based test of the Engine: random sequences of operations from several
 * sessions (all node types, versions, multi, watches, sessions expiring by the
 * clock or by hand, closes) run against the engine and against a small,
 * independent reference model. After every step: replies agree (error codes,
 * paths, stat fields, zxids), each connection got exactly the watch events the
 * model predicts, in order, and checkInvariants() holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MultiWriteOp, Request, Stat, WatcherEvent } from '@vivarium/protocol';
import { CreateFlag, ErrorCode, EventType, OpCode } from '@vivarium/protocol';
import { ManualClock } from './clock.ts';
import { Engine } from './engine.ts';
import type { EngineOutput } from './engine-output.ts';
import { SeededRandom } from './random.ts';
import { propertySeed } from '../../../test/support/property-seed.ts';

const tickMs = 100;
const sessionTimeoutMs = 400;
const slotCount = 3;
const fixedPaths = ['/a', '/b', '/a/x', '/a/y', '/a/x/z'];
const sequentialBases = ['/a/s-', '/b/q', '/s'];

// ------------------------------------------------------------------ commands

type ModeName = 'persistent' | 'ephemeral' | 'persistentSequential' | 'ephemeralSequential' | 'container' | 'ttl';
type VersionChoice = 'any' | 'current' | 'wrong';

type Command =
  | { kind: 'create'; slot: number; target: number; mode: ModeName; data: number }
  | { kind: 'delete'; slot: number; target: number; version: VersionChoice }
  | { kind: 'setData'; slot: number; target: number; data: number; version: VersionChoice }
  | { kind: 'getData'; slot: number; target: number; watch: boolean }
  | { kind: 'exists'; slot: number; target: number; watch: boolean }
  | { kind: 'getChildren'; slot: number; target: number; watch: boolean }
  | { kind: 'multi'; slot: number; ops: Array<{ op: 'create' | 'delete' | 'setData' | 'check'; target: number; mode: ModeName; version: VersionChoice }> }
  | { kind: 'advance'; ms: number }
  | { kind: 'ping'; slot: number }
  | { kind: 'expire'; slot: number }
  | { kind: 'close'; slot: number };

const slotArb = fc.integer({ min: 0, max: slotCount - 1 });
const targetArb = fc.nat(12);
const modeArb = fc.constantFrom<ModeName>('persistent', 'persistent', 'ephemeral', 'persistentSequential', 'ephemeralSequential', 'container', 'ttl');
const versionArb = fc.constantFrom<VersionChoice>('any', 'current', 'current', 'wrong');

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('create' as const), slot: slotArb, target: targetArb, mode: modeArb, data: fc.integer({ min: -1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), slot: slotArb, target: targetArb, version: versionArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('setData' as const), slot: slotArb, target: targetArb, data: fc.integer({ min: -1, max: 3 }), version: versionArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('getData' as const), slot: slotArb, target: targetArb, watch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('exists' as const), slot: slotArb, target: targetArb, watch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('getChildren' as const), slot: slotArb, target: targetArb, watch: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('multi' as const),
      slot: slotArb,
      ops: fc.array(fc.record({ op: fc.constantFrom('create' as const, 'delete' as const, 'setData' as const, 'check' as const), target: targetArb, mode: modeArb, version: versionArb }), { minLength: 0, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const), slot: slotArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), slot: slotArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), slot: slotArb }) },
);

// ------------------------------------------------------------------ the reference model

interface ModelNode {
  data: Uint8Array | null;
  version: number;
  creations: number;
  children: string[];
  /** Owning slot's session id for ephemerals. */
  owner: bigint;
  kind: 'persistent' | 'ephemeral' | 'container' | 'ttl';
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctime: number;
  mtime: number;
}

interface ModelSession {
  sessionId: bigint;
  /** Expiry bucket (ms) and order within it, as ZooKeeper's ExpiryQueue keeps them. */
  bucket: number;
  touchOrder: number;
  data: Set<string>;
  child: Set<string>;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function bytes(choice: number): Uint8Array | null {
  return choice < 0 ? null : new Uint8Array(choice).fill(choice + 65);
}

function bucketFor(nowMs: number): number {
  return (Math.floor((nowMs + sessionTimeoutMs) / tickMs) + 1) * tickMs;
}

class Model {
  nodes = new Map<string, ModelNode>();
  zxid = 0n;
  sessions: Array<ModelSession | undefined> = [];
  touchCounter = 0;
  /** Expected events per slot, in order. */
  events: WatcherEvent[][] = Array.from({ length: slotCount }, () => []);

  constructor() {
    const builtIn = (data: Uint8Array | null): ModelNode => ({ data, version: 0, creations: 0, children: [], owner: 0n, kind: 'persistent', czxid: 0n, mzxid: 0n, pzxid: 0n, ctime: 0, mtime: 0 });
    this.nodes.set('/', { ...builtIn(new Uint8Array(0)), children: ['zookeeper'] });
    this.nodes.set('/zookeeper', { ...builtIn(new Uint8Array(0)), children: ['config', 'quota'] });
    this.nodes.set('/zookeeper/config', builtIn(new Uint8Array(0)));
    this.nodes.set('/zookeeper/quota', builtIn(new Uint8Array(0)));
  }

  clone(): Model {
    const copy = new Model();
    copy.nodes = new Map([...this.nodes].map(([p, n]) => [p, { ...n, children: [...n.children] }]));
    copy.zxid = this.zxid;
    copy.sessions = this.sessions.map((s) => (s === undefined ? undefined : { ...s, data: new Set(s.data), child: new Set(s.child) }));
    copy.touchCounter = this.touchCounter;
    copy.events = this.events.map((e) => [...e]);
    return copy;
  }

  stat(path: string): Stat {
    const node = this.nodes.get(path) as ModelNode;
    return {
      czxid: node.czxid,
      mzxid: node.mzxid,
      ctime: node.ctime,
      mtime: node.mtime,
      version: node.version,
      cversion: node.creations * 2 - node.children.length,
      aversion: path === '/zookeeper/config' ? -1 : 0,
      ephemeralOwner: node.kind === 'ephemeral' ? node.owner : 0n,
      dataLength: node.data?.length ?? 0,
      numChildren: node.children.length,
      pzxid: node.pzxid,
    };
  }

  touch(slot: number, nowMs: number): void {
    const session = this.sessions[slot];
    if (session === undefined) return;
    const bucket = bucketFor(nowMs);
    if (bucket !== session.bucket) {
      session.bucket = bucket;
      session.touchOrder = this.touchCounter++;
    }
  }

  /** Fire events for one trigger: at most one per slot; data-table watchers first on delete. */
  private fire(type: number, path: string): void {
    for (let slot = 0; slot < slotCount; slot++) {
      const session = this.sessions[slot];
      if (session === undefined) continue;
      let told = false;
      if (type === EventType.nodeCreated || type === EventType.nodeDataChanged || type === EventType.nodeDeleted) {
        if (session.data.delete(path)) told = true;
      }
      if (type === EventType.nodeDeleted || type === EventType.nodeChildrenChanged) {
        if (session.child.delete(path)) told = true;
      }
      if (told) this.events[slot]?.push({ type, state: 3, path });
    }
  }

  createNode(path: string, data: Uint8Array | null, kind: ModelNode['kind'], owner: bigint, zxid: bigint, timeMs: number): void {
    const parent = this.nodes.get(parentOf(path)) as ModelNode;
    parent.children.push(nameOf(path));
    parent.creations++;
    parent.pzxid = zxid;
    this.nodes.set(path, { data, version: 0, creations: 0, children: [], owner, kind, czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: timeMs, mtime: timeMs });
  }

  deleteNode(path: string, zxid: bigint): void {
    const parent = this.nodes.get(parentOf(path)) as ModelNode;
    parent.children = parent.children.filter((c) => c !== nameOf(path));
    parent.pzxid = zxid;
    this.nodes.delete(path);
  }

  /** Events for a whole txn's changes, fired after it applies, in change order. */
  fireAll(changes: Array<{ type: number; path: string }>): void {
    for (const change of changes) {
      this.fire(change.type, change.path);
      if (change.type === EventType.nodeCreated || change.type === EventType.nodeDeleted) this.fire(EventType.nodeChildrenChanged, parentOf(change.path));
    }
  }

  /**
   * Close a session: one txn deleting its ephemerals in creation order. Its own
   * connection still hears the events (ZooKeeper applies the txn, then closes
   * the connection); those events are returned and the slot is cleared.
   */
  closeSession(slot: number): WatcherEvent[] {
    const session = this.sessions[slot] as ModelSession;
    this.zxid++;
    const changes: Array<{ type: number; path: string }> = [];
    for (const [path, node] of [...this.nodes]) {
      if (node.kind === 'ephemeral' && node.owner === session.sessionId) {
        this.deleteNode(path, this.zxid);
        changes.push({ type: EventType.nodeDeleted, path });
      }
    }
    this.fireAll(changes);
    const ownEvents = this.events[slot] ?? [];
    this.sessions[slot] = undefined;
    this.events[slot] = [];
    return ownEvents;
  }
}

// ------------------------------------------------------------------ the run

interface Slot {
  connectionId: number;
  outputs: EngineOutput[];
}

/** Coverage counters across runs, asserted at the end so the generator cannot silently go idle. */
let eventCount = 0;
let commandCount = 0;
let watchCount = 0;
function runScenario(commands: readonly Command[], seed: number): void {
  const clock = new ManualClock(1_000_000);
  const engine = new Engine({ clock, random: new SeededRandom(seed), tickTimeMs: tickMs, extendedTypesEnabled: true, containerCheckIntervalMs: 1_000_000_000 });
  clock.subscribe(engine);
  const model = new Model();
  /** Events an expiring session's connection gets before its close, by slot. */
  const expectedOnExpiry: WatcherEvent[][] = [];
  const slots: Array<Slot | undefined> = [];
  // Expiry in the model happens as the clock passes bucket boundaries, in bucket then touch order.
  const expiredBy = (nowMs: number): void => {
    const due = model.sessions
      .map((s, slot) => ({ s, slot }))
      .filter((e): e is { s: ModelSession; slot: number } => e.s !== undefined && e.s.bucket <= nowMs)
      .sort((x, y) => x.s.bucket - y.s.bucket || x.s.touchOrder - y.s.touchOrder);
    for (const { slot } of due) expectedOnExpiry[slot] = [...(expectedOnExpiry[slot] ?? []), ...model.closeSession(slot)];
  };

  const openSlot = (slot: number): Slot => {
    const existing = slots[slot];
    if (existing !== undefined && model.sessions[slot] !== undefined) return existing;
    const fresh: Slot = { connectionId: 0, outputs: [] };
    fresh.connectionId = engine.openConnection({ remoteAddress: '127.0.0.1', sink: (outputs) => fresh.outputs.push(...outputs) });
    engine.connect(fresh.connectionId, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: sessionTimeoutMs, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    const connected = fresh.outputs.shift();
    expect(connected?.kind).toBe('connected');
    const sessionId = connected?.kind === 'connected' ? connected.response.sessionId : 0n;
    expect(connected?.kind === 'connected' ? connected.response.timeOutMs : 0).toBe(sessionTimeoutMs);
    model.zxid++;
    model.sessions[slot] = { sessionId, bucket: bucketFor(clock.nowMs()), touchOrder: model.touchCounter++, data: new Set(), child: new Set() };
    model.events[slot] = [];
    slots[slot] = fresh;
    return fresh;
  };

  const pathFor = (target: number): string => {
    const existing = [...model.nodes.keys()].filter((p) => !p.startsWith('/zookeeper') && p !== '/').sort();
    const all = [...fixedPaths, ...existing];
    return all[target % all.length] as string;
  };
  const versionFor = (path: string, choice: VersionChoice): number => {
    const node = model.nodes.get(path);
    if (choice === 'any') return -1;
    if (choice === 'current') return node?.version ?? 0;
    return (node?.version ?? 0) + 7;
  };

  /** Send a request and return its reply, after checking the events that came before it. */
  const call = (slot: number, request: Request): { err: number; response: unknown; zxid: bigint } => {
    const s = openSlot(slot);
    model.touch(slot, clock.nowMs());
    engine.submit(s.connectionId, 7, request);
    const replyIndex = s.outputs.findIndex((o) => o.kind === 'reply');
    expect(replyIndex).toBeGreaterThanOrEqual(0);
    const reply = s.outputs[replyIndex] as Extract<EngineOutput, { kind: 'reply' }>;
    s.outputs.splice(replyIndex, 1);
    return { err: reply.header.err, response: reply.response, zxid: reply.header.zxid };
  };

  /** Model a single write op on `m`; returns the error code and records changes. */
  const modelWrite = (m: Model, slot: number, op: { op: string; path: string; mode: ModeName; data: Uint8Array | null; version: number }, zxid: bigint, changes: Array<{ type: number; path: string }>): { err: number; path?: string } => {
    const session = m.sessions[slot] as ModelSession;
    if (op.op === 'create') {
      const sequential = op.mode === 'persistentSequential' || op.mode === 'ephemeralSequential';
      const parentPath = parentOf(op.path);
      const parent = m.nodes.get(parentPath);
      if (parent === undefined) return { err: ErrorCode.noNode };
      const path = sequential ? op.path + String(parent.creations).padStart(10, '0') : op.path;
      if (m.nodes.has(path)) return { err: ErrorCode.nodeExists };
      if (parent.kind === 'ephemeral') return { err: ErrorCode.noChildrenForEphemerals };
      const kind = op.mode === 'ephemeral' || op.mode === 'ephemeralSequential' ? 'ephemeral' : op.mode === 'container' ? 'container' : op.mode === 'ttl' ? 'ttl' : 'persistent';
      m.createNode(path, op.data, kind, kind === 'ephemeral' ? session.sessionId : 0n, zxid, clock.nowMs());
      changes.push({ type: EventType.nodeCreated, path });
      return { err: 0, path };
    }
    if (op.op === 'delete') {
      const parent = m.nodes.get(parentOf(op.path));
      if (parent === undefined) return { err: ErrorCode.noNode };
      const node = m.nodes.get(op.path);
      if (node === undefined) return { err: ErrorCode.noNode };
      if (op.version !== -1 && op.version !== node.version) return { err: ErrorCode.badVersion };
      if (node.children.length > 0) return { err: ErrorCode.notEmpty };
      m.deleteNode(op.path, zxid);
      changes.push({ type: EventType.nodeDeleted, path: op.path });
      return { err: 0 };
    }
    const node = m.nodes.get(op.path);
    if (node === undefined) return { err: ErrorCode.noNode };
    if (op.version !== -1 && op.version !== node.version) return { err: ErrorCode.badVersion };
    if (op.op === 'setData') {
      node.data = op.data;
      node.version++;
      node.mzxid = zxid;
      node.mtime = clock.nowMs();
      changes.push({ type: EventType.nodeDataChanged, path: op.path });
    }
    return { err: 0 };
  };

  const requestFor = (op: { op: string; path: string; mode: ModeName; data: Uint8Array | null; version: number }): MultiWriteOp => {
    if (op.op === 'create') {
      const flags = { persistent: 0, ephemeral: 1, persistentSequential: 2, ephemeralSequential: 3, container: CreateFlag.container, ttl: CreateFlag.persistentWithTtl }[op.mode];
      const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
      if (op.mode === 'container') return { type: OpCode.createContainer, path: op.path, data: op.data, acl, flags };
      if (op.mode === 'ttl') return { type: OpCode.createTtl, path: op.path, data: op.data, acl, flags, ttl: 60_000 };
      return { type: OpCode.create2, path: op.path, data: op.data, acl, flags };
    }
    if (op.op === 'delete') return { type: OpCode.delete, path: op.path, version: op.version };
    if (op.op === 'setData') return { type: OpCode.setData, path: op.path, data: op.data, version: op.version };
    return { type: OpCode.check, path: op.path, version: op.version };
  };

  const checkEvents = (): void => {
    for (let slot = 0; slot < slotCount; slot++) {
      const s = slots[slot];
      if (s === undefined || model.sessions[slot] === undefined) continue;
      const events = s.outputs.filter((o): o is Extract<EngineOutput, { kind: 'event' }> => o.kind === 'event').map((o) => o.event);
      expect(events, `events for slot ${slot}`).toEqual(model.events[slot]);
      eventCount += events.length;
      expect(s.outputs.filter((o) => o.kind !== 'event'), `stray outputs for slot ${slot}`).toEqual([]);
      s.outputs.length = 0;
      model.events[slot] = [];
    }
  };

  for (const command of commands) {
    commandCount++;
    if ('watch' in command && command.watch) watchCount++;
    switch (command.kind) {
      case 'create':
      case 'delete':
      case 'setData': {
        openSlot(command.slot);
        const base = command.kind === 'create' && (command.mode === 'persistentSequential' || command.mode === 'ephemeralSequential')
          ? (sequentialBases[command.target % sequentialBases.length] as string)
          : pathFor(command.target);
        const op = {
          op: command.kind,
          path: base,
          mode: command.kind === 'create' ? command.mode : ('persistent' as ModeName),
          data: command.kind === 'delete' ? null : bytes(command.data),
          version: command.kind === 'create' ? -1 : versionFor(base, command.version),
        };
        const zxid = model.zxid + 1n;
        const changes: Array<{ type: number; path: string }> = [];
        const expected = modelWrite(model, command.slot, op, zxid, changes);
        const got = call(command.slot, requestFor(op) as Request);
        model.zxid = zxid;
        model.fireAll(changes);
        expect(got.err, `${command.kind} ${op.path}`).toBe(expected.err);
        expect(got.zxid, 'failed and successful writes both take a zxid').toBe(zxid);
        if (expected.err === 0 && command.kind === 'create') {
          expect((got.response as { path: string }).path).toBe(expected.path);
          expect((got.response as { stat: Stat }).stat).toEqual(model.stat(expected.path as string));
        }
        if (expected.err === 0 && command.kind === 'setData') expect((got.response as { stat: Stat }).stat).toEqual(model.stat(op.path));
        break;
      }
      case 'getData':
      case 'exists':
      case 'getChildren': {
        openSlot(command.slot);
        const path = pathFor(command.target);
        const type = command.kind === 'getData' ? OpCode.getData : command.kind === 'exists' ? OpCode.exists : OpCode.getChildren2;
        const got = call(command.slot, { type, path, watch: command.watch } as Request);
        const node = model.nodes.get(path);
        const session = model.sessions[command.slot] as ModelSession;
        expect(got.zxid, 'reads report the last processed zxid').toBe(model.zxid);
        if (node === undefined) {
          expect(got.err).toBe(ErrorCode.noNode);
          if (command.watch && command.kind === 'exists') session.data.add(path);
        } else {
          expect(got.err).toBe(0);
          const response = got.response as { stat: Stat; data?: Uint8Array | null; children?: string[] };
          expect(response.stat).toEqual(model.stat(path));
          if (command.kind === 'getData') expect(response.data).toEqual(node.data);
          if (command.kind === 'getChildren') expect(response.children).toEqual(node.children);
          if (command.watch) (command.kind === 'getChildren' ? session.child : session.data).add(path);
        }
        break;
      }
      case 'multi': {
        openSlot(command.slot);
        const ops = command.ops.map((o) => {
          const base = o.op === 'create' && (o.mode === 'persistentSequential' || o.mode === 'ephemeralSequential')
            ? (sequentialBases[o.target % sequentialBases.length] as string)
            : pathFor(o.target);
          return { op: o.op, path: base, mode: o.op === 'create' ? o.mode : ('persistent' as ModeName), data: o.op === 'setData' || o.op === 'create' ? bytes(o.target % 3) : null, version: o.op === 'create' ? -1 : versionFor(base, o.version) };
        });
        const zxid = model.zxid + 1n;
        const trial = model.clone();
        const changes: Array<{ type: number; path: string }> = [];
        const outcomes: Array<{ err: number; path?: string }> = [];
        let failedAt = -1;
        for (const [i, op] of ops.entries()) {
          const outcome = modelWrite(trial, command.slot, op, zxid, changes);
          outcomes.push(outcome);
          if (outcome.err !== 0) {
            failedAt = i;
            break;
          }
        }
        const got = call(command.slot, { type: OpCode.multi, ops: ops.map(requestFor) });
        expect(got.err, 'a multi header err is always 0').toBe(0);
        expect(got.zxid).toBe(zxid);
        const results = (got.response as { results: Array<{ type: number; err?: number; path?: string }> }).results;
        expect(results).toHaveLength(ops.length);
        if (failedAt < 0) {
          trial.zxid = zxid;
          Object.assign(model, { nodes: trial.nodes });
          model.zxid = zxid;
          model.fireAll(changes);
          results.forEach((r, i) => expect(r.type).not.toBe(OpCode.error));
          results.forEach((r, i) => {
            if (ops[i]?.op === 'create') expect(r.path).toBe(outcomes[i]?.path);
          });
        } else {
          model.zxid = zxid;
          const expectedErrs = ops.map((_, i) => (i < failedAt ? 0 : i === failedAt ? outcomes[failedAt]?.err : ErrorCode.runtimeInconsistency));
          expect(results.map((r) => r.err)).toEqual(expectedErrs);
        }
        break;
      }
      case 'ping': {
        if (model.sessions[command.slot] === undefined) break;
        const s = openSlot(command.slot);
        model.touch(command.slot, clock.nowMs());
        engine.submit(s.connectionId, -2, { type: OpCode.ping });
        const reply = s.outputs.pop();
        expect(reply?.kind === 'reply' && reply.header.xid).toBe(-2);
        break;
      }
      case 'advance': {
        const target = clock.nowMs() + command.ms;
        // Walk the model's bucket boundaries exactly as the engine's clock does.
        for (;;) {
          const next = Math.min(...model.sessions.filter((s): s is ModelSession => s !== undefined).map((s) => s.bucket));
          if (!(next <= target)) break;
          clock.advanceTo(next);
          expiredBy(next);
        }
        clock.advanceTo(target);
        for (let slot = 0; slot < slotCount; slot++) {
          const s = slots[slot];
          if (s === undefined) continue;
          if (model.sessions[slot] === undefined && s.outputs.length > 0) {
            // An expired session's connection hears its last events, then is closed without a notification.
            const events = s.outputs.filter((o) => o.kind === 'event').map((o) => (o as { event: WatcherEvent }).event);
            expect(events).toEqual(expectedOnExpiry[slot] ?? []);
            expect(s.outputs.at(-1)).toEqual({ kind: 'close', reason: 'sessionExpired' });
            s.outputs.length = 0;
          }
          expectedOnExpiry[slot] = [];
        }
        break;
      }
      case 'expire': {
        if (model.sessions[command.slot] === undefined) break;
        const session = model.sessions[command.slot] as ModelSession;
        expect(engine.expireSession(session.sessionId)).toBe(true);
        const ownEvents = model.closeSession(command.slot);
        const s = slots[command.slot] as Slot;
        expect(s.outputs).toEqual([...ownEvents.map((event) => ({ kind: 'event', event, zxid: model.zxid })), { kind: 'close', reason: 'sessionExpired' }]);
        s.outputs.length = 0;
        break;
      }
      case 'close': {
        if (model.sessions[command.slot] === undefined) break;
        const s = slots[command.slot] as Slot;
        engine.submit(s.connectionId, 9, { type: OpCode.closeSession });
        const ownEvents = model.closeSession(command.slot);
        expect(s.outputs.map((o) => o.kind)).toEqual([...ownEvents.map(() => 'event'), 'reply', 'close']);
        expect(s.outputs.filter((o) => o.kind === 'event').map((o) => (o as { event: WatcherEvent }).event)).toEqual(ownEvents);
        s.outputs.length = 0;
        break;
      }
    }
    checkEvents();
    engine.checkInvariants();
    expect(engine.lastProcessedZxid).toBe(model.zxid);
    expect(engine.database.tree.nodeCount).toBe(model.nodes.size);
  }
}

describe('Engine against a reference model', () => {
  it('agrees on replies, stats, zxids, watch events and expiry for random op sequences', () => {
    const seed = propertySeed(20261122, 'engine model');
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 80, size: 'max' }), fc.integer({ min: 1, max: 1000 }), (commands, engineSeed) => {
        runScenario(commands, engineSeed);
      }),
      { seed, numRuns: 200 },
    );
    console.log(`[property] engine model: ${commandCount} commands, ${watchCount} watch registrations, ${eventCount} watch events checked`);
    // Guard the generator: a model test whose watches never fire checks nothing about watches.
    expect(eventCount).toBeGreaterThan(50);
  });
});
