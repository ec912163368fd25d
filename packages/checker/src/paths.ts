/** The parent of a znode path: `/a/b` -> `/a`, `/a` -> `/`, `/` -> undefined. */
export function parentPath(path: string): string | undefined {
  if (path === '/') return undefined;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** ZooKeeper's sequence suffix: `String.format("%010d", n)`, so ten digits, or `-` and nine for a negative counter. */
const suffixPattern = /^(\d{10}|-\d{9})$/;

/** The counter in a sequential name created from `prefix`, or undefined if `path` is not one. */
export function sequenceNumber(prefix: string, path: string): number | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const suffix = path.slice(prefix.length);
  return suffixPattern.test(suffix) ? Number(suffix) : undefined;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
