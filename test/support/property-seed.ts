/**
 * Property tests run from a pinned seed, printed so any failure replays with
 * `FC_SEED=<seed> npx vitest run <file>`. Without FC_SEED the test's own default is used,
 * so CI is deterministic; set FC_SEED=random to explore.
 */
export function propertySeed(defaultSeed: number, label: string): number {
  const fromEnv = process.env.FC_SEED;
  const seed = fromEnv === undefined ? defaultSeed : fromEnv === 'random' ? Math.floor(Math.random() * 0x7fffffff) : Number(fromEnv);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got ${fromEnv}`);
  console.log(`[property] ${label}: seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
}
