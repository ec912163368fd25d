/**
 * Znode path rules and path arithmetic. These run on every request, so they scan
 * UTF-16 code units with charCodeAt and never build intermediate arrays.
 *
 * The validation rules are ZooKeeper's (PathUtils.validatePath, 3.8.4 and 3.9.5
 * are identical): Java also iterates UTF-16 `char`s, so the code-unit ranges below
 * mean the same thing here as there. Any non-BMP character is therefore invalid,
 * because both of its surrogates fall in \ud800-\uf8ff.
 */
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';

const slash = 0x2f;
const dot = 0x2e;

/**
 * Why `path` is not a valid znode path, in ZooKeeper's words
 * (the IllegalArgumentException message of PathUtils.validatePath), or undefined when it is valid.
 * The first problem in scan order wins, as in ZooKeeper.
 */
export function pathProblem(path: string | null | undefined): string | undefined {
  if (path === null || path === undefined) return 'Path cannot be null';
  const length = path.length;
  if (length === 0) return 'Path length must be > 0';
  if (path.charCodeAt(0) !== slash) return 'Path must start with / character';
  if (length === 1) return undefined; // the root
  if (path.charCodeAt(length - 1) === slash) return 'Path must not end with / character';

  let previous = slash;
  for (let i = 1; i < length; previous = path.charCodeAt(i), i++) {
    const c = path.charCodeAt(i);
    let reason: string | undefined;
    if (c === 0) {
      reason = 'null character not allowed';
    } else if (c === slash) {
      if (previous === slash) reason = 'empty node name specified';
    } else if (c === dot) {
      // A segment that is exactly "." or "..": this dot ends the segment and the
      // segment started right after a slash (one dot) or one char earlier (two dots).
      const endsSegment = i + 1 === length || path.charCodeAt(i + 1) === slash;
      if (endsSegment) {
        if (previous === slash) reason = 'relative paths not allowed';
        else if (previous === dot && path.charCodeAt(i - 2) === slash) reason = 'relative paths not allowed';
      }
    } else if (
      (c >= 0x0001 && c <= 0x001f) ||
      (c >= 0x007f && c <= 0x009f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      c >= 0xfff0
    ) {
      reason = 'invalid character';
    }
    if (reason !== undefined) return `Invalid path string "${path}" caused by ${reason} @${i}`;
  }
  return undefined;
}

/** Throws BADARGUMENTS (-8) unless `path` is a valid znode path (PathUtils.validatePath). */
export function validatePath(path: string | null | undefined): void {
  const problem = pathProblem(path);
  if (problem !== undefined) throw badPath(path, problem);
}

/**
 * The client-side check for a create (PathUtils.validatePath(path, isSequential), which the Java
 * client calls before sending): a sequential path is checked with a digit appended, so "/a/" and
 * "/a/lock-" style prefixes ending in '/' pass when the server will append the sequence number.
 *
 * The server itself is laxer before the suffix is appended: see `createParentPathOf`, and the
 * PrepRequestProcessor note there.
 */
export function validateCreatePath(path: string | null | undefined, isSequential: boolean): void {
  // Java's `path + "1"` turns a null path into "null1", which then fails the leading-'/' rule.
  const checked = isSequential ? `${path}1` : path;
  const problem = pathProblem(checked);
  if (problem !== undefined) throw badPath(path, problem);
}

/**
 * The server's first path check for create (PrepRequestProcessor.validatePathForCreate; delete's
 * getParentPathAndValidate is the same plus a special-path check): BADARGUMENTS only when there is
 * no '/' at all or the path holds a NUL. It returns the parent path, everything before the last
 * '/', with ZooKeeper's "" (its second name for the root) given as "/".
 *
 * Nothing else is checked at this step, which decides which error wins: "a/b" yields parent "a",
 * which does not exist, so ZooKeeper answers NONODE, not BADARGUMENTS; "//a" yields parent "/" and
 * only fails later, at the full validatePath after the CREATE permission check. The full path
 * (with any sequence suffix) is validated with `validatePath` after the ACL check.
 */
export function createParentPathOf(path: string): string {
  const lastSlash = path.lastIndexOf('/');
  if (lastSlash === -1 || path.indexOf('\u0000') !== -1) {
    throw new ZooKeeperError(ErrorCode.badArguments, { path, detail: 'path has no / or contains a null character' });
  }
  return lastSlash === 0 ? '/' : path.slice(0, lastSlash);
}

/** The parent of a valid, non-root path. Asking for the root's parent is a broken invariant. */
export function parentOf(path: string): string {
  const lastSlash = path.lastIndexOf('/');
  if (lastSlash <= 0) {
    if (lastSlash === 0 && path.length > 1) return '/';
    throw new Error(`invariant: parentOf(${JSON.stringify(path)}): not a non-root znode path`);
  }
  return path.slice(0, lastSlash);
}

/** The last segment of a valid path; "" for the root. */
export function baseNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `child` is a single segment (non-empty, no '/'); anything else is a broken invariant. */
export function joinPath(parent: string, child: string): string {
  if (child.length === 0 || child.indexOf('/') !== -1) {
    throw new Error(`invariant: joinPath child ${JSON.stringify(child)} is not a single path segment`);
  }
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/**
 * True when `path` is `ancestor` or lies below it, segment-wise: "/a" is an ancestor of "/a/b"
 * but not of "/ab". Both are valid paths; the root is everyone's ancestor.
 */
export function isAncestorOrSelf(ancestor: string, path: string): boolean {
  if (ancestor === '/') return true;
  const length = ancestor.length;
  if (path.length === length) return path === ancestor;
  return path.length > length && path.charCodeAt(length) === slash && path.startsWith(ancestor);
}

function badPath(path: string | null | undefined, detail: string): ZooKeeperError {
  return new ZooKeeperError(ErrorCode.badArguments, { path: path ?? undefined, detail });
}
