/**
 * The README's cookbook is src/cookbook.test.ts, word for word: every
 * `<!-- cookbook: NAME -->` code block in the README equals the `// #region NAME`
 * of the test file, except that the test imports the hooks from './vitest.ts'
 * where the README imports them from '@vivarium/testing/vitest'.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const tests = readFileSync(new URL('./cookbook.test.ts', import.meta.url), 'utf8');

function regionsOf(source: string): Map<string, string> {
  const regions = new Map<string, string>();
  for (const match of source.matchAll(/^\/\/ #region ([\w-]+)\n([\s\S]*?)^\/\/ #endregion$/gm)) {
    regions.set(match[1] as string, (match[2] as string).replaceAll("'./vitest.ts'", "'@vivarium/testing/vitest'").trimEnd());
  }
  return regions;
}

function readmeBlocks(source: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of source.matchAll(/^<!-- cookbook: ([\w-]+) -->\n```ts\n([\s\S]*?)^```$/gm)) {
    blocks.set(match[1] as string, (match[2] as string).trimEnd());
  }
  return blocks;
}

describe('README cookbook', () => {
  const regions = regionsOf(tests);
  const blocks = readmeBlocks(readme);

  it('has the five recipes the issue asks for, and the shared imports', () => {
    expect([...regions.keys()]).toEqual(['imports', 'lock-holder-dies', 'leader-fails-over', 'session-expires-during-a-write', 'follower-partitioned-and-healed', 'config-watch-sees-every-change']);
  });

  it('shows every region of cookbook.test.ts, in the same order, word for word', () => {
    expect([...blocks.keys()]).toEqual([...regions.keys()]);
    for (const [name, code] of regions) expect(blocks.get(name), `README block ${name}`).toBe(code);
  });
});
