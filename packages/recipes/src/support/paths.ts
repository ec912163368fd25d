/** Path helpers for recipe nodes. Paths are absolute ZooKeeper paths as the client sees them (chroot already applied). */

export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** The parent of an absolute path; '/' for top-level nodes. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last component of a path. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Checks a recipe's base path once, at construction, with a message that names the option. */
export function checkRecipePath(option: string, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//')) {
    throw new TypeError(`${option} must be an absolute ZooKeeper path such as /app/lock, got ${JSON.stringify(path)}`);
  }
  if (path === '/') throw new TypeError(`${option} must not be the root; give each recipe its own node`);
  return path;
}
