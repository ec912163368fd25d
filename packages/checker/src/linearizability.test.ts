import { ErrorCode } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryBuilder, create, del, exists, get, set, ok, err, unknown } from '../test-support/history-builder.ts';
import type { History, MultiSubOp } from './history.ts';
import { HistoryFormatError } from './history-format.ts';
import { checkLinearizability, type LinearizabilityOptions } from './linearizability.ts';

const linearizable: LinearizabilityOptions = { stepBudget: 100_000, reads: 'linearizable' };
const sequential: LinearizabilityOptions = { stepBudget: 100_000, reads: 'sequential' };
const multi = (...ops: MultiSubOp[]) => ({ type: 'multi' as const, ops });
const check = (path: string, version: number): MultiSubOp => ({ type: 'check', path, version });
const subSet = (path: string, data: string, version = -1): MultiSubOp => ({ type: 'setData', path, data, version });

function expectPass(history: History, options: LinearizabilityOptions = linearizable): void {
  const result = checkLinearizability(history, options);
  expect(result.ok, result.ok === false ? result.violation : result.ok === 'unknown' ? result.reason : '').toBe(true);
}

function expectViolation(history: History, options: LinearizabilityOptions = linearizable): string {
  const result = checkLinearizability(history, options);
  expect(result.ok).toBe(false);
  return result.ok === false ? result.violation : '';
}

/** /a created by client 0 at 0-1 ms with data "a0". */
function withA(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.op(0, create('/a', 'a0'), 0, 1, ok('/a'));
  return h;
}

describe('checkLinearizability: reads', () => {
  it('accepts a sequential history', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(0, get('/a'), 4, 5, ok({ data: 'x', version: 1 }));
    h.op(1, exists('/a'), 6, 7, ok({ version: 1 }));
    h.op(1, del('/a', 1), 8, 9, ok(null));
    h.op(0, exists('/a'), 10, 11, ok(null));
    h.op(0, get('/a'), 12, 13, err(ErrorCode.noNode));
    expectPass(h.build());
  });

  it('catches a stale read by another session when reads are linearizable, and names the ops', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(2, get('/a'), 4, 5, ok({ data: 'a0', version: 0 }));
    const violation = expectViolation(h.build());
    expect(violation).toContain('#3');
    expect(violation).toContain('ok {data "x", version 1}');
    // A follower may lag: ZooKeeper's reads are only sequentially consistent.
    expectPass(h.build(), sequential);
  });

  it('accepts a read overlapping the write either way', () => {
    for (const seen of [{ data: 'a0', version: 0 }, { data: 'x', version: 1 }]) {
      const h = withA();
      h.op(1, set('/a', 'x'), 2, 6, ok({ version: 1 }));
      h.op(2, get('/a'), 3, 5, ok(seen));
      expectPass(h.build());
    }
  });

  it('catches a session that does not read its own write, even with sequential reads', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(1, get('/a'), 4, 5, ok({ data: 'a0', version: 0 }));
    expectViolation(h.build(), sequential);
  });

  it('catches a session going back in time (monotonic reads) with sequential reads', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(2, get('/a'), 4, 5, ok({ data: 'x', version: 1 }));
    h.op(2, get('/a'), 6, 7, ok({ data: 'a0', version: 0 }));
    expectViolation(h.build(), sequential);
  });

  it('catches a read of a write that was issued after the read returned, even with sequential reads', () => {
    const h = withA();
    h.op(2, get('/a'), 2, 3, ok({ data: 'x', version: 1 }));
    h.op(1, set('/a', 'x'), 4, 5, ok({ version: 1 }));
    expectViolation(h.build(), sequential);
  });

  it('treats exists answered with NONODE as null', () => {
    const h = new HistoryBuilder();
    h.op(0, exists('/a'), 0, 1, err(ErrorCode.noNode));
    h.op(0, exists('/a'), 2, 3, ok(null));
    expectPass(h.build());
  });

  it('catches a lost write', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(1, set('/a', 'y'), 4, 5, ok({ version: 2 }));
    h.op(2, get('/a'), 6, 7, ok({ data: 'y', version: 1 }));
    expectViolation(h.build());
  });
});

