import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import {
  baseNameOf,
  createParentPathOf,
  isAncestorOrSelf,
  joinPath,
  parentOf,
  pathProblem,
  validateCreatePath,
  validatePath,
} from './path.ts';

const seed = Number(process.env.FC_SEED ?? 42);

function thrown(run: () => void): ZooKeeperError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZooKeeperError);
    return error as ZooKeeperError;
  }
  throw new Error('expected a ZooKeeperError');
}

describe('validatePath', () => {
  it.each([
    '/',
    '/a',
    '/a/b/c',
    '/zookeeper/quota',
    '/a.b',
    '/...',
    '/.a',
    '/a.',
    '/..a',
    '/a..',
    '/a/.b/..c/d..',
    '/a b',
    '/\u00a0',
    '/é/日本',
    '/\ud7ff',
    '/\uf900',
    '/\uffef',
    '/lock-0000000001',
  ])('accepts %j', (path) => {
    expect(pathProblem(path)).toBeUndefined();
    expect(() => validatePath(path)).not.toThrow();
  });

  // The messages are PathUtils.validatePath's IllegalArgumentException texts, checked against
  // ZooKeeper 3.8.0's jar.
  it.each([
    [null, 'Path cannot be null'],
    [undefined, 'Path cannot be null'],
    ['', 'Path length must be > 0'],
    ['a', 'Path must start with / character'],
    ['a/b', 'Path must start with / character'],
    ['/a/', 'Path must not end with / character'],
    ['//', 'Path must not end with / character'],
    ['//a', 'Invalid path string "//a" caused by empty node name specified @1'],
    ['/a//b', 'Invalid path string "/a//b" caused by empty node name specified @3'],
    ['/.', 'Invalid path string "/." caused by relative paths not allowed @1'],
    ['/..', 'Invalid path string "/.." caused by relative paths not allowed @2'],
    ['/a/./b', 'Invalid path string "/a/./b" caused by relative paths not allowed @3'],
    ['/a/../b', 'Invalid path string "/a/../b" caused by relative paths not allowed @4'],
    ['/a/..', 'Invalid path string "/a/.." caused by relative paths not allowed @4'],
    ['/a\u0000b', 'Invalid path string "/a\u0000b" caused by null character not allowed @2'],
    ['/\u0001', 'Invalid path string "/\u0001" caused by invalid character @1'],
    ['/a\u001f', 'Invalid path string "/a\u001f" caused by invalid character @2'],
    ['/\u007f', 'Invalid path string "/\u007f" caused by invalid character @1'],
    ['/\u0080', 'Invalid path string "/\u0080" caused by invalid character @1'],
    ['/\u009f', 'Invalid path string "/\u009f" caused by invalid character @1'],
    ['/\ud800', 'Invalid path string "/\ud800" caused by invalid character @1'],
    ['/\ue000', 'Invalid path string "/\ue000" caused by invalid character @1'],
    ['/\uf8ff', 'Invalid path string "/\uf8ff" caused by invalid character @1'],
    ['/\ufff0', 'Invalid path string "/\ufff0" caused by invalid character @1'],
    ['/\ufffd', 'Invalid path string "/\ufffd" caused by invalid character @1'],
    ['/\uffff', 'Invalid path string "/\uffff" caused by invalid character @1'],
    ['/x😀', 'Invalid path string "/x😀" caused by invalid character @2'],
    // The first problem in scan order wins.
    ['/\u0001//b', 'Invalid path string "/\u0001//b" caused by invalid character @1'],
    ['/a//\u0000', 'Invalid path string "/a//\u0000" caused by empty node name specified @3'],
    ['/a\u0000/', 'Path must not end with / character'],
  ])('rejects %j: %s', (path, message) => {
    expect(pathProblem(path)).toBe(message);
    const error = thrown(() => validatePath(path));
    expect(error.code).toBe(ErrorCode.badArguments);
    expect(error.path).toBe(path ?? undefined);
    expect(error.message).toContain(message);
  });

  // An independent statement of the rules, segment by segment.
  function referenceValid(path: string): boolean {
    if (path === '/') return true;
    if (!path.startsWith('/') || path.endsWith('/')) return false;
    return path
      .slice(1)
      .split('/')
      .every(
        (segment) =>
          segment !== '' &&
          segment !== '.' &&
          segment !== '..' &&
          !/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(segment),
      );
  }

  it('agrees with a segment-wise statement of the rules on arbitrary strings', () => {
    const pathChar = fc.constantFrom('/', '/', '.', '.', 'a', 'b', '\u0000', '\u0001', '\u007f', '\u00e9', '\ud83d', '\ude00', '\uf8ff', '\uf900', '\ufff0');
    const arbitraryPath = fc.oneof(
      fc.array(pathChar, { maxLength: 12 }).map((chars) => chars.join('')),
      fc.array(pathChar, { maxLength: 12 }).map((chars) => `/${chars.join('')}`),
      fc.string({ unit: 'binary', maxLength: 12 }).map((text) => `/${text}`),
    );
    fc.assert(
      fc.property(arbitraryPath, (path) => {
        expect(pathProblem(path) === undefined).toBe(referenceValid(path));
      }),
      { seed, numRuns: 2000 },
    );
  });
});

