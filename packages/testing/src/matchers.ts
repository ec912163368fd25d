/**
 * Custom matchers for fixtures, registered with vitest by `@vivarium/testing/vitest`.
 * Written against the small part of a matcher's `this` they use, so this file
 * needs nothing from vitest; every failure message names the fixture's seed.
 */
import type { SessionState } from '@vivarium/client';
import type { DataTree } from '@vivarium/store';

interface MatcherContext {
  isNot: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

interface LeaderLike {
  id: number;
  isLeader: boolean;
  state?: string;
  seed?: number;
  currentLeaderId?: number | undefined;
}

/** A member or a server fixture (anything with a `tree`), or a DataTree itself. */
type TreeHolder = { tree: DataTree; id?: number; seed?: number } | DataTree;

function seedNote(received: unknown): string {
  const seed = typeof received === 'object' && received !== null ? (received as { seed?: unknown }).seed : undefined;
  return typeof seed === 'number' ? ` [seed ${seed}]` : '';
}

function describe(received: unknown): string {
  if (typeof received !== 'object' || received === null) return String(received);
  const id = (received as { id?: unknown }).id;
  return typeof id === 'number' ? `member ${id}` : 'the server';
}

function isLeaderLike(value: unknown): value is LeaderLike {
  return typeof value === 'object' && value !== null && typeof (value as LeaderLike).isLeader === 'boolean' && typeof (value as LeaderLike).id === 'number';
}

/** `expect(zk.member(3)).toBeLeader()`: it leads an established epoch and serves clients. */
export function toBeLeader(this: MatcherContext, received: unknown): MatcherResult {
  if (!isLeaderLike(received)) {
    return { pass: false, message: () => `toBeLeader: expected an ensemble member (zk.member(id), zk.leader()), got ${String(received)}` };
  }
  const pass = received.isLeader;
  const leaderId = received.currentLeaderId;
  const leaderText = leaderId === undefined ? 'no member leads' : `member ${leaderId} leads`;
  return {
    pass,
    message: () => pass
      ? `expected member ${received.id} not to be the leader, but it leads${seedNote(received)}`
      : `expected member ${received.id} to be the leader, but it is ${received.state ?? 'not leading'} (${leaderText})${seedNote(received)}`,
  };
}

function treeOf(received: unknown): { tree: DataTree } | { error: string } {
  if (typeof received !== 'object' || received === null) return { error: `toHaveNode: expected a member, a server fixture or a DataTree, got ${String(received)}` };
  if (typeof (received as DataTree).has === 'function' && typeof (received as DataTree).get === 'function') return { tree: received as DataTree };
  try {
    const tree = (received as { tree?: DataTree }).tree;
    if (tree === undefined) return { error: `toHaveNode: ${describe(received)} has no tree` };
    return { tree };
  } catch (error) {
    // A member that is down has no tree: say so rather than throw from inside expect.
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function bytesOf(data: string | Uint8Array | null): Uint8Array | null {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function show(data: Uint8Array | null): string {
  if (data === null) return 'null';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  // Shown as text when it has no control characters, as bytes otherwise.
  return /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) ? JSON.stringify(text) : `bytes [${Array.from(data).join(', ')}]`;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * `expect(member).toHaveNode('/config')`, or with its value: `toHaveNode('/config', 'v2')`
 * (a string is compared as UTF-8; pass a Uint8Array for bytes, null for no data).
 * Reads the member's own replica: what that member has applied, not what a client would read.
 */
export function toHaveNode(this: MatcherContext, received: TreeHolder | unknown, path: string, data?: string | Uint8Array | null): MatcherResult {
  const found = treeOf(received);
  if ('error' in found) return { pass: false, message: () => `${found.error}${seedNote(received)}` };
  const node = found.tree.get(path);
  const who = describe(received);
  if (node === undefined) {
    return { pass: false, message: () => `expected ${who} to have ${path}, but it does not${seedNote(received)}` };
  }
  if (data === undefined) {
    return { pass: true, message: () => `expected ${who} not to have ${path}, but it does (${show(node.data)})${seedNote(received)}` };
  }
  const expected = bytesOf(data);
  const pass = sameBytes(node.data, expected);
  return {
    pass,
    message: () => pass
      ? `expected ${who} not to have ${path} = ${show(expected)}, but it does${seedNote(received)}`
      : `expected ${who} to have ${path} = ${show(expected)}, but it holds ${show(node.data)}${seedNote(received)}`,
    actual: node.data === null ? null : new TextDecoder().decode(node.data),
    expected: expected === null ? null : new TextDecoder().decode(expected),
  };
}

/** `expect(client).toHaveSessionState('expired')`. */
export function toHaveSessionState(this: MatcherContext, received: unknown, state: SessionState): MatcherResult {
  const actual = typeof received === 'object' && received !== null ? (received as { state?: unknown }).state : undefined;
  if (typeof actual !== 'string') return { pass: false, message: () => `toHaveSessionState: expected a ZooKeeperClient, got ${String(received)}` };
  const sessionId = (received as { sessionId?: unknown }).sessionId;
  const session = typeof sessionId === 'bigint' ? ` (session 0x${sessionId.toString(16)})` : '';
  const pass = actual === state;
  return {
    pass,
    message: () => pass ? `expected the client${session} not to be ${state}` : `expected the client${session} to be ${state}, but it is ${actual}`,
    actual,
    expected: state,
  };
}

export const vivariumMatchers = { toBeLeader, toHaveNode, toHaveSessionState };

/** The matchers' signatures, merged into vitest's Assertion by `@vivarium/testing/vitest`. */
export interface VivariumMatchers<R = unknown> {
  /** The member leads an established epoch and serves clients. */
  toBeLeader(): R;
  /** The member's (or server's) own tree holds `path`, with this value when one is given (string: UTF-8). */
  toHaveNode(path: string, data?: string | Uint8Array | null): R;
  /** The client's session state: 'connecting' | 'connected' | 'disconnected' | 'expired' | 'authFailed' | 'closed'. */
  toHaveSessionState(state: SessionState): R;
}
