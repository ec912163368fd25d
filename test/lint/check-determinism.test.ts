import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script with no type declarations
import { findViolations } from '../../scripts/check-determinism.mjs';

describe('determinism lint', () => {
  it('flags wall clock, timers, global randomness and node imports', () => {
    const source = [
      'const a = Date.now();',
      'setTimeout(() => {}, 1);',
      'const r = Math.random();',
      "import { readFileSync } from 'node:fs';",
      'const t = performance.now();',
    ].join('\n');
    const lines = findViolations(source).map((v: { line: number }) => v.line);
    expect(lines).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores comments and strings', () => {
    const source = [
      '// Date.now() is forbidden here',
      "const message = 'never call Math.random()';",
      '/* setTimeout( */ const x = 1;',
    ].join('\n');
    expect(findViolations(source)).toEqual([]);
  });
});
