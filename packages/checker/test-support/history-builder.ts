import type { History, Operation, OperationBody, Outcome, SessionRecord, WatchEvent } from '../src/history.ts';

/** Small helpers for hand-written histories in tests. */
export const ok = (value: unknown = null): Outcome<unknown> => ({ kind: 'ok', value });
export const err = (code: number, failedIndex?: number): Outcome<unknown> =>
  failedIndex === undefined ? { kind: 'error', code } : { kind: 'error', code, failedIndex };
export const unknown: Outcome<unknown> = { kind: 'unknown' };

export const create = (path: string, data: string | null = null, mode: { ephemeral?: boolean; sequential?: boolean; container?: boolean } = {}): OperationBody => ({
  type: 'create',
  path,
  data,
  sequential: mode.sequential ?? false,
  ephemeral: mode.ephemeral ?? false,
  ...(mode.container === true ? { container: true } : {}),
});
export const del = (path: string, version = -1): OperationBody => ({ type: 'delete', path, version });
export const set = (path: string, data: string | null, version = -1): OperationBody => ({ type: 'setData', path, data, version });
export const get = (path: string, watch = false): OperationBody => ({ type: 'getData', path, ...(watch ? { watch } : {}) });
export const exists = (path: string, watch = false): OperationBody => ({ type: 'exists', path, ...(watch ? { watch } : {}) });
export const children = (path: string, watch = false): OperationBody => ({ type: 'getChildren', path, ...(watch ? { watch } : {}) });

/** Builds a history; `client` n uses session `s<n>` unless given one. */
export class HistoryBuilder {
  readonly operations: Operation[] = [];
  readonly watchEvents: WatchEvent[] = [];
  readonly sessions: SessionRecord[] = [];
  private nextId = 1;

  op(client: number, body: OperationBody, callMs: number, returnMs: number, outcome: Outcome<unknown>, extra: { session?: string; zxid?: bigint; id?: number } = {}): number {
    const id = extra.id ?? this.nextId++;
    const operation: Operation = {
      id,
      client,
      session: extra.session ?? `s${client}`,
      op: body,
      callMs,
      returnMs: outcome.kind === 'unknown' && returnMs === undefined ? Infinity : returnMs,
      outcome,
    };
    if (extra.zxid !== undefined) operation.zxid = extra.zxid;
    this.operations.push(operation);
    return id;
  }

  event(client: number, path: string, type: number, atMs: number, session = `s${client}`): this {
    this.watchEvents.push({ client, session, path, type, atMs });
    return this;
  }

  session(record: SessionRecord): this {
    this.sessions.push(record);
    return this;
  }

  build(extra: Partial<History> = {}): History {
    return { seed: 0, operations: this.operations, watchEvents: this.watchEvents, sessions: this.sessions, members: [], ...extra };
  }
}
