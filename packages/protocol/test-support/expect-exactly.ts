/** Round-trip assertions for the codecs (test support; not shipped). */
import { expect } from 'vitest';

/** Strict equality that also tells a Buffer from a plain Uint8Array and null from empty bytes. */
export function expectExactly(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  const walk = (a: unknown, e: unknown): void => {
    if (e instanceof Uint8Array) {
      expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
      return;
    }
    if (typeof e === 'bigint') expect(typeof a).toBe('bigint');
    if (e !== null && typeof e === 'object') for (const key of Object.keys(e)) walk((a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key]);
  };
  walk(actual, expected);
}