describe('checkLinearizability: versions', () => {
  it('catches two unconditional writes that report the same new version', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(2, set('/a', 'y'), 4, 5, ok({ version: 1 }));
    expectViolation(h.build());
  });

  it('catches a conditional write that succeeds on a stale version', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(2, set('/a', 'y', 0), 4, 5, ok({ version: 1 }));
    expectViolation(h.build());
  });

  it('catches BADVERSION when the version matched', () => {
    const h = withA();
    h.op(1, set('/a', 'x', 0), 2, 3, err(ErrorCode.badVersion));
    expectViolation(h.build());
  });

  it('catches two concurrent conditional writes on the same version that both succeed', () => {
    const h = withA();
    h.op(1, set('/a', 'x', 0), 2, 5, ok({ version: 1 }));
    h.op(2, set('/a', 'y', 0), 3, 6, ok({ version: 1 }));
    expectViolation(h.build());
  });

  it('accepts two concurrent conditional writes where one wins', () => {
    const h = withA();
    h.op(1, set('/a', 'x', 0), 2, 5, err(ErrorCode.badVersion));
    h.op(2, set('/a', 'y', 0), 3, 6, ok({ version: 1 }));
    h.op(1, get('/a'), 7, 8, ok({ data: 'y', version: 1 }));
    expectPass(h.build());
  });

  it('catches a conditional delete that succeeds on a stale version', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, ok({ version: 1 }));
    h.op(2, del('/a', 0), 4, 5, ok(null));
    expectViolation(h.build());
  });
});

describe('checkLinearizability: unknown outcomes', () => {
  it('accepts a timed-out write whose effect is seen later', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, Infinity, unknown);
    h.op(2, get('/a'), 4, 5, ok({ data: 'a0', version: 0 }));
    h.op(2, get('/a'), 6, 7, ok({ data: 'x', version: 1 }));
    expectPass(h.build());
  });

  it('accepts a timed-out write that never took effect', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, unknown);
    h.op(2, get('/a'), 4, 5, ok({ data: 'a0', version: 0 }));
    expectPass(h.build());
  });

  it('treats connection loss as unknown, and catches the same effect after a definite failure', () => {
    const timedOut = withA();
    timedOut.op(1, set('/a', 'x'), 2, 3, err(ErrorCode.connectionLoss));
    timedOut.op(2, get('/a'), 4, 5, ok({ data: 'x', version: 1 }));
    expectPass(timedOut.build());
    const failed = withA();
    failed.op(1, set('/a', 'x', 7), 2, 3, err(ErrorCode.badVersion));
    failed.op(2, get('/a'), 4, 5, ok({ data: 'x', version: 1 }));
    expectViolation(failed.build());
  });

  it('accepts a maybe-applied create seen by one session and not yet by another', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/b', 'b'), 0, Infinity, unknown);
    h.op(1, exists('/b'), 2, 3, ok(null));
    h.op(2, get('/b'), 4, 5, ok({ data: 'b', version: 0 }));
    expectPass(h.build());
  });

  it('lets a maybe-applied op take effect only before its session next answered op (unless told otherwise)', () => {
    const h = withA();
    h.op(1, set('/a', 'x'), 2, 3, unknown);
    h.op(1, set('/a', 'y'), 4, 5, ok({ version: 1 }));
    h.op(2, get('/a'), 6, 7, ok({ data: 'x', version: 2 }));
    expectViolation(h.build());
    expectPass(h.build(), { ...linearizable, fifoAcrossReconnects: false });
  });

  it('finds two maybe-applied writes on different paths that one multi needs', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a', 'a0'), 0, 1, ok('/a'));
    h.op(0, create('/b', 'b0'), 2, 3, ok('/b'));
    h.op(1, set('/a', 'x'), 4, Infinity, unknown);
    h.op(2, set('/b', 'y'), 4, Infinity, unknown);
    h.op(3, multi(check('/a', 1), check('/b', 1)), 10, 11, ok([null, null]));
    expectPass(h.build());
  });
});

