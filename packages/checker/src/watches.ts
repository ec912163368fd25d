import { ErrorCode, EventType } from '@vivarium/protocol';
import { fromViolations, type CheckResult } from './check-result.ts';
import { describeOperation, formatMs } from './describe.ts';
import { validateHistory } from './history-format.ts';
import type { History, MultiSubOp, Operation, WatchEvent } from './history.ts';
import { pushTo } from './multimap.ts';
import { normalizeOutcome } from './outcome-codes.ts';
import { parentPath, sequenceNumber } from './paths.ts';

/**
 * Server-side, getData and exists watches live in one table (data) and getChildren watches in another
 * (child); an event consumes every watch of the classes it triggers on that path for that session.
 */
type WatchClass = 'data' | 'child';

const eventName = new Map<number, string>([
  [EventType.nodeCreated, 'NodeCreated'],
  [EventType.nodeDeleted, 'NodeDeleted'],
  [EventType.nodeDataChanged, 'NodeDataChanged'],
  [EventType.nodeChildrenChanged, 'NodeChildrenChanged'],
]);

function triggers(type: number, kind: WatchClass): boolean {
  switch (type) {
    case EventType.nodeCreated:
    case EventType.nodeDataChanged:
      return kind === 'data';
    case EventType.nodeDeleted:
      return true;
    case EventType.nodeChildrenChanged:
      return kind === 'child';
    default:
      return false;
  }
}

interface Registration {
  op: Operation;
  kind: WatchClass;
}

/** The watch a read registered, if it did (or may have, for an unknown outcome). */
function registration(op: Operation): Registration | undefined {
  const body = op.op;
  if (body.type !== 'getData' && body.type !== 'exists' && body.type !== 'getChildren') return undefined;
  if (body.watch !== true) return undefined;
  const outcome = normalizeOutcome(op.outcome);
  const kind: WatchClass = body.type === 'getChildren' ? 'child' : 'data';
  if (outcome.kind === 'unknown' || outcome.kind === 'ok') return { op, kind };
  // exists registers on a missing node too; getData and getChildren only on success.
  return body.type === 'exists' && outcome.code === ErrorCode.noNode ? { op, kind } : undefined;
}

/** True when a watching read's answer shows the write's effect had already happened at its server. */
function sawEffect(read: Operation, cause: Cause): boolean {
  if (cause.effect === undefined) return false;
  const outcome = normalizeOutcome(read.outcome);
  if (outcome.kind === 'unknown') return false;
  const present = outcome.kind === 'ok' && outcome.value !== null;
  switch (cause.effect.kind) {
    case 'present':
      return present;
    case 'absent':
      return !present;
    case 'version': {
      const version = present ? (outcome.value as { version?: unknown }).version : undefined;
      return typeof version === 'number' && version >= cause.effect.version;
    }
  }
}

/** What a successful read of a path saw, to compare two reads: existence and version, or the children. */
function observed(op: Operation): { kind: WatchClass; text: string } | undefined {
  const outcome = normalizeOutcome(op.outcome);
  const body = op.op;
  if (outcome.kind === 'unknown') return undefined;
  if (body.type === 'getData' || body.type === 'exists') {
    if (outcome.kind === 'error') return outcome.code === ErrorCode.noNode ? { kind: 'data', text: 'absent' } : undefined;
    const value = outcome.value as { version?: unknown } | null;
    return { kind: 'data', text: value === null ? 'absent' : `version ${String(value.version)}` };
  }
  if (body.type === 'getChildren') {
    if (outcome.kind === 'error') return undefined;
    const children = Array.isArray(outcome.value) ? [...(outcome.value as string[])].sort() : [];
    return { kind: 'child', text: `children [${children.join(', ')}]` };
  }
  return undefined;
}

/** A write (or implicit deletion) that could cause `type` on `path`: when it was issued and by when it had taken effect. */
interface Cause {
  callMs: number;
  returnMs: number;
  what: string;
  /** What the write left behind, when its answer says so: a read that saw it cannot have been fired by it. */
  effect?: { kind: 'version'; version: number } | { kind: 'present' } | { kind: 'absent' };
}

