/**
 * The README's examples are src/readme-examples.test.ts, word for word: every
 * `<!-- example: NAME -->` code block in the README equals the `// #region NAME`
 * of the test file, in the same order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = readFileSync(new URL('./readme-examples.test.ts', import.meta.url), 'utf8');

function regionsOf(source: string): Map<string, string> {
  const regions = new Map<string, string>();
  for (const match of source.matchAll(/^\/\/ #region ([\w-]+)\n([\s\S]*?)^\/\/ #endregion$/gm)) regions.set(match[1] as string, (match[2] as string).trimEnd());
  return regions;
}

function readmeBlocks(source: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of source.matchAll(/^<!-- example: ([\w-]+) -->\n```ts\n([\s\S]*?)^```$/gm)) blocks.set(match[1] as string, (match[2] as string).trimEnd());
  return blocks;
}

describe('README examples', () => {
  it('has an example for every recipe family', () => {
    expect([...regionsOf(examples).keys()]).toEqual([
      'imports', 'mutex', 'semaphore', 'read-write-lock', 'revocation', 'leader-latch', 'leader-selector', 'queue', 'barriers', 'counter', 'membership-and-discovery', 'caches', 'under-faults',
    ]);
  });

  it('shows every region of readme-examples.test.ts word for word (README order may differ)', () => {
    const regions = regionsOf(examples);
    const blocks = readmeBlocks(readme);
    expect([...blocks.keys()].sort()).toEqual([...regions.keys()].sort());
    for (const [name, code] of regions) expect(blocks.get(name), `README block ${name}`).toBe(code);
  });
});