describe('checkLinearizability: create and delete', () => {
  it('catches NODEEXISTS for a missing node', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a'), 0, 1, err(ErrorCode.nodeExists));
    expectViolation(h.build());
  });

  it('catches NONODE for a child of the root, which always exists', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a'), 0, 1, err(ErrorCode.noNode));
    expectViolation(h.build());
  });

  it('allows NONODE for a deeper create whose parent is not modelled with it', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a/b'), 0, 1, err(ErrorCode.noNode));
    h.op(0, create('/a/b'), 2, 3, ok('/a/b'));
    expectPass(h.build());
  });

  it('checks the parent when a multi puts it in the same partition', () => {
    const h = new HistoryBuilder();
    h.op(0, multi({ type: 'create', path: '/a', data: null, sequential: false, ephemeral: false }, { type: 'create', path: '/a/b', data: null, sequential: false, ephemeral: false }), 0, 1, ok(['/a', '/a/b']));
    h.op(1, create('/a/c'), 2, 3, ok('/a/c'));
    h.op(1, del('/a/b'), 4, 5, ok(null));
    expectPass(h.build());
    // With /a present, creating /a/b cannot fail with NONODE.
    const wrong = new HistoryBuilder();
    wrong.op(0, multi({ type: 'create', path: '/a', data: null, sequential: false, ephemeral: false }, check('/a/b', -1)), 0, 1, err(ErrorCode.noNode, 1));
    wrong.op(0, create('/a'), 2, 3, ok('/a'));
    wrong.op(1, create('/a/b'), 4, 5, err(ErrorCode.noNode));
    expectViolation(wrong.build());
  });

  it('catches NOTEMPTY on an ephemeral node, which cannot have children', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/e', null, { ephemeral: true }), 0, 1, ok('/e'));
    h.op(0, del('/e'), 2, 3, err(ErrorCode.notEmpty));
    expectViolation(h.build());
    const persistent = new HistoryBuilder();
    persistent.op(0, create('/p'), 0, 1, ok('/p'));
    persistent.op(0, del('/p'), 2, 3, err(ErrorCode.notEmpty));
    expectPass(persistent.build());
  });
});

describe('checkLinearizability: multi', () => {
  it('catches a multi whose effects are seen one path at a time', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a', 'a0'), 0, 1, ok('/a'));
    h.op(0, create('/b', 'b0'), 0, 1, ok('/b'));
    h.op(1, multi(subSet('/a', 'x'), subSet('/b', 'y')), 2, 10, ok([{ version: 1 }, { version: 1 }]));
    h.op(2, get('/a'), 3, 4, ok({ data: 'x', version: 1 }));
    h.op(2, get('/b'), 5, 6, ok({ data: 'b0', version: 0 }));
    expectViolation(h.build());
  });

  it('catches a failed multi that changed something, and a wrong failing index', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a', 'a0'), 0, 1, ok('/a'));
    h.op(0, create('/b', 'b0'), 0, 1, ok('/b'));
    h.op(1, multi(check('/a', 5), subSet('/b', 'y')), 2, 3, err(ErrorCode.badVersion, 0));
    h.op(2, get('/b'), 4, 5, ok({ data: 'b0', version: 0 }));
    expectPass(h.build());
    h.op(2, get('/b'), 6, 7, ok({ data: 'y', version: 1 }));
    expectViolation(h.build());
    const index = new HistoryBuilder();
    index.op(0, create('/a', 'a0'), 0, 1, ok('/a'));
    index.op(1, multi(check('/a', 5), check('/a', 0)), 2, 3, err(ErrorCode.badVersion, 1));
    expectViolation(index.build());
  });
});

