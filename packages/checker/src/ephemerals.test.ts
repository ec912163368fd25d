import { ErrorCode } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryBuilder, get, err } from '../test-support/history-builder.ts';
import { checkEphemeralCleanup } from './ephemerals.ts';

describe('checkEphemeralCleanup', () => {
  it('needs the final ephemerals', () => {
    expect(checkEphemeralCleanup(new HistoryBuilder().build()).ok).toBe('unknown');
  });

  it('accepts ephemerals of live sessions and catches those of ended ones', () => {
    const h = new HistoryBuilder();
    h.session({ session: 'a1', client: 0, closedAtMs: 40 });
    h.session({ session: 'd4', client: 3, expiredAtMs: 50 });
    h.session({ session: 'b2', client: 1 });
    h.op(2, get('/x'), 5, 6, err(ErrorCode.sessionExpired), { session: 'c3' });
    expect(checkEphemeralCleanup(h.build({ finalEphemerals: [{ path: '/e1', owner: 'b2' }] }))).toEqual({ ok: true });
    const result = checkEphemeralCleanup(h.build({ finalEphemerals: [{ path: '/e1', owner: 'a1' }, { path: '/e2', owner: 'c3' }, { path: '/e3', owner: 'b2' }, { path: '/e4', owner: 'd4' }] }));
    expect(result.ok === false ? result.violation : '').toBe(
      'ephemeral /e1 outlived its session a1 (closed at 40 ms)\nephemeral /e2 outlived its session c3 (#1 was told it expired at 6 ms)\n' +
        'ephemeral /e4 outlived its session d4 (expired, known at 50 ms)',
    );
  });
});
