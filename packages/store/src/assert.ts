/**
 * Broken invariants are assertions that stay on in production (DESIGN rule 5):
 * never a ZooKeeperError, never downgraded to a log line.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
