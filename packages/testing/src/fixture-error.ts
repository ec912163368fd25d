/**
 * Every error a fixture throws names its seed, so a failure seen once (in CI,
 * on a colleague's machine) can be replayed: pass the same seed, run the same steps.
 */
export class FixtureError extends Error {
  readonly seed: number;

  constructor(message: string, seed: number, options: { cause?: unknown } = {}) {
    super(withSeed(message, seed), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FixtureError';
    this.seed = seed;
  }
}

/** `close()` found something the fixture opened still open: the list says what. */
export class FixtureLeakError extends FixtureError {
  readonly leaks: readonly string[];

  constructor(kind: string, leaks: readonly string[], seed: number) {
    super(`${kind}.close() left resources behind: ${leaks.join('; ')}`, seed);
    this.name = 'FixtureLeakError';
    this.leaks = leaks;
  }
}

/** `message [seed N]`, unless the message already names this seed (errors from the ensemble often do). */
export function withSeed(message: string, seed: number): string {
  return message.includes(`seed ${seed}`) ? message : `${message} [seed ${seed}]`;
}

/** Re-throw anything a fixture step throws as a FixtureError that names the seed, keeping the original as `cause`. */
export function rethrowWithSeed(error: unknown, seed: number, context: string): never {
  if (error instanceof FixtureError) throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new FixtureError(`${context}: ${message}`, seed, { cause: error });
}

/** A seed for a fixture that was not given one. Not the core's concern (DESIGN rule 2): this is the test's edge. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

export function checkSeed(seed: unknown, kind: string): number {
  // The generators read a seed as 32 bits; a wider one would silently collide with another.
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`${kind}: seed must be an integer in 0..4294967295, got ${JSON.stringify(seed)}`);
  }
  return seed;
}