describe('validateCreatePath', () => {
  it('checks a sequential path as if a digit were already appended (PathUtils.validatePath(path, true))', () => {
    expect(() => validateCreatePath('/a/', true)).not.toThrow();
    expect(() => validateCreatePath('/', true)).not.toThrow();
    expect(() => validateCreatePath('/a/lock-', true)).not.toThrow();
    expect(() => validateCreatePath('/a/.', true)).not.toThrow(); // "/a/.1"
    expect(() => validateCreatePath('/a/..', true)).not.toThrow(); // "/a/..1"
  });

  it('still rejects what a suffix cannot repair, naming the suffixed path as ZooKeeper does', () => {
    const error = thrown(() => validateCreatePath('/a//', true));
    expect(error.code).toBe(ErrorCode.badArguments);
    expect(error.path).toBe('/a//');
    expect(error.message).toContain('Invalid path string "/a//1" caused by empty node name specified @3');
    expect(() => validateCreatePath('a/', true)).toThrow('Path must start with / character');
    expect(() => validateCreatePath('', true)).toThrow('Path must start with / character'); // "1"
    expect(() => validateCreatePath(null, true)).toThrow('Path must start with / character'); // Java: null + "1"
    expect(() => validateCreatePath(null, false)).toThrow('Path cannot be null');
  });

  it('is plain validatePath for a non-sequential create', () => {
    expect(() => validateCreatePath('/a/b', false)).not.toThrow();
    expect(() => validateCreatePath('/a/', false)).toThrow('Path must not end with / character');
    expect(() => validateCreatePath('/a/.', false)).toThrow('relative paths not allowed @3');
  });
});

describe('createParentPathOf (PrepRequestProcessor.validatePathForCreate)', () => {
  it.each([
    ['/a', '/'],
    ['/a/b', '/a'],
    ['/a/b/c', '/a/b'],
    ['/', '/'],
    ['//a', '/'],
    ['/a/', '/a'],
    ['a/b', 'a'],
    ['/a/\u0001', '/a'],
  ])('%j has parent %j', (path, parent) => {
    expect(createParentPathOf(path)).toBe(parent);
  });

  it.each(['', 'abc', '/a\u0000', '\u0000/a'])('rejects %j with BADARGUMENTS', (path) => {
    const error = thrown(() => createParentPathOf(path));
    expect(error.code).toBe(ErrorCode.badArguments);
    expect(error.path).toBe(path);
  });
});

describe('path arithmetic', () => {
  it('parentOf', () => {
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(() => parentOf('/')).toThrow(/invariant/);
    expect(() => parentOf('a')).toThrow(/invariant/);
  });

  it('baseNameOf', () => {
    expect(baseNameOf('/')).toBe('');
    expect(baseNameOf('/a')).toBe('a');
    expect(baseNameOf('/a/bc')).toBe('bc');
  });

  it('joinPath', () => {
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
    expect(() => joinPath('/a', '')).toThrow(/invariant/);
    expect(() => joinPath('/a', 'b/c')).toThrow(/invariant/);
  });

  it('isAncestorOrSelf compares whole segments', () => {
    expect(isAncestorOrSelf('/', '/')).toBe(true);
    expect(isAncestorOrSelf('/', '/a/b')).toBe(true);
    expect(isAncestorOrSelf('/a', '/a')).toBe(true);
    expect(isAncestorOrSelf('/a', '/a/b')).toBe(true);
    expect(isAncestorOrSelf('/a', '/ab')).toBe(false);
    expect(isAncestorOrSelf('/a/b', '/a')).toBe(false);
    expect(isAncestorOrSelf('/a', '/')).toBe(false);
    expect(isAncestorOrSelf('/a/b', '/a/c/b')).toBe(false);
  });

  const segment = fc.stringMatching(/^[a-z0-9.-]{1,4}$/).filter((s) => s !== '.' && s !== '..');
  const validPath = fc.array(segment, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`);

  it('joinPath, parentOf and baseNameOf agree, and built paths are valid', () => {
    fc.assert(
      fc.property(validPath, segment, (parent, child) => {
        const path = joinPath(parent, child);
        expect(pathProblem(path)).toBeUndefined();
        expect(parentOf(path)).toBe(parent);
        expect(baseNameOf(path)).toBe(child);
        expect(createParentPathOf(path)).toBe(parent);
        expect(isAncestorOrSelf(parent, path)).toBe(true);
        expect(isAncestorOrSelf(path, parent)).toBe(false);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('isAncestorOrSelf matches a segment-list prefix test', () => {
    const segments = (path: string): string[] => (path === '/' ? [] : path.slice(1).split('/'));
    fc.assert(
      fc.property(validPath, validPath, (a, b) => {
        const sa = segments(a);
        const sb = segments(b);
        const expected = sa.length <= sb.length && sa.every((s, i) => s === sb[i]);
        expect(isAncestorOrSelf(a, b)).toBe(expected);
      }),
      { seed, numRuns: 2000 },
    );
  });
});
