import { EventType } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import type { History } from './history.ts';
import { runCheckers } from './run-checkers.ts';

/** The example in history.ts's doc comment (keep the two in step). */
const example: History = {
  seed: 42,
  operations: [
    { id: 1, client: 0, session: '100000a1', op: { type: 'create', path: '/a', data: 'x', sequential: false, ephemeral: false },
      callMs: 0, returnMs: 3, outcome: { kind: 'ok', value: '/a' }, zxid: 0x100000002n },
    { id: 2, client: 1, session: '200000b7', op: { type: 'setData', path: '/a', data: 'y', version: 0 },
      callMs: 4, returnMs: Infinity, outcome: { kind: 'unknown' } },
    { id: 3, client: 0, session: '100000a1', op: { type: 'getData', path: '/a', watch: true },
      callMs: 5, returnMs: 6, outcome: { kind: 'ok', value: { data: 'y', version: 1 } }, zxid: 0x100000003n },
    { id: 4, client: 0, session: '100000a1', op: { type: 'multi', ops: [
        { type: 'check', path: '/a', version: 1 },
        { type: 'create', path: '/q/s-', data: null, sequential: true, ephemeral: true } ] },
      callMs: 7, returnMs: 9, outcome: { kind: 'ok', value: [null, '/q/s-0000000000'] }, zxid: 0x100000004n },
    { id: 5, client: 1, session: '200000b7', op: { type: 'delete', path: '/a', version: 0 },
      callMs: 8, returnMs: 10, outcome: { kind: 'error', code: -103 } },
  ],
  watchEvents: [],
  sessions: [{ session: '100000a1', client: 0 }, { session: '200000b7', client: 1, expiredAtMs: 30 }],
  members: [
    { member: 1, establishedEpochs: [{ epoch: 1, leader: 1 }], committed: [
      { zxid: 0x100000001n, fingerprint: 'createSession 100000a1' }, { zxid: 0x100000002n, fingerprint: 'create /a' },
      { zxid: 0x100000003n, fingerprint: 'setData /a' }, { zxid: 0x100000004n, fingerprint: 'multi' },
      { zxid: 0x100000005n, fingerprint: 'error -103' } ] },
  ],
  initialNodes: [{ path: '/q', data: null, version: 0 }],
  finalEphemerals: [{ path: '/q/s-0000000000', owner: '100000a1' }],
};

describe('runCheckers', () => {
  it('passes the documented example', () => {
    const report = runCheckers(example, { stepBudget: 10_000 });
    expect(report.summary).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.linearizabilityStats.operations).toBeGreaterThan(0);
  });

  it('collects each checker violation under its name', () => {
    const broken: History = {
      ...example,
      watchEvents: [{ client: 0, session: '100000a1', path: '/a', type: EventType.nodeDeleted, atMs: 20 }], // the delete failed
      finalEphemerals: [{ path: '/e', owner: '200000b7' }],
    };
    const report = runCheckers(broken, { stepBudget: 10_000 });
    expect(report.ok).toBe(false);
    expect(report.summary.map((s) => s.split(':')[0])).toEqual(['watches', 'ephemeralCleanup']);
  });

  it('reports unknown when only the budget stands in the way', () => {
    const report = runCheckers(example, { stepBudget: 1 });
    expect(report.ok).toBe('unknown');
    expect(report.summary[0]).toMatch(/^linearizability \(undecided\)/);
  });
});
