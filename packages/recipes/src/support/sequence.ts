/**
 * Sequential nodes end in a ten-digit counter (%010d). Recipe nodes carry a
 * protection prefix that differs per creator, so order comes from the counter,
 * never from the whole name.
 */
const sequenceDigits = 10;

/** The counter at the end of a sequential node's name; NaN when the name has none. */
export function sequenceOf(name: string): number {
  if (name.length < sequenceDigits) return Number.NaN;
  const digits = name.slice(-sequenceDigits);
  return /^-?\d+$/.test(digits) ? Number(digits) : Number.NaN;
}

/** Names with a sequence suffix, in sequence order (ties, which ZooKeeper never makes, by name). */
export function sortBySequence(names: readonly string[]): string[] {
  return names
    .filter((name) => !Number.isNaN(sequenceOf(name)))
    .sort((a, b) => sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether `child` is a sequential node named `name` (`lock-`, `read-`...),
 * with or without a protection prefix: it ends in `name` and ten digits.
 */
export function isSequentialNamed(child: string, name: string): boolean {
  const end = child.length - sequenceDigits;
  return end >= name.length && child.slice(end - name.length, end) === name && /^\d+$/.test(child.slice(end));
}