function causesOf(history: History): (type: number, path: string) => Cause[] {
  const index = new Map<string, Cause[]>();
  const add = (type: number, path: string, cause: Cause): void => {
    const key = `${type}\u0000${path}`;
    const list = index.get(key);
    if (list === undefined) index.set(key, [cause]);
    else list.push(cause);
  };
  /** Unnamed sequential creates, by parent: they may have created any child with a matching name. */
  const unnamed: Array<{ prefix: string; cause: Cause }> = [];
  for (const op of history.operations) {
    const outcome = normalizeOutcome(op.outcome);
    if (outcome.kind === 'error') continue; // a failed write changes nothing
    const cause: Cause = { callMs: op.callMs, returnMs: outcome.kind === 'unknown' ? Infinity : op.returnMs, what: `#${op.id}` };
    const implicit: Cause = { callMs: op.callMs, returnMs: Infinity, what: `the end of #${op.id}'s session or the reaper` };
    const body = op.op;
    const subs: MultiSubOp[] = body.type === 'multi' ? body.ops : body.type === 'create' || body.type === 'delete' || body.type === 'setData' ? [body] : [];
    const values: unknown[] = body.type === 'multi' ? (outcome.kind === 'ok' ? (outcome.value as unknown[]) : []) : outcome.kind === 'ok' ? [outcome.value] : [];
    subs.forEach((sub, i) => {
      const parent = parentPath(sub.path);
      switch (sub.type) {
        case 'create': {
          let path = sub.path;
          if (sub.sequential) {
            const value = values[i];
            if (typeof value !== 'string') {
              unnamed.push({ prefix: sub.path, cause });
              if (parent !== undefined) add(EventType.nodeChildrenChanged, parent, cause);
              return;
            }
            path = value;
          }
          add(EventType.nodeCreated, path, outcome.kind === 'ok' ? { ...cause, effect: { kind: 'present' } } : cause);
          // After a reconnect, SetWatches fires a data watch with NodeDataChanged when the node exists with an
          // mzxid past the client's last zxid: a node deleted and created again reports that way (DataTree.setWatches).
          add(EventType.nodeDataChanged, path, cause);
          const createdParent = parentPath(path);
          if (createdParent !== undefined) add(EventType.nodeChildrenChanged, createdParent, cause);
          if (sub.ephemeral || sub.container === true || sub.ttl === true) {
            add(EventType.nodeDeleted, path, implicit);
            if (createdParent !== undefined) add(EventType.nodeChildrenChanged, createdParent, implicit);
          }
          return;
        }
        case 'delete':
          add(EventType.nodeDeleted, sub.path, outcome.kind === 'ok' ? { ...cause, effect: { kind: 'absent' } } : cause);
          if (parent !== undefined) add(EventType.nodeChildrenChanged, parent, cause);
          return;
        case 'setData': {
          const value = values[i] as { version?: unknown } | undefined;
          const version = typeof value?.version === 'number' ? value.version : undefined;
          add(EventType.nodeDataChanged, sub.path, version === undefined ? cause : { ...cause, effect: { kind: 'version', version } });
          return;
        }
        case 'check':
          return;
      }
    });
  }
  return (type, path) => {
    const found = index.get(`${type}\u0000${path}`) ?? [];
    if (type !== EventType.nodeCreated) return found;
    return [...found, ...unnamed.filter((u) => sequenceNumber(u.prefix, path) !== undefined).map((u) => u.cause)];
  };
}

function describeEvent(event: WatchEvent): string {
  return `${eventName.get(event.type) ?? `event type ${event.type}`} on ${event.path} delivered to session ${event.session} at ${formatMs(event.atMs)} ms`;
}

/**
 * ZooKeeper's watch guarantees, for standard (one-shot) watches registered by reads with `watch: true`:
 * - at most once per registration: every delivered event needs a watch of a class it triggers that was
 *   registered (read called) before the delivery and not certainly consumed by an earlier event (a watch
 *   is certainly consumed by the first triggering event delivered after its read returned);
 * - never before the change it reports: some write that makes that change (or a session end / reaper
 *   deletion that may) was issued before the delivery, and could have taken effect after the watch was
 *   registered (it returned, or may return, after the read was called);
 * - the event before the new data: if a watching read and a later read by the same session of the same
 *   path disagree (existence or version; for getChildren, the children), an event that fires that watch
 *   was delivered between the watching read's reply and the later read's reply.
 * Persistent and recursive watches (addWatch) are not modelled. Events are taken per session, in the order
 * of `history.watchEvents`; events of other types (session states) are ignored.
 */