describe('checkLinearizability: implicit deletions and sequential names', () => {
  it('requires a closed session ephemeral to be gone by the time close() returned', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/e', 'e', { ephemeral: true }), 0, 1, ok('/e'));
    h.op(1, get('/e'), 5, 6, ok({ data: 'e', version: 0 }));
    h.session({ session: 's0', client: 0, closedAtMs: 10 });
    expectPass(h.build());
    h.op(1, exists('/e'), 20, 21, ok({ version: 0 }));
    expectViolation(h.build());
  });

  it('lets an ephemeral vanish when its session may have ended, but not a persistent node', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/e', 'e', { ephemeral: true }), 0, 1, ok('/e'));
    h.op(1, exists('/e'), 5, 6, ok(null));
    expectPass(h.build());
    const persistent = new HistoryBuilder();
    persistent.op(0, create('/p', 'p'), 0, 1, ok('/p'));
    persistent.op(1, exists('/p'), 5, 6, ok(null));
    expectViolation(persistent.build());
  });

  it('lets the reaper take a container', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/c', null, { container: true }), 0, 1, ok('/c'));
    h.op(1, exists('/c'), 5, 6, ok(null));
    expectPass(h.build());
  });

  it('models a sequential create as a create of the returned path', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/q/s-', 'x', { sequential: true }), 0, 1, ok('/q/s-0000000000'));
    h.op(1, get('/q/s-0000000000'), 2, 3, ok({ data: 'x', version: 0 }));
    h.op(1, set('/q/s-0000000000', 'y', 0), 4, 5, ok({ version: 1 }));
    expectPass(h.build());
    const phantom = new HistoryBuilder();
    phantom.op(1, get('/q/s-0000000003'), 2, 3, ok({ data: 'x', version: 0 }));
    expectViolation(phantom.build());
    // A sequential create that timed out may have made that node.
    phantom.op(0, create('/q/s-', 'x', { sequential: true }), 0, Infinity, unknown);
    expectPass(phantom.build());
  });
});

describe('checkLinearizability: budget, format, determinism', () => {
  /** Many concurrent blind writes and reads that cannot all fit: needs search to refute. */
  function hard(): History {
    const h = withA();
    for (let i = 0; i < 12; i++) h.op(i + 1, set('/a', `w${i}`), 2, 100, ok({ version: i + 1 }));
    h.op(20, get('/a'), 2, 100, ok({ data: 'w3', version: 4 }));
    h.op(21, get('/a'), 2, 100, ok({ data: 'w5', version: 3 }));
    return h.build();
  }

  it('reports unknown, not a pass, when the step budget runs out', () => {
    const result = checkLinearizability(hard(), { stepBudget: 50, reads: 'linearizable' });
    expect(result.ok).toBe('unknown');
    expect(result.ok === 'unknown' ? result.reason : '').toContain('step budget 50');
    expect(result.stats.steps).toBe(50);
    expect(checkLinearizability(hard(), { stepBudget: 1_000_000, reads: 'linearizable' }).ok).toBe(false);
  });

  it('gives the same answer and the same step count every time', () => {
    const a = checkLinearizability(hard(), { stepBudget: 1_000_000, reads: 'linearizable' });
    const b = checkLinearizability(hard(), { stepBudget: 1_000_000, reads: 'linearizable' });
    expect(a).toEqual(b);
  });

  it('throws HistoryFormatError for a malformed history', () => {
    const h = new HistoryBuilder();
    h.op(0, create('/a'), 0, 1, ok({ path: '/a' }));
    expect(() => checkLinearizability(h.build(), linearizable)).toThrow(HistoryFormatError);
    const backwards = new HistoryBuilder();
    backwards.op(0, create('/a'), 5, 1, ok('/a'));
    expect(() => checkLinearizability(backwards.build(), linearizable)).toThrow(/returnMs 1 before callMs 5/);
  });

  it('counts what it leaves out', () => {
    const h = new HistoryBuilder();
    h.op(0, { type: 'sync', path: '/' }, 0, 1, ok(null));
    h.op(0, create('/a'), 2, 3, err(ErrorCode.noAuth));
    const result = checkLinearizability(h.build(), linearizable);
    expect(result.ok).toBe(true);
    expect(result.stats.notModelled).toEqual({ sync: 1, 'create error -102': 1 });
  });
});
