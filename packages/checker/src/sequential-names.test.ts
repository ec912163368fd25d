import { describe, expect, it } from 'vitest';
import { HistoryBuilder, create, del, ok, unknown } from '../test-support/history-builder.ts';
import { checkSequentialNames } from './sequential-names.ts';

const seq = (prefix: string) => create(prefix, null, { sequential: true });

function violation(h: HistoryBuilder): string {
  const result = checkSequentialNames(h.build());
  expect(result.ok).toBe(false);
  return result.ok === false ? result.violation : '';
}

describe('checkSequentialNames', () => {
  it('accepts increasing names, shared across stems, with concurrent creates in any order', () => {
    const h = new HistoryBuilder();
    h.op(0, seq('/q/a-'), 0, 1, ok('/q/a-0000000000'));
    h.op(1, seq('/q/b-'), 2, 3, ok('/q/b-0000000001'));
    h.op(0, seq('/q/a-'), 4, 9, ok('/q/a-0000000003'));
    h.op(1, seq('/q/a-'), 5, 8, ok('/q/a-0000000002'));
    h.op(2, seq('/r/x'), 0, 1, ok('/r/x0000000000'));
    expect(checkSequentialNames(h.build())).toEqual({ ok: true });
  });

  it('catches a later create getting a smaller number', () => {
    const h = new HistoryBuilder();
    h.op(0, seq('/q/a-'), 0, 1, ok('/q/a-0000000005'));
    h.op(1, seq('/q/a-'), 2, 3, ok('/q/a-0000000004'));
    expect(violation(h)).toContain('under /q, #2 (called at 2 ms, after #1 returned at 1 ms) got /q/a-0000000004, not above /q/a-0000000005');
  });

  it('catches a number given twice, even to overlapping creates', () => {
    const h = new HistoryBuilder();
    h.op(0, seq('/q/a-'), 0, 5, ok('/q/a-0000000001'));
    h.op(1, seq('/q/b-'), 1, 6, ok('/q/b-0000000001'));
    expect(violation(h)).toContain('both got sequence number 1');
  });

  it('catches a name without the requested prefix or suffix', () => {
    const h = new HistoryBuilder();
    h.op(0, seq('/q/a-'), 0, 1, ok('/q/a-12'));
    expect(violation(h)).toContain('asked for a sequential name after "/q/a-" and got "/q/a-12"');
  });

  it('does not compare across a possible deletion of the parent', () => {
    const h = new HistoryBuilder();
    h.op(0, seq('/q/a-'), 0, 1, ok('/q/a-0000000003'));
    h.op(1, del('/q'), 2, 3, unknown);
    h.op(0, create('/q'), 4, 5, ok('/q'));
    h.op(0, seq('/q/a-'), 6, 7, ok('/q/a-0000000000'));
    expect(checkSequentialNames(h.build())).toEqual({ ok: true });
  });
});