export function checkWatches(history: History): CheckResult {
  validateHistory(history);
  const violations: string[] = [];
  const causes = causesOf(history);
  const registrations = new Map<string, Registration[]>();
  const reads = new Map<string, Operation[]>();
  const key = (session: string, path: string): string => `${session}\u0000${path}`;
  for (const op of [...history.operations].sort((a, b) => a.callMs - b.callMs || a.id - b.id)) {
    const body = op.op;
    if (body.type !== 'getData' && body.type !== 'exists' && body.type !== 'getChildren') continue;
    const k = key(op.session, body.path);
    const reg = registration(op);
    if (reg !== undefined) pushTo(registrations, k, reg);
    if (observed(op) !== undefined) pushTo(reads, k, op);
  }
  const events = new Map<string, WatchEvent[]>();
  for (const event of history.watchEvents) {
    if (!eventName.has(event.type)) continue;
    const k = key(event.session, event.path);
    pushTo(events, k, event);
  }

  // At most once per registration, and never before the change.
  for (const [k, list] of events) {
    const regs = registrations.get(k) ?? [];
    // The event that certainly consumed each registration: the first triggering one delivered after its reply.
    const consumer = regs.map((reg) => list.findIndex((e) => triggers(e.type, reg.kind) && e.atMs > reg.op.returnMs));
    list.forEach((event, i) => {
      const candidates = regs.filter((reg, r) => {
        const consumedAt = consumer[r] as number;
        return triggers(event.type, reg.kind) && reg.op.callMs <= event.atMs && (consumedAt === -1 || consumedAt >= i);
      });
      if (candidates.length === 0) {
        const used = regs.filter((reg) => triggers(event.type, reg.kind) && reg.op.callMs <= event.atMs);
        violations.push(
          `${describeEvent(event)}: no watch was left to fire (fired twice, or never registered)` +
            (used.length === 0
              ? '; no read registered a watch of that kind before it'
              : `; the watches registered by ${used.map((reg) => `#${reg.op.id}`).join(', ')} had already fired`),
        );
        return;
      }
      // Reads are sequentially consistent: the read that set the watch may have been served by a member that had
      // not yet applied a write which returned before the read was called, so that write can still fire the watch,
      // unless the read saw its effect (found by the simulation, seed 41).
      const earliestCall = Math.min(...candidates.map((reg) => reg.op.callMs));
      const possible = causes(event.type, event.path).filter(
        (c) => c.callMs <= event.atMs && (c.returnMs >= earliestCall || candidates.some((reg) => !sawEffect(reg.op, c))),
      );
      if (possible.length === 0) {
        violations.push(
          `${describeEvent(event)}: no write that makes this change was issued before it and could have landed after the watch was set ` +
            `(watch set by ${candidates.map((reg) => `#${reg.op.id}`).join(', ')}, called from ${formatMs(Math.min(...candidates.map((reg) => reg.op.callMs)))} ms)`,
        );
      }
    });
  }

  // The event before the new data.
  for (const [k, regs] of registrations) {
    const sessionReads = reads.get(k) ?? [];
    const sessionEvents = events.get(k) ?? [];
    for (const reg of regs) {
      const first = observed(reg.op);
      if (first === undefined) continue;
      const later = sessionReads.find((r) => r.callMs >= reg.op.returnMs && r.id !== reg.op.id && observed(r)?.kind === first.kind && observed(r)?.text !== first.text);
      if (later === undefined) continue;
      const delivered = sessionEvents.some((e) => triggers(e.type, reg.kind) && e.atMs >= reg.op.returnMs && e.atMs <= later.returnMs);
      if (!delivered) {
        violations.push(
          `session ${reg.op.session} saw the new data before the watch event: #${reg.op.id} set a watch seeing ${first.text}, ` +
            `#${later.id} then saw ${observed(later)?.text}, with no triggering event delivered in between\n` +
            `    ${describeOperation(reg.op)}\n    ${describeOperation(later)}`,
        );
      }
    }
  }
  return fromViolations(violations);
}
