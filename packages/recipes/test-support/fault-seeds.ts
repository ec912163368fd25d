/**
 * Seeds for the recipes' fault tests, and the line that replays one. Each fault
 * test runs a few seeds by default (CI stays quick); RECIPES_SEEDS widens or
 * narrows that: `RECIPES_SEEDS=17` (one seed, to replay a failure),
 * `RECIPES_SEEDS=1,5,9` or `RECIPES_SEEDS=1-200` (a range, for a long soak).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export function faultSeeds(defaults: readonly number[]): number[] {
  const text = process.env.RECIPES_SEEDS?.trim();
  if (text === undefined || text === '') return [...defaults];
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range !== null) {
      for (let seed = Number(range[1]); seed <= Number(range[2]); seed++) seeds.push(seed);
    } else if (/^\d+$/.test(part.trim())) {
      seeds.push(Number(part));
    } else {
      throw new Error(`RECIPES_SEEDS: expected seeds like 7, 1,5,9 or 1-200; got ${JSON.stringify(text)}`);
    }
  }
  return seeds;
}

/** `RECIPES_SEEDS=<seed> npx vitest run <file>`: the command that replays one seed of a fault test. */
export function replayLine(seed: number, testFileUrl: string): string {
  return `RECIPES_SEEDS=${seed} npx vitest run ${relative(process.cwd(), fileURLToPath(testFileUrl))}`;
}

/** Run a seeded test body; on failure the error names the seed and how to replay it, on one line. */
export async function withReplay(seed: number, testFileUrl: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const line = `seed ${seed} failed; replay: ${replayLine(seed, testFileUrl)}`;
    console.error(line);
    if (error instanceof Error) error.message = `${line}\n${error.message}`;
    throw error;
  }
}
