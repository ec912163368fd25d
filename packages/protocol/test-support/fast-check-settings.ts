/**
 * One seed for every property in the protocol suite: FC_SEED from the
 * environment, else a fixed default, so any failure replays with
 * `FC_SEED=<seed> npx vitest run packages/protocol`. fast-check's failure
 * message also prints the seed and the shrunk counterexample path.
 */
const envSeed = process.env['FC_SEED'];
export const fcSeed: number = envSeed === undefined || envSeed === '' ? 0x5eed_2025 : Number(envSeed);
if (!Number.isInteger(fcSeed)) throw new Error(`FC_SEED must be an integer, got ${envSeed}`);

export function fcParams(numRuns = 300): { seed: number; numRuns: number } {
  return { seed: fcSeed, numRuns };
}
