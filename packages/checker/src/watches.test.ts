import { ErrorCode, EventType } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryBuilder, children, create, del, exists, get, set, ok, err } from '../test-support/history-builder.ts';
import { checkWatches } from './watches.ts';

function violation(h: HistoryBuilder): string {
  const result = checkWatches(h.build());
  expect(result.ok).toBe(false);
  return result.ok === false ? result.violation : '';
}

describe('checkWatches', () => {
  it('accepts a data watch that fires once, before the new data is read', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 0 }));
    h.op(1, set('/a', 'y'), 2, 4, ok({ version: 1 }));
    h.event(0, '/a', EventType.nodeDataChanged, 3);
    h.op(0, get('/a', true), 5, 6, ok({ data: 'y', version: 1 }));
    h.op(1, del('/a'), 7, 8, ok(null));
    h.event(0, '/a', EventType.nodeDeleted, 8);
    h.op(0, exists('/a'), 9, 10, ok(null));
    expect(checkWatches(h.build())).toEqual({ ok: true });
  });

  it('catches a watch that fires twice for one registration', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 0 }));
    h.op(1, set('/a', 'y'), 2, 3, ok({ version: 1 }));
    h.event(0, '/a', EventType.nodeDataChanged, 3);
    h.op(1, set('/a', 'z'), 4, 5, ok({ version: 2 }));
    h.event(0, '/a', EventType.nodeDataChanged, 5);
    expect(violation(h)).toMatch(/NodeDataChanged on \/a delivered to session s0 at 5 ms: no watch was left to fire .* #1 had already fired/);
  });

  it('catches an event nobody asked for', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a'), 0, 1, ok({ data: 'x', version: 0 }));
    h.op(1, set('/a', 'y'), 2, 3, ok({ version: 1 }));
    h.event(0, '/a', EventType.nodeDataChanged, 3);
    expect(violation(h)).toContain('no read registered a watch of that kind');
  });

  it('lets one event consume a data and a child watch, and a child watch take NodeDeleted', () => {
    const h = new HistoryBuilder();
    h.op(0, children('/a', true), 0, 1, ok([]));
    h.op(0, exists('/b', true), 0, 1, err(ErrorCode.noNode));
    h.op(1, create('/a/x'), 2, 3, ok('/a/x'));
    h.event(0, '/a', EventType.nodeChildrenChanged, 3);
    h.op(1, create('/b'), 4, 5, ok('/b'));
    h.event(0, '/b', EventType.nodeCreated, 5);
    expect(checkWatches(h.build())).toEqual({ ok: true });
  });

  it('catches an event delivered before any write that could cause it was issued', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 0 }));
    h.event(0, '/a', EventType.nodeDataChanged, 2);
    h.op(1, set('/a', 'y'), 3, 4, ok({ version: 1 }));
    expect(violation(h)).toContain('no write that makes this change was issued before it');
  });

  it('does not count a write that finished before the watch was set as its cause', () => {
    const h = new HistoryBuilder();
    h.op(1, set('/a', 'y'), 0, 1, ok({ version: 1 }));
    h.op(0, get('/a', true), 2, 3, ok({ data: 'y', version: 1 }));
    h.event(0, '/a', EventType.nodeDataChanged, 4);
    expect(violation(h)).toContain('no write that makes this change');
  });

  it('accepts an earlier write as the cause when the watching read was stale (sequential reads; simulation seed 41)', () => {
    const h = new HistoryBuilder();
    h.op(1, set('/a', 'y'), 0, 1, ok({ version: 1 }));
    // Served by a member that had not applied #0 yet: it still saw version 0.
    h.op(0, get('/a', true), 2, 3, ok({ data: 'x', version: 0 }));
    h.event(0, '/a', EventType.nodeDataChanged, 4);
    expect(checkWatches(h.build())).toEqual({ ok: true });
  });

  it('accepts a recreate as the cause of NodeDataChanged, as SetWatches reports it after a reconnect (simulation seed 41)', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 2 }));
    h.op(1, del('/a', -1), 2, 5, ok(null));
    h.op(2, create('/a', 'z'), 2, 5, ok('/a'));
    h.event(0, '/a', EventType.nodeDataChanged, 6);
    expect(checkWatches(h.build())).toEqual({ ok: true });
  });

  it('accepts a timed-out write or a session end as the cause', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 0 }));
    h.op(1, set('/a', 'y'), 2, Infinity, { kind: 'unknown' });
    h.event(0, '/a', EventType.nodeDataChanged, 9);
    h.op(2, create('/e', null, { ephemeral: true }), 0, 1, ok('/e'));
    h.op(0, exists('/e', true), 2, 3, ok({ version: 0 }));
    h.event(0, '/e', EventType.nodeDeleted, 50);
    expect(checkWatches(h.build())).toEqual({ ok: true });
  });

  it('catches new data seen before the event', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a', true), 0, 1, ok({ data: 'x', version: 0 }));
    h.op(1, set('/a', 'y'), 2, 3, ok({ version: 1 }));
    h.op(0, get('/a'), 4, 5, ok({ data: 'y', version: 1 }));
    h.event(0, '/a', EventType.nodeDataChanged, 6);
    expect(violation(h)).toMatch(/session s0 saw the new data before the watch event: #1 set a watch seeing version 0, #3 then saw version 1/);
  });

  it('catches a created node seen before NodeCreated, and children seen before NodeChildrenChanged', () => {
    const h = new HistoryBuilder();
    h.op(0, exists('/b', true), 0, 1, ok(null));
    h.op(1, create('/b'), 2, 3, ok('/b'));
    h.op(0, get('/b'), 4, 5, ok({ data: null, version: 0 }));
    expect(violation(h)).toContain('#1 set a watch seeing absent, #3 then saw version 0');
    const c = new HistoryBuilder();
    c.op(0, children('/a', true), 0, 1, ok(['x']));
    c.op(1, create('/a/y'), 2, 3, ok('/a/y'));
    c.op(0, children('/a'), 4, 5, ok(['x', 'y']));
    expect(violation(c)).toContain('saw children [x, y]');
  });
});
