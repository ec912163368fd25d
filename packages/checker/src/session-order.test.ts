import { ErrorCode } from '@vivarium/protocol';
import { describe, expect, it } from 'vitest';
import { HistoryBuilder, get, set, ok, err, unknown } from '../test-support/history-builder.ts';
import { checkSessionOrder } from './session-order.ts';

describe('checkSessionOrder', () => {
  it('accepts replies in call order with non-decreasing zxids, across a reconnect', () => {
    const h = new HistoryBuilder();
    h.op(0, set('/a', 'x'), 0, 5, ok({ version: 1 }), { zxid: 0x100000003n });
    h.op(0, get('/a'), 1, 6, ok({ data: 'x', version: 1 }), { zxid: 0x100000003n });
    h.op(0, set('/a', 'y'), 7, 8, unknown);
    h.op(0, get('/a'), 20, 21, ok({ data: 'x', version: 1 }), { zxid: 0x200000001n });
    expect(checkSessionOrder(h.build())).toEqual({ ok: true });
  });

  it('catches replies out of order within a session', () => {
    const h = new HistoryBuilder();
    h.op(0, set('/a', 'x'), 0, 9, ok({ version: 1 }));
    h.op(0, get('/a'), 1, 4, ok({ data: 'x', version: 1 }));
    const result = checkSessionOrder(h.build());
    expect(result.ok).toBe(false);
    expect(result.ok === false ? result.violation : '').toMatch(/replies out of order: #2 .* before #1/);
  });

  it('ignores unknown outcomes for FIFO', () => {
    const h = new HistoryBuilder();
    h.op(0, set('/a', 'x'), 0, 9, err(ErrorCode.connectionLoss));
    h.op(0, get('/a'), 1, 4, ok({ data: 'x', version: 1 }));
    expect(checkSessionOrder(h.build()).ok).toBe(true);
  });

  it('catches a session going back in time after a reconnect', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a'), 0, 1, ok({ data: 'x', version: 1 }), { zxid: 0x100000005n });
    h.op(0, get('/a'), 10, 11, ok({ data: 'x', version: 1 }), { zxid: 0x100000004n });
    h.op(1, get('/a'), 12, 13, ok({ data: 'x', version: 1 }), { zxid: 0x100000001n });
    const result = checkSessionOrder(h.build());
    expect(result.ok === false ? result.violation : '').toMatch(/session s0: went back in time: #2 saw zxid 0x100000004 after #1 had seen 0x100000005/);
  });

  it('catches a reply zxid that no member committed', () => {
    const h = new HistoryBuilder();
    h.op(0, get('/a'), 0, 1, ok({ data: 'x', version: 1 }), { zxid: 0x100000009n });
    h.op(0, get('/a'), 2, 3, ok({ data: 'x', version: 1 }), { zxid: 0x200000000n });
    const members = [{ member: 1, committed: [{ zxid: 0x100000001n, fingerprint: 'a' }, { zxid: 0x100000002n, fingerprint: 'b' }], establishedEpochs: [] }];
    const result = checkSessionOrder(h.build({ members }));
    const violation = result.ok === false ? result.violation : '';
    expect(violation).toContain('#1 saw zxid 0x100000009, which no member committed');
    expect(violation).not.toContain('#2'); // a new epoch's first zxid carries no txn
  });
});
