import type { History, Operation } from './history.ts';

/** The history is malformed (a recorder bug, not an engine bug): thrown, never reported as a violation. */
export class HistoryFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryFormatError';
  }
}

function fail(op: Operation, what: string): never {
  throw new HistoryFormatError(`operation #${op.id}: ${what}`);
}

/** Checks the shape the checkers rely on; throws HistoryFormatError naming the first problem. */
export function validateHistory(history: History): void {
  const ids = new Set<number>();
  for (const op of history.operations) {
    if (ids.has(op.id)) fail(op, 'duplicate id');
    ids.add(op.id);
    if (!Number.isFinite(op.callMs)) fail(op, `callMs ${op.callMs} is not a finite number`);
    if (Number.isNaN(op.returnMs) || op.returnMs < op.callMs) fail(op, `returnMs ${op.returnMs} before callMs ${op.callMs}`);
    if (op.outcome.kind !== 'unknown' && !Number.isFinite(op.returnMs)) fail(op, `outcome ${op.outcome.kind} but returnMs ${op.returnMs}`);
    if (typeof op.session !== 'string') fail(op, 'session is not a hex string');
    const body = op.op;
    if (body.type === 'multi') {
      if (op.outcome.kind === 'ok' && (!Array.isArray(op.outcome.value) || op.outcome.value.length !== body.ops.length)) {
        fail(op, `a multi of ${body.ops.length} ops needs an ok value with one result per op`);
      }
      for (const sub of body.ops) {
        if (!['create', 'delete', 'setData', 'check'].includes(sub.type)) fail(op, `sub-op ${sub.type} in a multi (only create, delete, setData, check)`);
      }
      continue;
    }
    if (op.outcome.kind !== 'ok') continue;
    const value = op.outcome.value as Record<string, unknown> | null;
    switch (body.type) {
      case 'create':
        if (typeof value !== 'string') fail(op, 'an ok create needs the created path as its value');
        break;
      case 'setData':
        if (typeof value !== 'object' || value === null || typeof value.version !== 'number') fail(op, 'an ok setData needs { version }');
        break;
      case 'getData':
        if (typeof value !== 'object' || value === null || typeof value.version !== 'number' || !(typeof value.data === 'string' || value.data === null)) {
          fail(op, 'an ok getData needs { data: string | null, version }');
        }
        break;
      case 'exists':
        if (value !== null && (typeof value !== 'object' || typeof value.version !== 'number')) fail(op, 'an ok exists needs { version } or null');
        break;
      default:
        break;
    }
  }
  for (const event of history.watchEvents) {
    if (!Number.isFinite(event.atMs)) throw new HistoryFormatError(`watch event on ${event.path}: atMs ${event.atMs} is not finite`);
  }
}
